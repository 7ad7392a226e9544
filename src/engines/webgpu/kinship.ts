/**
 * Kinship accumulation K += X^T X on the GPU (shaders/kinship_syrk.wgsl). The running sum stays on
 * the GPU as double-single (hi, lo) pairs between blocks, so only the final n x n comes back.
 */
import type { GpuContext } from './device.js';
import { GpuError } from './device.js';
import { packDoubleSingle } from './double-single.js';
import { createParams, itemsPerBinding, readBackPairs } from './buffers.js';
import { loadShader } from './shaders.js';
import type { GpuPanelOptions } from './rotate.js';

const PACKED_BYTES = 16;
const PAIR_BYTES = 8;
const TILE = 32;

interface KinshipPanel {
  buffer: GPUBuffer;
  rowBegin: number;
  rowCount: number;
}

/**
 * Accumulates K[i*n + k] += sum_j block[j*n + i] * block[j*n + k] over SNP-major blocks (b x n) in
 * double-single; error about 2^-44 * sum_j |x_ji x_jk|. Only the upper triangle is computed, read()
 * mirrors it, so the result is exactly symmetric.
 */
export class GpuKinship {
  private readonly panels: KinshipPanel[] = [];
  private readonly snpsPerChunk: number;
  private readonly ready: Promise<GPUComputePipeline>;
  private destroyed = false;
  private snpBuffer: GPUBuffer | null = null;

  /** Allocates a zeroed n x n double-single accumulator in row panels that fit the binding limit. */
  constructor(
    private readonly gpu: GpuContext,
    readonly n: number,
    options: GpuPanelOptions = {},
  ) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`GpuKinship: n must be a positive integer, got ${n}`);
    const maxBinding = Math.min(options.maxBindingBytes ?? Infinity, gpu.limits.maxStorageBufferBindingSize);
    let rowsPerPanel = Math.min(n, itemsPerBinding(PAIR_BYTES * n, maxBinding, 'a kinship row'));
    // Whole tiles per panel keep the below-diagonal skip in the kernel aligned with the tiles.
    if (rowsPerPanel < n && rowsPerPanel >= TILE) rowsPerPanel -= rowsPerPanel % TILE;
    this.snpsPerChunk = itemsPerBinding(PACKED_BYTES * n, maxBinding, 'one SNP of the block');
    const device = gpu.device;
    const allocation = gpu.checked('allocate kinship accumulator', () => {
      for (let rowBegin = 0; rowBegin < n; rowBegin += rowsPerPanel) {
        const rowCount = Math.min(rowsPerPanel, n - rowBegin);
        // WebGPU zero-initialises new buffers: the accumulator starts at exactly 0.
        const buffer = device.createBuffer({
          label: `kinshipPanel ${rowBegin}`,
          size: rowCount * n * PAIR_BYTES,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
        });
        this.panels.push({ buffer, rowBegin, rowCount });
      }
    });
    this.ready = allocation.then(() => gpu.createPipeline('kinship_syrk', loadShader('kinship_syrk')));
    this.ready.catch(() => undefined);
  }

  /** Adds block^T block for a SNP-major block (b x n, already centred/scaled) to the accumulator. */
  async accumulate(block: Float64Array, b: number): Promise<void> {
    if (this.destroyed) throw new GpuError('GpuKinship.accumulate after destroy()');
    const n = this.n;
    if (!Number.isInteger(b) || b < 0)
      throw new RangeError(`GpuKinship.accumulate: b must be a non-negative integer, got ${b}`);
    if (block.length < b * n)
      throw new RangeError(`GpuKinship.accumulate: block has ${block.length} values, need b*n = ${b * n}`);
    if (b === 0) return;
    const pipeline = await this.ready;
    const device = this.gpu.device;
    const maxSnps = Math.min(this.snpsPerChunk, b);
    const scratch = new Float32Array(maxSnps * n * 4);
    if (this.snpBuffer === null || this.snpBuffer.size < maxSnps * n * PACKED_BYTES) {
      this.snpBuffer?.destroy();
      this.snpBuffer = device.createBuffer({
        label: 'snpBlock',
        size: maxSnps * n * PACKED_BYTES,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
    }
    const snpBuffer = this.snpBuffer;
    const params: GPUBuffer[] = [];
    const submits: Promise<void>[] = [];
    for (let j0 = 0; j0 < b; j0 += maxSnps) {
      const m = Math.min(maxSnps, b - j0);
      packDoubleSingle(block, j0 * n, m * n, scratch);
      submits.push(
        this.gpu.checked(`kinship SNPs ${j0}..${j0 + m - 1}`, () => {
          // writeBuffer is ordered before the submit below, so one snpBuffer serves every chunk.
          device.queue.writeBuffer(snpBuffer, 0, scratch, 0, m * n * 4);
          const encoder = device.createCommandEncoder();
          for (const panel of this.panels) {
            const uniform = createParams(device, [m, n, panel.rowBegin, panel.rowCount]);
            params.push(uniform);
            const pass = encoder.beginComputePass();
            pass.setPipeline(pipeline);
            pass.setBindGroup(
              0,
              device.createBindGroup({
                layout: pipeline.getBindGroupLayout(0),
                entries: [uniform, snpBuffer, panel.buffer].map((buffer, binding) => ({
                  binding,
                  resource: { buffer },
                })),
              }),
            );
            pass.dispatchWorkgroups(Math.ceil(n / TILE), Math.ceil(panel.rowCount / TILE), 1);
            pass.end();
          }
          device.queue.submit([encoder.finish()]);
        }),
      );
    }
    try {
      await Promise.all(submits);
      await device.queue.onSubmittedWorkDone();
    } finally {
      for (const uniform of params) uniform.destroy();
    }
  }

  /** The accumulated n x n kinship sum, row-major float64, symmetric (upper triangle mirrored). */
  async read(): Promise<Float64Array> {
    if (this.destroyed) throw new GpuError('GpuKinship.read after destroy()');
    await this.ready;
    const n = this.n;
    const device = this.gpu.device;
    const staging = await this.gpu.checked('read kinship', () => {
      const encoder = device.createCommandEncoder();
      const copies = this.panels.map((panel) => {
        const size = panel.rowCount * n * PAIR_BYTES;
        const buffer = device.createBuffer({
          label: `kinship readback ${panel.rowBegin}`,
          size,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        });
        encoder.copyBufferToBuffer(panel.buffer, 0, buffer, 0, size);
        return { panel, buffer };
      });
      device.queue.submit([encoder.finish()]);
      return copies;
    });
    const kinship = new Float64Array(n * n);
    try {
      for (const { panel, buffer } of staging) {
        const pairs = await readBackPairs(buffer);
        for (let r = 0; r < panel.rowCount; r++) {
          const i = panel.rowBegin + r;
          for (let k = i; k < n; k++) {
            const o = 2 * (r * n + k);
            const value = pairs[o]! + pairs[o + 1]!;
            kinship[i * n + k] = value;
            kinship[k * n + i] = value;
          }
        }
      }
    } finally {
      for (const { buffer } of staging) buffer.destroy();
    }
    return kinship;
  }

  /** Frees the accumulator; the object cannot be used afterwards. */
  destroy(): void {
    this.destroyed = true;
    for (const panel of this.panels) panel.buffer.destroy();
    this.panels.length = 0;
    this.snpBuffer?.destroy();
    this.snpBuffer = null;
  }
}
