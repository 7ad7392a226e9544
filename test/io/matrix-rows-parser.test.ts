/**
 * readSquareMatrix() with the wasm engine's row parser (assembly/parse-rows.ts on the pool's threads): the same
 * bits as the JS reader for every field the parser reads, and for everything else (more than 15 digits, "nan",
 * \r, a byte-order mark, blank lines, a wrong size) the parser declines and the JS reader gives its own values or
 * error, so that the result is the same either way.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmPool } from '../../src/engines/wasm/pool.js';
import { readSquareMatrix, type MatrixRowsParser } from '../../src/io/matrix-read.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('matrix-rows-parser');

/** A field the fast path reads: [+-]digits[.digits][e[+-]digits], at most 15 digits, power within 10^+-22. */
function plainField(next: () => number): string {
  const digits = 1 + Math.floor(next() * 15);
  let body = '';
  for (let k = 0; k < digits; k++) body += String(Math.floor(next() * 10));
  const point = Math.floor(next() * (digits + 2)) - 1; // -1: no point; digits: a trailing point
  if (point >= 0) body = point === 0 ? `.${body}` : `${body.slice(0, point)}.${body.slice(point)}`;
  const sign = ['', '', '-', '+'][Math.floor(next() * 4)];
  const e = next();
  const exponent =
    e < 0.5
      ? ''
      : `${e < 0.75 ? 'e' : 'E'}${['', '-', '+'][Math.floor(next() * 3)]}${Math.floor(next() * 9)}`;
  return sign + body + exponent;
}

/** n rows of n fields from `field`, separated by runs of spaces, tabs and commas, some at the ends of a line. */
function matrixText(next: () => number, n: number, field: (r: number, c: number) => string): string {
  const separators = [' ', '\t', ',', '  ', ' \t', ', '];
  const sep = () => separators[Math.floor(next() * separators.length)];
  const lines: string[] = [];
  for (let r = 0; r < n; r++) {
    const fields = Array.from({ length: n }, (_, c) => field(r, c));
    lines.push(
      (next() < 0.2 ? sep() : '') +
        fields.map((f, c) => (c ? sep() : '') + f).join('') +
        (next() < 0.2 ? sep() : ''),
    );
  }
  return lines.join('\n') + (next() < 0.5 ? '\n' : '');
}

/** Reads `text` as a file with and without the parser: both results (or errors), and what the parser returned. */
async function bothWays(
  name: string,
  text: string | Buffer,
  n: number,
  parser: MatrixRowsParser,
  symmetric = false,
) {
  const path = join(dir, name);
  writeFileSync(path, text);
  const outcome = async (parseRows?: MatrixRowsParser) =>
    readSquareMatrix(path, 'kinship matrix', { expectedSize: n, symmetric, parseRows }).then(
      (m) => ({ data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), n: m.n }),
      (e: Error) => ({ error: e.message }),
    );
  let parsed: 'values' | 'declined' | 'not asked' = 'not asked';
  const spy: MatrixRowsParser = async (bytes, size, fill, checked) => {
    const values = await parser(bytes, size, fill, checked);
    parsed = values ? 'values' : 'declined';
    return values;
  };
  return { withParser: await outcome(spy), js: await outcome(), parsed };
}

