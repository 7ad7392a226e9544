/**
 * The per-SNP tests of a unit's plan on the GPU: each trait's grid kernel (GpuLmmGrid) and refinement kernel
 * (GpuLmmRefine: brackets and safeguarded Newton in double-single) run on the rotated chunks while they are still on
 * the device (GpuRotator's hook); the grid sums and one small buffer of lambdas per chunk come back, and the CPU
 * engine's worker pool (the wasm engine's lmmFinish, SNP ranges across its threads; the TS engine's lmm-finish.ts on
 * this thread when the CPU engine is ts) polishes each lambda with a float64 Newton step and computes the
 * statistics and p-values. SNPs the GPU cannot settle (rounding-noise regime, several brackets, a doubtful slope)
 * are optimised there in float64 and counted. A plan with more covariates than the refinement's tables hold
 * (REFINE_MAX_COVARIATES) keeps the grid on the GPU only and the CPU optimises every lambda from the grid sums.
 */
import { traitPlans, type ScanPlan, type TraitPlan } from '../../model/plan.js';
import type { SnpResultBlock } from '../../model/results.js';
import { lambdaGrid } from '../../model/settings.js';
import { GridSlopes } from '../../stats/grid-slopes.js';
import { MixedModelLikelihood, type LikelihoodKind } from '../../stats/likelihood.js';
import type { PlanHandle } from '../engine.js';
import { testRotatedBlock, type GridSlopeSource } from '../../stats/lmm-block.js';
import type { GpuContext } from './device.js';
import { GpuLmmGrid, gridWeights, writePairs, type PendingGrid } from './lmm-grid.js';
import { GpuLmmRefine, REFINE_MAX_COVARIATES, RefineStatus, type PendingRefine } from './lmm-refine.js';
import { finishRefinedBlock, refinedKinds, type RefinedLambdas } from './lmm-finish.js';
import { itemsPerBinding } from './buffers.js';
import type { RotatedChunkHook } from './rotate.js';

/**
 * Below this lambda a bracket lies where the derivative is rounding noise (README: Differences from GEMMA): such
 * SNPs get their grid recomputed in float64 on the CPU, as do those with a slope too close to 0 to trust its sign.
 */
const NOISE_LAMBDA = 1e-3;
/** A grid slope below this fraction of n / lambda (the size of its terms) has an uncertain sign in double-single. */
const SIGN_MARGIN = 1e-10;

/**
 * SNP tests (SNP x trait) with a lambda grid on the GPU; of them, those whose lambda the GPU refined (the rest:
 * plans with too many covariates), and those optimised on the CPU in float64 (grid recomputed, or the GPU's refinement
 * not usable).
 */
export interface GridCounts {
  tested: number;
  refined: number;
  cpu: number;
}

interface PlanGrid {
  plan: TraitPlan;
  kernel: GpuLmmGrid;
  slopes: GridSlopes;
  grid: Float64Array;
  /** Null when the plan has more covariates than lmm_refine's tables hold. */
  refine: GpuLmmRefine | null;
}

/** What a rotated block's GPU work left per trait: grid sums and refined lambdas (null: trait without them). */
export interface GpuBlockResults {
  sums: Float64Array[];
  refined: (RefinedLambdas | null)[];
}

/**
 * The GPU's lambdas of a block for a CPU engine's finish: per SNP its kinds' lambdas (refinedKinds order), NaN where
 * the GPU's refinement did not converge or did not run (refined null: every lambda is optimised on the CPU).
 */
