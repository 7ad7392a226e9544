/**
 * The multivariate LMM (-n K1 K2 ... -lmm 1-4) side by side with the Debian gemma binary on simulated
 * related cohorts: d = 2, 3, 4 correlated traits with shared and trait-specific causal SNPs, covariates,
 * some individuals missing one trait, PLINK and BIMBAM. GEMMA's per-SNP EM stops at a log-likelihood
 * change of 1e-3, so some of its rows move by more than the tolerance when the phenotypes move by
 * 1e-13; rows are compared where GEMMA agrees with itself under that nudge, and the unstable ones are
 * counted (and checked against a converged fit in stats/mvlmm/optimum.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareMvAssoc } from '../helpers/compare-mv-assoc.js';
import { requireComparator } from '../helpers/comparators.js';
import { writeMvCohort, type MvCohortFiles } from '../helpers/mv-cohort.js';
import { scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';

const runIt = requireComparator('gemma', 'gemma');

interface Case {
  d: number;
  format: 'bimbam' | 'plink';
  modes: number[];
  seed: number;
}

const CASES: Case[] = [
  { d: 2, format: 'bimbam', modes: [1, 2, 3, 4], seed: 3 },
  { d: 3, format: 'plink', modes: [1, 4], seed: 5 },
  { d: 4, format: 'bimbam', modes: [2, 4], seed: 9 },
];

describe.runIf(runIt).each(CASES)('mvLMM with gemma: d = $d, $format', ({ d, format, modes, seed }) => {
  const dir = scratchDir(`mvlmm-${d}`);
  const gemma = (args: string[]) => execFileSync('gemma', args, { cwd: dir, stdio: 'pipe' });
  const columns = Array.from({ length: d }, (_, i) => String(i + 1));
  let files: MvCohortFiles;
  const inputs = (nudged: boolean) =>
    format === 'bimbam'
      ? ['-g', files.geno, '-p', nudged ? files.nudgedPheno : files.pheno, '-a', files.anno, '-c', files.cov]
      : ['-bfile', files.plink, '-p', nudged ? files.nudgedPheno : files.pheno, '-c', files.cov];

  beforeAll(async () => {
    files = await writeMvCohort(join(dir, 'cohort'), d, 240, 150, seed);
    gemma([...inputs(false), '-gk', '1', '-o', 'kin']);
    for (const mode of modes) {
      gemma([...inputs(false), '-n', ...columns, '-k', 'output/kin.cXX.txt', '-lmm', String(mode), '-o', `g${mode}`]);
      gemma([...inputs(true), '-n', ...columns, '-k', 'output/kin.cXX.txt', '-lmm', String(mode), '-o', `g${mode}_nudged`]);
    }
  }, 600_000);

  it.each(modes)('-lmm %i: beta, Vbeta and p-values as GEMMA on its stable rows; null model as its log', async (mode) => {
    const out = join(dir, 'ours');
    await lmmscan([...inputs(false), '-n', ...columns, '-k', join(dir, 'output', 'kin.cXX.txt'), '-lmm', String(mode), '-outdir', out, '-o', `m${mode}`, '--no-plots']);
    const r = compareMvAssoc(join(out, `m${mode}.assoc.txt`), join(dir, 'output', `g${mode}.assoc.txt`), join(dir, 'output', `g${mode}_nudged.assoc.txt`));
    console.log(`d = ${d}, -lmm ${mode}: ${r.rows} rows, ${r.unstable.length} unstable in GEMMA, worst stable difference ${r.worst.toExponential(2)}`);
    expect(r.problems, r.problems.slice(0, 10).join('\n')).toEqual([]);
    expect(r.stable).toBeGreaterThan(r.rows / 2);
  }, 300_000);
});
