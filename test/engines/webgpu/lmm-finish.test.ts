/**
 * The float64 finish of the GPU's tests on the wasm pool (assembly/lmm.ts lmmFinish, reached through the wasm
 * engine's finishGpuTests) against the TS engine's (lmm-finish.ts), both given the same GPU results: the grid sums
 * and refined lambdas that lmm_grid and lmm_refine computed on llvmpipe for random units of awkward sizes (n a few
 * above c + 1, n not a multiple of the workgroup of 64, c = 1..7, mean-imputed missing genotypes, every test mode
 * that fits lambda), with every seventh lambda marked as not converged so both must optimise it on the CPU.
 * Tolerance: every statistic within FINISH_TOLERANCE relative (-log10 scale for p-values); the counts of SNPs
 * optimised on the CPU must agree exactly. (At n = c + 2 the likelihood is flat to rounding: there the wasm and TS
 * engines' own lambdas differ by orders of magnitude, so no finish can be held to the other.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WasmEngine } from '../../../src/engines/wasm/wasm-engine.js';
import {
  GpuPlanTests,
  type GpuBlockResults,
  type GridCounts,
} from '../../../src/engines/webgpu/lmm-tests.js';
import { RefineStatus } from '../../../src/engines/webgpu/lmm-refine.js';
import { writePairs } from '../../../src/engines/webgpu/lmm-grid.js';
import { rotateTs } from '../../../src/engines/ts/ts-engine.js';
import type { GpuContext } from '../../../src/engines/webgpu/device.js';
import type { LmmTestMode } from '../../../src/model/plan.js';
import type { SnpResultBlock } from '../../../src/model/results.js';
import { normals, rng } from '../../helpers/random.js';
import { acquireTestGpu, randomOrthogonal, twoTraitPlan } from './helpers.js';

const gpu = await acquireTestGpu();
const wasm = gpu === null ? null : await WasmEngine.create(2);
afterAll(async () => {
  await wasm?.close();
  gpu?.destroy();
});

/**
 * Both polish the GPU's lambda to the derivative's root (about 1e-14) or run the same search; the pool's sums of the
 * covariates at a SNP's own lambda come from Chebyshev tables (about 1e-13 of the sum of absolute terms), the wasm
 * engine's rule against the TS engine (measured here: at most 1.3e-10).
 */
const FINISH_TOLERANCE = 1e-6;

/** Two traits sharing n, eigenvalues and covariates; hard calls with missing ones at the SNP's mean, rotated. */
function randomUnit(n: number, nCvt: number, b: number, mode: LmmTestMode, seed: number) {
  const next = rng(seed);
  const u = randomOrthogonal(n, next);
  const eigenvalues = Float64Array.from({ length: n }, () =>
    next() < 0.15 ? 0 : 0.02 + 4 * next() * next(),
  ).sort();
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1 + 0.3 * w[i]!;
  const block = Float64Array.from({ length: n * b }, () => (next() < 0.08 ? NaN : Math.floor(3 * next())));
  for (let j = 0; j < b; j++) {
    const snp = block.subarray(j * n, (j + 1) * n);
    const called = snp.filter((g) => !Number.isNaN(g));
    const mean = called.length ? called.reduce((s, g) => s + g, 0) / called.length : 0;
    snp.forEach((g, i) => (snp[i] = Number.isNaN(g) ? mean : g));
  }
  const rotated = rotateTs(u, n, block, b);
  return { plan: twoTraitPlan(next, { u, eigenvalues, w, nCvt, mode }, rotated, b), rotated };
}

