/**
 * The per-SNP tests of a unit's plans with the lambda grid on the GPU: each plan's grid kernel (GpuLmmGrid) runs on
 * the rotated chunks while they are still on the device (GpuRotator's hook), its sums come back as one small
 * buffer per chunk, and the CPU finishes every SNP in float64 (grid slopes from the sums, brackets, Brent and
 * Newton, Wald/LRT/score statistics, p-values) with the TS oracle's code.
 */
import type { ScanPlan } from '../../model/plan.js';
import type { SnpResultBlock } from '../../model/results.js';
import { lambdaGrid } from '../../model/settings.js';
import { GridSlopes } from '../../stats/grid-slopes.js';
import { MixedModelLikelihood, type LikelihoodKind } from '../../stats/likelihood.js';
import { covariateProducts } from '../../stats/products.js';
import type { LoadedPlans } from '../engine.js';
import { testRotatedBlock, type GridSlopeSource } from '../../stats/lmm-block.js';
import type { GpuContext } from './device.js';
import { GpuLmmGrid, gridWeights, type PendingGrid } from './lmm-grid.js';
import type { RotatedChunkHook } from './rotate.js';

/**
 * Below this lambda a bracket lies where the derivative is rounding noise (README: Differences from GEMMA): such
 * SNPs get their grid recomputed in float64 on the CPU, as do those with a slope too close to 0 to trust its sign.
 */
const NOISE_LAMBDA = 1e-3;
/** A grid slope below this fraction of n / lambda (the size of its terms) has an uncertain sign in double-single. */
const SIGN_MARGIN = 1e-10;

/** SNP tests (SNP x plan) with a lambda grid, and how many of them had it recomputed on the CPU in float64. */
export interface GridCounts {
  tested: number;
  cpu: number;
}

interface PlanGrid {
  plan: ScanPlan;
  kernel: GpuLmmGrid;
  slopes: GridSlopes;
  grid: Float64Array;
  /** n x kernel.q, as on the device (for float64 recomputation). */
  weights: Float64Array;
  /** For the projections of GridSlopes (its product table is not read). */
  model: MixedModelLikelihood;
}

/** False in the rounding-noise regime (a bracket below NOISE_LAMBDA) or with a slope whose sign is in doubt. */
function trustedSlopes(slopes: Float64Array, grid: Float64Array, n: number): boolean {
  for (let t = 0; t < slopes.length; t++) {
    const s = slopes[t]!;
    if (!Number.isFinite(s) || Math.abs(s) < (SIGN_MARGIN * n) / grid[t]!) return false;
    if (t + 1 < slopes.length && s * slopes[t + 1]! <= 0 && grid[t]! < NOISE_LAMBDA) return false;
  }
  return true;
}

/** A unit's plans with their grid kernels on the device (plans testing only the score need none). */
export class GpuPlanTests {
  private readonly grids: (PlanGrid | null)[];
  /** Grid sums per plan of the blocks rotated on the GPU, keyed by the rotated block handed back. */
  private readonly pending = new WeakMap<Float64Array, Float64Array[]>();

  constructor(
    gpu: GpuContext,
    private readonly plans: ScanPlan[],
    private readonly counts: GridCounts,
  ) {
    this.grids = plans.map((plan) => {
      if (plan.testMode === 3) return null;
      const grid = lambdaGrid(plan.search);
      const gridPlan = { ...plan, lMax: plan.search.lMax, nullLambda: plan.nullModel.mle.lambda };
      const kernel = new GpuLmmGrid(gpu, gridPlan, grid);
      const weights = gridWeights(plan.eigenvalues, grid, gridPlan.lMax, gridPlan.nullLambda);
      const slopes = new GridSlopes(
        plan.nCvt,
        plan.rotatedCovariates,
        plan.rotatedPhenotype,
        grid,
        weights,
        kernel.q,
      );
      const model = new MixedModelLikelihood(
        plan.eigenvalues,
        plan.nCvt,
        covariateProducts(plan.rotatedCovariates, plan.rotatedPhenotype, plan.nCvt),
      );
      return { plan, kernel, grid, slopes, weights, model };
    });
  }

  /** True when some plan needs the grid (REML or ML tests). */
  get active(): boolean {
    return this.grids.some((g) => g !== null);
  }

  /** Waits for the kernels to compile (before a rotation records them). */
  async compiled(): Promise<void> {
    for (const g of this.grids) await g?.kernel.compiled();
  }

