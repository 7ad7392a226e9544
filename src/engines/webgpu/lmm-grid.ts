/**
 * The grid phase of the per-SNP likelihood on the GPU (shaders/lmm_grid.wgsl): for every SNP of a rotated
 * block, the sums sum_i x_i other_i w_g(i) and sum_i x_i other_i w_g(i)^2 over its product columns (x * w_k,
 * x * x, x * y) at every grid lambda, in double-single. The CPU adds the covariate-only sums and finishes in
 * float64 (src/stats/grid-slopes.ts).
 */
import type { GpuContext } from './device.js';
import { GpuError } from './device.js';
import { packDoubleSingle, unpackDoubleSingle } from './double-single.js';
import { loadShader } from './shaders.js';
import { createParams, itemsPerBinding, readBackPairs } from './buffers.js';

const PACKED_BYTES = 16;
const PAIR_BYTES = 8;
const WORKGROUP = 64;

/** What the grid kernel needs of a plan (one trait: covariates and phenotype rotated, eigenvalues). */
export interface GridPlan {
  n: number;
  nCvt: number;
  eigenvalues: Float64Array;
  /** Column-major c x n. */
  rotatedCovariates: Float64Array;
  rotatedPhenotype: Float64Array;
  /** The search's upper end and the null model's ML lambda (two of the weight columns). */
  lMax: number;
  nullLambda: number;
}

/** Weight columns for G grid points, as assembly/lmm.ts's lmmWeightColumns: 2G + 3 padded to even. */
export function gridWeightColumns(nGrid: number): number {
  return (2 * nGrid + 4) & ~1;
}

/**
 * Row-major n x Q weights in the wasm kernel's layout (assembly/lmm.ts): column g is w_g = 1 / (lambda_g d_i + 1),
 * G + g its square, 2G the weight at lMax, 2G + 1 ones, 2G + 2 the weight at the null model's ML lambda, then 0.
 */
export function gridWeights(
  eigenvalues: Float64Array,
  grid: Float64Array,
  lMax: number,
  nullLambda: number,
): Float64Array {
  const n = eigenvalues.length;
  const g = grid.length;
  const q = gridWeightColumns(g);
  const out = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    const d = eigenvalues[i]!;
    const row = i * q;
    for (let t = 0; t < g; t++) {
      const w = 1 / (grid[t]! * d + 1);
      out[row + t] = w;
      out[row + g + t] = w * w;
    }
    out[row + 2 * g] = 1 / (lMax * d + 1);
    out[row + 2 * g + 1] = 1;
    out[row + 2 * g + 2] = 1 / (nullLambda * d + 1);
  }
  return out;
}

/** Caps below the device's limits, so that tests can force 2-D dispatches and chunked uploads. */
export interface GridLimits {
  maxWorkgroupsPerDimension?: number;
  maxBindingBytes?: number;
}

/** A pending grid computation: resolve() reads its sums back into `out` at SNP offset j0. */
export interface PendingGrid {
  /** The sums on the device (m x cols x q (hi, lo) pairs), for kernels recorded after this one (lmm_refine). */
  sums: GPUBuffer;
  resolve(out: Float64Array, j0: number): Promise<void>;
}

/**
 * Holds one plan's weights and rotated covariates/phenotype on the GPU; computes the grid sums of SNP blocks,
 * either of a buffer already on the device (encode, after rotate_gemm) or of a host block (compute).
 * Output layout: sums[(j * (c + 2) + k) * 2G + t] as lmm_grid.wgsl writes it.
 */
export class GpuLmmGrid {
  readonly cols: number;
  readonly q: number;
  readonly n: number;
  private readonly weights: GPUBuffer;
  private readonly others: GPUBuffer;
  private readonly ready: Promise<GPUComputePipeline>;
  private pipeline: GPUComputePipeline | null = null;
  private destroyed = false;
  private readonly maxGroups: number;
  private readonly maxBinding: number;

