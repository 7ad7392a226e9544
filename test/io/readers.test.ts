/** Readers: PLINK (odd sample counts, so the last .bed byte is part padding), BIMBAM, matrices. */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAnnotationFile, readCovariateFile, readPhenotypeFile } from '../../src/io/bimbam.js';
import { streamBimbamGenotypes } from '../helpers/bimbam-rows.js';
import { PlinkGenotypes } from '../../src/io/plink-genotypes.js';
import { InputError } from '../../src/io/input-error.js';
import { formatMatrixBytes, formatVector, readSquareMatrix } from '../../src/io/matrix-file.js';
import { formatGeneral } from '../../src/io/number-format.js';
import { readTextFile, splitFields } from '../../src/io/text-file.js';
import { readBim, readFam } from '../../src/io/plink.js';
import { scratchDir } from '../helpers/paths.js';
import { awkwardMatrix } from '../helpers/awkward-matrix.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('readers');

/** Encodes dosages (NaN = missing) as a .bed the way PLINK does, independently of the reader. */
function writeBed(path: string, genotypes: number[][], n: number) {
  const per = Math.ceil(n / 4);
  const bytes = new Uint8Array(3 + per * genotypes.length);
  bytes.set([0x6c, 0x1b, 0x01]);
  genotypes.forEach((snp, j) => {
    snp.forEach((g, i) => {
      const code = Number.isNaN(g) ? 1 : g === 2 ? 0 : g === 1 ? 2 : 3;
      bytes[3 + j * per + (i >> 2)] |= code << (2 * (i & 3));
    });
  });
  writeFileSync(path, bytes);
}

describe.each([1, 5, 7, 13])('PLINK with %i samples', (n) => {
  it('decodes every genotype, counting allele1, with padding ignored', async () => {
    const next = rng(n);
    const m = 9;
    const genotypes = Array.from({ length: m }, () =>
      Array.from({ length: n }, () => (next() < 0.1 ? NaN : Math.floor(next() * 3))),
    );
    const prefix = join(dir, `p${n}`);
    writeBed(`${prefix}.bed`, genotypes, n);
    writeFileSync(
      `${prefix}.bim`,
      genotypes.map((_, j) => `${1 + (j % 2)}\trs${j}\t0\t${100 * (j + 1)}\tA\tG`).join('\n') + '\n',
    );
    writeFileSync(
      `${prefix}.fam`,
      Array.from({ length: n }, (_, i) => `F${i} I${i} 0 0 1 ${i === 0 ? -9 : (i * 0.5).toFixed(1)}`).join(
        '\n',
      ) + '\n',
    );
    const snps = readBim(`${prefix}.bim`);
    expect(snps.get(3)).toEqual({ chr: '2', rs: 'rs3', pos: '400', allele1: 'A', allele0: 'G' });
    const fam = readFam(`${prefix}.fam`, [1]);
    expect(Number.isNaN(fam.phenotypes[0][0])).toBe(true);
    if (n > 1) expect(fam.phenotypes[0][1]).toBe(0.5);
    const source = new PlinkGenotypes(`${prefix}.bed`, snps, n);
    const seen: number[][] = [];
    for await (const block of source.blocks(4))
      for (let j = 0; j < block.count; j++) seen.push(Array.from(block.dosages.subarray(j * n, (j + 1) * n)));
    expect(seen).toEqual(genotypes);
    // Random access to a sparse selection.
    const picked: number[] = [];
    for await (const block of source.blocks(2, Int32Array.from([1, 6, 8]))) picked.push(...block.indices);
    expect(picked).toEqual([1, 6, 8]);
    source.close();
  });
});

describe('PLINK errors', () => {
  it('rejects a wrong magic number and a size that does not match .bim x .fam', () => {
    const prefix = join(dir, 'bad');
    writeFileSync(`${prefix}.bim`, '1\trs1\t0\t10\tA\tG\n');
    writeFileSync(`${prefix}.bed`, Uint8Array.from([0x6c, 0x1c, 0x01, 0]));
    expect(() => new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), 3)).toThrow(/magic/);
    writeFileSync(`${prefix}.bed`, Uint8Array.from([0x6c, 0x1b, 0x01, 0, 0]));
    expect(() => new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), 3)).toThrow(/size 5 bytes/);
  });
  it('names the file and line of a short .fam line', () => {
    writeFileSync(join(dir, 'short.fam'), 'F1 I1 0 0 1 2\nF2 I2 0\n');
    try {
      readFam(join(dir, 'short.fam'), [1]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).message).toMatch(/short\.fam:2: expected at least 6 fields/);
    }
  });
});

