/**
 * The multivariate LMM on the wasm engine's threads: a block's SNPs split into ranges, each tested on one of the
 * pool's workers (worker.mjs, which loads the compiled mv-worker.ts; the threads that rotated the block, already
 * started, the kernels already compiled) with the EM and Wald sums in that thread's kernels (mv-kernel.ts),
 * results put back in SNP order. A SNP's numbers do not depend on the thread or range it lands in (each kernel
 * instance does the same arithmetic). As for the univariate tests, a small job's blocks run through a kernel
 * instance on this thread: until the job's estimated kernel work passes the pool's main-thread allowance
 * (WasmPool.expectWork), the workers are not started.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyResultBlock, type MvResultBlock } from '../../model/results.js';
import {
  effectColumnCount,
  scanMvBlock,
  type MvBlockWithoutNewton,
  type MvScanModel,
} from '../../stats/mvlmm/block.js';
import { fitMvNull, type MvNullModel } from '../../stats/mvlmm/fit.js';
import type { MvData } from '../../stats/mvlmm/model.js';
import type { LambdaSearch } from '../../model/settings.js';
import { MvKernel } from './mv-kernel.js';
import type { MvTask } from './mv-worker.js';
import { packageRoot } from './paths.js';
import type { WasmPool } from './pool.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The compiled worker: beside this module's compiled copy (dist/src/engines/wasm), else dist/ of the
 * package (this module run from src/ by vitest); null when there is no build.
 */
export function mvWorkerPath(): string | null {
  for (const path of [
    join(here, 'mv-worker.js'),
    join(packageRoot(), 'dist', 'src', 'engines', 'wasm', 'mv-worker.js'),
  ]) {
    if (existsSync(path)) return path;
  }
  return null;
}

/** Ranges per thread: several, so that a thread with slow (Newton) SNPs does not hold up the block. */
const RANGES_PER_THREAD = 4;

/** Multivariate blocks on the workers of a wasm pool, or on this thread. */
export class MvPool {
  private local: MvKernel | null = null;
  /** Shared buffers of earlier blocks, free for the next. */
  private readonly spare: SharedArrayBuffer[] = [];

  constructor(
    private readonly pool: WasmPool,
    private readonly workerFile = mvWorkerPath(),
  ) {}

  /**
   * Has each worker warm its multivariate fits for d traits and c covariates (mv-worker.ts warmMvRange), when the
   * workers have started and a scan's blocks will go to them; for the time this thread fits the null model, during
   * which they would idle. Not awaited: the first block's tasks queue behind it.
   */
  warm(d: number, c: number): void {
    if (this.workerFile === null || !this.pool.threaded || this.pool.threads < 2) return;
    for (let t = 0; t < this.pool.threads; t++)
      this.pool.runTask({ mvWarm: { d, c: c + 1 }, mvWorker: this.workerFile }).catch(() => undefined); // a warm-up that fails costs nothing but its time: the scan's tasks report
  }

  /**
   * fitMvNull with its EM's sums in this thread's kernels: the null fit's EM takes 85 iterations (n = 1,461, d = 2),
   * JavaScript run cold (interpreted, then compiled) once per scan that took 60-70 ms of this thread's CPU, a few ms
   * in the kernels. The covariates' last row stands where a SNP's would.
   */
  fitNull(data: MvData, search: LambdaSearch): MvNullModel {
    const kernel = (this.local ??= MvKernel.on(this.pool.module));
    return fitMvNull(data, search, (kind, maxIter, tolerance, covariates, p) => {
      kernel.prepare(covariates);
      kernel.loadSnp(covariates);
      return kernel.em(kind, maxIter, tolerance, covariates, p);
    });
  }

