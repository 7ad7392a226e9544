// A loaded plan's U stays in shared memory across its blocks (rotate-hard.ts, WasmPool.rotatePlan): each block's
// rotation is bitwise the per-block copy's (WasmPool.rotate) and, on hard-call columns, the TS engine's, whatever
// ran in between: blocks of a second U (other individuals), a kinship sum, an eigendecomposition, another plan's
// tests; and those give the numbers they give with no U resident.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { rotateOn } from '../../../src/engines/wasm/ops.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { rotateTs } from '../../../src/engines/ts/ts-engine.js';
import { packHardColumns } from '../../../src/linalg/hard-rotation.js';
import type { ScanPlan } from '../../../src/model/plan.js';
import { DEFAULT_LAMBDA_SEARCH } from '../../../src/model/settings.js';
import { fitNullModel } from '../../../src/stats/null-model.js';
import { planOf } from '../../helpers/plans.js';
import { maxAbs, maxAbsDiff, randomArray, seededRandom } from './reference.js';

/** b columns of hard calls, every third with a few imputed means and every fifth all dosages. */
function genotypes(n: number, b: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const x = Float64Array.from({ length: n * b }, () => Math.floor(3 * rand()));
  for (let j = 0; j < b; j++)
    for (let i = 0; i < n; i++) if (j % 5 === 4 || (j % 3 === 1 && rand() < 0.03)) x[j * n + i] = 2 * rand();
  return x;
}

/** The TS engine's bits on the hard-call columns; the GEMM's columns to rounding. */
function expectTsBits(got: Float64Array, U: Float64Array, n: number, X: Float64Array, b: number): void {
  const ts = rotateTs(U, n, X, b);
  const { hard } = packHardColumns(X, n, b);
  expect(hard.length).toBeGreaterThan(0);
  for (const j of hard)
    expect(got.subarray(j * n, (j + 1) * n), `column ${j}`).toEqual(ts.subarray(j * n, (j + 1) * n));
  expect(maxAbsDiff(got, ts)).toBeLessThanOrEqual(1e-13 * Math.max(1, maxAbs(ts)));
}

/** A one-trait plan over n individuals (the tests need no eigenvectors). */
function plan(n: number, seed: number): { plan: ScanPlan; rotated: Float64Array; b: number } {
  const rand = seededRandom(seed);
  const eigenvalues = Float64Array.from({ length: n }, () => 0.05 + 3 * rand()).sort();
  const w = Float64Array.from({ length: n }, () => 1 + 0.3 * (rand() - 0.5));
  const y = Float64Array.from({ length: n }, () => rand() - 0.5 + w[0]!);
  const shared = {
    n,
    nCvt: 1,
    eigenvalues,
    eigenvectors: new Float64Array(0),
    rotatedCovariates: w,
    testMode: 4 as const,
    search: DEFAULT_LAMBDA_SEARCH,
  };
  const b = 9;
  const rotated = randomArray(n * b, seed + 1);
  return {
    plan: planOf(shared, [{ rotatedPhenotype: y, nullModel: fitNullModel(eigenvalues, w, y, 1) }]),
    rotated,
    b,
  };
}