  constructor(
    private readonly gpu: GpuContext,
    plan: GridPlan,
    grid: Float64Array,
    limits: GridLimits = {},
  ) {
    const { n, nCvt } = plan;
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`GpuLmmGrid: n must be a positive integer, got ${n}`);
    this.n = n;
    this.cols = nCvt + 2;
    this.q = gridWeightColumns(grid.length);
    this.maxGroups = Math.min(
      limits.maxWorkgroupsPerDimension ?? Infinity,
      gpu.limits.maxComputeWorkgroupsPerDimension,
    );
    this.maxBinding = Math.min(limits.maxBindingBytes ?? Infinity, gpu.limits.maxStorageBufferBindingSize);
    itemsPerBinding(PACKED_BYTES * this.q * n, gpu.limits.maxStorageBufferBindingSize, 'the grid weights');
    const device = gpu.device;
    const weights = gridWeights(plan.eigenvalues, grid, plan.lMax, plan.nullLambda);
    this.weights = device.createBuffer({
      label: 'gridWeights',
      size: weights.length * PACKED_BYTES,
      usage: GPUBufferUsage.STORAGE,
      mappedAtCreation: true,
    });
    packDoubleSingle(weights, 0, weights.length, new Float32Array(this.weights.getMappedRange()));
    this.weights.unmap();
    // Covariates then phenotype as (hi, lo) pairs: the kernel splits them itself.
    const others = new Float64Array((nCvt + 1) * n);
    others.set(plan.rotatedCovariates.subarray(0, nCvt * n));
    others.set(plan.rotatedPhenotype.subarray(0, n), nCvt * n);
    this.others = device.createBuffer({
      label: 'gridOthers',
      size: others.length * PAIR_BYTES,
      usage: GPUBufferUsage.STORAGE,
      mappedAtCreation: true,
    });
    writePairs(others, 0, others.length, new Float32Array(this.others.getMappedRange()));
    this.others.unmap();
    this.ready = gpu.createPipeline('lmm_grid', loadShader('lmm_grid')).then((p) => (this.pipeline = p));
    this.ready.catch(() => undefined);
  }

  /** Waits for the kernel to compile (encode() needs it). */
  async compiled(): Promise<void> {
    await this.ready;
  }

  /** Floats of output per SNP. */
  get sumsPerSnp(): number {
    return this.cols * this.q;
  }

  /**
   * Records the kernel on `encoder` for m SNPs of `rotated` (m x n (hi, lo) pairs, on the device) and the copy of
   * its sums to a staging buffer. Call compiled() first. The returned buffers are the caller's to destroy after
   * resolve().
   */
  encode(encoder: GPUCommandEncoder, rotated: GPUBuffer, m: number, transient: GPUBuffer[]): PendingGrid {
    if (this.destroyed) throw new GpuError('GpuLmmGrid after destroy()');
    const pipeline = this.pipeline;
    if (pipeline === null) throw new GpuError('GpuLmmGrid.encode before compiled()');
    const device = this.gpu.device;
    const total = m * this.sumsPerSnp;
    const groups = Math.ceil(total / WORKGROUP);
    const perRow = Math.min(groups, this.maxGroups);
    const rowsOfGroups = Math.ceil(groups / perRow);
    const params = createParams(device, [m, this.n, this.cols, this.q, perRow * WORKGROUP]);
    const sums = device.createBuffer({
      label: 'gridSums',
      size: total * PAIR_BYTES,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const staging = device.createBuffer({
      label: 'gridSums readback',
      size: total * PAIR_BYTES,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    transient.push(params, sums, staging);
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: rotated, size: m * this.n * PAIR_BYTES } },
        { binding: 2, resource: { buffer: this.others } },
        { binding: 3, resource: { buffer: this.weights } },
        { binding: 4, resource: { buffer: sums } },
      ],
    });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(perRow, rowsOfGroups, 1);
    pass.end();
    encoder.copyBufferToBuffer(sums, 0, staging, 0, total * PAIR_BYTES);
    return {
      sums,
      resolve: async (out, j0) => {
        const pairs = await readBackPairs(staging);
        unpackDoubleSingle(pairs, total, out, j0 * this.sumsPerSnp);
      },
    };
  }

  /** Grid sums of a host block (rotated, SNP-major b x n), uploaded in chunks that fit one binding. */
  async compute(rotated: Float64Array, b: number): Promise<Float64Array> {
    const n = this.n;
    if (rotated.length < b * n)
      throw new RangeError(`GpuLmmGrid.compute: block has ${rotated.length} values, need b*n = ${b * n}`);
    const out = new Float64Array(b * this.sumsPerSnp);
    if (b === 0) return out;
    await this.compiled();
    const device = this.gpu.device;
    const chunk = Math.min(
      b,
      itemsPerBinding(Math.max(PAIR_BYTES * n, PAIR_BYTES * this.sumsPerSnp), this.maxBinding, 'one SNP'),
    );
    const transient: GPUBuffer[] = [];
    try {
      const input = device.createBuffer({
        label: 'gridInput',
        size: chunk * n * PAIR_BYTES,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      transient.push(input);
      const scratch = new Float32Array(chunk * n * 2);
      const pending: { grid: PendingGrid; j0: number }[] = [];
      const submits: Promise<void>[] = [];
      for (let j0 = 0; j0 < b; j0 += chunk) {
        const m = Math.min(chunk, b - j0);
        writePairs(rotated, j0 * n, m * n, scratch);
        submits.push(
          this.gpu.checked(`grid sums of SNPs ${j0}..${j0 + m - 1}`, () => {
            device.queue.writeBuffer(input, 0, scratch, 0, m * n * 2);
            const encoder = device.createCommandEncoder();
            pending.push({ grid: this.encode(encoder, input, m, transient), j0 });
            device.queue.submit([encoder.finish()]);
          }),
        );
      }
      await Promise.all(submits);
      for (const { grid, j0 } of pending) await grid.resolve(out, j0);
    } finally {
      for (const buffer of transient) buffer.destroy();
    }
    return out;
  }

  /** Frees the weights and the plan's columns. */
  destroy(): void {
    this.destroyed = true;
    this.weights.destroy();
    this.others.destroy();
  }
}

/** out[2i], out[2i + 1] = (hi, lo) of values[start + i]: hi = f32(v), lo = f32(v - hi). */
export function writePairs(values: Float64Array, start: number, count: number, out: Float32Array): void {
  const fround = Math.fround;
  for (let i = 0; i < count; i++) {
    const v = values[start + i]!;
    if (!Number.isFinite(v))
      throw new RangeError(`double-single pairs: value ${v} at index ${start + i} is not finite`);
    const hi = fround(v);
    out[2 * i] = hi;
    out[2 * i + 1] = fround(v - hi);
  }
}
