// The eigensolver's large-n layout (two n x n regions of shared memory instead of three, the WY blocks built
// before the tridiagonal solve and parked in a JS array during it), forced at small n by a zero threshold: bitwise
// the ordinary layout's values and vectors, on the main thread and on a 2-thread pool (separate team sessions).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eigenOn } from '../../../src/engines/wasm/eigen.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { centredKinship, maxAbsDiff, randomSymmetric } from './reference.js';

describe('eigenOn in two regions', () => {
  let pool: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  // 1 (no reflector), 2, a leaf (32), one past a WY block (65), and several merges and blocks.
  test.each([1, 2, 33, 65, 130, 257])('n=%i: the same bits as three regions', async (n) => {
    const K = n > 40 ? centredKinship(n, 2 * n, n + 1) : randomSymmetric(n, n + 2);
    const local = LocalRunner.create();
    const three = await eigenOn(local, K, n);
    const two = await eigenOn(local, K, n, 0);
    expect(two.values).toEqual(three.values);
    expect(two.vectors).toEqual(three.vectors);
    const [threePool, twoPool] = [await pool.eigen(K, n), await pool.eigen(K, n, 0)];
    expect(twoPool.values).toEqual(threePool.values);
    expect(twoPool.vectors).toEqual(threePool.vectors);
    // And the decomposition holds: A U = U diag(values).
    let residual = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += K[i * n + j]! * two.vectors[j * n + k]!;
        residual = Math.max(residual, Math.abs(s - two.values[k]! * two.vectors[i * n + k]!));
      }
    expect(residual).toBeLessThan(1e-11 * Math.max(1, maxAbsDiff(K, new Float64Array(n * n))));
  });

  // consume: the input array receives U (and, in two regions, parks the WY blocks meanwhile); same bits.
  test.each([1, 65, 257])(
    'n=%i: a consumed input returns the same bits in itself, in either layout',
    async (n) => {
      const K = n > 40 ? centredKinship(n, 2 * n, n + 3) : randomSymmetric(n, n + 4);
      const want = await pool.eigen(K, n);
      for (const threeRegionBytes of [undefined, 0]) {
        const given = Float64Array.from(K);
        const got = await pool.eigen(given, n, threeRegionBytes, true);
        expect(got.vectors).toBe(given);
        expect(got.values).toEqual(want.values);
        expect(got.vectors).toEqual(want.vectors);
      }
    },
  );
});
