/**
 * The CPU production engine: AssemblyScript SIMD kernels (GEMM for kinship and rotation, blocked
 * eigensolver, per-SNP lambda optimisation and tests) on a piscina pool sharing one WebAssembly.Memory.
 */
import type { ScanPlan } from '../../model/plan.js';
import type { SnpResultBlock } from '../../model/results.js';
import type { Eigen, Engine, KinshipSession } from '../engine.js';
import { WasmPool } from './pool.js';

export class WasmEngine implements Engine {
  readonly name = 'wasm' as const;

  private constructor(readonly pool: WasmPool) {}

  /** Starts the pool (`threads` workers, default all cores). */
  static async create(threads?: number): Promise<WasmEngine> {
    return new WasmEngine(await WasmPool.create(threads));
  }

  describe(): string {
    return this.pool.describe();
  }

  /** K kept in the pool's shared memory between blocks; upper triangle by GEMM tiles, mirrored at finish. */
  startKinship(n: number): KinshipSession {
    return this.pool.startKinship(n);
  }

  eigen(matrix: Float64Array, n: number): Promise<Eigen> {
    return this.pool.eigen(matrix, n);
  }

  rotate(eigenvectors: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array> {
    return this.pool.rotate(eigenvectors, n, block, b);
  }

  /** Score, Wald and LRT per SNP in the WASM kernels (assembly/lmm.ts), the block's SNPs split across the pool. */
  scanBlock(plan: ScanPlan, rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock> {
    return this.pool.scanBlock(plan, rotatedGenotypes, b);
  }

  /** Several traits of one set of individuals in one pass over the pool (assembly/lmm.ts, trait-batched). */
  scanTraits(plans: ScanPlan[], rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock[]> {
    return this.pool.scanTraits(plans, rotatedGenotypes, b);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
