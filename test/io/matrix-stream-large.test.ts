/**
 * Kinship texts above 2 GiB, the size at which one Buffer read or write failed (n = 11,000-12,000 of
 * real kinship): read from 8 MB of gzip on disk, and written to a sink that compares every chunk, so
 * that neither needs gigabytes of disk. Each takes tens of seconds: kept apart from matrix-stream.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readSquareMatrix } from '../../src/io/matrix-read.js';
import { writeMatrixText } from '../../src/io/matrix-write.js';
import { formatGeneral } from '../../src/io/number-format.js';
import { scratchDir } from '../helpers/paths.js';

const dir = scratchDir('matrix-stream-large');

describe('matrix texts over 2 GiB', () => {
  it('reads a kinship whose text is over 2 GiB: rows of values, each followed by 2.2 MB of spaces', async () => {
    // Gzip members, one per row and one shared run of spaces (2 kB packed): 8 MB on disk, 2.2 GB of text.
    const n = 1000;
    const pad = 2_160_000;
    const spaces = gzipSync(Buffer.alloc(pad, 0x20), { level: 9 });
    const newline = gzipSync(Buffer.from('\n'));
    const value = (r: number, c: number) => (r === c ? 1 : ((7 * (r + c)) % 640) / 64);
    const members: Buffer[] = [];
    let textBytes = 0;
    for (let r = 0; r < n; r++) {
      const row = Buffer.from(
        Array.from({ length: n }, (_, c) => formatGeneral(value(r, c), 10)).join('\t'),
        'latin1',
      );
      members.push(gzipSync(row), spaces, newline);
      textBytes += row.length + pad + 1;
    }
    expect(textBytes).toBeGreaterThan(2 ** 31);
    const path = join(dir, 'big.cXX.txt.gz');
    writeFileSync(path, Buffer.concat(members));
    const { n: got, data } = await readSquareMatrix(path, 'kinship matrix', {
      expectedSize: n,
      symmetric: true,
      quiet: true,
    });
    expect(got).toBe(n);
    let wrong = 0;
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (data[r * n + c] !== value(r, c)) wrong++;
    expect(wrong).toBe(0);
  }, 600_000);

  it('writes a kinship whose text is over 2 GiB in bounded chunks of whole rows, byte for byte', () => {
    // 17 bytes a value ("-0.0001234567891" and a tab): n = 11,240 makes 2.15 GB. Each chunk is whole
    // rows, so each is compared with the one row's text, row by row.
    const n = 11_240;
    const v = -0.0001234567891;
    const data = new Float64Array(n * n).fill(v);
    const rowText = Buffer.from(
      `${Array.from({ length: n }, () => formatGeneral(v, 10)).join('\t')}\n`,
      'latin1',
    );
    let bytes = 0;
    let largest = 0;
    let wrongRows = 0;
    const sink = {
      write(chunk: Uint8Array) {
        const rows = chunk.length / rowText.length;
        if (!Number.isInteger(rows)) wrongRows++;
        for (let r = 0; r < rows; r++)
          if (rowText.compare(chunk, r * rowText.length, (r + 1) * rowText.length) !== 0) wrongRows++;
        bytes += chunk.length;
        largest = Math.max(largest, chunk.length);
      },
    };
    writeMatrixText(sink, data, n, n, { quiet: true });
    expect(wrongRows).toBe(0);
    expect(bytes).toBe(rowText.length * n);
    expect(bytes).toBeGreaterThan(2 ** 31);
    expect(largest).toBeLessThanOrEqual(64 << 20);
  }, 600_000);
});
