/**
 * Kinship, eigenvector and eigenvalue files read and written in bounded chunks: the same bytes as the
 * whole-text formatter, on real data and on forced small chunks; the line rules of the reader (blank
 * lines at the end, byte-order mark, CR and CRLF). Texts above 2 GiB: matrix-stream-large.test.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatMatrixBytes, formatVector } from '../../src/io/matrix-file.js';
import { readSquareMatrix, readVector } from '../../src/io/matrix-read.js';
import {
  matrixTextChunks,
  writeMatrixFile,
  writeMatrixFileAside,
  writeVectorFile,
  type MatrixRowsFormatter,
} from '../../src/io/matrix-write.js';
import { formatRowsText } from '../../src/io/matrix-rows-text.js';
import { formatGeneral } from '../../src/io/number-format.js';
import { scratchDir, SHARED_DATA } from '../helpers/paths.js';
import { awkwardMatrix } from '../helpers/awkward-matrix.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('matrix-stream');

/** The chunks of matrixTextChunks() joined (each copied: a chunk is valid until the next). */
function chunked(data: Float64Array, rows: number, cols: number, chunkBytes: number): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of matrixTextChunks(data, rows, cols, chunkBytes)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe('streamed matrix text', () => {
  it('is formatMatrixBytes() at every chunk size, for symmetric, nearly symmetric and rectangular matrices', () => {
    const next = rng(23);
    for (const [rows, cols] of [
      [1, 1],
      [2, 2],
      [7, 7],
      [33, 33],
      [64, 64],
      [3, 5],
      [5, 3],
      [1, 9],
    ] as const) {
      const data = awkwardMatrix(next, rows, cols);
      const whole = formatMatrixBytes(data, rows, cols);
      // From one row per chunk (every mirror formatted again) to the whole matrix in one.
      for (const chunkBytes of [1, 26 * cols, 26 * cols * 3 + 5, 1 << 20])
        expect(chunked(data, rows, cols, chunkBytes).equals(whole)).toBe(true);
    }
  });

  it("is each value's formatGeneral(v, 10), tab-separated, at every size and chunk size (writeGeneral10)", () => {
    const next = rng(2112);
    for (const [rows, cols] of [
      [1, 1],
      [2, 2],
      [9, 9],
      [4, 7],
      [7, 4],
    ] as const) {
      // Kinship-like values (most of them take writeGeneral10's fast path) among the awkward ones.
      const data = awkwardMatrix(next, rows, cols);
      for (let i = 0; i < data.length; i += 2) data[i] = (next() - 0.3) * 10 ** -Math.floor(next() * 4);
      const lines: string[] = [];
      for (let r = 0; r < rows; r++)
        lines.push(
          Array.from(data.subarray(r * cols, (r + 1) * cols), (v) => formatGeneral(v, 10)).join('\t'),
        );
      const expected = Buffer.from(lines.join('\n') + '\n', 'latin1');
      expect(formatMatrixBytes(data, rows, cols).equals(expected)).toBe(true);
      for (const chunkBytes of [1, 26 * cols * 2])
        expect(chunked(data, rows, cols, chunkBytes).equals(expected)).toBe(true);
    }
  });

  it('writes the bytes GEMMA and the whole-text path write, on the real kinships and eigenvectors', async () => {
    const files = [
      join(SHARED_DATA, 'hs1008', 'output', 'hs1008.cXX.txt.gz'),
      join(SHARED_DATA, 'hs1008', 'output', 'hs1008.sXX.txt.gz'),
      join(SHARED_DATA, 'bxd', 'output', 'BXD.cXX.txt.gz'),
      join(SHARED_DATA, 'bxd', 'output', 'BXD.eigenU.txt.gz'),
    ];
    for (const file of files) {
      const { n, data } = await readSquareMatrix(file, 'matrix');
      const whole = formatMatrixBytes(data, n, n);
      for (const [label, options] of [
        ['whole', {}],
        ['streamed', { wholeTextLimit: 0, chunkBytes: 100_000 }],
      ] as const) {
        const out = join(dir, `real-${label}.txt`);
        writeMatrixFile(out, data, n, n, { quiet: true, ...options });
        expect(readFileSync(out).equals(whole), `${file} ${label}`).toBe(true);
      }
      // What lmmscan writes is what GEMMA wrote, where GEMMA's own %.10g text is what was read.
      const gemma = gunzipSync(readFileSync(file));
      expect(readFileSync(join(dir, 'real-streamed.txt')).equals(gemma), file).toBe(true);
    }
    const eigenD = join(SHARED_DATA, 'bxd', 'output', 'BXD.eigenD.txt');
    const values = await readVector(eigenD, 'eigenvalues');
    writeVectorFile(join(dir, 'eigenD.txt'), values);
    expect(readFileSync(join(dir, 'eigenD.txt')).equals(readFileSync(eigenD))).toBe(true);
    expect(readFileSync(join(dir, 'eigenD.txt'), 'latin1')).toBe(formatVector(values));
  });
});

/**
 * A formatter of `data` as the workers run it (formatRowsText into the shared buffer), each range resolving after a
 * random delay, so that ranges finish out of order; `failAt`: the range starting at that row fails instead.
 */
