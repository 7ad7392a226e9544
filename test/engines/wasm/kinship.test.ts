// Kinship on the WASM engine: the upper triangle by GEMM tiles, mirrored, with the double-double sum kept in
// shared memory between blocks. It must equal, bit for bit, each block's full n x n GEMM from zero folded into a
// double-double sum in TypeScript (every element sums its SNPs in the same order), be exactly symmetric, not depend on the thread count, agree with the TS engine, and survive
// several sessions and other retained arena users.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KinshipSession } from '../../../src/engines/engine.js';
import { accumulateKinshipTs, TsEngine } from '../../../src/engines/ts/ts-engine.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import {
  accumulateKinshipOn,
  KINSHIP_TILE_ROWS,
  kinshipCallLists,
  mirrorUpper,
} from '../../../src/engines/wasm/ops.js';
import type { KernelCall, KernelRunner } from '../../../src/engines/wasm/runner.js';
import { splitRange } from '../../../src/engines/wasm/runner.js';
import { WasmEngine } from '../../../src/engines/wasm/wasm-engine.js';
import { KinshipAccumulator, prepareKinshipSnp } from '../../../src/kinship/kinship.js';
import { seededRandom } from './reference.js';
import {
  addDoubleDouble,
  foldDoubleDouble,
  zeroKinshipSum,
  type KinshipSum,
} from '../../../src/linalg/double-double.js';

/** Folds each block's partial (from `partial`, computed from zero) into a double-double sum; returns it rounded. */
async function foldBlocks(
  n: number,
  blocks: number[],
  partial: (j0: number, b: number) => Promise<Float64Array>,
): Promise<Float64Array> {
  const sum: KinshipSum = zeroKinshipSum(n);
  let j0 = 0;
  for (const b of blocks) {
    foldDoubleDouble(sum.hi, sum.lo, await partial(j0, b));
    j0 += b;
  }
  return Float64Array.from(sum.hi, (h, i) => h + sum.lo[i]!);
}

/** m SNPs of n individuals as the readers give them (0/1/2 dosages, some missing), prepared for -gk 1. */
function preparedSnps(n: number, m: number, seed: number, kind: 1 | 2 = 1): Float64Array {
  const rand = seededRandom(seed);
  const X = new Float64Array(n * m);
  for (let j = 0; j < m; j++) {
    const snp = X.subarray(j * n, (j + 1) * n);
    const p = 0.05 + 0.9 * rand();
    for (let i = 0; i < n; i++) {
      const u = rand();
      snp[i] = u < 0.03 ? NaN : (rand() < p ? 1 : 0) + (rand() < p ? 1 : 0);
    }
    prepareKinshipSnp(snp, kind);
  }
  return X;
}

/** Each block's full n x n GEMM from zero (rows split over the runner's slots), folded in double-double. */
async function fullGemmKinship(
  runner: KernelRunner,
  n: number,
  X: Float64Array,
  blocks: number[],
): Promise<Float64Array> {
  return foldBlocks(n, blocks, async (j0, b) => {
    const K = new Float64Array(n * n);
    const block = X.subarray(j0 * n, (j0 + b) * n);
    await runner.exclusive(async () => {
      const { arena } = runner;
      const pK = arena.allocF64(n * n),
        pX = arena.allocF64(n * b);
      arena.f64(pK, n * n).set(K);
      arena.f64(pX, n * b).set(block);
      const lists = splitRange(n, runner.slots, 4).map(([r0, r1], t): KernelCall[] => [
        ['gemm', [r1 - r0, n, b, 1, pX + r0 * 8, 1, n, pX, n, 1, pK + r0 * n * 8, n, runner.scratch[t]!]],
      ]);
      await runner.parallel(lists);
      K.set(arena.f64(pK, n * n));
    });
    return K;
  });
}

async function sessionKinship(
  session: KinshipSession,
  n: number,
  X: Float64Array,
  blocks: number[],
): Promise<Float64Array> {
  let j0 = 0;
  for (const b of blocks) {
    // A scratch copy that is overwritten once add() resolves, as the SNP pass reuses its buffer.
    const buffer = X.slice(j0 * n, (j0 + b) * n);
    await session.add(buffer, b);
    buffer.fill(NaN);
    j0 += b;
  }
  return session.finish();
}

function tsKinship(n: number, X: Float64Array, blocks: number[]): Float64Array {
  const K = new Float64Array(n * n);
  let j0 = 0;
  for (const b of blocks) {
    accumulateKinshipTs(K, n, X.subarray(j0 * n, (j0 + b) * n), b);
    j0 += b;
  }
  return K;
}