function usableLambdas(refined: RefinedLambdas | null, b: number, testMode: number): Float64Array {
  const out = new Float64Array(b * refinedKinds(testMode).length).fill(NaN);
  if (refined === null) return out;
  for (let it = 0; it < out.length; it++)
    if (refined.status[it] === RefineStatus.converged) out[it] = refined.lambdas[it]!;
  return out;
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

/** A unit's plan with each trait's grid kernels on the device (a plan testing only the score needs none). */
export class GpuPlanTests {
  private readonly traits: TraitPlan[];
  private readonly grids: (PlanGrid | null)[];

  constructor(
    private readonly gpu: GpuContext,
    plan: ScanPlan,
    private readonly counts: GridCounts,
  ) {
    this.traits = traitPlans(plan);
    this.grids = this.traits.map((plan) => {
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
      const refine =
        plan.nCvt <= REFINE_MAX_COVARIATES
          ? new GpuLmmRefine(gpu, gridPlan, grid, kernel.q, refinedKinds(plan.testMode))
          : null;
      return { plan, kernel, grid, slopes, refine };
    });
  }

  /** True when the plan's traits need the grid (REML or ML tests). */
  get active(): boolean {
    return this.grids.some((g) => g !== null);
  }

  /** Waits for the kernels to compile (before a rotation records them). */
  async compiled(): Promise<void> {
    for (const g of this.grids) {
      await g?.kernel.compiled();
      await g?.refine?.compiled();
    }
  }

  /**
   * A rotation hook recording every trait's grid and refinement kernels on each rotated chunk, and `finish`, which
   * reads their results back for test().
   */
  hook(b: number): {
    onDevice: RotatedChunkHook;
    finish: () => Promise<GpuBlockResults>;
    transient: GPUBuffer[];
  } {
    const transient: GPUBuffer[] = [];
    const chunks: { j0: number; perPlan: ({ grid: PendingGrid; refine: PendingRefine | null } | null)[] }[] =
      [];
    const onDevice: RotatedChunkHook = (encoder, rotated, j0, m) => {
      chunks.push({
        j0,
        perPlan: this.grids.map((g) => {
          if (g === null) return null;
          const grid = g.kernel.encode(encoder, rotated, m, transient);
          const refine = g.refine?.encode(encoder, rotated, grid.sums, m, transient) ?? null;
          return { grid, refine };
        }),
      });
    };
    const finish = async (): Promise<GpuBlockResults> => {
      const sums = this.grids.map((g) => new Float64Array(g === null ? 0 : b * g.kernel.sumsPerSnp));
      const refined = this.grids.map((g) => {
        if (g?.refine == null) return null;
        const items = b * g.refine.kinds.length;
        return { lambdas: new Float64Array(items), status: new Uint8Array(items) };
      });
      for (const { j0, perPlan } of chunks) {
        for (const [p, pending] of perPlan.entries()) {
          await pending?.grid.resolve(sums[p]!, j0);
          const r = refined[p];
          if (r) await pending?.refine?.resolve(r.lambdas, r.status, j0);
        }
      }
      return { sums, refined };
    };
    return { onDevice, finish, transient };
  }

  /** The GPU's work on a block rotated elsewhere: uploaded in chunks that fit one binding, then as after rotation. */
  private async computeOnHost(rotated: Float64Array, b: number): Promise<GpuBlockResults> {
    const n = this.traits[0]!.n;
    const perSnp = Math.max(n, ...this.grids.map((g) => g?.kernel.sumsPerSnp ?? 0));
    const chunk = Math.min(
      b,
      itemsPerBinding(8 * perSnp, this.gpu.limits.maxStorageBufferBindingSize, 'one SNP'),
    );
    await this.compiled();
    const hook = this.hook(b);
    const device = this.gpu.device;
    const input = device.createBuffer({
      label: 'testsInput',
      size: chunk * n * 8,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    hook.transient.push(input);
    try {
      const scratch = new Float32Array(chunk * n * 2);
      const submits: Promise<void>[] = [];
      for (let j0 = 0; j0 < b; j0 += chunk) {
        const m = Math.min(chunk, b - j0);
        writePairs(rotated, j0 * n, m * n, scratch);
        submits.push(
          this.gpu.checked(`tests of SNPs ${j0}..${j0 + m - 1}`, () => {
            device.queue.writeBuffer(input, 0, scratch, 0, m * n * 2);
            const encoder = device.createCommandEncoder();
            hook.onDevice(encoder, input, j0, m);
            device.queue.submit([encoder.finish()]);
          }),
        );
      }
      await Promise.all(submits);
      return await hook.finish();
    } finally {
      for (const buffer of hook.transient) buffer.destroy();
    }
  }

  /**
   * Tests b rotated SNPs against every trait; the GPU's `results` come from the rotation (hook) or are computed now.
   * With `cpu` (a CPU engine's handle) that can finish them (the wasm pool: lmmFinish, SNP ranges across its threads),
   * it polishes the GPU's lambdas and optimises those the GPU did not settle (or every lambda of a plan without the
   * refinement), in float64; otherwise the TS engine's code does the same here (lmm-finish.ts).
   */
  async test(
    rotated: Float64Array,
    b: number,
    cpu?: PlanHandle,
    results?: GpuBlockResults,
  ): Promise<SnpResultBlock[]> {
    if (!this.active && cpu) return cpu.test(rotated, b); // score tests only: no grid
    const { sums, refined } = results ?? (await this.computeOnHost(rotated, b));
    if (cpu?.finishGpuTests && this.grids.every((g) => g !== null)) {
      const lambdas = this.traits.map((plan, p) => usableLambdas(refined[p] ?? null, b, plan.testMode));
      const { blocks, cpuSnps } = await cpu.finishGpuTests(rotated, b, sums, lambdas);
      for (const [p, r] of refined.entries()) {
        this.counts.tested += b;
        if (r === null) continue; // counted as optimised on the CPU (stagesLine)
        this.counts.refined += b;
        this.counts.cpu += cpuSnps[p]!;
      }
      return blocks;
    }
    const blocks: SnpResultBlock[] = [];
    for (const [p, plan] of this.traits.entries()) {
      const g = this.grids[p];
      const r = refined[p];
      if (g) this.counts.tested += b;
      if (g && r) {
        this.counts.refined += b;
        const counts = { fits: 0, cpuFits: 0, cpuSnps: 0 };
        const perSnp = g.kernel.sumsPerSnp;
        const slopesOf = (
          model: MixedModelLikelihood,
          kind: LikelihoodKind,
          j: number,
          out: Float64Array,
        ) => {
          g.slopes.slopes(model, kind, sums[p]!, j * perSnp, out);
          return trustedSlopes(out, g.grid, plan.n);
        };
        blocks.push(finishRefinedBlock(plan, rotated, b, r, slopesOf, counts));
        this.counts.cpu += counts.cpuSnps;
        continue;
      }
      blocks.push(testRotatedBlock(plan, rotated, b, g ? this.source(g, sums[p]!) : undefined));
    }
    return blocks;
  }

  /** Slopes from the GPU's sums, or false (recompute in float64) in the rounding-noise regime or near a sign change. */
  private source(g: PlanGrid, sums: Float64Array): GridSlopeSource {
    const perSnp = g.kernel.sumsPerSnp;
    const n = g.plan.n;
    // Not counted: the log counts every SNP test of a plan without GPU refinement as optimised on the CPU.
    return (model: MixedModelLikelihood, kind: LikelihoodKind, j: number, out: Float64Array) => {
      g.slopes.slopes(model, kind, sums, j * perSnp, out);
      return trustedSlopes(out, g.grid, n);
    };
  }

  /** Frees the plan's buffers on the device. */
  destroy(): void {
    for (const g of this.grids) {
      g?.kernel.destroy();
      g?.refine?.destroy();
    }
  }
}
