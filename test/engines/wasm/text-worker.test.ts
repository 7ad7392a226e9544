/**
 * The workers' "%.10g" text (text-worker.ts on the kernels of assembly/format-rows.ts): byte for byte the JS
 * writer's text (formatMatrixBytes(), which matches C's printf), on values that round at the 10th digit, ties and
 * near-ties, powers of ten on either side of a rounding, every decimal exponent the kernels take and those past it.
 */
import { describe, expect, it } from 'vitest';
import { formatMatrixBytes } from '../../../src/io/matrix-file.js';
import { FIELD_BYTES } from '../../../src/io/matrix-rows-text.js';
import { loadWasmKernels } from '../../../src/engines/wasm/loader.js';
import { formatTextRange } from '../../../src/engines/wasm/text-worker.js';
import { awkwardMatrix } from '../../helpers/awkward-matrix.js';
import { rng } from '../../helpers/random.js';

/** The neighbouring doubles of x (x itself, one ulp down, one ulp up). */
function neighbours(x: number): number[] {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  const at = (delta: bigint) => new Float64Array(new BigInt64Array([bits[0] + delta]).buffer)[0];
  return x === 0 ? [x] : [x, at(-1n), at(1n)];
}

/** Values whose 10th significant digit is decided by a 5, or by a digit next to it, at exponents -16..12. */
function awkwardValues(next: () => number): number[] {
  const values: number[] = [];
  for (let e = -16; e <= 12; e++) {
    const scale = 10 ** (e - 9);
    for (let k = 0; k < 8; k++) {
      const digits = 1e9 + Math.floor(next() * 9e9);
      for (const tail of [0.5, 0.4999999, 0.5000001, 0.05, 0.95, 0]) {
        const x = Number(`${digits + tail}e${e - 9}`);
        values.push(...neighbours(x), ...neighbours(-x));
      }
      values.push((digits + 0.5) * scale);
    }
    // Two significant digits: 10 digits that are a multiple of 10^8 (the kernel splits them there).
    for (const lead of [10, 12, 55, 99]) values.push(Number(`${lead}e${e - 1}`), -Number(`${lead}e${e - 1}`));
    // Just under a power of ten: rounds up to it (9.9999999995 -> 10), or stays (9.9999999994).
    for (const x of [Number(`9.9999999995e${e}`), Number(`9.9999999994e${e}`), Number(`1e${e}`)])
      values.push(...neighbours(x), ...neighbours(-x));
  }
  values.push(0, -0, NaN, Infinity, -Infinity, 5e-324, -2.5e-310, Number.MAX_VALUE, 1e21, 0.1, 0.5, 1, 100);
  return values;
}

/** The workers' text of a rows x cols matrix, formatted in ranges of `rangeRows`. */
function workersText(data: Float64Array, rows: number, cols: number, rangeRows: number): Buffer {
  const module = loadWasmKernels().module;
  const parts: Buffer[] = [];
  const shared = new Float64Array(new SharedArrayBuffer(8 * data.length));
  shared.set(data);
  for (let r0 = 0; r0 < rows; r0 += rangeRows) {
    const r1 = Math.min(rows, r0 + rangeRows);
    const out = new Uint8Array(new SharedArrayBuffer((r1 - r0) * cols * FIELD_BYTES));
    const length = formatTextRange({ data: shared, rows, cols, r0, r1, out }, module);
    parts.push(Buffer.from(out.subarray(0, length)));
  }
  return Buffer.concat(parts);
}

describe('matrix text on the kernels', () => {
  it('is the JS writer text for awkward values, in any shape and any ranges', () => {
    const next = rng(2026);
    const values = awkwardValues(next);
    for (const [rows, cols, rangeRows] of [
      [1, 1, 1],
      [1, values.length, 1],
      [Math.floor(values.length / 7), 7, 3],
      [Math.floor(values.length / 13), 13, 100],
    ]) {
      const data = Float64Array.from(values.slice(0, rows * cols));
      const got = workersText(data, rows, cols, rangeRows);
      const want = formatMatrixBytes(data, rows, cols);
      expect(got.toString('latin1'), `${rows} x ${cols}`).toBe(want.toString('latin1'));
    }
  });

  it('is the JS writer text for random matrices of odd sizes, mirrored or not', () => {
    const next = rng(77);
    for (const n of [1, 2, 3, 5, 17, 33]) {
      const data = awkwardMatrix(next, n, n);
      for (const rangeRows of [1, 2, 7]) {
        expect(workersText(data, n, n, rangeRows).equals(formatMatrixBytes(data, n, n)), `n = ${n}`).toBe(
          true,
        );
      }
    }
  });

  it('is the JS writer text for a kinship-like matrix of every scale', () => {
    const next = rng(5);
    const n = 41;
    const data = new Float64Array(n * n);
    for (let r = 0; r < n; r++)
      for (let c = r; c < n; c++)
        data[r * n + c] = data[c * n + r] = (next() - 0.3) * 10 ** Math.floor(next() * 24 - 14);
    expect(workersText(data, n, n, 4).equals(formatMatrixBytes(data, n, n))).toBe(true);
  });
});
