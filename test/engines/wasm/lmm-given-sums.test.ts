// lmmScan with the grid sums given (the GPU engine's path: src/engines/webgpu/lmm-tests.ts) against lmmScan summing
// them itself: float64 sums in the kernel's order and layout must give bitwise the same results, for resident plans
// and for groups (a budget of one trait), so the given sums are all the GPU path changes.
import { expect, test } from 'vitest';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { relaxedSimdSupported } from '../../../src/engines/wasm/loader.js';
import { ResidentLmmPlan } from '../../../src/engines/wasm/lmm.js';
import { gridWeightColumns, gridWeights } from '../../../src/engines/webgpu/lmm-grid.js';
import { traitPlans, type ScanPlan, type TraitPlan } from '../../../src/model/plan.js';
import { DEFAULT_LAMBDA_SEARCH, lambdaGrid } from '../../../src/model/settings.js';
import { fitNullModel } from '../../../src/stats/null-model.js';
import { normals, rng } from '../../helpers/random.js';
import { planOf } from '../../helpers/plans.js';

/** A unit's plan of two traits. */
function unit(n: number, nCvt: number, b: number, seed: number): { plan: ScanPlan; rotated: Float64Array } {
  const next = rng(seed);
  const eigenvalues = Float64Array.from({ length: n }, (_, i) =>
    i === 0 ? 0 : 0.02 + 4 * next() * next(),
  ).sort();
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1 + 0.3 * w[i]!;
  const rotated = normals(next, n * b);
  const traits = [0.2, 5].map((lambdaTrue) => {
    const e = normals(next, n);
    const y = Float64Array.from(e, (v, i) => v * Math.sqrt(lambdaTrue * eigenvalues[i]! + 1) + 0.5 * w[i]!);
    return { rotatedPhenotype: y, nullModel: fitNullModel(eigenvalues, w, y, nCvt) };
  });
  const shared = {
    n,
    nCvt,
    eigenvalues,
    eigenvectors: new Float64Array(0),
    rotatedCovariates: w,
    testMode: 4 as const,
    search: DEFAULT_LAMBDA_SEARCH,
  };
  return { plan: planOf(shared, traits), rotated };
}

/** The grid sums as lmm_grid.wgsl lays them out, in float64 and in the kernel's order: (x * other) * w summed over i. */
function hostSums(plan: TraitPlan, rotated: Float64Array, b: number): Float64Array {
  const { n, nCvt } = plan;
  const grid = lambdaGrid(plan.search);
  const q = gridWeightColumns(grid.length);
  const weights = gridWeights(plan.eigenvalues, grid, plan.search.lMax, plan.nullModel.mle.lambda);
  const out = new Float64Array(b * (nCvt + 2) * q);
  for (let j = 0; j < b; j++) {
    for (let k = 0; k < nCvt + 2; k++) {
      for (let t = 0; t < q; t++) {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const x = rotated[j * n + i]!;
          const other =
            k < nCvt ? plan.rotatedCovariates[k * n + i]! : k === nCvt ? x : plan.rotatedPhenotype[i]!;
          s += x * other * weights[i * q + t]!;
        }
        out[(j * (nCvt + 2) + k) * q + t] = s;
      }
    }
  }
  return out;
}

const flavour = relaxedSimdSupported() ? 'relaxed' : 'simd';

test.each([
  [5, 1, 1],
  [33, 2, 37],
  [130, 3, 33],
])(
  'n=%i c=%i b=%i: given float64 sums == own grid product, bitwise (resident and grouped)',
  async (n, nCvt, b) => {
    const { plan, rotated } = unit(n, nCvt, b, 11 * n + b);
    const sums = traitPlans(plan).map((trait) => hostSums(trait, rotated, b));
    for (const budget of [undefined, 1]) {
      const own = new ResidentLmmPlan(LocalRunner.create(flavour), plan, 'interpolated', budget);
      const given = new ResidentLmmPlan(LocalRunner.create(flavour), plan, 'interpolated', budget);
      const want = await own.test(rotated, b);
      const got = await given.test(rotated, b, sums);
      await own.release();
      await given.release();
      expect(got).toEqual(want);
      // The sums are really read: zeroed sums change the REML lambdas.
      const zeroed = new ResidentLmmPlan(LocalRunner.create(flavour), plan, 'interpolated', budget);
      const broken = await zeroed.test(
        rotated,
        b,
        sums.map((s) => new Float64Array(s.length)),
      );
      await zeroed.release();
      expect(broken[0]!.lambdaRemle).not.toEqual(want[0]!.lambdaRemle);
    }
  },
);
