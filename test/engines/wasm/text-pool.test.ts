/**
 * A matrix's text formatted on the wasm pool's workers (text-pool.ts, text-worker.ts): the bytes of the whole-text
 * formatter, for a matrix in shared memory; no formatter where the workers cannot read the matrix in place.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMatrixBytes } from '../../../src/io/matrix-file.js';
import { writeMatrixFileAside } from '../../../src/io/matrix-write.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { textFormatterOn } from '../../../src/engines/wasm/text-pool.js';
import { awkwardMatrix } from '../../helpers/awkward-matrix.js';
import { scratchDir } from '../../helpers/paths.js';
import { rng } from '../../helpers/random.js';

const dir = scratchDir('text-pool');

/** A copy of `data` in shared memory, at an offset (as a kinship lies in the pool's memory). */
function shared(data: Float64Array): Float64Array {
  const view = new Float64Array(new SharedArrayBuffer(8 * (data.length + 3)), 24, data.length);
  view.set(data);
  return view;
}

describe('matrix text on the wasm workers', () => {
  let pool: WasmPool;
  let unstarted: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
    unstarted = await WasmPool.create(2, undefined, 1e12);
  });
  afterAll(async () => {
    await pool.close();
    await unstarted.close();
  });

  it('writes formatMatrixBytes() bytes from ranges formatted on the workers, square or not', async () => {
    const next = rng(41);
    for (const [rows, cols, chunkBytes] of [
      [1, 1, 1],
      [57, 57, 26 * 57 * 5],
      [130, 130, 26 * 130 * 17 + 9],
      [20, 31, 26 * 31 * 3],
    ] as const) {
      const data = shared(awkwardMatrix(next, rows, cols));
      const format = textFormatterOn(pool, data, rows, cols);
      expect(format).not.toBeNull();
      const path = join(dir, `k-${rows}-${cols}.txt`);
      await writeMatrixFileAside(path, data, rows, cols, format, { quiet: true, chunkBytes });
      expect(readFileSync(path).equals(formatMatrixBytes(data, rows, cols)), `${rows} x ${cols}`).toBe(true);
    }
  });

  it('the same bytes with a background sync after every few ranges (each write, or every third byte count)', async () => {
    const next = rng(47);
    const [rows, cols] = [90, 90];
    const data = shared(awkwardMatrix(next, rows, cols));
    const want = formatMatrixBytes(data, rows, cols);
    for (const syncBytes of [1, Math.floor(want.length / 3)]) {
      const path = join(dir, `synced-${syncBytes}.txt`);
      const format = textFormatterOn(pool, data, rows, cols);
      await writeMatrixFileAside(path, data, rows, cols, format, {
        quiet: true,
        chunkBytes: 26 * cols * 4,
        syncBytes,
      });
      expect(readFileSync(path).equals(want), `syncBytes ${syncBytes}`).toBe(true);
    }
  });

  it('gives no formatter for a matrix outside shared memory or before the workers start', () => {
    const data = awkwardMatrix(rng(43), 9, 9);
    expect(textFormatterOn(pool, data, 9, 9)).toBeNull();
    expect(textFormatterOn(unstarted, shared(data), 9, 9)).toBeNull();
    expect(textFormatterOn(pool, shared(data), 9, 9, null)).toBeNull();
    expect(() => textFormatterOn(pool, shared(data), 9, 10)).toThrow(RangeError);
  });
});
