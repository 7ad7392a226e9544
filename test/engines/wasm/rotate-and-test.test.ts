/** WasmPool.rotateAndTest(): a block rotated and tested in one turn of shared memory, bitwise rotate-then-test. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { ResidentLmmPlan } from '../../../src/engines/wasm/lmm.js';
import type { KernelRunner } from '../../../src/engines/wasm/runner.js';
import type { ScanPlan } from '../../../src/model/plan.js';
import { DEFAULT_LAMBDA_SEARCH } from '../../../src/model/settings.js';
import { fitNullModel } from '../../../src/stats/null-model.js';
import { normals, rng } from '../../helpers/random.js';
import { planOf } from '../../helpers/plans.js';

const runnerOf = (pool: WasmPool) => pool['runner'] as KernelRunner;

/** A plan of `traits` traits with random eigenvectors (any matrix rotates: the results need not mean anything). */
function randomPlan(n: number, nCvt: number, traits: number, seed: number): ScanPlan {
  const next = rng(seed);
  const eigenvalues = Float64Array.from({ length: n }, () => 0.02 + 4 * next() * next()).sort();
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1 + 0.3 * w[i]!;
  const shared = {
    n,
    nCvt,
    eigenvalues,
    eigenvectors: normals(next, n * n),
    rotatedCovariates: w,
    testMode: 4 as const,
    search: DEFAULT_LAMBDA_SEARCH,
  };
  return planOf(
    shared,
    Array.from({ length: traits }, () => {
      const y = normals(next, n);
      return { rotatedPhenotype: y, nullModel: fitNullModel(eigenvalues, w, y, nCvt) };
    }),
  );
}

/** b SNPs of n individuals: even columns hard calls (0, 1, 2: the lookup path), odd ones dosages (the GEMM). */
function randomBlock(n: number, b: number, seed: number): Float64Array {
  const next = rng(seed);
  const block = normals(next, n * b);
  for (let j = 0; j < b; j += 2) for (let i = 0; i < n; i++) block[j * n + i] = Math.floor(3 * next());
  return block;
}

describe('WasmPool.rotateAndTest', () => {
  let pool: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  test('rotatePlan() then test(), bit for bit: block after block, after another plan, with either U resident', async () => {
    const n = 97;
    const plan = randomPlan(n, 2, 2, 7);
    const other = randomPlan(n, 1, 1, 8);
    const [tests, otherTests] = [plan, other].map((p) => pool.loadPlan(p));
    const [key, otherKey] = [{}, {}];
    const separately = async (block: Float64Array, b: number) =>
      tests!.test(await pool.rotatePlan(key, plan.eigenvectors, n, block, b), b);
    for (const [b, seed] of [
      [30, 1],
      [31, 2],
      [1, 3],
    ] as const) {
      const block = randomBlock(n, b, seed);
      let rotated = 0;
      const together = await pool.rotateAndTest(tests!, key, plan.eigenvectors, n, block, b, () => rotated++);
      expect(rotated).toBe(1);
      expect(together).toEqual(await separately(block, b));
      // Another plan's U and traits take the shared memory; the next block sets this plan's up again.
      const otherBlock = randomBlock(n, 5, seed + 10);
      await pool.rotateAndTest(otherTests!, otherKey, other.eigenvectors, n, otherBlock, 5, () => {});
      expect(await pool.rotateAndTest(tests!, key, plan.eigenvectors, n, block, b, () => {})).toEqual(
        together,
      );
    }
    await Promise.all([tests!.release(), otherTests!.release(), pool.releaseRotation(key)]);
    await pool.releaseRotation(otherKey);
  });

  test('null, with nothing rotated, where the traits go in groups', async () => {
    const n = 40;
    const plan = randomPlan(n, 1, 3, 9);
    const grouped = new ResidentLmmPlan(runnerOf(pool), plan, 'interpolated', 1);
    let rotated = 0;
    const block = randomBlock(n, 4, 4);
    expect(await pool.rotateAndTest(grouped, {}, plan.eigenvectors, n, block, 4, () => rotated++)).toBeNull();
    expect(rotated).toBe(0);
  });
});
