// The kinship sum for n beyond shared memory (K in a JS array, updated band by band), forced at small n by a
// zero threshold and bands of one or two tile heights: bitwise the resident sum, on 1 and 2 threads.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { KINSHIP_TILE_ROWS } from '../../../src/engines/wasm/ops.js';
import { maxAbsDiff, randomArray, refKinship } from './reference.js';

describe('banded kinship', () => {
  let one: WasmPool, two: WasmPool;
  beforeAll(async () => {
    [one, two] = await Promise.all([WasmPool.create(1), WasmPool.create(2)]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  test.each([
    [7, [3]],
    [97, [5, 64]],
    [200, [33, 1, 130]],
    [257, [96, 17]],
  ])('n=%i blocks %j: the resident sum, bit for bit', async (n, sizes) => {
    const blocks = sizes.map((b, s) => randomArray(n * b, 11 * n + s));
    const reference = new Float64Array(n * n);
    for (let s = 0; s < sizes.length; s++) refKinship(reference, n, blocks[s]!, sizes[s]!);
    for (const pool of [one, two]) {
      const resident = pool.startKinship(n);
      for (let s = 0; s < sizes.length; s++) await resident.add(blocks[s]!, sizes[s]!);
      const want = await resident.finish();
      for (const tiles of [1, 2]) {
        const banded = pool.startKinship(n, 0, 8 * n * KINSHIP_TILE_ROWS * tiles);
        // The block may be reused once add() resolves (the next one read while the GEMMs run): scribbled on here.
        const scratch = new Float64Array(Math.max(...sizes) * n);
        for (let s = 0; s < sizes.length; s++) {
          scratch.set(blocks[s]!);
          await banded.add(scratch, sizes[s]!);
          scratch.fill(NaN);
        }
        expect(await banded.finish()).toEqual(want);
      }
      expect(maxAbsDiff(want, reference)).toBeLessThan(1e-12 * n);
    }
  });

  test('a finished banded session refuses more blocks', async () => {
    const banded = one.startKinship(5, 0);
    await banded.add(randomArray(10, 1), 2);
    await banded.finish();
    await expect(banded.add(randomArray(10, 2), 2)).rejects.toThrow(/already finished/);
  });
});
