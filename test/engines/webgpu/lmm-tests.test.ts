/**
 * The webgpu engine's loadPlan handle with the tests' lambda grid on the GPU (rotation and grid in one
 * submission) against the TS engine (float64 rotation and testRotatedBlock), for every test mode, two traits
 * per unit, odd n and b not a multiple of the workgroup. Tolerance: every statistic within FIT_TOLERANCE relative
 * (-log10 scale for p-values), or, where both lambdas lie below 1e-3 (the derivative's rounding noise), lambda
 * within 1e-6 absolute and that fit's statistics within 1e-4 (the wasm engine's interpolated rule).
 */
import { describe, expect, it } from 'vitest';
import { TsEngine, rotateTs } from '../../../src/engines/ts/ts-engine.js';
import { WasmEngine } from '../../../src/engines/wasm/wasm-engine.js';
import { WebGpuEngine } from '../../../src/engines/webgpu/webgpu-engine.js';
import type { Engine } from '../../../src/engines/engine.js';
import { traitPlans, type LmmTestMode } from '../../../src/model/plan.js';
import type { SnpResultBlock } from '../../../src/model/results.js';
import { testRotatedBlock } from '../../../src/stats/lmm-block.js';
import { normals, rng } from '../../helpers/random.js';
import { acquireTestGpu, randomOrthogonal, twoTraitPlan } from './helpers.js';

const probe = await acquireTestGpu();
probe?.destroy();
// The CPU half: the TS engine's code (testRotatedBlock with the GPU's slopes) or the wasm pool (lmmScan with the
// GPU's sums). An adapter hands out one device, so the two engines run one after the other.
const finishers = { ts: async () => new TsEngine(), wasm: () => WasmEngine.create(2) };

/** Two traits sharing n, U, eigenvalues and covariates; genotypes as hard calls (b x n, SNP-major). */
function randomUnit(n: number, nCvt: number, b: number, mode: LmmTestMode, seed: number) {
  const next = rng(seed);
  const u = randomOrthogonal(n, next);
  const eigenvalues = Float64Array.from({ length: n }, () =>
    next() < 0.15 ? 0 : 0.02 + 4 * next() * next(),
  ).sort();
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1 + 0.3 * w[i]!;
  const block = Float64Array.from({ length: n * b }, () => Math.floor(3 * next()));
  const rotatedBlock = rotateTs(u, n, block, b);
  return {
    plan: twoTraitPlan(next, { u, eigenvalues, w, nCvt, mode }, rotatedBlock, b),
    block,
    rotatedBlock,
  };
}

/**
 * The GPU's lambda is the derivative's root (GPU Newton, then a float64 step); the TS engine keeps GEMMA's iterate
 * before its last Newton step (1e-5 relative convergence), so lambdas differ by up to about 1e-5 relative and a
 * small beta or a p-value near 1 by a few times that (measured: lambda 9e-6, beta 2.5e-5): GEMMA parity's 1e-4.
 */
const FIT_TOLERANCE = 1e-4;

function differences(gpu: SnpResultBlock, ts: SnpResultBlock): string[] {
  const bad: string[] = [];
  for (let j = 0; j < ts.beta.length; j++) {
    const noisy = (key: 'lambdaRemle' | 'lambdaMle') => ts[key][j]! < 1e-3 && gpu[key][j]! < 1e-3;
    for (const key of Object.keys(ts) as (keyof SnpResultBlock)[]) {
      const scale = key.startsWith('p') ? (x: number) => -Math.log10(x) : (x: number) => x;
      const a = scale(gpu[key][j]!),
        t = scale(ts[key][j]!);
      if (Object.is(a, t)) continue;
      const inNoise = noisy('lambdaRemle') || noisy('lambdaMle');
      const rel = Math.abs(a - t) / Math.max(Math.abs(a), Math.abs(t));
      const ok =
        key.startsWith('lambda') && inNoise
          ? Math.abs(a - t) <= 1e-6
          : rel <= (inNoise ? 1e-4 : FIT_TOLERANCE);
      if (!ok) bad.push(`SNP ${j} ${key}: gpu ${gpu[key][j]} ts ${ts[key][j]}`);
    }
  }
  return bad;
}

/** A timer that only awaits: these tests check results, not times. */
const untimed = {
  time: async <T>(_started: number, call: Promise<T>) => ({ value: await call, ms: 0 }),
};

describe.skipIf(probe === null).each(['ts', 'wasm'] as const)('finished on %s', (finisher) => {
  let engine: WebGpuEngine | null = null;
  const open = async () =>
    (engine ??= await WebGpuEngine.create((await finishers[finisher]()) as Engine, 'opengles'));

  it('loadPlan: rotation and grid on the GPU, finish on the CPU, as the TS engine (modes 1-4)', async () => {
    await open();
    let tests = 0;
    for (const [n, nCvt, b] of [
      [5, 1, 1],
      [37, 2, 67],
      [64, 1, 65],
      [29, 6, 33], // more covariates than the refinement's smallest tables
    ] as const) {
      for (const mode of [1, 2, 3, 4] as const) {
        const { plan, block, rotatedBlock } = randomUnit(n, nCvt, b, mode, n * 10 + mode);
        const handle = engine!.loadPlan(plan);
        try {
          // scanBlock: the grid kernels run on the rotated chunks on the device, their results go to the tests.
          const { results: got, rotateMs, testMs } = await handle.scanBlock(block, b, untimed);
          expect(got.length).toBe(2);
          expect(rotateMs).toBeGreaterThanOrEqual(0);
          expect(testMs).toBeGreaterThanOrEqual(0);
          for (const [p, trait] of traitPlans(plan).entries()) {
            const want = testRotatedBlock(trait, rotatedBlock, b);
            expect(differences(got[p]!, want), `n=${n} c=${nCvt} b=${b} mode ${mode} trait ${p}`).toEqual([]);
          }
          if (mode !== 3) tests += 2 * b;
        } finally {
          await handle.release();
        }
      }
    }
    const line = engine!.describe();
    expect(line).toContain('rotation and tests on the GPU in double-single (lambda grid and Newton)');
    expect(line).toContain(`; ${tests} SNP tests, `);
    expect(line).toMatch(/, \d+ of them optimised on the CPU in float64/);
  });

  it('a block rotated elsewhere gets its grid computed on the GPU from the host copy', async () => {
    await open();
    const { plan, rotatedBlock } = randomUnit(23, 1, 3, 4, 99);
    const handle = engine!.loadPlan(plan);
    try {
      const got = await handle.test(rotatedBlock, 3);
      for (const [p, trait] of traitPlans(plan).entries())
        expect(differences(got[p]!, testRotatedBlock(trait, rotatedBlock, 3))).toEqual([]);
    } finally {
      await handle.release();
    }
  });

  it('closes', async () => {
    await engine?.close();
    engine = null;
  });
});
