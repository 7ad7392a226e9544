/**
 * A corpus of corrupted inputs, one per validation rule: each must give a non-zero exit, a
 * one-line message naming the offending file, no stack trace, and no result file.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { CLI, scratchDir } from '../helpers/paths.js';

const dir = scratchDir('corrupt');
const good = join(dir, 'good');
const bb = join(dir, 'bb');

beforeAll(async () => {
  const cohort = simulateCohort({
    nIndividuals: 41,
    nSnps: 60,
    nChromosomes: 2,
    familySize: 2,
    nCausal: 2,
    nCovariates: 2,
    missingGenotypeRate: 0.01,
    missingPhenotypeRate: 0.05,
    seed: 5,
  });
  await writePlink(good, cohort);
  await writeBimbam(bb, cohort);
  const k = new Array(41)
    .fill(0)
    .map((_, i) =>
      new Array(41)
        .fill(0)
        .map((__, j) => (i === j ? 1 : 0.1))
        .join('\t'),
    )
    .join('\n');
  writeFileSync(join(dir, 'good.K.txt'), `${k}\n`);
});

/** Copies the good PLINK set to a new prefix, letting `mutate` change one of its files. */
function plinkVariant(
  name: string,
  mutate: (files: { bed: string; bim: string; fam: string }) => void,
): string {
  const prefix = join(dir, name);
  for (const ext of ['bed', 'bim', 'fam']) copyFileSync(`${good}.${ext}`, `${prefix}.${ext}`);
  mutate({ bed: `${prefix}.bed`, bim: `${prefix}.bim`, fam: `${prefix}.fam` });
  return prefix;
}
const editLines = (path: string, edit: (lines: string[]) => string[]) => {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  writeFileSync(path, edit(lines).join('\n') + '\n');
};
const copyWith = (src: string, name: string, edit: (lines: string[]) => string[]) => {
  const path = join(dir, name);
  copyFileSync(src, path);
  editLines(path, edit);
  return path;
};
const bimbamArgs = (over: Partial<Record<'g' | 'p' | 'c' | 'a', string>> = {}) => [
  '-g',
  over.g ?? `${bb}.geno.txt`,
  '-p',
  over.p ?? `${bb}.pheno.txt`,
  '-c',
  over.c ?? `${bb}.cov.txt`,
  '-a',
  over.a ?? `${bb}.anno.txt`,
];

interface Case {
  name: string;
  args: () => string[];
  /** The file the message must name, and a phrase it must contain. */
  file: () => string;
  reason: RegExp;
}

