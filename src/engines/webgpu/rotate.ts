/**
 * Rotation of genotype blocks by the kinship eigenvectors on the GPU (shaders/rotate_gemm.wgsl),
 * in double-single arithmetic so the result stays near float64 although WGSL has only f32.
 */
import type { GpuContext } from './device.js';
import { GpuError } from './device.js';
import { packDoubleSingle, unpackDoubleSingle } from './double-single.js';
import { loadShader } from './shaders.js';
import { createParams, itemsPerBinding, readBackPairs } from './buffers.js';

/** Bytes of one packed double-single operand (vec4<f32>) and of one (hi, lo) result (vec2<f32>). */
const PACKED_BYTES = 16;
const PAIR_BYTES = 8;
const TILE = 32;

export interface GpuPanelOptions {
  /** Cap on one buffer binding in bytes (default: the device's maxStorageBufferBindingSize); small values force tiling. */
  maxBindingBytes?: number;
}

/** Records work on a rotated chunk (SNPs j0 .. j0 + m - 1, m x n (hi, lo) pairs in `rotated`) on the device. */
export type RotatedChunkHook = (
  encoder: GPUCommandEncoder,
  rotated: GPUBuffer,
  j0: number,
  m: number,
) => void;

interface EigvecPanel {
  buffer: GPUBuffer;
  kBegin: number;
  kCount: number;
}

/**
 * Holds the eigenvectors U (row-major n x n, U[i*n + k]) on the GPU, uploaded once, and rotates
 * SNP-major blocks: out[j*n + k] = sum_i U[i][k] * block[j*n + i].
 * Max abs error is about 2^-44 * sum_i |U_ik x_ji| (double-single, compensated sums).
 */
export class GpuRotator {
  private readonly panels: EigvecPanel[] = [];
  private readonly snpsPerChunk: number;
  private readonly ready: Promise<GPUComputePipeline>;
  private destroyed = false;