describe('BIMBAM', () => {
  it('reads genotypes with NA, trailing commas and gzip-agnostic streaming', async () => {
    const path = join(dir, 'g.txt');
    writeFileSync(path, 'rs1, A, T, 0, 1.5, NA,\nrs2, C, G, 2, 0.25, 1\n');
    const snps = [];
    for await (const s of streamBimbamGenotypes(path, 3)) snps.push(s);
    expect(snps.map((s) => s.rs)).toEqual(['rs1', 'rs2']);
    expect(Array.from(snps[0].dosages)).toEqual([0, 1.5, NaN]);
    expect(Array.from(snps[1].dosages)).toEqual([2, 0.25, 1]);
  });
  it('rejects a row with the wrong number of genotypes and values outside [0, 2]', async () => {
    const path = join(dir, 'g_bad.txt');
    writeFileSync(path, 'rs1, A, T, 0, 1, 2\nrs2, A, T, 0, 1\n');
    await expect(async () => {
      for await (const _ of streamBimbamGenotypes(path, 3)) void _;
    }).rejects.toThrow(/g_bad\.txt:2: SNP rs2 has 2 genotypes, expected 3/);
    writeFileSync(path, 'rs1, A, T, 0, 2.5, 2\n');
    await expect(async () => {
      for await (const _ of streamBimbamGenotypes(path, 3)) void _;
    }).rejects.toThrow(/outside \[0, 2\]/);
  });
  it('does not parse (or check) a row the reader declines by its SNP id, as GEMMA skips SNPs outside -snps', async () => {
    const path = join(dir, 'g_skip.txt');
    writeFileSync(path, 'rs1, A, T, 0, 1, 2\nrs2, A, T, 0, x\nrs3, C, G, 2, 1, NA\n');
    const asked: string[] = [];
    const snps = [];
    for await (const s of streamBimbamGenotypes(path, 3, false, (index, rs) => {
      asked.push(`${index}:${rs}`);
      return rs !== 'rs2';
    }))
      snps.push(s);
    expect(asked).toEqual(['0:rs1', '1:rs2', '2:rs3']);
    expect(snps.map((s) => [s.index, s.rs])).toEqual([
      [0, 'rs1'],
      [2, 'rs3'],
    ]);
    expect(Array.from(snps[1].dosages)).toEqual([2, 1, NaN]);
    // Asked for, the same row is an error.
    await expect(async () => {
      for await (const _ of streamBimbamGenotypes(path, 3, false, () => true)) void _;
    }).rejects.toThrow(/g_skip\.txt:2: /);
  });
  it('reads phenotypes, covariates (NA rows) and annotation', () => {
    writeFileSync(join(dir, 'p.txt'), '1.5 2\nNA 3\n-9 4\n');
    const [p1] = readPhenotypeFile(join(dir, 'p.txt'), [1]);
    expect(Array.from(p1)).toEqual([1.5, NaN, -9]); // -9 is a value in a -p file, as in GEMMA
    expect(() => readPhenotypeFile(join(dir, 'p.txt'), [3])).toThrow(/no phenotype column 3/);
    writeFileSync(join(dir, 'p_bad.txt'), '1.5\nabc\n');
    expect(() => readPhenotypeFile(join(dir, 'p_bad.txt'), [1])).toThrow(
      /p_bad\.txt:2: phenotype "abc" is not a number/,
    );
    writeFileSync(join(dir, 'c.txt'), '1 0.5\t\n1 NA\n');
    const cov = readCovariateFile(join(dir, 'c.txt'));
    expect(cov.nColumns).toBe(2);
    expect(Number.isNaN(cov.rows[1][1])).toBe(true);
    writeFileSync(join(dir, 'a.txt'), 'rs1, 1200, 3\nrs2 NA NA\n');
    const anno = readAnnotationFile(join(dir, 'a.txt'));
    expect(anno.get('rs1')).toEqual({ pos: '1200', chr: '3' });
    expect(anno.get('rs2')).toEqual({ pos: '-9', chr: '-9' });
  });
});

describe('matrix files', () => {
  it('rejects a non-square, asymmetric or non-finite kinship', async () => {
    writeFileSync(join(dir, 'k1.txt'), '1 0.5\n0.5\n');
    await expect(readSquareMatrix(join(dir, 'k1.txt'), 'kinship', { symmetric: true })).rejects.toThrow(
      /not square/,
    );
    writeFileSync(join(dir, 'k2.txt'), '1 0.5\n0.4 1\n');
    await expect(readSquareMatrix(join(dir, 'k2.txt'), 'kinship', { symmetric: true })).rejects.toThrow(
      /not symmetric/,
    );
    writeFileSync(join(dir, 'k3.txt'), '1 nan\nnan 1\n');
    await expect(readSquareMatrix(join(dir, 'k3.txt'), 'kinship', { symmetric: true })).rejects.toThrow(
      /not a finite number/,
    );
  });
});

