/**
 * --lambda-newton reaches the per-SNP search: the flag sets LambdaSearch.snpMethod, and a scan with it moves
 * each SNP's lambda off GEMMA's search's (which stops within 1e-5) by no more than that, on the ts and wasm
 * engines alike.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { readAssoc } from '../helpers/compare-assoc.js';
import { scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';

describe('--lambda-newton', () => {
  const dir = scratchDir('lambda-newton');
  const plink = join(dir, 'cohort');

  beforeAll(async () => {
    const cohort = simulateCohort({
      nIndividuals: 97,
      nSnps: 120,
      nChromosomes: 2,
      familySize: 3,
      nSubpopulations: 2,
      nCausal: 3,
      heritability: 0.6,
      nCovariates: 0,
      missingGenotypeRate: 0,
      missingPhenotypeRate: 0,
      seed: 5,
    });
    await writePlink(plink, cohort);
    await lmmscan(['-bfile', plink, '-gk', '1', '-outdir', dir, '-o', 'k']);
  });

  it('sets the per-SNP method, and only with the flag', () => {
    const config = (flags: string[]) => toScanConfig(parseFlags(flags), flags.join(' '));
    expect(config(['-bfile', plink, '-lmm', '4', '--lambda-newton']).search.snpMethod).toBe('newton');
    expect(config(['-bfile', plink, '-lmm', '4']).search.snpMethod).toBeUndefined();
  });

  it.each(['ts', 'wasm'] as const)(
    'moves lambda within GEMMA stopping distance (%s engine)',
    async (engine) => {
      const k = join(dir, 'k.cXX.txt');
      const run = async (name: string, extra: string[]) => {
        await lmmscan(['-bfile', plink, '-k', k, '-lmm', '1', '-outdir', dir, '-o', name, ...extra], engine);
        const { header, rows } = readAssoc(join(dir, `${name}.assoc.txt`));
        return rows.map((r) => Number(r[header.indexOf('l_remle')]));
      };
      const gemma = await run(`gemma-${engine}`, []);
      const newton = await run(`newton-${engine}`, ['--lambda-newton']);
      let moved = 0;
      gemma.forEach((l, j) => {
        if (l === newton[j]) return;
        moved++;
        expect(Math.abs(newton[j]! - l), `SNP ${j}`).toBeLessThanOrEqual(Math.max(1e-6, 2e-5 * l));
      });
      expect(moved).toBeGreaterThan(0);
    },
  );
});
