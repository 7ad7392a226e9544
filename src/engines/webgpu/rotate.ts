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

/**
 * Bytes of packed U (16 n^2) up to which a rotator keeps every panel on the device, uploaded once: n = 16,384.
 * Above it U stays in its host array and its panels stream through two device buffers on every rotate() (the
 * adapter does not say how much memory it has; n = 30,000 would need 14.4 GB resident).
 */
const GPU_RESIDENT_U_BYTES = 4 * 2 ** 30;

export interface GpuPanelOptions {
  /** Cap on one buffer binding in bytes (default: the device's maxStorageBufferBindingSize); small values force tiling. */
  maxBindingBytes?: number;
  /** Packed U kept on the device at most (default GPU_RESIDENT_U_BYTES); smaller values force streaming. */
  maxResidentBytes?: number;
}

/** Records work on a rotated chunk (SNPs j0 .. j0 + m - 1, m x n (hi, lo) pairs in `rotated`) on the device. */
export type RotatedChunkHook = (
  encoder: GPUCommandEncoder,
  rotated: GPUBuffer,
  j0: number,
  m: number,
) => void;

interface EigvecPanel {
  /** The panel's own buffer when U is resident; null when it streams through `streamBuffers`. */
  buffer: GPUBuffer | null;
  kBegin: number;
  kCount: number;
}

// Streamed panels alternate between two buffers; the queue runs a panel's write after the previous pass that read
// the same buffer, and writes are throttled to that many panels ahead so Dawn's staging stays two panels large.
const STREAM_BUFFERS = 2;

/**
 * Holds the eigenvectors U (row-major n x n, U[i*n + k]) on the GPU, uploaded once (or streamed in panels when
 * larger than maxResidentBytes), and rotates SNP-major blocks: out[j*n + k] = sum_i U[i][k] * block[j*n + i].
 * Max abs error is about 2^-44 * sum_i |U_ik x_ji| (double-single, compensated sums). Streaming runs the same
 * dispatches on the same panels in the same order, so its results are bitwise the resident ones.
 */
export class GpuRotator {
  private readonly panels: EigvecPanel[] = [];
  /** The host U and the ring of panel buffers, when U streams. */
  private readonly stream: {
    eigenvectors: Float64Array;
    buffers: GPUBuffer[];
    packed: Float32Array<ArrayBuffer>;
  } | null;
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
    const streamed = PACKED_BYTES * n * n > (options.maxResidentBytes ?? GPU_RESIDENT_U_BYTES);
    this.stream = null;
    if (streamed) {
      // Panels of the binding size or of 1/8 of the budget, whichever is smaller, so two fit it.
      const budget = options.maxResidentBytes ?? GPU_RESIDENT_U_BYTES;
      const streamRows = Math.min(rowsPerPanel, Math.max(1, Math.floor(budget / 8 / (PACKED_BYTES * n))));
      for (let kBegin = 0; kBegin < n; kBegin += streamRows)
        this.panels.push({ buffer: null, kBegin, kCount: Math.min(streamRows, n - kBegin) });
      this.stream = { eigenvectors, buffers: [], packed: new Float32Array(streamRows * n * 4) };
    }
    const stream = this.stream;
    const uploads = gpu.checked('upload eigenvectors', () => {
      if (stream) {
        for (let s = 0; s < Math.min(STREAM_BUFFERS, this.panels.length); s++)
          stream.buffers.push(
            device.createBuffer({
              label: `eigvecStream ${s}`,
              size: this.panels[0]!.kCount * n * PACKED_BYTES,
              usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
            }),
          );
        return;
      }
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
        if (this.stream) {
          await this.rotateStreamed(
            pipeline,
            snpBuffer,
            rotatedBuffer,
            scratch,
            staging,
            j0,
            m,
            transient,
            onDevice,
          );
          continue;
        }
        submits.push(
          this.gpu.checked(`rotate SNPs ${j0}..${j0 + m - 1}`, () => {
            device.queue.writeBuffer(snpBuffer, 0, scratch, 0, m * n * 4);
            const encoder = device.createCommandEncoder();
            for (const [p, panel] of this.panels.entries())
              this.encodePanel(
                encoder,
                pipeline,
                panel.buffer!,
                p,
                panel,
                snpBuffer,
                rotatedBuffer,
                m,
                transient,
              );
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

  /** One pass: chunk (m SNPs) times panel p, added into `rotated` unless p is the first panel. */
  private encodePanel(
    encoder: GPUCommandEncoder,
    pipeline: GPUComputePipeline,
    panelBuffer: GPUBuffer,
    p: number,
    panel: EigvecPanel,
    snpBuffer: GPUBuffer,
    rotatedBuffer: GPUBuffer,
    m: number,
    transient: GPUBuffer[],
  ): void {
    const device = this.gpu.device;
    const n = this.n;
    const params = createParams(device, [m, n, n, panel.kBegin, panel.kCount, p === 0 ? 0 : 1]);
    transient.push(params);
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: snpBuffer } },
        { binding: 2, resource: { buffer: panelBuffer, size: panel.kCount * n * PACKED_BYTES } },
        { binding: 3, resource: { buffer: rotatedBuffer } },
      ],
    });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(n / TILE), Math.ceil(m / TILE), 1);
    pass.end();
  }

  /**
   * One chunk with U streamed: each panel is packed, written to the next ring buffer and its pass submitted on its
   * own, the queue keeping write and pass in order; every STREAM_BUFFERS panels this waits for the device, so no
   * more than that many packed panels are ever in flight.
   */
  private async rotateStreamed(
    pipeline: GPUComputePipeline,
    snpBuffer: GPUBuffer,
    rotatedBuffer: GPUBuffer,
    scratch: Float32Array<ArrayBuffer>,
    staging: GPUBuffer,
    j0: number,
    m: number,
    transient: GPUBuffer[],
    onDevice: RotatedChunkHook | undefined,
  ): Promise<void> {
    const { eigenvectors, buffers, packed } = this.stream!;
    const device = this.gpu.device;
    const n = this.n;
    const last = this.panels.length - 1;
    device.queue.writeBuffer(snpBuffer, 0, scratch, 0, m * n * 4);
    for (const [p, panel] of this.panels.entries()) {
      if (p > 0 && p % STREAM_BUFFERS === 0) await device.queue.onSubmittedWorkDone();
      packDoubleSingle(eigenvectors, panel.kBegin * n, panel.kCount * n, packed);
      const buffer = buffers[p % STREAM_BUFFERS]!;
      await this.gpu.checked(`rotate SNPs ${j0}..${j0 + m - 1}, rows ${panel.kBegin}.. of U`, () => {
        device.queue.writeBuffer(buffer, 0, packed, 0, panel.kCount * n * 4);
        const encoder = device.createCommandEncoder();
        this.encodePanel(encoder, pipeline, buffer, p, panel, snpBuffer, rotatedBuffer, m, transient);
        if (p === last) {
          onDevice?.(encoder, rotatedBuffer, j0, m);
          encoder.copyBufferToBuffer(rotatedBuffer, 0, staging, 0, m * n * PAIR_BYTES);
        }
        device.queue.submit([encoder.finish()]);
      });
    }
  }

  /** Frees the eigenvector panels; the rotator cannot be used afterwards. */
  destroy(): void {
    this.destroyed = true;
    for (const panel of this.panels) panel.buffer?.destroy();
    for (const buffer of this.stream?.buffers ?? []) buffer.destroy();
    this.panels.length = 0;
  }
}
