import { afterAll, describe, expect, it } from 'vitest';
import {
  GpuLmmGrid,
  gridWeightColumns,
  gridWeights,
  type PendingGrid,
} from '../../../src/engines/webgpu/lmm-grid.js';
import { GpuRotator } from '../../../src/engines/webgpu/rotate.js';
import { GridSlopes } from '../../../src/stats/grid-slopes.js';
import { MixedModelLikelihood } from '../../../src/stats/likelihood.js';
import { covariateProducts, setSnpProducts } from '../../../src/stats/products.js';
import { lambdaGrid, DEFAULT_LAMBDA_SEARCH } from '../../../src/model/settings.js';
import { acquireTestGpu, randomBlock, randomOrthogonal, seededRandom } from './helpers.js';

const gpu = await acquireTestGpu();
afterAll(() => gpu?.destroy());

/** |gpu - float64| <= 1e-11 * sum_i |x_i other_i w_it| for every grid sum (measured: at most 5e-14 on llvmpipe). */
const SUM_TOLERANCE = 1e-11;
/** Grid slopes from GPU sums against the TS engine's derivative1: |diff| <= 1e-7 * (|slope| + n) (measured 2e-9 abs). */
const SLOPE_TOLERANCE = 1e-7;

interface RandomPlan {
  n: number;
  nCvt: number;
  eigenvalues: Float64Array;
  rotatedCovariates: Float64Array;
  rotatedPhenotype: Float64Array;
  lMax: number;
  nullLambda: number;
}

function randomPlan(n: number, nCvt: number, random: () => number): RandomPlan {
  const eigenvalues = new Float64Array(n);
  // Some zero eigenvalues (GEMMA zeroes those below 1e-10), the rest spread over four decades.
  for (let i = 0; i < n; i++) eigenvalues[i] = random() < 0.2 ? 0 : 10 ** (4 * random() - 2);
  eigenvalues.sort();
  const rotatedCovariates = new Float64Array(nCvt * n).map(() => 4 * random() - 2);
  const rotatedPhenotype = new Float64Array(n).map(() => 6 * random() - 3);
  return { n, nCvt, eigenvalues, rotatedCovariates, rotatedPhenotype, lMax: 1e5, nullLambda: 0.1 + random() };
}

/** Rotated genotypes: sums of a few dosages, of both signs (what U^T x looks like). */
function randomRotated(n: number, b: number, random: () => number): Float64Array {
  return new Float64Array(n * b).map(() => (random() * 2 - 1) * (random() < 0.1 ? 30 : 2));
}

/** Float64 grid sums and their scales, in the kernel's layout. */
function referenceSums(plan: RandomPlan, block: Float64Array, b: number, weights: Float64Array, q: number) {
  const { n, nCvt } = plan;
  const cols = nCvt + 2;
  const value = new Float64Array(b * cols * q);
  const scale = new Float64Array(b * cols * q);
  for (let j = 0; j < b; j++) {
    for (let k = 0; k < cols; k++) {
      for (let t = 0; t < q; t++) {
        let s = 0;
        let a = 0;
        for (let i = 0; i < n; i++) {
          const x = block[j * n + i]!;
          const other =
            k < nCvt ? plan.rotatedCovariates[k * n + i]! : k === nCvt ? x : plan.rotatedPhenotype[i]!;
          const term = x * other * weights[i * q + t]!;
          s += term;
          a += Math.abs(term);
        }
        value[(j * cols + k) * q + t] = s;
        scale[(j * cols + k) * q + t] = a;
      }
    }
  }
  return { value, scale };
}