/**
 * The line-and-regex reader readSquareMatrix replaced, with the line rules of the streamed one: a
 * byte-order mark skipped, lines ended by \n, \r\n or \r, blank lines at the end dropped. The reference
 * for what it accepts and how it fails.
 */
function referenceSquareMatrix(
  path: string,
  what: string,
  options: { expectedSize?: number; symmetric?: boolean } = {},
): { n: number; data: Float64Array } {
  const lines = readTextFile(path, what)
    .replace(/^\ufeff/, '')
    .split(/\r\n|\r|\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const n = lines.length;
  if (n === 0) throw new InputError(path, `${what} is empty`);
  if (options.expectedSize !== undefined && n !== options.expectedSize) {
    throw new InputError(path, `${what} has ${n} rows but there are ${options.expectedSize} individuals`);
  }
  const data = new Float64Array(n * n);
  lines.forEach((line, r) => {
    const f = splitFields(line);
    if (f.length !== n)
      throw new InputError(
        path,
        `${what} is not square: row ${r + 1} has ${f.length} values, expected ${n}`,
        r + 1,
      );
    for (let c = 0; c < n; c++) {
      const v = Number(f[c]);
      if (!Number.isFinite(v))
        throw new InputError(
          path,
          `${what} value "${f[c]}" in column ${c + 1} is not a finite number`,
          r + 1,
        );
      data[r * n + c] = v;
    }
  });
  if (options.symmetric) {
    for (let r = 0; r < n; r++)
      for (let c = r + 1; c < n; c++) {
        const a = data[r * n + c];
        const b = data[c * n + r];
        if (Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))) {
          throw new InputError(
            path,
            `${what} is not symmetric: K[${r + 1}][${c + 1}] = ${a} but K[${c + 1}][${r + 1}] = ${b}`,
            r + 1,
          );
        }
      }
  }
  return { n, data };
}

