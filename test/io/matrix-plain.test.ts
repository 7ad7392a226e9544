/**
 * readSquareMatrix reads a plain tab-separated file whole with split() and Number(), and anything else as a
 * stream: on every file below, plain or awkward, the result (or the error) must be the one the streaming
 * reader gives for the same bytes gzipped, which it always streams.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readSquareMatrix, type SquareMatrixOptions } from '../../src/io/matrix-read.js';
import { scratchDir } from '../helpers/paths.js';

const dir = scratchDir('matrix-plain');

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A symmetric n x n matrix as GEMMA writes it ("%.10g"-like, tab-separated). */
function kinshipText(n: number, seed: number): string {
  const random = seeded(seed);
  const k = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = r; c < n; c++)
      k[r * n + c] = k[c * n + r] = Number(((random() - 0.3) * 0.7).toPrecision(10));
  const rows: string[] = [];
  for (let r = 0; r < n; r++) rows.push(Array.from(k.subarray(r * n, (r + 1) * n), String).join('\t'));
  return rows.join('\n') + '\n';
}

/** readSquareMatrix's matrix, or its error message with the file's name taken out. */
async function read(path: string, options: SquareMatrixOptions) {
  try {
    const { n, data } = await readSquareMatrix(path, 'kinship matrix', options);
    return { n, data: Array.from(data, (x) => (Object.is(x, -0) ? '-0' : String(x))) };
  } catch (e) {
    return (e as Error).message.replace(path, 'FILE');
  }
}

const base = kinshipText(7, 3);
const CASES: Record<string, string> = {
  kinship: base,
  'no final newline': base.slice(0, -1),
  'values written variously': '1\t-0\t+2.5e-3\n-0\t.5\t0x1f\n2.5e-3\t0x1f\t5.\n',
  'a 1 x 1 matrix': '0.3\n',
  asymmetric: '1\t0.5\n0.4\t1\n',
  'not finite': '1\tnan\nnan\t1\n',
  'an empty field': '1\t\t0.5\n0.5\t1\n',
  'a trailing tab': '1\t0.5\t\n0.5\t1\t\n',
  'short row': '1\t0.5\n0.5\n',
  'extra row': '1\t0.5\n0.5\t1\n1\t1\n',
  'blank line inside': '1\t0.5\n\n0.5\t1\n',
  'blank lines at the end': '1\t0.5\n0.5\t1\n\n\n',
  'crlf lines': base.replace(/\n/g, '\r\n'),
  'space separated': base.replace(/\t/g, ' '),
  'comma separated': base.replace(/\t/g, ','),
  'byte-order mark': `\ufeff${base}`,
  'a vertical tab line': '1\t0.5\n0.5\t1\n\u000b\n',
  empty: '',
};

describe('readSquareMatrix, plain files read whole', () => {
  it.each(Object.keys(CASES))('%s: as the streaming reader reads it', async (name) => {
    const stem = join(dir, name.replace(/ /g, '_'));
    writeFileSync(`${stem}.txt`, CASES[name]);
    writeFileSync(`${stem}.txt.gz`, gzipSync(CASES[name]));
    for (const options of [{ symmetric: true }, { symmetric: false }, { expectedSize: 7, symmetric: true }]) {
      const plain = await read(`${stem}.txt`, options);
      expect(plain).toEqual(await read(`${stem}.txt.gz`, options));
    }
  });

  it('a plain kinship reads as its numbers', async () => {
    const path = join(dir, 'values.txt');
    writeFileSync(path, '0.3129557212\t-7.360297468e-05\n-7.360297468e-05\t1\n');
    const { n, data } = await readSquareMatrix(path, 'kinship matrix', { symmetric: true });
    expect(n).toBe(2);
    expect(Array.from(data)).toEqual([0.3129557212, -7.360297468e-5, -7.360297468e-5, 1]);
  });
});
