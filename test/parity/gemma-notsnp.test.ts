/**
 * GEMMA's -notsnp (genotypes are any numbers: no [0, 2] check, no maf or hwe filter) side by side with
 * gemma, on BXD's genotypes with some SNPs rescaled out of [0, 2] and shifted below 0.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareAssoc, maxMatrixDifference } from '../helpers/compare-assoc.js';
import { requireComparator } from '../helpers/comparators.js';
import { CLI, scratchDir } from '../helpers/paths.js';

const EXAMPLE = '/usr/share/doc/gemma/example';
const runIt = requireComparator('gemma', 'gemma');

describe.runIf(runIt)('-notsnp side by side with gemma', () => {
  const dir = scratchDir('notsnp');
  const geno = join(dir, 'geno.txt');
  const pheno = join(dir, 'pheno.txt');
  const inputs = ['-g', geno, '-p', pheno, '-notsnp'];
  const lmmscan = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args, '-outdir', join(dir, 'ours'), '--quiet'], {
      cwd: dir,
      encoding: 'utf8',
    });

  beforeAll(() => {
    const rows = gunzipSync(readFileSync(join(EXAMPLE, 'BXD_geno.txt.gz')))
      .toString('utf8')
      .trimEnd()
      .split('\n');
    // Every 5th SNP times 1.7 minus 0.4 (values in [-0.4, 3]); every 7th turned into a rare allele
    // (frequency below GEMMA's default maf), which -notsnp must keep.
    const changed = rows.map((row, k) => {
      const f = row.split(/[ ,\t]+/);
      const values = f.slice(3).map((v, i) => {
        if (v === 'NA') return v;
        if (k % 7 === 0) return i % 40 === 0 ? '1' : '0';
        return k % 5 === 0 ? String(Number(v) * 1.7 - 0.4) : v;
      });
      return [...f.slice(0, 3), ...values].join(', ');
    });
    writeFileSync(geno, changed.join('\n') + '\n');
    writeFileSync(pheno, readFileSync(join(EXAMPLE, 'BXD_pheno.txt')));
    execFileSync('gemma', [...inputs, '-gk', '-o', 'k'], { cwd: dir, stdio: 'pipe' });
    execFileSync('gemma', [...inputs, '-k', 'output/k.cXX.txt', '-lmm', '4', '-o', 'lmm'], {
      cwd: dir,
      stdio: 'pipe',
    });
  }, 300_000);

  it('without -notsnp lmmscan refuses a value outside [0, 2], naming file and line', () => {
    const r = lmmscan(['-g', geno, '-p', pheno, '-gk', '-o', 'refused']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /geno\.txt:\d+: genotype -?[\d.e-]+ of SNP \S+ \(sample \d+\) is outside \[0, 2\]/,
    );
  });

  it("-gk and -lmm 4 give gemma's kinship and every row of its scan, rare SNPs included", () => {
    expect(lmmscan([...inputs, '-gk', '-o', 'k']).status).toBe(0);
    expect(
      maxMatrixDifference(join(dir, 'ours', 'k.cXX.txt'), join(dir, 'output', 'k.cXX.txt')),
    ).toBeLessThan(1e-6);
    const r = lmmscan([
      ...inputs,
      '-k',
      join(dir, 'ours', 'k.cXX.txt'),
      '-lmm',
      '4',
      '-o',
      'lmm',
      '--no-plots',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const cmp = compareAssoc(join(dir, 'ours', 'lmm.assoc.txt'), join(dir, 'output', 'lmm.assoc.txt'));
    expect(cmp.problems, cmp.problems.slice(0, 10).join('\n')).toEqual([]);
    // The rare SNPs (every 7th) are in both outputs.
    expect(cmp.rows).toBeGreaterThan(7000);
  });
});