describe('readSquareMatrix with the wasm row parser', () => {
  let pool: WasmPool;
  let parser: MatrixRowsParser;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
    parser = (bytes, n, fill, symmetric) => pool.parseMatrixRows(bytes, n, fill, symmetric);
  });
  afterAll(() => pool.close());

  it.each([1, 2, 3, 31, 32, 33, 70])('n = %i: random plain fields parse to the JS reader bits', async (n) => {
    const next = rng(n + 7);
    const { withParser, js, parsed } = await bothWays(
      `plain${n}.txt`,
      matrixText(next, n, () => plainField(next)),
      n,
      parser,
    );
    expect(parsed).toBe('values');
    expect('data' in js).toBe(true);
    expect(withParser).toEqual(js);
  });

  it('a kinship as GEMMA writes it (%.10g), checked for symmetry on either path', async () => {
    const n = 45;
    const next = rng(3);
    const k = Array.from({ length: n }, () => new Float64Array(n));
    for (let r = 0; r < n; r++)
      for (let c = r; c < n; c++) k[r][c] = k[c][r] = (next() - 0.3) * 10 ** Math.floor(next() * 6 - 4);
    const text = k
      .map((row) => Array.from(row, (v) => Number(v.toPrecision(10)).toString()).join('\t'))
      .join('\n');
    const symmetric = await bothWays('gemma.txt', text + '\n', n, parser, true);
    expect(symmetric.parsed).toBe('values');
    expect(symmetric.withParser).toEqual(symmetric.js);
    const skewed = text.replace(/^(\S+)\t(\S+)/, '$1\t7');
    // The parser checks the pairs, and declines an asymmetric K: the JS reader finds the first pair.
    const asymmetric = await bothWays('asym.txt', skewed, n, parser, true);
    expect(asymmetric.parsed).toBe('declined');
    expect(asymmetric.js).toEqual({ error: expect.stringContaining('is not symmetric: K[1][2] = 7') });
    expect(asymmetric.withParser).toEqual(asymmetric.js);
    // A pair past the first list of rows, and a parser that does not check (the values are checked after it).
    const lines = text.split('\n');
    lines[39] = lines[39]
      .split('\t')
      .map((f, c) => (c === 41 ? '0.5' : f))
      .join('\t');
    const late = lines.join('\n');
    const unchecked: MatrixRowsParser = (bytes, size, fill) => parser(bytes, size, fill);
    for (const each of [parser, unchecked]) {
      const lateAsymmetric = await bothWays('asym-late.txt', late, n, each, true);
      expect(lateAsymmetric.parsed).toBe(each === parser ? 'declined' : 'values');
      expect(lateAsymmetric.js).toEqual({
        error: expect.stringContaining('is not symmetric: K[40][42] = 0.5 but'),
      });
      expect(lateAsymmetric.withParser).toEqual(lateAsymmetric.js);
    }
  });

  const odd: Array<[string, string]> = [
    ['17 digits', '12345678901234567'],
    ['a 17th digit after the point', '0.12345678901234567'],
    ['a 16th digit past 9e14', '9000000000000001'],
    ['power past 10^22', '1e23'],
    ['power past 10^-22', '12e-24'],
    ['nan', 'nan'],
    ['Infinity', 'Infinity'],
    ['a bare sign', '-'],
    ['exponent without digits', '1e'],
    ['hex', '0x10'],
    ['two points', '1.2.3'],
    ['vertical tab inside', '1\u000b'],
    ['no-break space', '1\u00a0'],
  ];
  it.each(odd)('a field with %s: the parser declines, the JS reader decides', async (label, field) => {
    const n = 5;
    const next = rng(label.length);
    const text = matrixText(next, n, (r, c) => (r === 3 && c === 2 ? field : plainField(next)));
    const { withParser, js, parsed } = await bothWays(
      `odd-${label.replace(/\W/g, '_')}.txt`,
      text,
      n,
      parser,
    );
    expect(parsed).toBe('declined');
    expect(withParser).toEqual(js);
  });

  it('16 digits under 9e15 and zeros of any power and sign: the JS reader bits, signs kept', async () => {
    const fields = [
      '0',
      '-0',
      '+0.000',
      '-0e999',
      '0e-999',
      '-.0',
      '8999999999999999',
      '-0E+5',
      '00000000000000000000',
    ];
    const text = [fields.slice(0, 3), fields.slice(3, 6), fields.slice(6, 9)]
      .map((r) => r.join(' '))
      .join('\n');
    const { withParser, js, parsed } = await bothWays('zeros.txt', text, 3, parser);
    expect(parsed).toBe('values');
    expect(withParser).toEqual(js);
    const values = new Float64Array((withParser as { data: Buffer }).data.buffer.slice(0));
    expect(Array.from(values, (v) => (Object.is(v, -0) ? '-0' : v))).toEqual([
      0,
      '-0',
      0,
      '-0',
      0,
      '-0',
      8999999999999999,
      '-0',
      0,
    ]);
  });

  const layouts: Array<[string, (text: string) => string | Buffer, number]> = [
    ['CRLF line ends', (t) => t.replace(/\n/g, '\r\n'), 4],
    ['a byte-order mark', (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)]), 4],
    ['blank lines at the end', (t) => t + '\n\n  \n', 4],
    ['a blank line inside', (t) => t.replace('\n', '\n\n'), 4],
    ['a short row', (t) => t.replace(/\s*\S+\n/, '\n'), 4],
    ['a long row', (t) => t.replace('\n', ' 1\n'), 4],
    ['one row too many', (t) => t.trimEnd() + '\n1 2 3 4\n', 4],
    ['one row too few', (t) => t.slice(0, t.trimEnd().lastIndexOf('\n')), 4],
    ['a size other than expected', (t) => t, 5],
    ['an empty file', () => '', 4],
  ];
  it.each(layouts)(
    '%s: the JS reader decides (same values or the same error)',
    async (label, change, size) => {
      const next = rng(label.length + 100);
      const text = change(matrixText(next, 4, () => plainField(next)));
      const { withParser, js, parsed } = await bothWays(
        `layout-${label.replace(/\W/g, '_')}.txt`,
        text,
        size,
        parser,
      );
      expect(parsed).not.toBe('values');
      expect(withParser).toEqual(js);
    },
  );

  // Past the reader's 1 MiB chunks: the rows are parsed as they are read, lines running across chunk ends. Values
  // as GEMMA writes them (%.10g), each one that the fast path reads.
  const large = (next: () => number) =>
    matrixText(next, 450, () =>
      String(Number(((next() - 0.3) * 10 ** Math.floor(next() * 6 - 4)).toPrecision(10))),
    );
  it('a file of several chunks: the rows parsed as they come are the JS reader bits', async () => {
    const text = large(rng(11));
    expect(text.length).toBeGreaterThan(2 << 20);
    const { withParser, js, parsed } = await bothWays('chunks.txt', text, 450, parser);
    expect(parsed).toBe('values');
    // Compared as bytes: toEqual() on 1.6 MB takes seconds.
    const bits = (m: typeof js) => ('data' in m ? m.data : Buffer.alloc(0));
    expect(bits(js).length).toBe(8 * 450 * 450);
    expect(bits(withParser).equals(bits(js))).toBe(true);
  });

  const late: Array<[string, (text: string) => string]> = [
    ['a CR in the last chunk', (t) => t.slice(0, -100) + '\r' + t.slice(-100)],
    ['a bad value in the last row', (t) => t.trimEnd() + 'x'],
    ['a bad value in the first row', (t) => 'x' + t],
    ['one row too few', (t) => t.slice(0, t.trimEnd().lastIndexOf('\n'))],
    ['one row too many', (t) => t.trimEnd() + '\n1\n'],
  ];
  it.each(late)('a file of several chunks with %s: the JS reader decides', async (label, change) => {
    const text = change(large(rng(12)));
    const { withParser, js, parsed } = await bothWays(
      `late-${label.replace(/\W/g, '_')}.txt`,
      text,
      450,
      parser,
    );
    expect(parsed).toBe('declined');
    expect('error' in js).toBe(true);
    expect(withParser).toEqual(js);
  });

  it('a missing file: the JS reader reports it', async () => {
    const path = join(dir, 'missing.txt');
    const read = (parseRows?: MatrixRowsParser) =>
      readSquareMatrix(path, 'kinship matrix', { expectedSize: 3, parseRows }).catch((e: Error) => e.message);
    expect(await read(parser)).toBe(await read());
  });
});