const cases: Case[] = [
  {
    name: 'wrong .bed magic',
    args: () => [
      '-bfile',
      plinkVariant('magic', (f) => {
        const b = readFileSync(f.bed);
        b[1] = 0x1c;
        writeFileSync(f.bed, b);
      }),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'magic.bed'),
    reason: /magic/,
  },
  {
    name: 'individual-major .bed mode',
    args: () => [
      '-bfile',
      plinkVariant('mode', (f) => {
        const b = readFileSync(f.bed);
        b[2] = 0;
        writeFileSync(f.bed, b);
      }),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'mode.bed'),
    reason: /SNP-major/,
  },
  {
    name: 'truncated .bed',
    args: () => [
      '-bfile',
      plinkVariant('trunc', (f) => writeFileSync(f.bed, readFileSync(f.bed).subarray(0, 200))),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'trunc.bed'),
    reason: /does not match/,
  },
  {
    name: '.bim with an extra SNP (size mismatch)',
    args: () => [
      '-bfile',
      plinkVariant('bimplus', (f) => editLines(f.bim, (l) => [...l, '2\trsX\t0\t999999\tA\tG'])),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'bimplus.bed'),
    reason: /does not match/,
  },
  {
    name: '.fam line with too few fields',
    args: () => [
      '-bfile',
      plinkVariant('famshort', (f) =>
        editLines(f.fam, (l) => {
          l[4] = 'F I 0 0';
          return l;
        }),
      ),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'famshort.fam'),
    reason: /:5: expected at least 6 fields/,
  },
  {
    name: '.bim line with too few fields',
    args: () => [
      '-bfile',
      plinkVariant('bimshort', (f) =>
        editLines(f.bim, (l) => {
          l[9] = '1\trs9\t0';
          return l;
        }),
      ),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'bimshort.bim'),
    reason: /:10: expected 6 fields/,
  },
  {
    name: 'duplicated sample ID',
    args: () => [
      '-bfile',
      plinkVariant('dup', (f) =>
        editLines(f.fam, (l) => {
          l[3] = l[2];
          return l;
        }),
      ),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'dup.fam'),
    reason: /:4: duplicated sample ID/,
  },
  {
    name: 'non-numeric phenotype in .fam',
    args: () => [
      '-bfile',
      plinkVariant('famabc', (f) =>
        editLines(f.fam, (l) => {
          l[6] = l[6].replace(/\S+$/, 'abc');
          return l;
        }),
      ),
      '-lm',
      '1',
    ],
    file: () => join(dir, 'famabc.fam'),
    reason: /:7: phenotype "abc" is not a number/,
  },
  {
    name: 'BIMBAM row with too few genotypes',
    args: () => [
      ...bimbamArgs({
        g: copyWith(`${bb}.geno.txt`, 'short.geno.txt', (l) => {
          l[12] = l[12].replace(/, [^,]+$/, '');
          return l;
        }),
      }),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'short.geno.txt'),
    reason: /:13: SNP \S+ has 40 genotypes, expected 41/,
  },
  {
    name: 'BIMBAM genotype outside [0, 2]',
    args: () => [
      ...bimbamArgs({
        g: copyWith(`${bb}.geno.txt`, 'range.geno.txt', (l) => {
          l[3] = l[3].replace(/, [^,]+$/, ', 2.7');
          return l;
        }),
      }),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'range.geno.txt'),
    reason: /:4: genotype 2.7 .* outside \[0, 2\]/,
  },
  {
    name: 'non-finite phenotype',
    args: () => [
      ...bimbamArgs({
        p: copyWith(`${bb}.pheno.txt`, 'inf.pheno.txt', (l) => {
          l[2] = 'Infinity';
          return l;
        }),
      }),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'inf.pheno.txt'),
    reason: /:3: phenotype "Infinity" is not a number/,
  },
  {
    name: 'non-numeric covariate',
    args: () => [
      ...bimbamArgs({
        c: copyWith(`${bb}.cov.txt`, 'abc.cov.txt', (l) => {
          l[6] = '1 x 3';
          return l;
        }),
      }),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'abc.cov.txt'),
    reason: /:7: covariate "x" is not a number/,
  },
  {
    name: 'covariate file with too few rows',
    args: () => [
      ...bimbamArgs({ c: copyWith(`${bb}.cov.txt`, 'rows.cov.txt', (l) => l.slice(0, 30)) }),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'rows.cov.txt'),
    reason: /has 30 rows but the genotypes have 41 individuals/,
  },
  {
    name: 'kinship with the wrong number of rows',
    args: () => [
      ...bimbamArgs(),
      '-k',
      copyWith(join(dir, 'good.K.txt'), 'rows.K.txt', (l) => l.slice(0, 40)),
      '-lmm',
      '1',
    ],
    file: () => join(dir, 'rows.K.txt'),
    reason: /has 40 rows but there are 41 individuals/,
  },
  {
    name: 'kinship that is not square',
    args: () => [
      ...bimbamArgs(),
      '-k',
      copyWith(join(dir, 'good.K.txt'), 'square.K.txt', (l) => {
        l[5] = l[5].replace(/\t[^\t]+$/, '');
        return l;
      }),
      '-lmm',
      '1',
    ],
    file: () => join(dir, 'square.K.txt'),
    reason: /:6: kinship matrix is not square/,
  },
  {
    name: 'kinship that is not symmetric',
    args: () => [
      ...bimbamArgs(),
      '-k',
      copyWith(join(dir, 'good.K.txt'), 'sym.K.txt', (l) => {
        const f = l[2].split('\t');
        f[7] = '0.5';
        l[2] = f.join('\t');
        return l;
      }),
      '-lmm',
      '1',
    ],
    file: () => join(dir, 'sym.K.txt'),
    reason: /not symmetric/,
  },
  {
    name: 'kinship with NaN',
    args: () => [
      ...bimbamArgs(),
      '-k',
      copyWith(join(dir, 'good.K.txt'), 'nan.K.txt', (l) => {
        l[4] = l[4].replace(/^[^\t]+/, 'nan');
        return l;
      }),
      '-lmm',
      '1',
    ],
    file: () => join(dir, 'nan.K.txt'),
    reason: /:5: kinship matrix value "nan"/,
  },
  {
    name: 'missing genotype file',
    args: () => [...bimbamArgs({ g: join(dir, 'nothere.geno.txt') }), '-gk', '1'],
    file: () => join(dir, 'nothere.geno.txt'),
    reason: /not found/,
  },
  {
    name: 'no analysable individual',
    args: () => [
      ...bimbamArgs({ p: copyWith(`${bb}.pheno.txt`, 'allna.pheno.txt', (l) => l.map(() => 'NA')) }),
      '-gk',
      '1',
    ],
    file: () => join(dir, 'allna.pheno.txt'),
    reason: /zero analysable individuals/,
  },
  {
    name: 'no analysable SNP',
    args: () => [...bimbamArgs(), '-maf', '0.5', '-lm', '1'],
    file: () => `${bb}.geno.txt`,
    reason: /zero analysable SNPs/,
  },
  {
    name: 'collinear covariates',
    args: () => [
      ...bimbamArgs({
        c: copyWith(`${bb}.cov.txt`, 'col.cov.txt', (l) =>
          l.map((r) => {
            const f = r.split(' ');
            return [...f, String(2 * Number(f[1]))].join(' ');
          }),
        ),
      }),
      '-lm',
      '1',
    ],
    file: () => join(dir, 'col.cov.txt'),
    reason: /collinear/,
  },
  {
    name: 'phenotype with zero variance',
    args: () => [
      ...bimbamArgs({
        p: copyWith(`${bb}.pheno.txt`, 'const.pheno.txt', (l) => l.map((v) => (v === 'NA' ? v : '3.5'))),
      }),
      '-lm',
      '1',
    ],
    file: () => join(dir, 'const.pheno.txt'),
    reason: /zero variance/,
  },
];

describe('corrupted inputs', () => {
  it('has at least 15 cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const outdir = join(dir, `out-${c.name.replace(/\W+/g, '_')}`);
    mkdirSync(outdir, { recursive: true });
    const r = spawnSync(process.execPath, [CLI, ...c.args(), '-outdir', outdir, '-o', 'x'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(c.file());
    expect(r.stderr).toMatch(c.reason);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(outdir)).toEqual([]);
  });
});