  /** Tests b SNP-major rotated genotypes; the same block scanMvBlock returns with an MvKernel on this thread. */
  async scan(model: MvScanModel, rotated: Float64Array, b: number): Promise<MvResultBlock> {
    const { n, d } = model.data;
    this.pool.expectMvTests(n, b, d);
    if (this.workerFile === null || !this.pool.threaded || this.pool.threads < 2 || b < 2) {
      this.local ??= MvKernel.on(this.pool.module);
      return scanMvBlock(model, rotated, b, this.local);
    }
    // Only what the fits read crosses to the workers (a plan also holds the n x n eigenvectors).
    // Compact copies: a typed array crosses to a worker with its whole buffer, and these may be views on a
    // recycled genotype block's (src/io/block-buffers.ts), megabytes copied per task.
    const { eigenvalues, X, Y } = model.data;
    const data = { ...model.data, eigenvalues: eigenvalues.slice(), X: X.slice(), Y: Y.slice() };
    const shared: MvScanModel = { data, nullModel: model.nullModel, mode: model.mode };
    const size = Math.ceil(b / (this.pool.threads * RANGES_PER_THREAD));
    const starts: number[] = [];
    for (let j = 0; j < b; j += size) starts.push(j);
    // The block in shared memory, which each range's task reads in place: a view of a SharedArrayBuffer crosses
    // to a worker without being copied (a slice would be copied twice, and each copy is new memory for the
    // collector). A block buffer (src/io/block-buffers.ts) is shared memory already; any other block is copied
    // into a reused buffer (a fresh one costs its page faults).
    const inPlace = rotated.buffer instanceof SharedArrayBuffer;
    const buffer = inPlace ? null : this.sharedBuffer(8 * b * n);
    const block = buffer ? new Float64Array(buffer, 0, b * n) : rotated.subarray(0, b * n);
    if (buffer) block.set(rotated.subarray(0, b * n));
    const parts = await Promise.all(
      starts.map(async (from) => {
        const count = Math.min(size, b - from);
        const task: MvTask = {
          model: shared,
          rotated: block.subarray(from * n, (from + count) * n),
          b: count,
        };
        const part = (await this.pool.runTask({
          mv: task,
          mvWorker: this.workerFile,
        })) as MvBlockWithoutNewton;
        this.testNewtonSnps(model, block.subarray(from * n, (from + count) * n), part);
        return part;
      }),
    );
    if (buffer) this.spare.push(buffer);
    const effects = Array.from({ length: effectColumnCount(d) }, () => new Float64Array(b));
    const out: MvResultBlock = { ...emptyResultBlock(b), effects };
    parts.forEach((part, i) => {
      const from = starts[i];
      for (let e = 0; e < effects.length; e++) effects[e].set(part.effects[e], from);
      out.pWald.set(part.pWald, from);
      out.pLrt.set(part.pLrt, from);
      out.pScore.set(part.pScore, from);
    });
    return out;
  }

  /**
   * The SNPs of a range that a worker left because they need Newton-Raphson, tested here as each range comes back:
   * this thread ran Newton-Raphson in the null fit, so its code is optimised already, where a worker's first
   * SNPs of it ran several times slower (n = 1,500: a third of a second a thread). The same arithmetic as on the
   * worker (a kernel instance of the same module), so the same bits.
   */
  private testNewtonSnps(model: MvScanModel, rotated: Float64Array, part: MvBlockWithoutNewton): void {
    const n = model.data.n;
    for (const j of part.newton) {
      this.local ??= MvKernel.on(this.pool.module);
      const one = scanMvBlock(model, rotated.subarray(j * n, (j + 1) * n), 1, this.local);
      for (let e = 0; e < part.effects.length; e++) part.effects[e][j] = one.effects[e][0];
      part.pWald[j] = one.pWald[0];
      part.pLrt[j] = one.pLrt[0];
      part.pScore[j] = one.pScore[0];
    }
  }

  /** A shared buffer of at least `bytes` from the spares (blocks may be in flight together), or a new one. */
  private sharedBuffer(bytes: number): SharedArrayBuffer {
    const i = this.spare.findIndex((buffer) => buffer.byteLength >= bytes);
    if (i >= 0) return this.spare.splice(i, 1)[0];
    // Spares too small for this block are dropped, so that the list stays as long as the blocks in flight.
    this.spare.length = 0;
    return new SharedArrayBuffer(bytes);
  }
}
