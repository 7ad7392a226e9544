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
import type { LikelihoodKind, MixedModelLikelihood } from '../../stats/likelihood.js';
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
      const kernel = new GpuLmmGrid(gpu, plan, grid);
      const weights = gridWeights(plan.eigenvalues, grid);
      return { plan, kernel, grid, slopes: new GridSlopes(plan.nCvt, plan.rotatedCovariates, plan.rotatedPhenotype, grid, weights) };
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
  hook(b: number): { onDevice: RotatedChunkHook; finish: (rotated: Float64Array) => Promise<void>; transient: GPUBuffer[] } {
    const transient: GPUBuffer[] = [];
    const chunks: { j0: number; perPlan: (PendingGrid | null)[] }[] = [];
    const onDevice: RotatedChunkHook = (encoder, rotated, j0, m) => {
      chunks.push({ j0, perPlan: this.grids.map((g) => g?.kernel.encode(encoder, rotated, m, transient) ?? null) });
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

  /** Tests b rotated SNPs against every plan; the grid sums come from the rotation or are computed now on the GPU. */
  async test(rotated: Float64Array, b: number): Promise<SnpResultBlock[]> {
    let sums = this.pending.get(rotated);
    if (sums === undefined) {
      sums = [];
      for (const g of this.grids) sums.push(g === null ? new Float64Array(0) : await g.kernel.compute(rotated, b));
    }
    this.pending.delete(rotated);
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
      let trusted = true;
      for (let t = 0; t < out.length && trusted; t++) {
        const s = out[t]!;
        if (!Number.isFinite(s) || Math.abs(s) < (SIGN_MARGIN * n) / g.grid[t]!) trusted = false;
        else if (t + 1 < out.length && s * out[t + 1]! <= 0 && g.grid[t]! < NOISE_LAMBDA) trusted = false;
      }
      if (trusted) return true;
      if (lastCpu !== j) this.counts.cpu++;
      lastCpu = j;
      return false;
    };
  }

  /** Frees the plans' buffers on the device. */
  destroy(): void {
    for (const g of this.grids) g?.kernel.destroy();
  }
}
