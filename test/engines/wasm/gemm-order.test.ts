// The GEMM's order of arithmetic, which every result of the engine (kinship, rotation, eigenvectors) inherits:
// each C element sums its products in p order, from zero in blocks of 256, and adds alpha times each block's
// sum to C. The plain SIMD build rounds every product, so it must equal that order in float64 bit for bit; the
// relaxed build fuses them (so only closeness can be checked against TS), but the register tile height (6 rows
// there, 4 in the plain build) must not matter: any split of the rows, at any offset, gives the same bits.
import { describe, expect, test } from 'vitest';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { relaxedSimdSupported } from '../../../src/engines/wasm/loader.js';
import { randomArray } from './reference.js';

const KC = 256;
// [m, n, k]: not multiples of the tiles (6 or 4 rows, 4 columns) or blocks (96 rows, 256 deep), and n = 1; whole
// tiles with an even and with an odd depth (the packing moves full panels two depths at a time, then the last one).
const SHAPES: Array<[number, number, number]> = [
  [12, 8, 2],
  [24, 12, 7],
  [1, 1, 1],
  [7, 5, 3],
  [13, 1, 257],
  [1, 11, 513],
  [97, 23, 300],
  [50, 130, 65],
];
const flavours = relaxedSimdSupported() ? (['simd', 'relaxed'] as const) : (['simd'] as const);

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
}

const cases: Case[] = SHAPES.flatMap(([m, n, k], s) => [
  { m, n, k, transA: false, transB: false, alpha: 1 },
  { m, n, k, transA: true, transB: false, alpha: -1 },
  { m, n, k, transA: s % 2 === 0, transB: true, alpha: 0.37 },
]);

/** C += alpha A B in the kernel's order with float64 rounding at every step; A and B as the strides say. */
function referenceOrder(c: Case, A: Float64Array, B: Float64Array, C: Float64Array): Float64Array {
  const { m, n, k, transA, transB, alpha } = c;
  const out = C.slice();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let cij = out[i * n + j]!;
      for (let p0 = 0; p0 < k; p0 += KC) {
        let acc = 0;
        for (let p = p0; p < Math.min(k, p0 + KC); p++) {
          const a = transA ? A[p * m + i]! : A[i * k + p]!;
          const b = transB ? B[j * k + p]! : B[p * n + j]!;
          acc += a * b;
        }
        cij += alpha * acc;
      }
      out[i * n + j] = cij;
    }
  }
  return out;
}

describe.each(flavours)('GEMM order of arithmetic (%s build)', (flavour) => {
  const runner = LocalRunner.create(flavour);
  const { arena } = runner;
  const work = runner.scratch[0]!;

  // Runs C += alpha A B as calls over the row ranges [starts[r], starts[r+1]); returns C.
  async function gemmRows(c: Case, A: Float64Array, B: Float64Array, C: Float64Array, starts: number[]) {
    const { m, n, k, transA, transB, alpha } = c;
    const mark = arena.mark();
    try {
      const pA = arena.allocF64(m * k),
        pB = arena.allocF64(k * n),
        pC = arena.allocF64(m * n);
      arena.f64(pA, m * k).set(A);
      arena.f64(pB, k * n).set(B);
      arena.f64(pC, m * n).set(C);
      const [rsA, csA] = transA ? [1, m] : [k, 1];
      const [rsB, csB] = transB ? [1, k] : [n, 1];
      for (let r = 0; r + 1 < starts.length; r++) {
        const i0 = starts[r]!,
          rows = starts[r + 1]! - i0;
        await runner.run([
          ['gemm', [rows, n, k, alpha, pA + i0 * rsA * 8, rsA, csA, pB, rsB, csB, pC + i0 * n * 8, n, work]],
        ]);
      }
      return arena.f64(pC, m * n).slice();
    } finally {
      arena.release(mark);
    }
  }

  test.each(cases)('m=$m n=$n k=$k transA=$transA transB=$transB alpha=$alpha', async (c) => {
    const seed = 31 * c.m + 7 * c.n + c.k + (c.transA ? 1000 : 0) + (c.transB ? 2000 : 0);
    const A = randomArray(c.m * c.k, seed),
      B = randomArray(c.k * c.n, seed + 1),
      C = randomArray(c.m * c.n, seed + 2);
    const ref = referenceOrder(c, A, B, C);
    const whole = await gemmRows(c, A, B, C, [0, c.m]);
    if (flavour === 'simd') {
      for (let i = 0; i < ref.length; i++) if (!Object.is(whole[i], ref[i])) expect.fail(`C[${i}] differs`);
    } else {
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(whole[i]! - ref[i]!));
      expect(worst).toBeLessThanOrEqual(1e-14 * c.k);
    }
    // Rows in uneven pieces, starting off the tile grid: 1 row, then 5, then the rest.
    const starts = [0, Math.min(1, c.m), Math.min(6, c.m), c.m].filter(
      (v, i, xs) => i === 0 || v > xs[i - 1]!,
    );
    const split = await gemmRows(c, A, B, C, starts);
    for (let i = 0; i < whole.length; i++)
      if (!Object.is(split[i], whole[i])) expect.fail(`split C[${i}] differs`);
  });
});
