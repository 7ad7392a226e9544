/**
 * The refinement phase of the per-SNP likelihood on the GPU (shaders/lmm_refine.wgsl): from lmm_grid's sums the
 * kernel finds each SNP's bracket and runs a safeguarded Newton iteration on the derivative of the (RE)ML
 * likelihood in double-single, one (SNP, kind) per invocation, on the rotated block where the rotation left it.
 * What comes back is one small buffer per block: lambda and a status per (SNP, kind).
 */
import type { LikelihoodKind } from '../../stats/likelihood.js';
import { abCount } from '../../stats/ab-index.js';
import { covariateProducts } from '../../stats/products.js';
import type { GpuContext } from './device.js';
import { GpuError } from './device.js';
import { loadShader } from './shaders.js';
import { createParams, itemsPerBinding } from './buffers.js';
import { gridWeights, writePairs, type GridPlan } from './lmm-grid.js';

const PAIR_BYTES = 8;
/** Two vec4f of state per (SNP, kind). */
const RESULT_BYTES = 32;
const WORKGROUP = 64;
/**
 * Newton steps (one dispatch each) before an item counts as not converged. From the grid's interpolated start the
 * safeguarded iteration needs about 4-8 steps to 1e-9 relative; bisection fallbacks take more.
 */
const REFINE_STEPS = 30;
/**
 * The most covariates the kernel's tables can hold: it keeps them in private variables, sized per plan (refineSource),
 * and WGSL promises an invocation only 8192 bytes of those (about 48 (c + 2)(c + 3) / 2 + 32 (c + 2) bytes here;
 * Dawn on llvmpipe compiles more, but an adapter may refuse them). Plans with more are finished on the CPU.
 */
export const REFINE_MAX_COVARIATES = 15;
/** The shader's tables are sized for at least this many covariates (one compiled kernel for the common plans). */
const REFINE_MIN_TABLE_COVARIATES = 4;
const TABLE_SIZE = /^const MAX_CVT: u32 = \d+u;$/m;

/** lmm_refine.wgsl with its tables sized for nCvt covariates (at least REFINE_MIN_TABLE_COVARIATES). */
function refineSource(nCvt: number): string {
  if (nCvt > REFINE_MAX_COVARIATES)
    throw new RangeError(`GpuLmmRefine: ${nCvt} covariates, at most ${REFINE_MAX_COVARIATES}`);
  const source = loadShader('lmm_refine');
  if (!TABLE_SIZE.test(source)) throw new Error('lmm_refine.wgsl: no MAX_CVT constant to size its tables');
  return source.replace(TABLE_SIZE, `const MAX_CVT: u32 = ${Math.max(nCvt, REFINE_MIN_TABLE_COVARIATES)}u;`);
}

/** What the kernel reports per (SNP, kind); the numbers are lmm_refine.wgsl's. */
export const RefineStatus = {
  converged: 0,
  noBracket: 1,
  severalBrackets: 2,
  noisy: 3,
  notConverged: 4,
  tooManyCovariates: 5,
  running: 6,
} as const;

/** A pending refinement: resolve() reads lambda and status of its m SNPs into the block's arrays at SNP j0. */
export interface PendingRefine {
  resolve(lambdas: Float64Array, status: Uint8Array, j0: number): Promise<void>;
}

/**
 * The plan's constants for the kernel in one (hi, lo) buffer: covariates then y (column-major), eigenvalues, the
 * covariate-only sums and traces at every weight column, the grid. Returns the values and the three offsets.
 */
function planConstants(plan: GridPlan, grid: Float64Array, q: number) {
  const { n, nCvt } = plan;
  const nIndex = abCount(nCvt);
  const weights = gridWeights(plan.eigenvalues, grid, plan.lMax, plan.nullLambda);
  const table = covariateProducts(plan.rotatedCovariates, plan.rotatedPhenotype, nCvt);
  const eigenOffset = (nCvt + 1) * n;
  const covOffset = eigenOffset + n;
  const gridOffset = covOffset + q * (nIndex + 1);
  const values = new Float64Array(gridOffset + grid.length);
  values.set(plan.rotatedCovariates.subarray(0, nCvt * n));
  values.set(plan.rotatedPhenotype.subarray(0, n), nCvt * n);
  values.set(plan.eigenvalues.subarray(0, n), eigenOffset);
  for (let t = 0; t < q; t++) {
    const row = covOffset + t * (nIndex + 1);
    // The table's SNP columns are 0, so these are the covariate-only sums the kernel completes per SNP.
    for (let col = 0; col < nIndex; col++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += weights[i * q + t]! * table[col * n + i]!;
      values[row + col] = s;
    }
    let trace = 0;
    for (let i = 0; i < n; i++) trace += weights[i * q + t]!;
    values[row + nIndex] = trace;
  }
  values.set(grid, gridOffset);
  return { values, eigenOffset, covOffset, gridOffset };
}

