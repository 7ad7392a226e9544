/**
 * GEMMA 0.98.5's -lmm 9 (the likelihood ratio test with the score test's beta and se, no logl_H1) on
 * every engine, side by side with gemma on BXD with covariates (dev_tests.rb's test_BXD lines).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareAssoc, readAssoc } from '../helpers/compare-assoc.js';
import { requireComparator } from '../helpers/comparators.js';
import { PARITY_ENGINES } from '../helpers/engines.js';
import { scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';

const EXAMPLE = '/usr/share/doc/gemma/example';
const runIt = requireComparator('gemma', 'gemma');

describe.runIf(runIt)('-lmm 9 side by side with gemma', () => {
  const dir = scratchDir('lmm9');
  const inputs = [
    '-g',
    join(dir, 'BXD_geno.txt.gz'),
    '-p',
    join(dir, 'BXD_pheno.txt'),
    '-c',
    join(dir, 'BXD_covariates2.txt'),
    '-a',
    join(dir, 'BXD_snps.txt'),
  ];

  beforeAll(() => {
    copyFileSync(join(EXAMPLE, 'BXD_geno.txt.gz'), join(dir, 'BXD_geno.txt.gz'));
    copyFileSync(join(EXAMPLE, 'BXD_pheno.txt'), join(dir, 'BXD_pheno.txt'));
    copyFileSync(join(EXAMPLE, 'BXD_covariates2.txt'), join(dir, 'BXD_covariates2.txt'));
    writeFileSync(join(dir, 'BXD_snps.txt'), gunzipSync(readFileSync(join(EXAMPLE, 'BXD_snps.txt.gz'))));
    execFileSync('gemma', [...inputs, '-gk', '-o', 'k'], { cwd: dir, stdio: 'pipe' });
    execFileSync('gemma', [...inputs, '-k', 'output/k.cXX.txt', '-lmm', '9', '-maf', '0.1', '-o', 'g9'], {
      cwd: dir,
      stdio: 'pipe',
    });
    execFileSync('gemma', [...inputs, '-k', 'output/k.cXX.txt', '-lmm', '4', '-maf', '0.1', '-o', 'g4'], {
      cwd: dir,
      stdio: 'pipe',
    });
  }, 300_000);

  it("gemma's -lmm 9 columns are the score test's beta and se with -lmm 2's l_mle and p_lrt", () => {
    const g9 = readAssoc(join(dir, 'output', 'g9.assoc.txt'));
    expect(g9.header.slice(7)).toEqual(['beta', 'se', 'l_mle', 'p_lrt']);
    expect(g9.rows.length).toBeGreaterThan(7000);
  });

  it.each(PARITY_ENGINES)('engine %s', async (engine) => {
    const out = join(dir, `ours-${engine}`);
    await lmmscan(
      [
        ...inputs,
        '-k',
        join(dir, 'output', 'k.cXX.txt'),
        '-lmm',
        '9',
        '-maf',
        '0.1',
        '-outdir',
        out,
        '-o',
        'l9',
        '--no-plots',
      ],
      engine,
    );
    const r = compareAssoc(join(out, 'l9.assoc.txt'), join(dir, 'output', 'g9.assoc.txt'));
    expect(r.problems, r.problems.slice(0, 10).join('\n')).toEqual([]);
    // Not -lmm 4's Wald beta: the score test's, as GEMMA runs the score test first and no Wald test.
    const ours = readAssoc(join(out, 'l9.assoc.txt'));
    const wald = readAssoc(join(dir, 'output', 'g4.assoc.txt'));
    const differing = ours.rows.filter(
      (row, k) => Math.abs(Number(row[7]) - Number(wald.rows[k][7])) > 1e-6 * Math.abs(Number(row[7])),
    ).length;
    expect(differing).toBeGreaterThan(ours.rows.length / 2);
  });
});