describe.skipIf(gpu === null)('GpuLmmGrid (lmm_grid.wgsl) against float64 and the TS engine', () => {
  const grid = lambdaGrid(DEFAULT_LAMBDA_SEARCH);
  const q = gridWeightColumns(grid.length);

  for (const [n, nCvt] of [
    [1, 1],
    [7, 1],
    [33, 3],
    [130, 2],
  ] as const) {
    it(`n=${n}, c=${nCvt}: b = 1, 5, 67 (not a multiple of the workgroup)`, async () => {
      const random = seededRandom(500 + n * 7 + nCvt);
      const plan = randomPlan(n, nCvt, random);
      const weights = gridWeights(plan.eigenvalues, grid, plan.lMax, plan.nullLambda);
      const kernel = new GpuLmmGrid(gpu!, plan, grid);
      try {
        for (const b of [1, 5, 67]) {
          const block = randomRotated(n, b, random);
          const got = await kernel.compute(block, b);
          const want = referenceSums(plan, block, b, weights, q);
          expect(got.length).toBe(b * (nCvt + 2) * q);
          let worst = 0;
          for (let i = 0; i < got.length; i++) {
            const err = Math.abs(got[i]! - want.value[i]!);
            worst = Math.max(worst, err === 0 ? 0 : err / want.scale[i]!);
          }
          expect(worst, `n=${n} c=${nCvt} b=${b}`).toBeLessThanOrEqual(SUM_TOLERANCE);
        }
      } finally {
        kernel.destroy();
      }
    });
  }

  it('2-D dispatch (3 workgroups a row) and chunked uploads (5 SNPs a binding) give the same sums', async () => {
    const random = seededRandom(31);
    const n = 19;
    const plan = randomPlan(n, 2, random);
    const b = 23;
    const block = randomRotated(n, b, random);
    const whole = new GpuLmmGrid(gpu!, plan, grid);
    const tiled = new GpuLmmGrid(gpu!, plan, grid, {
      maxWorkgroupsPerDimension: 3,
      maxBindingBytes: 8 * 4 * q * 5,
    });
    try {
      const want = await whole.compute(block, b);
      const got = await tiled.compute(block, b);
      // Same arithmetic per output in both layouts: bitwise equal.
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(want.some((v) => v !== 0)).toBe(true);
    } finally {
      whole.destroy();
      tiled.destroy();
    }
  });

  for (const [n, nCvt] of [
    [9, 1],
    [65, 3],
  ] as const) {
    it(`grid slopes from the GPU sums match MixedModelLikelihood.derivative1 (n=${n}, c=${nCvt}, REML and ML)`, async () => {
      const random = seededRandom(77 + n);
      const plan = randomPlan(n, nCvt, random);
      const b = 13;
      const block = randomRotated(n, b, random);
      const kernel = new GpuLmmGrid(gpu!, plan, grid);
      try {
        const sums = await kernel.compute(block, b);
        const slopes = new GridSlopes(
          nCvt,
          plan.rotatedCovariates,
          plan.rotatedPhenotype,
          grid,
          gridWeights(plan.eigenvalues, grid, plan.lMax, plan.nullLambda),
          q,
        );
        const table = covariateProducts(plan.rotatedCovariates, plan.rotatedPhenotype, nCvt);
        const model = new MixedModelLikelihood(plan.eigenvalues, nCvt, table);
        const got = new Float64Array(grid.length);
        for (let j = 0; j < b; j++) {
          setSnpProducts(
            table,
            plan.rotatedCovariates,
            plan.rotatedPhenotype,
            block.subarray(j * n, (j + 1) * n),
            nCvt,
          );
          model.productsChanged();
          for (const kind of ['R', 'L'] as const) {
            slopes.slopes(model, kind, sums, j * kernel.sumsPerSnp, got);
            for (let g = 0; g < grid.length; g++) {
              const want = model.derivative1(kind, grid[g]!);
              expect(Number.isFinite(want)).toBe(true);
              expect(Math.abs(got[g]! - want), `j=${j} ${kind} g=${g}`).toBeLessThanOrEqual(
                SLOPE_TOLERANCE * (Math.abs(want) + n),
              );
            }
          }
        }
      } finally {
        kernel.destroy();
      }
    });
  }
});

describe.skipIf(gpu === null)(
  'grid sums recorded on the rotation chunks (GpuRotator hook, no round trip)',
  () => {
    it('13 rotation chunks of 10 SNPs: the same sums as from the host copy of the rotated block', async () => {
      const grid = lambdaGrid(DEFAULT_LAMBDA_SEARCH);
      const random = seededRandom(8);
      const n = 33;
      const b = 130;
      const plan = randomPlan(n, 1, random);
      const u = randomOrthogonal(n, random);
      const block = randomBlock(n, b, 'hardcalls', random);
      const kernel = new GpuLmmGrid(gpu!, plan, grid);
      const rotator = new GpuRotator(gpu!, u, n, { maxBindingBytes: 16 * n * 10 });
      const transient: GPUBuffer[] = [];
      try {
        await kernel.compiled();
        const chunks: { j0: number; pending: PendingGrid }[] = [];
        const rotated = await rotator.rotate(block, b, (encoder, buffer, j0, m) => {
          chunks.push({ j0, pending: kernel.encode(encoder, buffer, m, transient) });
        });
        expect(chunks.map((c) => c.j0)).toEqual(Array.from({ length: 13 }, (_, k) => 10 * k));
        const onDevice = new Float64Array(b * kernel.sumsPerSnp);
        for (const { j0, pending } of chunks) await pending.resolve(onDevice, j0);
        const fromHost = await kernel.compute(rotated, b);
        // The device copy is the (hi, lo) pair the host copy was unpacked from: the same values, bitwise the same sums.
        expect(Array.from(onDevice)).toEqual(Array.from(fromHost));
      } finally {
        for (const buffer of transient) buffer.destroy();
        rotator.destroy();
        kernel.destroy();
      }
    });
  },
);
