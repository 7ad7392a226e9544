// Rotation (X U) and kinship (X^T X) GEMMs against naive float64 loops, on both SIMD builds.
// Tolerance: max |wasm - ref| <= 1e-13 * n * max(1, max |ref|) (inputs uniform in [-1, 1); FMA changes rounding).
import { describe, expect, test } from 'vitest';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { relaxedSimdSupported } from '../../../src/engines/wasm/loader.js';
import { accumulateKinshipOn, rotateOn } from '../../../src/engines/wasm/ops.js';
import { maxAbs, maxAbsDiff, randomArray, randomSymmetric, refKinship, refRotate } from './reference.js';

const SIZES_N = [1, 7, 33, 130, 257];
const SIZES_B = [1, 3, 130];
const flavours = relaxedSimdSupported() ? (['simd', 'relaxed'] as const) : (['simd'] as const);

function tolerance(n: number, ref: Float64Array): number {
  return 1e-13 * n * Math.max(1, maxAbs(ref));
}

describe.each(flavours)('wasm GEMM (%s build)', (flavour) => {
  const runner = LocalRunner.create(flavour);

  test.each(SIZES_N.flatMap((n) => SIZES_B.map((b) => [n, b])))('rotate n=%i b=%i', async (n, b) => {
    const U = randomArray(n * n, 11 * n + b),
      X = randomArray(n * b, 13 * n + b);
    const ref = refRotate(U, n, X, b);
    const out = await rotateOn(runner, U, n, X, b);
    expect(out.length).toBe(n * b);
    expect(maxAbsDiff(out, ref)).toBeLessThanOrEqual(tolerance(n, ref));
  });

  // Kinship adds to the upper triangle and mirrors it: a symmetric K stays exactly symmetric.
  test.each(SIZES_N.flatMap((n) => SIZES_B.map((b) => [n, b])))('kinship n=%i b=%i', async (n, b) => {
    const K = randomSymmetric(n, 17 * n + b),
      X = randomArray(n * b, 19 * n + b);
    const ref = K.slice();
    refKinship(ref, n, X, b);
    await accumulateKinshipOn(runner, K, n, X, b);
    expect(maxAbsDiff(K, ref)).toBeLessThanOrEqual(tolerance(b, ref));
    for (let i = 0; i < n; i++)
      for (let k = i + 1; k < n; k++)
        if (K[k * n + i] !== K[i * n + k]) expect.fail(`K[${k}][${i}] != K[${i}][${k}]`);
  });
});

describe('wasm GEMM on the default build', () => {
  const runner = LocalRunner.create();

  test('rotate and kinship match the reference (n=130, b=131)', async () => {
    const n = 130,
      b = 131;
    const U = randomArray(n * n, 1),
      X = randomArray(n * b, 2);
    const ref = refRotate(U, n, X, b);
    expect(maxAbsDiff(await rotateOn(runner, U, n, X, b), ref)).toBeLessThanOrEqual(tolerance(n, ref));
    const K = new Float64Array(n * n),
      refK = new Float64Array(n * n);
    refKinship(refK, n, X, b);
    await accumulateKinshipOn(runner, K, n, X, b);
    expect(maxAbsDiff(K, refK)).toBeLessThanOrEqual(tolerance(b, refK));
  });

  test('rejects mismatched sizes', async () => {
    await expect(rotateOn(runner, new Float64Array(4), 3, new Float64Array(3), 1)).rejects.toThrow(
      RangeError,
    );
  });
});
