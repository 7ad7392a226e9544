// The rotation with U moved through shared memory in column strips (the large-n path, forced here by a
// small window) is bitwise the whole-U rotation, at awkward sizes and strip widths.
import { describe, expect, test } from 'vitest';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { ROTATE_WINDOW_BYTES, rotateOn } from '../../../src/engines/wasm/ops.js';
import { maxAbsDiff, randomArray, refRotate } from './reference.js';

describe('rotateOn in column strips', () => {
  const runner = LocalRunner.create();

  test.each([
    [33, 3],
    [130, 1],
    [257, 130],
    [101, 7],
  ])('n=%i b=%i: every strip width gives the whole-U result', async (n, b) => {
    const U = randomArray(n * n, 7 * n + b),
      X = randomArray(n * b, b + 300);
    const whole = await rotateOn(runner, U, n, X, b);
    expect(8 * n * n).toBeLessThanOrEqual(ROTATE_WINDOW_BYTES); // so `whole` took the ordinary path
    // Strips of 4 columns, of 12, and of the widest multiple of 4 below n (a narrow last strip).
    for (const width of [4, 12, Math.floor((n - 1) / 4) * 4]) {
      const stripped = await rotateOn(runner, U, n, X, b, 8 * n * width + 8);
      expect(stripped).toEqual(whole);
    }
    expect(maxAbsDiff(whole, refRotate(U, n, X, b))).toBeLessThan(1e-13 * n * 10);
  });
});