function delayedFormatter(
  data: Float64Array,
  rows: number,
  cols: number,
  next: () => number,
  failAt = -1,
): { format: MatrixRowsFormatter; ranges: number[][] } {
  const ranges: number[][] = [];
  const format: MatrixRowsFormatter = (r0, r1, out) => {
    ranges.push([r0, r1]);
    expect(out.buffer).toBeInstanceOf(SharedArrayBuffer);
    const start = new Uint32Array((r1 - r0) * (cols + 1));
    const length = formatRowsText(data, rows, cols, r0, r1, out, start);
    return new Promise((resolve, reject) =>
      setTimeout(
        () => (r0 === failAt ? reject(new Error(`range ${r0} failed`)) : resolve(length)),
        Math.floor(next() * 4),
      ),
    );
  };
  return { format, ranges };
}

describe('matrix text formatted aside', () => {
  it('writes the bytes of formatMatrixBytes(), in order, whatever order the ranges finish in', async () => {
    const next = rng(29);
    for (const [rows, cols, chunkBytes] of [
      [1, 1, 1],
      [7, 7, 1],
      [33, 33, 26 * 33 * 4 + 3],
      [64, 64, 26 * 64 * 9],
      [5, 3, 26 * 3 * 2],
      [40, 9, 1 << 20],
    ] as const) {
      const data = awkwardMatrix(next, rows, cols);
      const { format, ranges } = delayedFormatter(data, rows, cols, next);
      const path = join(dir, 'aside.txt');
      await writeMatrixFileAside(path, data, rows, cols, format, { quiet: true, chunkBytes });
      expect(readFileSync(path).equals(formatMatrixBytes(data, rows, cols)), `${rows} x ${cols}`).toBe(true);
      // Every row in exactly one range, the ranges asked for in order, chunkBytes of text at their longest.
      const rangeRows = Math.max(1, Math.min(rows, Math.floor(chunkBytes / (26 * cols))));
      for (const [r0, r1] of ranges) expect(r1 - r0).toBe(Math.min(rangeRows, rows - r0));
      expect(ranges[0][0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(rows);
      for (let k = 1; k < ranges.length; k++) expect(ranges[k][0]).toBe(ranges[k - 1][1]);
    }
  });

  it('leaves no file when a range fails, after the ranges in flight have ended', async () => {
    const next = rng(31);
    const data = awkwardMatrix(next, 30, 30);
    const { format, ranges } = delayedFormatter(data, 30, 30, next, 6);
    const path = join(dir, 'aside-failed.txt');
    await expect(
      writeMatrixFileAside(path, data, 30, 30, format, { quiet: true, chunkBytes: 26 * 30 * 3 }),
    ).rejects.toThrow('range 6 failed');
    expect(existsSync(path)).toBe(false);
    expect(ranges.length).toBeGreaterThan(3);
  });

  it('formats on this thread without a formatter (the same bytes)', async () => {
    const data = awkwardMatrix(rng(37), 20, 20);
    const path = join(dir, 'aside-none.txt');
    await writeMatrixFileAside(path, data, 20, 20, null, { quiet: true });
    expect(readFileSync(path).equals(formatMatrixBytes(data, 20, 20))).toBe(true);
  });
});

describe('streamed matrix reader', () => {
  const write = (name: string, text: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('ignores blank lines at the end, skips a byte-order mark, and takes LF, CRLF and CR line ends', async () => {
    const want = [1, 0.5, 0.5, 2];
    for (const text of [
      '1 0.5\n0.5 2\n',
      '1 0.5\n0.5 2\n\n\n',
      '1 0.5\r\n0.5 2\r\n\r\n',
      '1 0.5\r0.5 2\r',
      '\ufeff1 0.5\n0.5 2',
      '1 0.5\n0.5 2\n \t\n\n',
    ]) {
      for (const gz of [false, true]) {
        const path = write('lines.txt', gz ? gzipSync(Buffer.from(text)) : text);
        const { n, data } = await readSquareMatrix(path, 'kinship', { symmetric: true, expectedSize: 2 });
        expect([n, ...data], JSON.stringify(text)).toEqual([2, ...want]);
      }
    }
    expect([...(await readVector(write('d.txt', '\ufeff1\r2\r\n3\n\n\n'), 'eigenvalues'))]).toEqual([
      1, 2, 3,
    ]);
  });

  it('counts a blank line before a row as a row, and names the file and line of each problem', async () => {
    await expect(readSquareMatrix(write('mid.txt', '1 0\n\n0 1\n'), 'kinship')).rejects.toThrow(
      'mid.txt:1: kinship is not square: row 1 has 2 values, expected 3',
    );
    await expect(
      readSquareMatrix(write('long.txt', '1 0\n0 1\n1 1\n'), 'kinship', { expectedSize: 2 }),
    ).rejects.toThrow('long.txt: kinship has 3 rows but there are 2 individuals');
    await expect(
      readSquareMatrix(write('bad.txt', '1 0 0\r\n0 1 0\r\n0 0 z\r\n'), 'kinship'),
    ).rejects.toThrow('bad.txt:3: kinship value "z" in column 3 is not a finite number');
    await expect(readSquareMatrix(write('blank.txt', '\n \n'), 'kinship')).rejects.toThrow(
      'blank.txt: kinship is empty',
    );
    await expect(readVector(write('d-bad.txt', '1\n\nx 2\n'), 'eigenvalues')).rejects.toThrow(
      'd-bad.txt:3: eigenvalues value "x 2" is not a finite number',
    );
    await expect(
      readSquareMatrix(
        write(
          'corrupt.txt.gz',
          Buffer.concat([gzipSync(Buffer.from('1 0\n0 1\n')).subarray(0, 12), Buffer.alloc(20, 7)]),
        ),
        'kinship',
      ),
    ).rejects.toThrow(/corrupt\.txt\.gz:1: corrupt gzip data/);
  });
});
