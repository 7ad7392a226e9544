/**
 * BGEN reader against plink2's conversions of a simulated related cohort (hard calls with missing
 * calls): every export gives the .bed's dosages exactly, counting the second allele, which plink2
 * writes as the .bim's allele1 (ALT) under `ref-first` (its default lists ALT first). Plus hand-written files for what plink2 does not write.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BgenGenotypes } from '../../src/io/bgen.js';
import { PlinkGenotypes } from '../../src/io/genotypes.js';
import { readBim, readFam } from '../../src/io/plink.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { requireComparator } from '../helpers/comparators.js';
import { scratchDir } from '../helpers/paths.js';
import { readAllDosages } from '../helpers/genotype-files.js';

const dir = scratchDir('bgen');
const havePlink2 = requireComparator('plink2', 'plink2');

describe.runIf(havePlink2)('BGEN exported by plink2 from a .bed', () => {
  const prefix = join(dir, 'cohort');
  let bed: { dosages: Float64Array[]; annotations: ReturnType<PlinkGenotypes['snps']['get']>[] };
  const n = 37; // not a multiple of 4: the .bed's last byte is part padding
  beforeAll(async () => {
    const cohort = simulateCohort({ nIndividuals: n, nSnps: 60, nCausal: 3, missingGenotypeRate: 0.05, seed: 17 });
    await writePlink(prefix, cohort);
    const source = new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), n);
    bed = await readAllDosages(source);
    source.close();
  });

  it.each([
    ['bgen-1.1', ['bgen-1.1', 'ref-first']],
    ['bgen-1.2 bits=8', ['bgen-1.2', 'bits=8', 'ref-first']],
    ['bgen-1.2 bits=16', ['bgen-1.2', 'bits=16', 'ref-first']],
    ['bgen-1.3', ['bgen-1.3', 'ref-first']],
  ])('%s gives the .bed dosages exactly, with the .sample IDs and the .bim annotation', async (label, exportArgs) => {
    const out = join(dir, label.replace(/[ =.]/g, '_'));
    execFileSync('plink2', ['--bfile', prefix, '--export', ...exportArgs, '--out', out, '--silent']);
    const source = new BgenGenotypes(`${out}.bgen`, `${out}.sample`);
    expect(source.nSamples).toBe(n);
    expect(source.samples).toEqual(readFam(`${prefix}.fam`, []).samples);
    const got = await readAllDosages(source, 7);
    expect(got.dosages).toEqual(bed.dosages);
    expect(got.annotations).toEqual(bed.annotations);
    expect(source.skippedMultiallelic).toBe(0);
    // A sparse selection reads only the variants asked for.
    const picked = await readAllDosages(source, 2, Int32Array.from([3, 40, 59]));
    expect(picked.dosages).toEqual([bed.dosages[3], bed.dosages[40], bed.dosages[59]]);
    source.close();
  });
});