function expectSymmetric(K: Float64Array, n: number): void {
  for (let i = 0; i < n; i++)
    for (let k = i + 1; k < n; k++)
      if (!Object.is(K[k * n + i], K[i * n + k])) expect.fail(`K[${k}][${i}] != K[${i}][${k}]`);
}

function expectClose(a: Float64Array, b: Float64Array, m: number): void {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  // Entries are sums of m products of O(1) values; the orders differ (tiles, FMA), not the terms.
  expect(worst).toBeLessThanOrEqual(1e-13 * Math.max(1, m));
}

/** Sizes around the tile height, n = 1, and block splits with a one-SNP block. */
const CASES: Array<[n: number, blocks: number[]]> = [
  [1, [3, 1]],
  [2, [1]],
  [7, [5, 1, 9]],
  [KINSHIP_TILE_ROWS - 1, [40, 1, 23]],
  [KINSHIP_TILE_ROWS, [17, 300]],
  [KINSHIP_TILE_ROWS + 1, [64, 64, 3]],
  [2 * KINSHIP_TILE_ROWS + 5, [1, 257, 30]],
];

describe('WASM kinship', () => {
  let pools: WasmPool[];
  beforeAll(async () => {
    pools = await Promise.all([WasmPool.create(1), WasmPool.create(2), WasmPool.create(3)]);
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  test.each(CASES)(
    'n=%i blocks %j: resident session == full GEMM (bitwise) on 1, 2 and 3 threads, ~ TS engine',
    async (n, blocks) => {
      const m = blocks.reduce((s, b) => s + b, 0);
      const X = preparedSnps(n, m, 7 * n + m);
      const full = await fullGemmKinship(LocalRunner.create(pools[0]!.flavour), n, X, blocks);
      expectSymmetric(full, n); // the full GEMM was already symmetric: mirroring changes no bit
      for (const pool of pools) {
        const K = await sessionKinship(pool.startKinship(n), n, X, blocks);
        expect(K).toEqual(full);
        expectSymmetric(K, n);
      }
      expectClose(full, tsKinship(n, X, blocks), m);
    },
  );

  test.each(CASES)(
    'n=%i blocks %j: one-shot accumulateKinshipOn blocks folded in TS == resident session',
    async (n, blocks) => {
      const m = blocks.reduce((s, b) => s + b, 0);
      const X = preparedSnps(n, m, 11 * n + m, 2);
      const runner = LocalRunner.create(pools[0]!.flavour);
      const K = await foldBlocks(n, blocks, async (j0, b) => {
        const partial = new Float64Array(n * n);
        await accumulateKinshipOn(runner, partial, n, X.subarray(j0 * n, (j0 + b) * n), b);
        return partial;
      });
      expect(K).toEqual(await sessionKinship(pools[1]!.startKinship(n), n, X, blocks));
    },
  );

  test('every upper-triangle element is covered once and the work is balanced', () => {
    for (const n of [1, 95, 96, 97, 1500]) {
      for (const pool of pools) {
        const runner = pool['runner'] as KernelRunner;
        const lists = kinshipCallLists(runner, n, 10, 0, 0);
        const covered = new Uint8Array(n * n);
        const loads = lists.map((calls) =>
          calls.reduce((sum, [, args]) => {
            const rows = args[0]!,
              cols = args[1]!,
              start = args[10]! / 8; // gemm(m, n, k, alpha, A.., B.., C, ...)
            const r0 = Math.floor(start / n),
              c0 = start % n;
            if (c0 !== r0) expect.fail(`tile at row ${r0} starts in column ${c0}`);
            for (let r = r0; r < r0 + rows; r++) for (let c = c0; c < c0 + cols; c++) covered[r * n + c]!++;
            return sum + rows * cols;
          }, 0),
        );
        let wrong = 0;
        for (let r = 0; r < n; r++) for (let c = r; c < n; c++) if (covered[r * n + c] !== 1) wrong++;
        expect(wrong).toBe(0);
        expect(lists.length).toBeLessThanOrEqual(runner.slots);
        if (n >= 1500) expect(Math.max(...loads) / Math.min(...loads)).toBeLessThan(1.15);
      }
    }
  });

  test('interleaved sessions (LOCO parts) and other retained arena users do not disturb each other', async () => {
    const pool = pools[1]!;
    const runner = pool['runner'] as KernelRunner;
    const n = 150;
    const XA = preparedSnps(n, 90, 1),
      XB = preparedSnps(n, 70, 2);
    const refA = await sessionKinship(pool.startKinship(n), n, XA, [40, 50]);
    const refB = await sessionKinship(pool.startKinship(n), n, XB, [30, 40]);

    const A = pool.startKinship(n),
      B = pool.startKinship(n);
    await A.add(XA.slice(0, 40 * n), 40);
    await B.add(XB.slice(0, 30 * n), 30); // moves A's sum out of shared memory
    // A retained region (like a scan plan) while B is resident: B's sum must move out below it, not be freed under it.
    const kept = await runner.retain(() => {
      const mark = runner.arena.mark();
      const ptr = runner.arena.allocF64(1000);
      runner.arena.f64(ptr, 1000).fill(42);
      return { mark, ptr };
    });
    // Scratch users through exclusive() beside a resident sum.
    const X3 = preparedSnps(20, 5, 3),
      K3 = new Float64Array(400);
    await A.add(XA.slice(40 * n), 50);
    await pool.accumulateKinship(K3, 20, X3, 5);
    await B.add(XB.slice(30 * n), 40);
    expect(runner.arena.f64(kept.ptr, 1000).every((v) => v === 42)).toBe(true);
    expect(await B.finish()).toEqual(refB);
    expect(await A.finish()).toEqual(refA);
    await runner.retain(() => runner.arena.release(kept.mark));
    expect(K3).toEqual(await sessionKinship(pool.startKinship(20), 20, X3, [5]));
  });

  test('concurrent adds are queued in order; add after finish and short blocks are rejected', async () => {
    const pool = pools[2]!;
    const n = 60;
    const X = preparedSnps(n, 30, 5);
    const session = pool.startKinship(n);
    // Not awaited one by one: each add takes its turn on the arena.
    await Promise.all([session.add(X.subarray(0, 10 * n), 10), session.add(X.subarray(10 * n), 20)]);
    const K = await session.finish();
    expect(K).toEqual(await sessionKinship(pool.startKinship(n), n, X, [10, 20]));
    await expect(session.add(X.subarray(0, n), 1)).rejects.toThrow(/already finished/);
    await expect(pool.startKinship(n).add(new Float64Array(n - 1), 1)).rejects.toThrow(RangeError);
  });

  test('WasmEngine through KinshipAccumulator matches the TS engine, with an empty session giving zeros', async () => {
    const engine = await WasmEngine.create(2);
    try {
      const n = 101,
        blocks = [33, 1, 66];
      const X = preparedSnps(n, 100, 9);
      const wasm = new KinshipAccumulator(engine, n),
        ts = new KinshipAccumulator(new TsEngine(), n);
      let j0 = 0;
      for (const b of blocks) {
        await wasm.add(X.slice(j0 * n, (j0 + b) * n), b);
        await ts.add(X.slice(j0 * n, (j0 + b) * n), b);
        j0 += b;
      }
      const [kw, kt] = [await wasm.finish(), await ts.finish()];
      expectSymmetric(kw, n);
      expectClose(kw, kt, 1);
      expect(await new KinshipAccumulator(engine, 5).sum()).toEqual(new Float64Array(25));
    } finally {
      await engine.close();
    }
  });

  test('kinship shards: the blocks summed in 1..4 sessions, merged in order, round to the one session bitwise', async () => {
    const pool = pools[1]!;
    const n = 2 * KINSHIP_TILE_ROWS + 3,
      blocks = [20, 20, 7, 20, 13, 20, 1, 20];
    const X = preparedSnps(
      n,
      blocks.reduce((s, b) => s + b, 0),
      77,
    );
    const starts = blocks.map((_, k) => blocks.slice(0, k).reduce((s, b) => s + b, 0));
    const sessionSum = async (from: number, to: number) => {
      const session = pool.startKinship(n);
      for (let k = from; k < to; k++)
        await session.add(X.subarray(starts[k]! * n, (starts[k]! + blocks[k]!) * n), blocks[k]!);
      return session.finishSum();
    };
    const one = await sessionSum(0, blocks.length);
    const rounded = (s: KinshipSum) => Float64Array.from(s.hi, (h, i) => h + s.lo[i]!);
    expect(rounded(one)).toEqual(one.hi); // normalised pairs: hi is the rounded sum
    for (let shards = 1; shards <= 4; shards++) {
      const cut = (s: number) => Math.floor((s * blocks.length) / shards);
      const merged = await sessionSum(0, cut(1));
      for (let s = 1; s < shards; s++) addDoubleDouble(merged, await sessionSum(cut(s), cut(s + 1)));
      expect(rounded(merged), `${shards} shards`).toEqual(rounded(one));
      expectSymmetric(merged.hi, n);
    }
  });

  test('mirrorUpper copies the upper triangle onto the lower one', () => {
    for (const n of [1, 3, 64, 65, 130]) {
      const K = Float64Array.from({ length: n * n }, (_, i) => i);
      mirrorUpper(K, n);
      let wrong = 0;
      for (let i = 0; i < n; i++)
        for (let k = 0; k < n; k++) if (K[i * n + k] !== (i <= k ? i * n + k : k * n + i)) wrong++;
      expect(wrong).toBe(0);
    }
  });
});