describe('resident eigenvectors (WasmPool.rotatePlan)', () => {
  let pool: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  test('blocks by one U, by a second, and between them a kinship, an eigendecomposition and tests: bitwise', async () => {
    const n1 = 61,
      n2 = 37;
    const U1 = randomArray(n1 * n1, 1),
      U2 = randomArray(n2 * n2, 2);
    const [first, second] = [{}, {}];
    let seed = 10;
    const rotates = async (key: object, U: Float64Array, n: number, b: number) => {
      const X = genotypes(n, b, seed++);
      const got = await pool.rotatePlan(key, U, n, X, b);
      expect(got).toEqual(await pool.rotate(U, n, X, b));
      expectTsBits(got, U, n, X, b);
    };
    // What the kinship, the eigensolver and the tests give with no U resident.
    const X = genotypes(n1, 40, 3);
    const kinship = async () => {
      const session = pool.startKinship(n1);
      await session.add(X, 40);
      return session.finish();
    };
    const K = await kinship();
    const eigen = await pool.eigen(K, n1);
    const p1 = plan(n1, 4),
      p2 = plan(n2, 5);
    const loaded = pool.loadPlan(p1.plan),
      other = pool.loadPlan(p2.plan);
    const tests = await loaded.test(p1.rotated, p1.b);
    const otherTests = await other.test(p2.rotated, p2.b);

    await rotates(first, U1, n1, 14);
    await rotates(first, U1, n1, 3);
    // The plan's tables lie below U: they stay.
    expect(await loaded.test(p1.rotated, p1.b)).toEqual(tests);
    await rotates(second, U2, n2, 11);
    await rotates(second, U2, n2, 1);
    await rotates(first, U1, n1, 7);
    // Another plan's tables replace the first's, and U above them goes too.
    expect(await other.test(p2.rotated, p2.b)).toEqual(otherTests);
    await rotates(first, U1, n1, 13);
    expect(await loaded.test(p1.rotated, p1.b)).toEqual(tests);
    await rotates(first, U1, n1, 5);
    expect(await kinship()).toEqual(K);
    await rotates(first, U1, n1, 6);
    const again = await pool.eigen(K, n1);
    expect(again.values).toEqual(eigen.values);
    expect(again.vectors).toEqual(eigen.vectors);
    await rotates(second, U2, n2, 8);
    await pool.releaseRotation(second);
    await rotates(first, U1, n1, 12);
    await loaded.release();
    await other.release();
    await pool.releaseRotation(first);
    await rotates(first, U1, n1, 4);
  });
});

describe("a rotation written into a given array (rotate()'s into)", () => {
  test('over the block itself or into a larger array: the same bits, in that memory', async () => {
    const runner = LocalRunner.create();
    const n = 31,
      b = 10;
    const U = randomArray(n * n, 11),
      X = genotypes(n, b, 12);
    const key = {};
    const want = await rotateOn(runner, U, n, X, b, undefined, key);
    const block = X.slice();
    const over = await rotateOn(runner, U, n, block, b, undefined, key, block);
    expect(over).toEqual(want);
    expect(over.buffer).toBe(block.buffer);
    const room = new Float64Array(n * b + 5);
    const into = await rotateOn(runner, U, n, X, b, undefined, key, room);
    expect(into).toEqual(want);
    expect(into.buffer).toBe(room.buffer);
    // Without a key (U copied per call), too.
    const plain = X.slice();
    expect(await rotateOn(runner, U, n, plain, b, undefined, undefined, plain)).toEqual(want);
    await expect(rotateOn(runner, U, n, X, b, undefined, key, new Float64Array(n * b - 1))).rejects.toThrow(
      /room for/,
    );
  });
});

describe('resident eigenvectors on a runner', () => {
  test('U is copied in once per key and array, freed whole by dropRotation; strips stay per block', async () => {
    const runner = LocalRunner.create();
    const n = 29,
      b = 6;
    const U = randomArray(n * n, 7),
      X = genotypes(n, b, 8);
    const base = runner.arena.mark();
    const key = {};
    const want = await rotateOn(runner, U, n, X, b);
    expect(runner.residentRotation).toBeNull();
    expect(await rotateOn(runner, U, n, X, b, undefined, key)).toEqual(want);
    const resident = runner.residentRotation!;
    expect(resident.key).toBe(key);
    expect(resident.mark).toBe(base);
    const top = runner.arena.mark();
    expect(top).toBeGreaterThanOrEqual(base + 8 * n * n);
    expect(await rotateOn(runner, U, n, genotypes(n, b, 9), b, undefined, key)).toEqual(
      await rotateOn(runner, U, n, genotypes(n, b, 9), b),
    );
    expect(runner.residentRotation).toBe(resident);
    expect(runner.arena.mark()).toBe(top);
    // Another array (a copy of the same values) under the same key is copied in afresh, at the same place.
    expect(await rotateOn(runner, U.slice(), n, X, b, undefined, key)).toEqual(want);
    expect(runner.residentRotation).not.toBe(resident);
    expect(runner.residentRotation!.ptr).toBe(resident.ptr);
    runner.dropRotation();
    expect(runner.residentRotation).toBeNull();
    expect(runner.arena.mark()).toBe(base);
    // U wider than the window crosses in strips, per block, as without a key.
    expect(await rotateOn(runner, U, n, X, b, 8 * n * 12, key)).toEqual(
      await rotateOn(runner, U, n, X, b, 8 * n * 12),
    );
    expect(runner.residentRotation).toBeNull();
    expect(runner.arena.mark()).toBe(base);
  });
});