/** The value or the error message, so both readers can be compared whatever they do. */
async function outcome(
  read: () => Promise<{ n: number; data: Float64Array }> | { n: number; data: Float64Array },
): Promise<{ n: number; data: string[] } | string> {
  try {
    const { n, data } = await read();
    return { n, data: Array.from(data, (v) => (Object.is(v, -0) ? '-0' : String(v))) };
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
}

describe('readSquareMatrix against the line-and-regex reader', () => {
  // Fields the fast parser takes, fields it leaves to Number(), and fields that are not finite numbers.
  const FIELDS = [
    '0.5',
    '-0.25',
    '+1',
    '-0',
    '0',
    '1e5',
    '1E-5',
    '2.5e+3',
    '.5',
    '-.5',
    '5.',
    '1.e2',
    '00012',
    '0.000000000000000000000000001',
    '1.2345678901',
    '0.12345678901234567890123',
    '98765432109876543210',
    '1e-330',
    '1e300',
    '123456789e-25',
    '4.9e-324',
    '0x1F',
    '0b11',
    '1e400',
    '-1e400',
    'nan',
    'NaN',
    'Infinity',
    '-Infinity',
    'inf',
    '1_0',
    'e5',
    '1e',
    '1e+',
    '+',
    '-',
    '.',
    '1..2',
    '1e5.5',
    '--1',
    '1-2',
    '\u00a0' + '3',
    '\ufeff4',
    '\u0661',
    '\v7',
    '8\r',
    '\f9',
  ];
  const SEPARATORS = [' ', '\t', ',', '  ', ' ,\t', '\t\t'];

  it('gives the same values or the same error on 4000 random files', async () => {
    const next = rng(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const failures = new Set<string>();
    let read = 0;
    for (let trial = 0; trial < 4000; trial++) {
      const n = 1 + Math.floor(next() * 5);
      const symmetric = next() < 0.5;
      const weird = next() < 0.3;
      const values: string[][] = [];
      for (let r = 0; r < n; r++) {
        values.push([]);
        for (let c = 0; c < n; c++) {
          values[r]![c] =
            c < r && symmetric && next() < 0.9
              ? values[c]![r]!
              : weird && next() < 0.2
                ? pick(FIELDS)
                : next() < 0.5
                  ? String((next() - 0.5) * 10 ** Math.floor(next() * 6 - 4))
                  : formatGeneral(next(), 10);
        }
        if (weird && next() < 0.1) values[r]!.pop(); // a short row
        if (weird && next() < 0.1) values[r]!.push('1'); // a long one
      }
      const eol = pick(['\n', '\n', '\r\n', '\r']);
      let text = values
        .map(
          (row) =>
            (next() < 0.2 ? pick(SEPARATORS) : '') +
            row.join(pick(SEPARATORS)) +
            (next() < 0.2 ? pick(SEPARATORS) : ''),
        )
        .join(eol);
      if (next() < 0.1) text = '\ufeff' + text;
      const ending = pick(['', '\n', '\n\n', eol, eol + eol + eol, '\n \t\n', '\n,', '\n \n', '\r\n\r\n']);
      text += ending;
      if (weird && next() < 0.05) text = pick(['', '\n', ' \n', '\n\n1']);
      const path = join(dir, `fuzz-${trial % 8}.txt`);
      writeFileSync(path, next() < 0.1 ? gzipSync(Buffer.from(text)) : text);
      const options = {
        symmetric: next() < 0.7,
        expectedSize: next() < 0.2 ? n + 1 : next() < 0.5 ? n : undefined,
      };
      const got = await outcome(() => readSquareMatrix(path, 'kinship matrix', options));
      const want = await outcome(() => referenceSquareMatrix(path, 'kinship matrix', options));
      if (JSON.stringify(got) !== JSON.stringify(want))
        expect.fail(`${JSON.stringify(text)}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
      if (typeof got === 'string') failures.add(got.replace(/^.*?: /, '').replace(/[\d"].*$/, ''));
      else read++;
    }
    // Both kinds of outcome, and every kind of error, were exercised.
    expect(read).toBeGreaterThan(1000);
    expect([...failures].sort()).toEqual([
      'kinship matrix has ',
      'kinship matrix is empty',
      'kinship matrix is not square: row ',
      'kinship matrix is not symmetric: K[',
      'kinship matrix value ',
    ]);
  });

  it('parses %.10g text of random values exactly as Number() does', async () => {
    const next = rng(5);
    const n = 120;
    const K = new Float64Array(n * n);
    for (let r = 0; r < n; r++)
      for (let c = r; c < n; c++)
        K[r * n + c] = K[c * n + r] = (next() - 0.2) * 10 ** Math.floor(next() * 12 - 9);
    const path = join(dir, 'k-random.txt');
    writeFileSync(path, formatMatrixBytes(K, n, n));
    expect(await outcome(() => readSquareMatrix(path, 'kinship', { symmetric: true }))).toEqual(
      await outcome(() => referenceSquareMatrix(path, 'kinship', { symmetric: true })),
    );
  });

  it('reports the first asymmetric pair in row order and the line of a bad value', async () => {
    writeFileSync(join(dir, 'k4.txt'), '1 2 3\n2 1 9\n4 5 1\n');
    await expect(readSquareMatrix(join(dir, 'k4.txt'), 'kinship', { symmetric: true })).rejects.toThrow(
      'k4.txt:1: kinship is not symmetric: K[1][3] = 3 but K[3][1] = 4',
    );
    writeFileSync(join(dir, 'k5.txt'), '1 2 3\n2 x 5\n3 5 1 7\n');
    await expect(readSquareMatrix(join(dir, 'k5.txt'), 'kinship')).rejects.toThrow(
      'k5.txt:2: kinship value "x" in column 2 is not a finite number',
    );
    writeFileSync(join(dir, 'k6.txt'), '1 2 3\n2 x 5 6\n3 5 1\n');
    await expect(readSquareMatrix(join(dir, 'k6.txt'), 'kinship')).rejects.toThrow(
      'k6.txt:2: kinship is not square: row 2 has 4 values, expected 3',
    );
  });
});

describe('formatMatrixBytes and formatVector', () => {
  /** The formatting they replaced: one string per value, joined. */
  const referenceMatrix = (data: Float64Array, rows: number, cols: number): string => {
    const out: string[] = [];
    for (let r = 0; r < rows; r++)
      out.push(Array.from(data.subarray(r * cols, (r + 1) * cols), (v) => formatGeneral(v, 10)).join('\t'));
    return out.join('\n') + '\n';
  };

  it('match one formatGeneral per value, for symmetric, nearly symmetric and rectangular matrices', () => {
    const next = rng(17);
    for (const [rows, cols] of [
      [1, 1],
      [2, 2],
      [7, 7],
      [65, 65],
      [3, 5],
      [5, 3],
      [1, 9],
    ] as const) {
      const data = awkwardMatrix(next, rows, cols);
      const text = referenceMatrix(data, rows, cols);
      expect(formatMatrixBytes(data, rows, cols).toString('latin1')).toBe(text);
    }
    expect(formatMatrixBytes(new Float64Array(0), 0, 0).toString('latin1')).toBe('\n');
    expect(() => formatMatrixBytes(new Float64Array(3), 2, 2)).toThrow(RangeError);
  });

  it('formatVector is one value per line', () => {
    expect(formatVector(Float64Array.from([1, -0.5, 1e-7, NaN]))).toBe('1\n-0.5\n1e-07\nnan\n');
    expect(formatVector(new Float64Array(0))).toBe('\n');
  });
});
