/**
 * The GPU engine: the O(n^2)-per-SNP stages (rotation U^T X and the kinship X X^T) run as WGSL
 * compute shaders in double-single arithmetic (about 2^-44 relative, see shaders/ds_arith.wgsl);
 * the eigendecomposition and the per-SNP lambda optimisation run in float64 on the CPU engine,
 * because the optimiser's Newton step differences nearly equal terms and needs float64 to land
 * where GEMMA does.
 */
import type { ScanPlan } from '../../model/plan.js';
import type { SnpResultBlock } from '../../model/results.js';
import type { Eigen, Engine, KinshipSession } from '../engine.js';
import { acquireGpu, GpuError, type GpuContext } from './device.js';
import { GpuKinship } from './kinship.js';
import { GpuRotator } from './rotate.js';
import { selfTestDoubleSingle } from './selftest.js';

export class WebGpuEngine implements Engine {
  readonly name = 'webgpu' as const;
  private rotator: { eigenvectors: Float64Array; rotator: GpuRotator } | null = null;
  /** Why the rotation moved to the CPU engine mid-run (auto mode only), or null. */
  private fallbackReason: string | null = null;

  private constructor(
    readonly gpu: GpuContext,
    private readonly cpu: Engine,
    private readonly fallbackOnError: boolean,
  ) {}

  /**
   * Opens the GPU (Vulkan, else OpenGL ES on llvmpipe) and checks double-single arithmetic on it;
   * `cpu` runs the float64 stages. Throws GpuError when no usable adapter exists.
   */
  static async create(cpu: Engine, backend: 'auto' | 'vulkan' | 'opengles' = 'auto', fallbackOnError = false): Promise<WebGpuEngine> {
    const gpu = await acquireGpu({ backend });
    try {
      await selfTestDoubleSingle(gpu);
    } catch (error) {
      gpu.destroy();
      throw error;
    }
    return new WebGpuEngine(gpu, cpu, fallbackOnError);
  }

  get isSoftware(): boolean {
    return this.gpu.isSoftware;
  }

  describe(): string {
    if (this.fallbackReason) return `webgpu, then wasm after a GPU failure (${this.fallbackReason}); ${this.cpu.describe()}`;
    return `webgpu (${this.gpu.backend}: ${this.gpu.adapterInfo}; rotation and kinship on the GPU in double-single, eigen and optimisation on ${this.cpu.describe()})`;
  }

  startKinship(n: number): KinshipSession {
    const kinship = new GpuKinship(this.gpu, n);
    return {
      add: (block, b) => kinship.accumulate(block, b),
      finish: async () => {
        try {
          return await kinship.read();
        } finally {
          kinship.destroy();
        }
      },
    };
  }

  eigen(matrix: Float64Array, n: number): Promise<Eigen> {
    return this.cpu.eigen(matrix, n);
  }

  /** U stays on the GPU across blocks; a new U (another plan) replaces it. */
  async rotate(eigenvectors: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array> {
    if (this.fallbackReason) return this.cpu.rotate(eigenvectors, n, block, b);
    try {
      if (this.rotator?.eigenvectors !== eigenvectors) {
        this.rotator?.rotator.destroy();
        this.rotator = { eigenvectors, rotator: new GpuRotator(this.gpu, eigenvectors, n) };
      }
      return await this.rotator.rotator.rotate(block, b);
    } catch (error) {
      // Under --engine auto a lost device or a failing shader moves the rest of the scan to the CPU
      // engine (the log says so); with an explicit --engine webgpu it is an error.
      if (!this.fallbackOnError || !(error instanceof GpuError)) throw error;
      this.fallbackReason = error.message.split('\n')[0].slice(0, 200);
      process.stderr.write(`lmmscan: the GPU failed (${this.fallbackReason}); continuing on ${this.cpu.describe()}\n`);
      return this.cpu.rotate(eigenvectors, n, block, b);
    }
  }

  scanBlock(plan: ScanPlan, rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock> {
    return this.cpu.scanBlock(plan, rotatedGenotypes, b);
  }

  scanTraits(plans: ScanPlan[], rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock[]> {
    return this.cpu.scanTraits(plans, rotatedGenotypes, b);
  }

  async close(): Promise<void> {
    this.rotator?.rotator.destroy();
    this.rotator = null;
    this.gpu.destroy();
    await this.cpu.close();
  }
}
