import { it } from 'vitest';
import { join } from 'node:path';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { lmmscan } from '../helpers/run-job.js';
it('sim hits', async () => {
  const out = '/tmp/rep/sim';
  const cohort = simulateCohort({ nIndividuals: 600, nSnps: 8000, nChromosomes: 5, nCausal: 6, heritability: 0.7, familySize: 3, seed: 21 });
  await writePlink(join(out, 'sim'), cohort);
  await lmmscan(['-bfile', join(out, 'sim'), '-gk', '1', '-o', 'sim', '-outdir', out]);
  await lmmscan(['-bfile', join(out, 'sim'), '-k', join(out, 'sim.cXX.txt'), '-lmm', '4', '-o', 'sim_lmm4', '-outdir', out]);
  console.log(Array.from(cohort.causal[0].snpIndices, (k) => cohort.snps[k].rs + '@' + cohort.snps[k].chr).join(' '));
}, 300000);