  /** Uploads U (row-major n x n) in row panels that fit the binding limit; compiles the kernel in the background. */
  constructor(
    private readonly gpu: GpuContext,
    eigenvectors: Float64Array,
    readonly n: number,
    options: GpuPanelOptions = {},
  ) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`GpuRotator: n must be a positive integer, got ${n}`);
    if (eigenvectors.length < n * n) {
      throw new RangeError(`GpuRotator: eigenvectors has ${eigenvectors.length} values, need n*n = ${n * n}`);
    }
    const maxBinding = Math.min(options.maxBindingBytes ?? Infinity, gpu.limits.maxStorageBufferBindingSize);
    const rowsPerPanel = Math.min(n, itemsPerBinding(PACKED_BYTES * n, maxBinding, 'a row of U'));
    // SNP chunks also bound the dispatch's y extent (ceil(m / 32) workgroups).
    this.snpsPerChunk = Math.min(
      itemsPerBinding(PACKED_BYTES * n, maxBinding, 'one SNP of the block'),
      TILE * gpu.limits.maxComputeWorkgroupsPerDimension,
    );
    const device = gpu.device;
    const uploads = gpu.checked('upload eigenvectors', () => {
      for (let kBegin = 0; kBegin < n; kBegin += rowsPerPanel) {
        const kCount = Math.min(rowsPerPanel, n - kBegin);
        const buffer = device.createBuffer({
          label: `eigvecPanel ${kBegin}`,
          size: kCount * n * PACKED_BYTES,
          usage: GPUBufferUsage.STORAGE,
          mappedAtCreation: true,
        });
        packDoubleSingle(eigenvectors, kBegin * n, kCount * n, new Float32Array(buffer.getMappedRange()));
        buffer.unmap();
        this.panels.push({ buffer, kBegin, kCount });
      }
    });
    this.ready = uploads.then(() => gpu.createPipeline('rotate_gemm', loadShader('rotate_gemm')));
    // Failures surface in rotate(); without this a never-used rotator would raise an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /**
   * Rotates a SNP-major block (b x n): returns out[j*n + k] = sum_i U[i][k] * block[j*n + i] as float64.
   * `onDevice` records more work on each chunk's rotated buffer (m x n (hi, lo) pairs) while it is on the device,
   * in the same submission (the tests' grid phase); its transient buffers are the caller's.
   */
  async rotate(block: Float64Array, b: number, onDevice?: RotatedChunkHook): Promise<Float64Array> {
    if (this.destroyed) throw new GpuError('GpuRotator.rotate after destroy()');
    const n = this.n;
    if (!Number.isInteger(b) || b < 0)
      throw new RangeError(`GpuRotator.rotate: b must be a non-negative integer, got ${b}`);
    if (block.length < b * n)
      throw new RangeError(`GpuRotator.rotate: block has ${block.length} values, need b*n = ${b * n}`);
    const out = new Float64Array(b * n);
    if (b === 0) return out;
    const pipeline = await this.ready;
    const device = this.gpu.device;
    const maxSnps = Math.min(this.snpsPerChunk, b);
    const scratch = new Float32Array(maxSnps * n * 4);
    const transient: GPUBuffer[] = [];
    const submits: Promise<void>[] = [];
    const readbacks: { staging: GPUBuffer; j0: number; m: number }[] = [];
    try {
      const snpBuffer = device.createBuffer({
        label: 'snpBlock',
        size: maxSnps * n * PACKED_BYTES,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      const rotatedBuffer = device.createBuffer({
        label: 'rotated',
        size: maxSnps * n * PAIR_BYTES,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      transient.push(snpBuffer, rotatedBuffer);
      for (let j0 = 0; j0 < b; j0 += maxSnps) {
        const m = Math.min(maxSnps, b - j0);
        // Packing chunk c + 1 on the CPU overlaps the GPU's work on chunk c: writeBuffer copies the
        // data into Dawn's staging at call time and is ordered before the next submit, so one
        // snpBuffer serves every chunk without a race.
        packDoubleSingle(block, j0 * n, m * n, scratch);
        const staging = device.createBuffer({
          label: `rotated readback ${j0}`,
          size: m * n * PAIR_BYTES,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        });
        readbacks.push({ staging, j0, m });
        submits.push(
          this.gpu.checked(`rotate SNPs ${j0}..${j0 + m - 1}`, () => {
            device.queue.writeBuffer(snpBuffer, 0, scratch, 0, m * n * 4);
            const encoder = device.createCommandEncoder();
            for (const [p, panel] of this.panels.entries()) {
              const params = createParams(device, [m, n, n, panel.kBegin, panel.kCount, p === 0 ? 0 : 1]);
              transient.push(params);
              const bindGroup = device.createBindGroup({
                layout: pipeline.getBindGroupLayout(0),
                entries: [
                  { binding: 0, resource: { buffer: params } },
                  { binding: 1, resource: { buffer: snpBuffer } },
                  { binding: 2, resource: { buffer: panel.buffer } },
                  { binding: 3, resource: { buffer: rotatedBuffer } },
                ],
              });
              const pass = encoder.beginComputePass();
              pass.setPipeline(pipeline);
              pass.setBindGroup(0, bindGroup);
              pass.dispatchWorkgroups(Math.ceil(n / TILE), Math.ceil(m / TILE), 1);
              pass.end();
            }
            onDevice?.(encoder, rotatedBuffer, j0, m);
            encoder.copyBufferToBuffer(rotatedBuffer, 0, staging, 0, m * n * PAIR_BYTES);
            device.queue.submit([encoder.finish()]);
          }),
        );
      }
      await Promise.all(submits);
      for (const { staging, j0, m } of readbacks) {
        const pairs = await readBackPairs(staging);
        unpackDoubleSingle(pairs, m * n, out, j0 * n);
      }
    } finally {
      for (const buffer of transient) buffer.destroy();
      for (const { staging } of readbacks) staging.destroy();
    }
    return out;
  }

  /** Frees the eigenvector panels; the rotator cannot be used afterwards. */
  destroy(): void {
    this.destroyed = true;
    for (const panel of this.panels) panel.buffer.destroy();
    this.panels.length = 0;
  }
}
