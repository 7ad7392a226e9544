// The kinship sum's low words are float32 (issue 22: a banded sum keeps lo in a Float32Array): after folds on
// every layout (wasm resident, wasm banded with one-tile bands, the TS engine), at awkward n and block sizes,
// each lo is float32-representable, the layouts agree bit for bit, and the rounded sum is within 1e-15 (relative)
// of the exact sum computed with BigInts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KinshipSession } from '../../../src/engines/engine.js';
import { TsEngine } from '../../../src/engines/ts/ts-engine.js';
import { KINSHIP_TILE_ROWS } from '../../../src/engines/wasm/ops.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import type { KinshipSum } from '../../../src/linalg/double-double.js';
import { randomArray, seededRandom } from './reference.js';

const view = new DataView(new ArrayBuffer(8));

/** x as an integer multiple of 2^-1074 (every finite double is one). */
function exact(x: number): bigint {
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (exponent === 0) return sign * fraction;
  return sign * ((fraction | (1n << 52n)) << BigInt(exponent - 1));
}

/**
 * Blocks whose GEMM partials are exact (so that the error measured is the fold's alone): block s holds 21-bit
 * integers times 2^E_s, E_s in [-12, 12], so a partial of up to 8 SNPs has at most 45 bits, while the running sum
 * spans about 90 bits and needs lo.
 */
function scaledBlocks(n: number, sizes: number[], seed: number): Float64Array[] {
  const rand = seededRandom(seed);
  return sizes.map((b) => {
    const scale = 2 ** Math.floor(rand() * 25 - 12);
    return Float64Array.from({ length: n * b }, () => Math.floor((rand() - 0.5) * 2 ** 21) * scale);
  });
}

/** The exact sum over all blocks of x_i x_k for k >= i, in units of 2^-2148 (a product of two 2^-1074 units). */
function exactUpper(n: number, blocks: Float64Array[], sizes: number[]): bigint[] {
  const sums = new Array<bigint>(n * n).fill(0n);
  blocks.forEach((block, s) => {
    const units = Array.from(block, exact);
    for (let j = 0; j < sizes[s]!; j++)
      for (let i = 0; i < n; i++)
        for (let k = i; k < n; k++) sums[i * n + k]! += units[j * n + i]! * units[j * n + k]!;
  });
  return sums;
}

const isFloat32 = (lo: ArrayLike<number>) =>
  Array.prototype.every.call(lo, (v: number) => Math.fround(v) === v);

async function summed(session: KinshipSession, blocks: Float64Array[], sizes: number[]): Promise<KinshipSum> {
  // The block may be reused once add() resolves: scribbled on after each, as the SNP pass reuses its buffer.
  for (let s = 0; s < sizes.length; s++) {
    const scratch = Float64Array.from(blocks[s]!);
    await session.add(scratch, sizes[s]!);
    scratch.fill(NaN);
  }
  return session.finishSum();
}

describe('float32 low words of the kinship sum', () => {
  let one: WasmPool, two: WasmPool;
  beforeAll(async () => {
    [one, two] = await Promise.all([WasmPool.create(1), WasmPool.create(2)]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  const layouts = (n: number): [string, () => KinshipSession][] => [
    ['ts', () => new TsEngine().startKinship(n)],
    ['resident, 1 thread', () => one.startKinship(n)],
    ['resident, 2 threads', () => two.startKinship(n)],
    ['banded, 1 thread', () => one.startKinship(n, 0, 16 * n * KINSHIP_TILE_ROWS)],
    ['banded, 2 threads', () => two.startKinship(n, 0, 16 * n * KINSHIP_TILE_ROWS)],
  ];

  test.each([
    [1, [3, 1, 8, 5, 2, 7, 4, 6, 1, 3, 8, 2]],
    [7, [5, 8, 1, 3, 7, 2, 6, 4, 8, 3]],
    [101, [7, 3, 8, 1, 5, 2, 6]],
    [2 * KINSHIP_TILE_ROWS + 5, [3, 8, 5, 1, 7, 2]],
  ])(
    'n=%i blocks %j: lo float32, the layouts bitwise alike, within 1e-15 of the exact sum',
    async (n, sizes) => {
      const blocks = scaledBlocks(n, sizes, 7 * n + sizes.length);
      const truth = exactUpper(n, blocks, sizes);
      let want: KinshipSum | undefined;
      for (const [name, start] of layouts(n)) {
        const sum = await summed(start(), blocks, sizes);
        expect(isFloat32(sum.lo), name).toBe(true);
        if (!want) want = { hi: Float64Array.from(sum.hi), lo: Float64Array.from(sum.lo) };
        else {
          expect(sum.hi, name).toEqual(want.hi);
          expect(Float64Array.from(sum.lo), name).toEqual(want.lo);
        }
      }
      const { hi, lo } = want!;
      // |computed - exact| / |exact| as a double (BigInt magnitudes pass 2^1024).
      const relative = (computed: bigint, at: number) => {
        const error = computed * 2n ** 1074n - truth[at]!;
        return Number((error * 2n ** 100n) / truth[at]!) / 2 ** 100;
      };
      let worst = 0,
        lowWords = 0;
      for (let i = 0; i < n; i++) {
        for (let k = i; k < n; k++) {
          const at = i * n + k;
          if (lo[at] !== 0) lowWords++;
          // The pair, and the pair rounded to a double (what K is made of).
          worst = Math.max(
            worst,
            Math.abs(relative(exact(hi[at]!) + exact(lo[at]!), at)),
            Math.abs(relative(exact(hi[at]! + lo[at]!), at)),
          );
        }
      }
      expect(worst).toBeLessThan(1e-15);
      // The sums need lo (the test exercises its rounding): most entries carry a non-zero low word.
      expect(lowWords).toBeGreaterThan((n * (n + 1)) / 4);
    },
  );

  test('values in [-1, 1): lo float32 on every layout, the wasm layouts bitwise alike', async () => {
    const n = KINSHIP_TILE_ROWS + 9,
      sizes = [33, 1, 130, 17];
    const blocks = sizes.map((b, s) => randomArray(n * b, 5 * s + 3));
    const sums: Float64Array[] = [];
    for (const [name, start] of layouts(n)) {
      const { hi, lo } = await summed(start(), blocks, sizes);
      expect(isFloat32(lo), name).toBe(true);
      // The ts engine sums a block's SNPs in another order than the wasm GEMM: its partials differ in the last bits.
      if (name !== 'ts') sums.push(Float64Array.from(hi, (h, i) => h + lo[i]!));
    }
    for (const sum of sums.slice(1)) expect(sum).toEqual(sums[0]);
  });
});