/** The GPU's grid sums and refined lambdas for a block rotated on the host (as GpuPlanTests computes them). */
async function gpuResults(
  context: GpuContext,
  tests: GpuPlanTests,
  rotated: Float64Array,
  n: number,
  b: number,
): Promise<GpuBlockResults> {
  await tests.compiled();
  const hook = tests.hook(b);
  const device = context.device;
  const input = device.createBuffer({
    size: b * n * 8,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  hook.transient.push(input);
  try {
    const pairs = new Float32Array(b * n * 2);
    writePairs(rotated, 0, b * n, pairs);
    await context.checked('finish test', () => {
      device.queue.writeBuffer(input, 0, pairs);
      const encoder = device.createCommandEncoder();
      hook.onDevice(encoder, input, 0, b);
      device.queue.submit([encoder.finish()]);
    });
    return await hook.finish();
  } finally {
    for (const buffer of hook.transient) buffer.destroy();
  }
}

/** Largest relative difference over a block's statistics (p-values on -log10), and where. */
function worstDifference(got: SnpResultBlock, want: SnpResultBlock): { error: number; where: string } {
  let error = 0;
  let where = '';
  for (const key of Object.keys(want) as (keyof SnpResultBlock)[]) {
    const scale = key.startsWith('p') ? (x: number) => -Math.log10(x) : (x: number) => x;
    for (let j = 0; j < want.beta.length; j++) {
      const a = scale(got[key][j]!),
        t = scale(want[key][j]!);
      if (Object.is(a, t)) continue;
      const rel = Math.abs(a - t) / Math.max(Math.abs(a), Math.abs(t));
      if (!(rel <= error)) {
        error = Number.isNaN(rel) ? Infinity : rel;
        where = `SNP ${j} ${key}: pool ${got[key][j]} ts ${want[key][j]}`;
      }
    }
  }
  return { error, where };
}

describe.skipIf(gpu === null)('the GPU tests finished on the wasm pool, as by the TS engine', () => {
  for (const [n, nCvt, b, mode] of [
    [6, 1, 5, 4],
    [13, 7, 4, 1],
    [37, 2, 67, 4],
    [23, 4, 9, 2],
    [65, 5, 20, 4],
    [70, 6, 33, 9],
    [41, 7, 11, 4],
    [130, 3, 64, 1],
  ] as const) {
    it(`n=${n} c=${nCvt} b=${b} mode ${mode}`, async () => {
      const { plan, rotated } = randomUnit(n, nCvt, b, mode, 7919 * n + 31 * nCvt + mode);
      const counts: GridCounts = { tested: 0, refined: 0, cpu: 0 };
      const tests = new GpuPlanTests(gpu!, plan, counts);
      const handle = wasm!.loadPlan(plan);
      try {
        const results = await gpuResults(gpu!, tests, rotated, n, b);
        // Every seventh lambda as if the GPU had not converged: both finishes must optimise it on the CPU.
        for (const r of results.refined) {
          expect(r, 'c <= 15: every trait refined on the GPU').not.toBeNull();
          for (let it = 3; it < r!.status.length; it += 7) r!.status[it] = RefineStatus.notConverged;
        }
        const want = await tests.test(rotated, b, undefined, results);
        const byTs = { ...counts };
        const got = await tests.test(rotated, b, handle, results);
        const byPool = {
          tested: counts.tested - byTs.tested,
          refined: counts.refined - byTs.refined,
          cpu: counts.cpu - byTs.cpu,
        };
        expect(byPool).toEqual(byTs);
        expect(byTs.tested).toBe(2 * b);
        let worst = 0;
        for (const [p, block] of got.entries()) {
          const { error, where } = worstDifference(block, want[p]!);
          worst = Math.max(worst, error);
          expect(error, `trait ${p} ${where}`).toBeLessThanOrEqual(FINISH_TOLERANCE);
        }
        console.log(
          `n=${n} c=${nCvt} mode ${mode}: ${byTs.cpu} of ${b} SNPs x 2 traits optimised on the CPU; ` +
            `worst difference ${worst.toExponential(1)}`,
        );
      } finally {
        tests.destroy();
        await handle.release();
      }
    });
  }
  it('more covariates than lmm_refine holds (c = 16): the grid on the GPU, every lambda optimised on the pool', async () => {
    const [n, nCvt, b] = [40, 16, 6];
    const { plan, rotated } = randomUnit(n, nCvt, b, 4, 1601);
    const counts: GridCounts = { tested: 0, refined: 0, cpu: 0 };
    const tests = new GpuPlanTests(gpu!, plan, counts);
    const handle = wasm!.loadPlan(plan);
    try {
      const results = await gpuResults(gpu!, tests, rotated, n, b);
      expect(results.refined).toEqual([null, null]);
      const want = await tests.test(rotated, b, undefined, results);
      const got = await tests.test(rotated, b, handle, results);
      expect(counts).toEqual({ tested: 4 * b, refined: 0, cpu: 0 }); // the log counts these as optimised on the CPU
      for (const [p, block] of got.entries()) {
        const { error, where } = worstDifference(block, want[p]!);
        expect(error, `trait ${p} ${where}`).toBeLessThanOrEqual(FINISH_TOLERANCE);
      }
    } finally {
      tests.destroy();
      await handle.release();
    }
  });
});
