/**
 * The GPU engine: the O(n^2)-per-SNP stages (rotation U^T X and the kinship X X^T) run as WGSL
 * compute shaders in double-single arithmetic (about 2^-44 relative, see shaders/ds_arith.wgsl);
 * the eigendecomposition and the per-SNP lambda optimisation run in float64 on the CPU engine,
 * because the optimiser's Newton step differences nearly equal terms and needs float64 to land
 * where GEMMA does.
 */
import type { ScanPlan } from '../../scan/plan-types.js';
import type { SnpResultBlock } from '../../stats/results.js';
import type { Eigen, Engine, KinshipSession } from '../engine.js';
import { acquireGpu, type GpuContext } from './device.js';
import { GpuKinship } from './kinship.js';
import { GpuRotator } from './rotate.js';
import { selfTestDoubleSingle } from './selftest.js';

export class WebGpuEngine implements Engine {
  readonly name = 'webgpu' as const;
  private rotator: { eigenvectors: Float64Array; rotator: GpuRotator } | null = null;

  private constructor(
    readonly gpu: GpuContext,
    private readonly cpu: Engine,
  ) {}

  /**
   * Opens the GPU (Vulkan, else OpenGL ES on llvmpipe) and checks double-single arithmetic on it;
   * `cpu` runs the float64 stages. Throws GpuError when no usable adapter exists.
   */
  static async create(cpu: Engine, backend: 'auto' | 'vulkan' | 'opengles' = 'auto'): Promise<WebGpuEngine> {
    const gpu = await acquireGpu({ backend });
    try {
      await selfTestDoubleSingle(gpu);
    } catch (error) {
      gpu.destroy();
      throw error;
    }
    return new WebGpuEngine(gpu, cpu);
  }

  get isSoftware(): boolean {
    return this.gpu.isSoftware;
  }

  describe(): string {
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
    if (this.rotator?.eigenvectors !== eigenvectors) {
      this.rotator?.rotator.destroy();
      this.rotator = { eigenvectors, rotator: new GpuRotator(this.gpu, eigenvectors, n) };
    }
    return this.rotator.rotator.rotate(block, b);
  }

  scanBlock(plan: ScanPlan, rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock> {
    return this.cpu.scanBlock(plan, rotatedGenotypes, b);
  }

  async close(): Promise<void> {
    this.rotator?.rotator.destroy();
    this.rotator = null;
    this.gpu.destroy();
    await this.cpu.close();
  }
}
