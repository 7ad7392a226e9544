// The tiled eigensolver (n x n matrices outside shared memory, moved through it in strips and panels), forced at
// small n with tiles of a few rows: against the ordinary solver, eigenvalues within 1e-13 of the largest |value|,
// and U orthonormal and A U = U diag(values) within 1e-12 (relative to max |A|), on the main thread and on a
// 2-thread pool. Eigenvectors themselves are compared only through these (signs and bases of repeated values
// are free).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Eigen } from '../../../src/engines/engine.js';
import { eigenOn } from '../../../src/engines/wasm/eigen.js';
import { eigenTiled, packedMemories } from '../../../src/engines/wasm/eigen-tiled.js';
import { packedStart, splitRows, tridiagonalizeSplit } from '../../../src/engines/wasm/tridiag-split.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import type { KernelCall } from '../../../src/engines/wasm/runner.js';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { centredKinship, randomSymmetric } from './reference.js';

// Largest |U^T U - I| and |A U - U diag(values)| / max |A|.
function errors(
  A: Float64Array,
  n: number,
  { values, vectors: U }: Eigen,
): { orth: number; residual: number } {
  let scale = 0;
  for (const x of A) scale = Math.max(scale, Math.abs(x));
  let orth = 0,
    residual = 0;
  for (let p = 0; p < n; p++)
    for (let q = 0; q < n; q++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += U[r * n + p]! * U[r * n + q]!;
      orth = Math.max(orth, Math.abs(s - (p === q ? 1 : 0)));
    }
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j]! * U[j * n + k]!;
      residual = Math.max(residual, Math.abs(s - values[k]! * U[i * n + k]!));
    }
  return { orth, residual: residual / scale };
}

function expectClose(A: Float64Array, n: number, got: Eigen, want: Eigen): void {
  let big = 0,
    diff = 0;
  for (let k = 0; k < n; k++) {
    big = Math.max(big, Math.abs(want.values[k]!));
    diff = Math.max(diff, Math.abs(got.values[k]! - want.values[k]!));
  }
  expect(diff).toBeLessThanOrEqual(1e-13 * big);
  const { orth, residual } = errors(A, n, got);
  expect(orth).toBeLessThan(1e-12);
  expect(residual).toBeLessThan(1e-12);
}

// Cases: a random matrix (little deflation), a kinship of 2n SNPs, and one of n/4 SNPs (most eigenvalues 0: the
// top merge deflates most of its poles). Tile bytes: strips and panels of a few rows.
const cases: Array<[string, number, (n: number) => Float64Array]> = [
  ['random', 37, (n) => randomSymmetric(n, 5)],
  ['kinship', 37, (n) => centredKinship(n, 2 * n, 6)],
  ['random', 130, (n) => randomSymmetric(n, 7)],
  ['kinship', 301, (n) => centredKinship(n, 2 * n, 8)],
  ['low-rank kinship', 301, (n) => centredKinship(n, n >> 2, 9)],
];

