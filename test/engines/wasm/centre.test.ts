// A kinship's analysed sub-matrix double-centred on the wasm threads (centredOn): bitwise subsetSquare() then
// doubleCentre() on this thread, for any split of its rows into lists, on the workers or on this thread.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { centredOn } from '../../../src/engines/wasm/centre.js';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { doubleCentre, subsetSquare } from '../../../src/linalg/centre.js';
import { rng } from '../../helpers/random.js';

/** A symmetric nTotal x nTotal matrix of values of many magnitudes, and a mask leaving out every `gap`-th row. */
function kinship(nTotal: number, gap: number, seed: number) {
  const next = rng(seed);
  const matrix = new Float64Array(nTotal * nTotal);
  for (let r = 0; r < nTotal; r++)
    for (let c = r; c < nTotal; c++)
      matrix[r * nTotal + c] = matrix[c * nTotal + r] = (next() - 0.3) * 10 ** Math.floor(next() * 8 - 4);
  const analysed = new Uint8Array(nTotal).map((_, i) => (gap > 0 && i % gap === gap - 1 ? 0 : 1));
  return { matrix, analysed };
}

/** The bytes of a result, compared bit for bit (-0 is not 0). */
function bits(values: Float64Array | null): Buffer {
  return values ? Buffer.from(values.buffer, values.byteOffset, values.byteLength) : Buffer.alloc(0);
}

/** What this thread computes: subsetSquare() then doubleCentre(). */
function expected(matrix: Float64Array, nTotal: number, analysed: Uint8Array): Float64Array {
  const n = analysed.reduce((s, a) => s + a, 0);
  return doubleCentre(subsetSquare(matrix, nTotal, analysed), n);
}

describe('centredOn', () => {
  let pool: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
  });
  afterAll(() => pool.close());

  test.each([
    [1, 0],
    [2, 2],
    [31, 0],
    [33, 5],
    [70, 3],
    [97, 0],
  ])('nTotal = %i, every %i-th left out: the bits of this thread', async (nTotal, gap) => {
    const { matrix, analysed } = kinship(nTotal, gap, nTotal + gap);
    const want = expected(matrix, nTotal, analysed);
    const onPool = await pool.centreAnalysed(matrix.slice(), nTotal, analysed);
    const here = await centredOn(LocalRunner.create(pool.flavour), matrix.slice(), nTotal, analysed);
    expect(bits(onPool)).toEqual(bits(want));
    expect(bits(here)).toEqual(bits(want));
  });

  test('a matrix past the shared-memory bound is left to this thread, untouched', async () => {
    // 1 GiB of shared memory holds both matrices up to n = 8,192; the check comes before any copy.
    const matrix = new Float64Array(1);
    const analysed = new Uint8Array(8193).fill(1);
    expect(await pool.centreAnalysed(matrix, 8193, analysed)).toBeNull();
  });
});
