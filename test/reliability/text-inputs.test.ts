/**
 * Every text input read as users' editors and exports write it: with a UTF-8 byte-order mark, CRLF
 * or lone-CR line ends, gzipped, with non-ASCII names; each such variant gives the same results as the
 * clean file. A comma-separated table, a decimal comma, ragged rows, a binary file or latin-1 bytes are
 * each a one-line error naming the file at fault, never a different parse.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { runJob } from '../../src/scan/job.js';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { scratchDir } from '../helpers/paths.js';

const dir = scratchDir('text-inputs');
const out = join(dir, 'out');
const bb = join(dir, 'bb');
const pl = join(dir, 'pl');

beforeAll(async () => {
  const cohort = simulateCohort({
    nIndividuals: 37,
    nSnps: 45,
    nChromosomes: 2,
    familySize: 2,
    nCausal: 2,
    nCovariates: 2,
    missingGenotypeRate: 0.01,
    missingPhenotypeRate: 0.05,
    seed: 11,
  });
  await writeBimbam(bb, cohort);
  await writePlink(pl, cohort);
});

type Key = 'g' | 'p' | 'c' | 'a';
const bimbamFiles = (): Record<Key, string> => ({
  g: `${bb}.geno.txt`,
  p: `${bb}.pheno.txt`,
  c: `${bb}.cov.txt`,
  a: `${bb}.anno.txt`,
});

let runs = 0;
/** Runs an -lm 4 scan in this process; the .assoc.txt bytes, or the error message. */
async function scan(flags: string[]): Promise<{ assoc?: Buffer; error?: string }> {
  const name = `r${runs++}`;
  const config = toScanConfig(
    parseFlags([...flags, '-lm', '4', '-outdir', out, '-o', name, '--quiet', '--no-plots']),
    'test',
  );
  try {
    await runJob(config, new TsEngine(), 'test');
  } catch (e) {
    return { error: (e as Error).message };
  }
  return { assoc: readFileSync(join(out, `${name}.assoc.txt`)) };
}
const bimbamScan = (over: Partial<Record<Key, string>> = {}) => {
  const f = { ...bimbamFiles(), ...over };
  return scan(['-g', f.g, '-p', f.p, '-c', f.c, '-a', f.a]);
};

/** Writes a variant of `source` (its text passed through `edit`) and returns its path. */
function variant(source: string, name: string, edit: (text: string) => string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, edit(readFileSync(source, 'utf8')));
  return path;
}
const BOM = '\uFEFF';
const encodings: Array<[string, (t: string) => string | Buffer]> = [
  ['BOM', (t) => BOM + t],
  ['CRLF', (t) => t.replace(/\n/g, '\r\n')],
  ['CR', (t) => t.replace(/\n/g, '\r')],
  ['BOM + CRLF, no final line end', (t) => BOM + t.trimEnd().replace(/\n/g, '\r\n')],
  ['gzipped BOM + CR', (t) => gzipSync(Buffer.from(BOM + t.replace(/\n/g, '\r')))],
];

describe('BOM and line-end variants give the clean result', () => {
  it.each(
    (['g', 'p', 'c', 'a'] as const).flatMap((key) =>
      encodings.map(([label, edit]) => [key, label, edit] as const),
    ),
  )('BIMBAM -%s with %s', async (key, label, edit) => {
    const clean = await bimbamScan();
    expect(clean.error).toBeUndefined();
    const path = variant(bimbamFiles()[key], `${key}-${label.replace(/\W+/g, '_')}.txt`, edit);
    const got = await bimbamScan({ [key]: path });
    expect(got.error).toBeUndefined();
    expect(got.assoc!.equals(clean.assoc!)).toBe(true);
  });

  it.each(
    (['bim', 'fam'] as const).flatMap((ext) =>
      encodings.filter(([l]) => !l.startsWith('gzip')).map(([label, edit]) => [ext, label, edit] as const),
    ),
  )('PLINK .%s with %s', async (ext, label, edit) => {
    const clean = await scan(['-bfile', pl]);
    const prefix = join(dir, `pl-${ext}-${label.replace(/\W+/g, '_')}`);
    for (const e of ['bed', 'bim', 'fam']) writeFileSync(`${prefix}.${e}`, readFileSync(`${pl}.${e}`));
    variant(`${pl}.${ext}`, `${prefix.slice(dir.length + 1)}.${ext}`, edit);
    const got = await scan(['-bfile', prefix]);
    expect(got.error).toBeUndefined();
    expect(got.assoc!.equals(clean.assoc!)).toBe(true);
  });

  it('a non-ASCII SNP name in a .bim comes out as the same UTF-8 bytes', async () => {
    const prefix = join(dir, 'pl-utf8');
    for (const e of ['bed', 'fam']) writeFileSync(`${prefix}.${e}`, readFileSync(`${pl}.${e}`));
    writeFileSync(`${prefix}.bim`, BOM + readFileSync(`${pl}.bim`, 'utf8').replace('\trs1\t', '\trs1_é\t'));
    const got = await scan(['-bfile', prefix]);
    expect(got.error).toBeUndefined();
    const first = got.assoc!.toString('utf8').split('\n')[1].split('\t');
    const bim = readFileSync(`${pl}.bim`, 'utf8').split('\n')[0].split('\t');
    expect(first.slice(0, 3)).toEqual([bim[0], 'rs1_é', bim[3]]);
  });
});