describe('eigenTiled', () => {
  let pool: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  test.each(cases)('%s, n=%i: agrees with the ordinary solver, tiles of a few rows', async (_, n, make) => {
    const A = make(n);
    const local = LocalRunner.create();
    const want = await eigenOn(local, A, n);
    // 3 rows per strip and panel; WY blocks one or two at a time.
    for (const tileBytes of [3 * 8 * 3 * n, 2 * 8 * 64 * n + 4096]) {
      expectClose(A, n, await eigenTiled(local, A, n, false, tileBytes), want);
    }
    const viaPool = await pool.eigen(A, n, undefined, false, 0, 3 * 8 * 3 * n);
    expectClose(A, n, viaPool, want);
  });

  // Tridiagonal blocks above leafRows are torn again and merged as the top merge is (n past about 31,700): blocks of
  // at most 5, 9 or 40 rows, so two to five levels of tears, on one thread and on a 2-thread pool.
  test.each(cases)('%s, n=%i: the divide and conquer torn more than once', async (_, n, make) => {
    const A = make(n);
    const local = LocalRunner.create();
    const want = await eigenOn(local, A, n);
    for (const leafRows of [5, 9, 40]) {
      expectClose(A, n, await eigenTiled(local, A, n, false, 3 * 8 * 3 * n, { leafRows }), want);
    }
    expectClose(A, n, await pool.eigen(A, n, undefined, false, 0, 3 * 8 * 3 * n, { leafRows: 9 }), want);
  });

  // Past one memory's packed triangle, its rows shared out over two or three memories (runners of their own), with
  // leaves of 9 rows as well (the divide and conquer torn again): on one thread each, and on 2-thread pools.
  test.each(cases.filter(([, n]) => n > 64))(
    '%s, n=%i: the tridiagonalisation over several memories',
    async (_, n, make) => {
      const A = make(n);
      const local = LocalRunner.create();
      const want = await eigenOn(local, A, n);
      for (const count of [2, 3]) {
        for (const leafRows of [undefined, 9]) {
          const memories = Array.from({ length: count - 1 }, () => LocalRunner.create());
          let released = 0;
          const release = () => {
            released++;
            return Promise.resolve();
          };
          const got = await eigenTiled(local, A, n, false, 3 * 8 * 3 * n, { leafRows, memories, release });
          expectClose(A, n, got, want);
          // Taken out of the array, and the owner told once, when steps 1 and 2 are done.
          expect(memories).toEqual([]);
          expect(released).toBe(1);
        }
        // As many memories from the pool: the packed triangle's bytes over count, rounded up.
        const memoryBytes = Math.ceil((8 * packedStart(n, n)) / count);
        expect(packedMemories(n, memoryBytes)).toBe(count);
        expectClose(A, n, await pool.eigen(A, n, undefined, false, 0, 3 * 8 * 3 * n, { memoryBytes }), want);
      }
    },
  );

  // The split reduction on its own: every memory holding rows, the boundaries whole WY blocks, and T = Q^T A Q's
  // invariants (trace and Frobenius norm) those of A to rounding. d and e themselves move with the order of the
  // products' sums (about 1e-11 relative at n = 301, in the last entries, against one memory's); the eigenpairs do
  // not (the tests above).
  test.each([
    [97, 2],
    [130, 2],
    [301, 3],
    [301, 4],
  ])('n=%i over %i memories: the trace and the Frobenius norm of A', async (n, count) => {
    const A = centredKinship(n, 2 * n, n + 3);
    const bounds = splitRows(n, count);
    expect(bounds.length).toBe(count + 1);
    for (let m = 0; m < count; m++) {
      expect(bounds[m + 1]!).toBeGreaterThan(bounds[m]!);
      if (m > 0) expect(bounds[m]! % 64).toBe(0);
    }
    const { d, e } = await tridiagonalizeSplit(
      Array.from({ length: count }, () => LocalRunner.create()),
      A,
      n,
    );
    let trace = 0,
      frob = 0,
      traceT = 0,
      frobT = 0;
    for (let i = 0; i < n; i++) {
      trace += A[i * n + i]!;
      for (let j = 0; j < n; j++) frob += A[i * n + j]! ** 2;
      traceT += d[i]!;
      frobT += d[i]! ** 2 + 2 * e[i]! ** 2;
    }
    expect(e[n - 1]).toBe(0);
    expect(Math.abs(traceT - trace)).toBeLessThan(1e-13 * Math.sqrt(frob));
    expect(Math.abs(frobT - frob)).toBeLessThan(1e-13 * frob);
  });

  // At large n a memory's rows start gigabytes into the packed layout, so the address the kernels take for its row 0
  // lies below 0 and wraps (wasm32 addresses are modulo 2^32). n = 1,600 over three memories is the smallest size
  // where that happens beside the arena's first megabytes: eigenvalues against the ordinary solver, and the
  // residual and orthogonality of every 50th eigenvector (the full products are n^3 here).
  test('n=1600 over three memories: row addresses that wrap', async () => {
    const n = 1600;
    const A = randomSymmetric(n, 31);
    const local = LocalRunner.create();
    const want = await eigenOn(local, A, n);
    const memories = [LocalRunner.create(), LocalRunner.create()];
    // The last memory's rows are its arena's first allocation (aligned to 64 bytes past its top): their packed
    // offset exceeds that address, so the address of the layout's start is below 0.
    const first = splitRows(n, 3)[2]!;
    expect(memories[1]!.arena.mark() + 64).toBeLessThan(8 * packedStart(n, first));
    const got = await eigenTiled(local, A, n, false, undefined, { memories });
    let big = 0,
      scale = 0;
    for (let k = 0; k < n; k++) {
      big = Math.max(big, Math.abs(want.values[k]!));
      expect(Math.abs(got.values[k]! - want.values[k]!)).toBeLessThanOrEqual(1e-13 * big);
    }
    for (const x of A) scale = Math.max(scale, Math.abs(x));
    const U = got.vectors;
    for (let k = 0; k < n; k += 50) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A[i * n + j]! * U[j * n + k]!;
        expect(Math.abs(s - got.values[k]! * U[i * n + k]!)).toBeLessThan(1e-12 * scale);
      }
      for (let q = 0; q < n; q += 50) {
        let s = 0;
        for (let r = 0; r < n; r++) s += U[r * n + k]! * U[r * n + q]!;
        expect(Math.abs(s - (k === q ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });

  // Entries far from 1 are scaled by a power of 2 first, as the kernel does: the same eigenvalues, scaled.
  test('n=130 over two memories: a matrix of entries near 1e200 and near 1e-200', async () => {
    const n = 130;
    const A = randomSymmetric(n, 21);
    const local = LocalRunner.create();
    const want = await eigenOn(local, A, n);
    for (const scale of [1e200, 1e-200]) {
      const got = await eigenTiled(
        local,
        A.map((x) => x * scale),
        n,
        false,
        undefined,
        {
          memories: [LocalRunner.create()],
        },
      );
      for (let k = 0; k < n; k++)
        expect(Math.abs(got.values[k]! / scale - want.values[k]!)).toBeLessThan(
          1e-12 * Math.abs(want.values[n - 1]!),
        );
    }
  });

  // The tiled solver's tridiagonalisation runs on the packed upper triangle (rows in blocks of 32, each from its
  // block's first column): the same bits as the full layout's.
  test.each([5, 33, 64, 97, 301])(
    'n=%i: the packed tridiagonalisation, the same bits as the full one',
    async (n) => {
      const A = randomSymmetric(n, n + 11);
      const local = LocalRunner.create();
      const { arena } = local;
      const run = (name: KernelCall[0], ...args: number[]) => local.run([[name, args]]);
      const reduce = async (packed: boolean): Promise<Float64Array[]> => {
        const mark = arena.mark();
        const sizes = arena.alloc(32);
        await run('eigenSizes', n, sizes);
        const scratchDoubles = new Int32Array(arena.memory.buffer, sizes, 1)[0]!;
        const [team, ctx, works] = [arena.alloc(512), arena.alloc(512), arena.alloc(4)];
        new Uint32Array(arena.memory.buffer, works, 1)[0] = local.scratch[0]!;
        const [d, e, tau] = [arena.allocF64(n), arena.allocF64(n), arena.allocF64(n)];
        const scratch = arena.allocF64(scratchDoubles);
        const length = packed ? await run('tridiagPackedDoubles', n) : n * n;
        const a = arena.allocF64(length);
        let at = 0;
        for (let r = 0; r < n; r++) {
          const from = packed ? r - (r % 32) : 0;
          arena.f64(a + 8 * at, n - from).set(A.subarray(r * n + from, (r + 1) * n));
          at += n - from;
        }
        expect(at).toBe(length);
        await local.run([
          ['teamInit', [team, 1]],
          [packed ? 'tridiagonalizePacked' : 'tridiagonalize', [n, a, d, e, tau, scratch, works, team, ctx]],
          ['teamFinish', [team]],
        ]);
        const out = [d, e, tau].map((p) => arena.f64(p, n).slice());
        arena.release(mark);
        return out;
      };
      expect(await reduce(true)).toEqual(await reduce(false));
    },
  );

  test('the input is left alone, or consumed: U returned in it, the same bits', async () => {
    const n = 130;
    const A = centredKinship(n, 2 * n, 10);
    const local = LocalRunner.create();
    const kept = Float64Array.from(A);
    const plain = await eigenTiled(local, A, n, false, 8 * 8 * n);
    expect(A).toEqual(kept);
    const given = Float64Array.from(A);
    const consumed = await eigenTiled(local, given, n, true, 8 * 8 * n);
    expect(consumed.vectors).toBe(given);
    expect(consumed.values).toEqual(plain.values);
    expect(consumed.vectors).toEqual(plain.vectors);
  });

  // Special structure at the top merge: a diagonal matrix (no coupling: everything deflates, repeated values) and
  // the all-ones matrix (rank one), at the smallest n and around a block of 32 rows and a WY block of 64.
  test.each([4, 5, 33, 65])('n=%i: diagonal and all-ones matrices', async (n) => {
    const local = LocalRunner.create();
    const diagonal = Float64Array.from({ length: n * n }, (_, i) =>
      i % (n + 1) === 0 ? (i / (n + 1)) % 3 : 0,
    );
    const ones = new Float64Array(n * n).fill(1);
    for (const A of [diagonal, ones]) {
      expectClose(A, n, await eigenTiled(local, A, n, false, 3 * 8 * 3 * n), await eigenOn(local, A, n));
    }
  });

  test('a zero matrix: zero values, identity-like orthonormal vectors', async () => {
    const n = 9;
    const got = await eigenTiled(LocalRunner.create(), new Float64Array(n * n), n);
    expect(Array.from(got.values)).toEqual(new Array<number>(n).fill(0));
    expect(
      errors(
        Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)),
        n,
        got,
      ).orth,
    ).toBe(0);
  });
});