  /**
   * A rotation hook recording every plan's grid kernel on each rotated chunk, and `finish`, which reads the sums back
   * and files them under the rotated block for test().
   */
  hook(b: number): {
    onDevice: RotatedChunkHook;
    finish: (rotated: Float64Array) => Promise<void>;
    transient: GPUBuffer[];
  } {
    const transient: GPUBuffer[] = [];
    const chunks: { j0: number; perPlan: (PendingGrid | null)[] }[] = [];
    const onDevice: RotatedChunkHook = (encoder, rotated, j0, m) => {
      chunks.push({
        j0,
        perPlan: this.grids.map((g) => g?.kernel.encode(encoder, rotated, m, transient) ?? null),
      });
    };
    const finish = async (rotated: Float64Array) => {
      const sums = this.grids.map((g) => new Float64Array(g === null ? 0 : b * g.kernel.sumsPerSnp));
      for (const { j0, perPlan } of chunks) {
        for (const [p, pending] of perPlan.entries()) await pending?.resolve(sums[p]!, j0);
      }
      this.pending.set(rotated, sums);
    };
    return { onDevice, finish, transient };
  }

  /**
   * Tests b rotated SNPs against every plan; the grid sums come from the rotation or are computed now on the GPU.
   * With `cpu` (a CPU engine's handle taking grid sums: the wasm pool), SNPs in the rounding-noise regime get their
   * sums recomputed in float64 here and the engine finishes every SNP; otherwise the TS engine's code does.
   */
  async test(rotated: Float64Array, b: number, cpu?: LoadedPlans): Promise<SnpResultBlock[]> {
    if (!this.active && cpu) return cpu.test(rotated, b); // score tests only: no grid
    let sums = this.pending.get(rotated);
    if (sums === undefined) {
      sums = [];
      for (const g of this.grids)
        sums.push(g === null ? new Float64Array(0) : await g.kernel.compute(rotated, b));
    }
    this.pending.delete(rotated);
    if (cpu?.testWithGridSums && this.grids.every((g) => g !== null)) {
      for (const [p, g] of this.grids.entries()) this.checkSums(g!, sums[p]!, rotated, b);
      return cpu.testWithGridSums(rotated, b, sums);
    }
    const blocks: SnpResultBlock[] = [];
    for (const [p, plan] of this.plans.entries()) {
      const g = this.grids[p];
      if (g) this.counts.tested += b;
      blocks.push(testRotatedBlock(plan, rotated, b, g ? this.source(g, sums[p]!) : undefined));
    }
    return blocks;
  }

  /** Slopes from the GPU's sums, or false (recompute in float64) in the rounding-noise regime or near a sign change. */
  private source(g: PlanGrid, sums: Float64Array): GridSlopeSource {
    const perSnp = g.kernel.sumsPerSnp;
    const n = g.plan.n;
    let lastCpu = -1;
    return (model: MixedModelLikelihood, kind: LikelihoodKind, j: number, out: Float64Array) => {
      g.slopes.slopes(model, kind, sums, j * perSnp, out);
      if (trustedSlopes(out, g.grid, n)) return true;
      if (lastCpu !== j) this.counts.cpu++;
      lastCpu = j;
      return false;
    };
  }

  /** Replaces the GPU's sums of SNPs whose slopes are not trusted (see source()) by float64 sums; counts them. */
  private checkSums(g: PlanGrid, sums: Float64Array, rotated: Float64Array, b: number): void {
    this.counts.tested += b;
    const { plan, kernel, weights, model } = g;
    const { n, nCvt } = plan;
    const q = kernel.q;
    const slopes = new Float64Array(g.grid.length);
    const kinds: LikelihoodKind[] = plan.testMode === 1 ? ['R'] : plan.testMode === 2 ? ['L'] : ['R', 'L'];
    for (let j = 0; j < b; j++) {
      const base = j * kernel.sumsPerSnp;
      let trusted = true;
      for (const kind of kinds) {
        g.slopes.slopes(model, kind, sums, base, slopes);
        if (!trustedSlopes(slopes, g.grid, n)) trusted = false;
      }
      if (trusted) continue;
      this.counts.cpu++;
      const x = rotated.subarray(j * n, (j + 1) * n);
      for (let k = 0; k < nCvt + 2; k++) {
        for (let t = 0; t < q; t++) {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const other =
              k < nCvt ? plan.rotatedCovariates[k * n + i]! : k === nCvt ? x[i]! : plan.rotatedPhenotype[i]!;
            s += x[i]! * other * weights[i * q + t]!;
          }
          sums[base + k * q + t] = s;
        }
      }
    }
  }

  /** Frees the plans' buffers on the device. */
  destroy(): void {
    for (const g of this.grids) g?.kernel.destroy();
  }
}