/** Holds one plan's constants on the GPU and records the refinement of rotated chunks after their grid sums. */
export class GpuLmmRefine {
  private readonly constants: GPUBuffer;
  private readonly offsets: readonly number[];
  private readonly ready: Promise<GPUComputePipeline>;
  private pipeline: GPUComputePipeline | null = null;
  private readonly maxGroups: number;
  private destroyed = false;

  constructor(
    private readonly gpu: GpuContext,
    private readonly plan: GridPlan,
    private readonly grid: Float64Array,
    private readonly q: number,
    /** The likelihoods refined per SNP, in the order of the results (1 or 2). */
    readonly kinds: readonly LikelihoodKind[],
    limits: { maxWorkgroupsPerDimension?: number } = {},
  ) {
    if (kinds.length < 1 || kinds.length > 2)
      throw new RangeError(`GpuLmmRefine: 1 or 2 kinds, got ${kinds}`);
    this.maxGroups = Math.min(
      limits.maxWorkgroupsPerDimension ?? Infinity,
      gpu.limits.maxComputeWorkgroupsPerDimension,
    );
    const { values, eigenOffset, covOffset, gridOffset } = planConstants(plan, grid, q);
    itemsPerBinding(
      values.length * PAIR_BYTES,
      gpu.limits.maxStorageBufferBindingSize,
      "the plan's constants",
    );
    this.offsets = [eigenOffset, covOffset, gridOffset];
    this.constants = gpu.device.createBuffer({
      label: 'refinePlan',
      size: values.length * PAIR_BYTES,
      usage: GPUBufferUsage.STORAGE,
      mappedAtCreation: true,
    });
    writePairs(values, 0, values.length, new Float32Array(this.constants.getMappedRange()));
    this.constants.unmap();
    this.ready = gpu.createPipeline('lmm_refine', refineSource(plan.nCvt)).then((p) => (this.pipeline = p));
    this.ready.catch(() => undefined);
  }

  /** Waits for the kernel to compile (encode() needs it). */
  async compiled(): Promise<void> {
    await this.ready;
  }

  /**
   * Records the kernel on `encoder` for m SNPs of `rotated` whose grid sums lmm_grid left in `gridSums`, and the
   * copy of its results to a staging buffer. The buffers it creates go to `transient` (the caller's to destroy
   * after resolve()).
   */
  encode(
    encoder: GPUCommandEncoder,
    rotated: GPUBuffer,
    gridSums: GPUBuffer,
    m: number,
    transient: GPUBuffer[],
  ): PendingRefine {
    if (this.destroyed) throw new GpuError('GpuLmmRefine after destroy()');
    const pipeline = this.pipeline;
    if (pipeline === null) throw new GpuError('GpuLmmRefine.encode before compiled()');
    const device = this.gpu.device;
    const { n, nCvt } = this.plan;
    const items = m * this.kinds.length;
    const groups = Math.ceil(items / WORKGROUP);
    const perRow = Math.min(groups, this.maxGroups);
    const code = (k: LikelihoodKind | undefined) => (k === 'L' ? 1 : 0);
    const fields = (phase: number) => [
      m,
      n,
      nCvt,
      this.q,
      this.grid.length,
      this.kinds.length,
      code(this.kinds[0]),
      code(this.kinds[1]),
      perRow * WORKGROUP,
      ...this.offsets,
      phase,
    ];
    const results = device.createBuffer({
      label: 'refineResults',
      size: items * RESULT_BYTES,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const staging = device.createBuffer({
      label: 'refineResults readback',
      size: items * RESULT_BYTES,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    transient.push(results, staging);
    const bindGroups = [0, 1].map((phase) => {
      const params = createParams(device, fields(phase));
      transient.push(params);
      return device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: params } },
          { binding: 1, resource: { buffer: rotated, size: m * n * PAIR_BYTES } },
          { binding: 2, resource: { buffer: gridSums } },
          { binding: 3, resource: { buffer: this.constants } },
          { binding: 4, resource: { buffer: results } },
        ],
      });
    });
    // Separate passes order the steps: each reads the state the previous one wrote.
    for (let step = 0; step <= REFINE_STEPS; step++) {
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroups[step === 0 ? 0 : 1]!);
      pass.dispatchWorkgroups(perRow, Math.ceil(groups / perRow), 1);
      pass.end();
    }
    encoder.copyBufferToBuffer(results, 0, staging, 0, items * RESULT_BYTES);
    return {
      resolve: async (lambdas, status, j0) => {
        await staging.mapAsync(GPUMapMode.READ);
        const raw = new Float32Array(staging.getMappedRange().slice(0));
        staging.unmap();
        for (let it = 0; it < items; it++) {
          const code = raw[8 * it + 7]!;
          lambdas[j0 * this.kinds.length + it] = raw[8 * it]! + raw[8 * it + 1]!;
          status[j0 * this.kinds.length + it] =
            code === RefineStatus.running ? RefineStatus.notConverged : code;
        }
      },
    };
  }

  /** Frees the plan's constants. */
  destroy(): void {
    this.destroyed = true;
    this.constants.destroy();
  }
}