describe('what is not the format is a clear error naming the file', () => {
  const cases: Array<{
    name: string;
    key: Key;
    edit: (t: string) => string | Buffer;
    error: (path: string) => string;
  }> = [
    {
      name: 'a CSV phenotype file with an empty cell',
      key: 'p',
      edit: (t) => t.replace(/\n/g, ',1\n').replace(/^[^,\n]+,/m, ','),
      error: (p) =>
        `${p}:1: ",1": a decimal comma or a comma-separated (CSV) table; separate columns with spaces or tabs, write decimals with a point and missing values as NA`,
    },
    {
      name: 'a decimal comma in the phenotype file',
      key: 'p',
      edit: (t) => t.replace(/^[^\n]*/, '9,944'),
      error: (p) =>
        `${p}:1: "9,944": a decimal comma or a comma-separated (CSV) table; separate columns with spaces or tabs, write decimals with a point and missing values as NA`,
    },
    {
      name: 'a comma-separated covariate file',
      key: 'c',
      edit: (t) => t.replace(/ /g, ','),
      error: (p) =>
        `${p}:1: "${readFileSync(p, 'utf8').split('\n')[0]}": a decimal comma or a comma-separated (CSV) table; separate columns with spaces or tabs, write decimals with a point and missing values as NA`,
    },
    {
      name: 'a phenotype row with an extra column',
      key: 'p',
      edit: (t) => t.replace(/\n/, '\n2 '),
      error: (p) => `${p}:2: 2 columns, but the first row has 1 (every row needs the same number)`,
    },
    {
      name: 'two phenotype values run together (rows of two widths)',
      key: 'p',
      edit: (t) => t.replace(/\n/g, ' 0.5\n').replace(/^(\S+) 0\.5$/m, '$1.25'),
      error: (p) =>
        `${p}:1: phenotype "${readFileSync(p, 'utf8').split('\n')[0]}" is not a number (use NA for missing)`,
    },
    {
      name: 'an annotation row with an empty cell',
      key: 'a',
      edit: (t) => t.replace(/^rs3, \d+, 1$/m, 'rs3, , 1'),
      error: (p) => `${p}:3: empty field between commas (write NA for a missing value)`,
    },
    {
      name: 'an annotation row with a field more than the others',
      key: 'a',
      edit: (t) => t.replace(/^(rs4, \d+, 1)$/m, '$1, 0.5'),
      error: (p) => `${p}:4: 4 fields, but the first row has 3 (every row needs the same number)`,
    },
    {
      name: 'a phenotype file one row short (blamed, not the covariates)',
      key: 'p',
      edit: (t) => t.replace(/\n[^\n]*\n$/, '\n'),
      error: (p) => `${p}: has 36 rows but the genotype file ${bb}.geno.txt has 37 individuals`,
    },
    {
      name: 'a genotype file whose first row is short (blamed, not the phenotypes)',
      key: 'g',
      edit: (t) => t.replace(/, [^,\n]+\n/, '\n'),
      error: (p) => `${p}:1: SNP rs1 has 36 genotypes, expected 37 (one per sample)`,
    },
    {
      name: 'a binary file as covariates',
      key: 'c',
      edit: () => Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)),
      error: (p) => `${p}:1: covariate file is not a text file (NUL byte at offset 0)`,
    },
    {
      name: 'a latin-1 genotype file',
      key: 'g',
      edit: (t) => Buffer.from(t.replace('rs2,', 'rs2_é,'), 'latin1'),
      error: (p) => `${p}:2: genotype file is not UTF-8 text (save it as UTF-8)`,
    },
    {
      name: 'a latin-1 annotation file',
      key: 'a',
      edit: (t) => Buffer.from(t.replace('rs2,', 'rs2_é,'), 'latin1'),
      error: (p) => `${p}:2: annotation file is not UTF-8 text (save it as UTF-8)`,
    },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const path = variant(bimbamFiles()[c.key], `bad-${c.name.replace(/\W+/g, '_')}.txt`, c.edit);
    const got = await bimbamScan({ [c.key]: path });
    expect(got.error).toBe(c.error(path));
  });

  it('a latin-1 .bim is refused, not re-encoded', async () => {
    const prefix = join(dir, 'pl-latin1');
    for (const e of ['bed', 'fam']) writeFileSync(`${prefix}.${e}`, readFileSync(`${pl}.${e}`));
    writeFileSync(
      `${prefix}.bim`,
      Buffer.from(readFileSync(`${pl}.bim`, 'utf8').replace('\trs1\t', '\trs1_é\t'), 'latin1'),
    );
    expect((await scan(['-bfile', prefix])).error).toBe(
      `${prefix}.bim:1: .bim file is not UTF-8 text (save it as UTF-8)`,
    );
  });

  it('a .fam row wider than the others', async () => {
    const prefix = join(dir, 'pl-wide');
    for (const e of ['bed', 'bim']) writeFileSync(`${prefix}.${e}`, readFileSync(`${pl}.${e}`));
    writeFileSync(`${prefix}.fam`, readFileSync(`${pl}.fam`, 'utf8').replace(/\n/, ' 7\n'));
    expect((await scan(['-bfile', prefix])).error).toBe(
      `${prefix}.fam:2: 6 fields, but the first row has 7 (every row needs the same number)`,
    );
  });

  it('a long bad field is cut and its control bytes escaped', async () => {
    const path = variant(`${bb}.pheno.txt`, 'long-field.pheno.txt', (t) =>
      t.replace(/^[^\n]*/, `x\u0007${'y'.repeat(2000)}`),
    );
    const got = await bimbamScan({ p: path });
    expect(got.error).toBe(
      `${path}:1: phenotype "x\\x07${'y'.repeat(35)}"... (2002 characters) is not a number (use NA for missing)`,
    );
  });
});
