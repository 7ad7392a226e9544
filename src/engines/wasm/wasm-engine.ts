/**
 * The CPU production engine: AssemblyScript SIMD kernels (GEMM for kinship and rotation, blocked
 * eigensolver, per-SNP lambda optimisation and tests) on a piscina pool sharing one WebAssembly.Memory.
 */
import type { LmmTestMode, ScanPlan } from '../../model/plan.js';
import { testLinearBlock, type LinearModel } from '../../stats/linear-model.js';
import type { MvResultBlock, SnpResultBlock } from '../../model/results.js';
import type { MvScanModel } from '../../stats/mvlmm/block.js';
import type { MvNullModel } from '../../stats/mvlmm/fit.js';
import type { MvData } from '../../stats/mvlmm/model.js';
import type { LambdaSearch } from '../../model/settings.js';
import type { MvPool } from './mv-pool.js';
import { rotateThenTest, type Eigen, type Engine, type KinshipSession, type PlanHandle } from '../engine.js';
import { WasmPool } from './pool.js';
import type { MatrixRowsParser } from '../../io/matrix-read.js';
import type { MatrixRowsFormatter } from '../../io/matrix-write.js';
import { textFormatterOn } from './text-pool.js';

export class WasmEngine implements Engine {
  readonly name = 'wasm' as const;

  /** Made on the first multivariate block: its modules load only for a multivariate scan (it starts no threads). */
  private mvPool: Promise<MvPool> | null = null;

  private constructor(readonly pool: WasmPool) {}

  /**
   * The pool of `threads` workers (default all cores), started at once, or with `mainThreadWorkNs` > 0 once the
   * job's kernel work passes that estimate (WasmPool.create).
   */
  static async create(threads?: number, mainThreadWorkNs?: number): Promise<WasmEngine> {
    return new WasmEngine(await WasmPool.create(threads, undefined, mainThreadWorkNs));
  }

  describe(): string {
    return this.pool.describe();
  }

  /** K kept in the pool's shared memory between blocks; upper triangle by GEMM tiles, mirrored at finish. */
  startKinship(n: number): KinshipSession {
    return this.pool.startKinship(n);
  }

  expectKinship(n: number, snps: number): void {
    this.pool.expectKinship(n, snps);
  }

  expectEigen(n: number): void {
    this.pool.expectEigen(n);
  }

  eigen(matrix: Float64Array, n: number, consume = false): Promise<Eigen> {
    return this.pool.eigen(matrix, n, undefined, consume);
  }

  /** With a `key`, U stays in the pool's shared memory between calls until releaseRotation(key). */
  rotate(
    eigenvectors: Float64Array,
    n: number,
    block: Float64Array,
    b: number,
    key?: object,
    into?: Float64Array,
  ): Promise<Float64Array> {
    if (key) return this.pool.rotatePlan(key, eigenvectors, n, block, b, undefined, into);
    return this.pool.rotate(eigenvectors, n, block, b);
  }

  releaseRotation(key: object): Promise<void> {
    return this.pool.releaseRotation(key);
  }

  /** On the pool's threads and this one (WasmPool.parseMatrixRows). */
  parseMatrixRows(...args: Parameters<MatrixRowsParser>): Promise<Float64Array | null> {
    return this.pool.parseMatrixRows(...args);
  }

  /** On the pool's threads (WasmPool.centreAnalysed). */
  centreAnalysed(matrix: Float64Array, nTotal: number, analysed: Uint8Array): Promise<Float64Array | null> {
    return this.pool.centreAnalysed(matrix, nTotal, analysed);
  }

  /** On the pool's workers, for a matrix in shared memory (textFormatterOn). */
  matrixTextFormatter(data: Float64Array, rows: number, cols: number): MatrixRowsFormatter | null {
    return textFormatterOn(this.pool, data, rows, cols);
  }

  /**
   * The unit's plan in the pool's shared memory (assembly/lmm.ts, trait-batched: every thread runs all traits of
   * its SNP range in one task); rotation by GEMM across the pool.
   */
  loadPlan(plan: ScanPlan): PlanHandle {
    const tests = this.pool.loadPlan(plan);
    const { eigenvectors, n } = plan;
    // U stays in the pool's shared memory across the plan's blocks until release().
    const key = {};
    const steps: Pick<PlanHandle, 'rotate' | 'test'> = {
      rotate: (block, b) => this.pool.rotatePlan(key, eigenvectors, n, block, b),
      test: (rotatedGenotypes, b) => {
        this.pool.expectSnpTests(n, b, plan.traits);
        return tests.test(rotatedGenotypes, b);
      },
    };
    return {
      ...steps,
      finishGpuTests: (rotatedGenotypes, b, gridSums, lambdas) => {
        this.pool.expectSnpTests(n, b, plan.traits);
        return tests.finish(rotatedGenotypes, b, gridSums, lambdas);
      },
      scanBlock: async (block, b, timer) => {
        this.pool.expectSnpTests(n, b, plan.traits);
        // Timed where they happen: the next block's rotation may end before these results (lmm.ts defers their
        // p-values behind it), which the clock's consecutive intervals would misattribute.
        let rotateMs = 0;
        let testMs = 0;
        const results = await this.pool.rotateAndTest(
          tests,
          key,
          eigenvectors,
          n,
          block,
          b,
          (rotate, test) => {
            rotateMs = rotate;
            testMs = test;
          },
        );
        if (!results) return rotateThenTest(steps, block, b, timer);
        return { results, rotateMs, testMs };
      },
      release: async () => {
        await tests.release();
        await this.pool.releaseRotation(key);
      },
    };
  }

  /** The linear model is O(n c) per SNP: run on this thread, as the TS engine does. */
  async testLinear(
    models: LinearModel[],
    genotypes: Float64Array,
    b: number,
    mode: LmmTestMode,
  ): Promise<SnpResultBlock[]> {
    return testLinearBlock(models, genotypes, b, mode);
  }

  /**
   * The per-SNP fits on the pool's worker threads, a range of the block's SNPs per task, or for a small job on
   * this thread (mv-pool.ts); the O(n) sums of each EM iteration and Wald statistic in the mvlmm kernels
   * (assembly/mvlmm.ts).
   */
  async testMultivariate(model: MvScanModel, rotated: Float64Array, b: number): Promise<MvResultBlock> {
    return (await this.multivariate()).scan(model, rotated, b);
  }

  /** The null fit with its EM in the mvlmm kernels on this thread (mv-pool.ts MvPool.fitNull). */
  async fitMultivariateNull(data: MvData, search: LambdaSearch): Promise<MvNullModel> {
    return (await this.multivariate()).fitNull(data, search);
  }

  /** Warms the workers' multivariate fits while this thread fits the null model (mv-pool.ts MvPool.warm). */
  async warmMultivariate(d: number, c: number): Promise<void> {
    (await this.multivariate()).warm(d, c);
  }

  private multivariate(): Promise<MvPool> {
    this.mvPool ??= import('./mv-pool.js').then(({ MvPool }) => new MvPool(this.pool));
    return this.mvPool;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
