/**
 * Side-by-side parity with the Debian gemma binary on a cohort generated here: families and
 * sub-populations, two covariates, missing genotypes and missing phenotypes, PLINK and BIMBAM.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { compareAssoc, maxMatrixDifference } from '../helpers/compare-assoc.js';
import { requireComparator } from '../helpers/comparators.js';
import { PARITY_ENGINES } from '../helpers/engines.js';
import { scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';

const runIt = requireComparator('gemma', 'gemma');

describe.runIf(runIt)('gemma binary side by side', () => {
  const dir = scratchDir('gemma-side');
  const gemma = (args: string[]) => execFileSync('gemma', args, { cwd: dir, stdio: 'pipe' });
  const plink = join(dir, 'cohort');
  const bimbam = join(dir, 'cohort_bb');
  const covNoIntercept = join(dir, 'cov_no_intercept.txt');

  beforeAll(async () => {
    const cohort = simulateCohort({
      nIndividuals: 263,
      nSnps: 1201,
      nChromosomes: 3,
      familySize: 3,
      nSubpopulations: 2,
      nCausal: 4,
      heritability: 0.5,
      nCovariates: 2,
      missingGenotypeRate: 0.02,
      missingPhenotypeRate: 0.1,
      seed: 7,
    });
    await writePlink(plink, cohort);
    await writeBimbam(bimbam, cohort, { gzip: true });
    // The same covariates without the intercept column: GEMMA (and lmmscan) must append one.
    const cov = readFileSync(`${bimbam}.cov.txt`, 'utf8').trimEnd().split('\n');
    writeFileSync(covNoIntercept, cov.map((l) => l.split(/\s+/).slice(1).join(' ')).join('\n') + '\n');
    gemma(['-bfile', plink, '-gk', '1', '-o', 'g_plink']);
    gemma([
      '-bfile',
      plink,
      '-k',
      'output/g_plink.cXX.txt',
      '-c',
      covNoIntercept,
      '-lmm',
      '4',
      '-o',
      'g_plink_lmm4',
    ]);
    gemma([
      '-g',
      `${bimbam}.geno.txt.gz`,
      '-p',
      `${bimbam}.pheno.txt`,
      '-c',
      `${bimbam}.cov.txt`,
      '-a',
      `${bimbam}.anno.txt`,
      '-gk',
      '2',
      '-o',
      'g_bb',
    ]);
    gemma([
      '-g',
      `${bimbam}.geno.txt.gz`,
      '-p',
      `${bimbam}.pheno.txt`,
      '-c',
      `${bimbam}.cov.txt`,
      '-a',
      `${bimbam}.anno.txt`,
      '-k',
      'output/g_bb.sXX.txt',
      '-lmm',
      '4',
      '-o',
      'g_bb_lmm4',
    ]);
    gemma(['-bfile', plink, '-c', covNoIntercept, '-lm', '4', '-o', 'g_plink_lm4']);
  }, 300_000);

  describe.each(PARITY_ENGINES)('engine %s', (engine) => {
    const out = join(dir, `ours-${engine}`);
    const o = (name: string) => ['-outdir', out, '-o', name, '--engine', engine];
    it('PLINK: -gk 1 then -lmm 4 with covariates (intercept appended)', async () => {
      await lmmscan(['-bfile', plink, '-gk', '1', ...o('plink')], engine);
      expect(
        maxMatrixDifference(join(out, 'plink.cXX.txt'), join(dir, 'output', 'g_plink.cXX.txt')),
      ).toBeLessThan(1e-6);
      await lmmscan(
        [
          '-bfile',
          plink,
          '-k',
          join(out, 'plink.cXX.txt'),
          '-c',
          covNoIntercept,
          '-lmm',
          '4',
          ...o('plink_lmm4'),
        ],
        engine,
      );
      const r = compareAssoc(
        join(out, 'plink_lmm4.assoc.txt'),
        join(dir, 'output', 'g_plink_lmm4.assoc.txt'),
      );
      expect(r.problems, r.problems.slice(0, 10).join('\n')).toEqual([]);
      expect(r.rows).toBeGreaterThan(1000);
    });
    it('BIMBAM (gzip): -gk 2 then -lmm 4', async () => {
      const bb = [
        '-g',
        `${bimbam}.geno.txt.gz`,
        '-p',
        `${bimbam}.pheno.txt`,
        '-c',
        `${bimbam}.cov.txt`,
        '-a',
        `${bimbam}.anno.txt`,
      ];
      await lmmscan([...bb, '-gk', '2', ...o('bb')], engine);
      expect(maxMatrixDifference(join(out, 'bb.sXX.txt'), join(dir, 'output', 'g_bb.sXX.txt'))).toBeLessThan(
        1e-6,
      );
      await lmmscan([...bb, '-k', join(out, 'bb.sXX.txt'), '-lmm', '4', ...o('bb_lmm4')], engine);
      const r = compareAssoc(join(out, 'bb_lmm4.assoc.txt'), join(dir, 'output', 'g_bb_lmm4.assoc.txt'));
      expect(r.problems, r.problems.slice(0, 10).join('\n')).toEqual([]);
      expect(r.rows).toBeGreaterThan(1000);
    });
    it('PLINK: -lm 4 with covariates', async () => {
      await lmmscan(['-bfile', plink, '-c', covNoIntercept, '-lm', '4', ...o('plink_lm4')], engine);
      const r = compareAssoc(join(out, 'plink_lm4.assoc.txt'), join(dir, 'output', 'g_plink_lm4.assoc.txt'));
      expect(r.problems, r.problems.slice(0, 10).join('\n')).toEqual([]);
    });
  });
});
