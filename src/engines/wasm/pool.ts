/** The WASM engine's thread pool: piscina workers sharing one WebAssembly.Memory and one compiled module. */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import type { ScanPlan } from '../../model/plan.js';
import type { Eigen, KinshipSession } from '../engine.js';
import { SharedArena } from './arena.js';
import { eigenOn } from './eigen.js';
import { EIGEN_TWO_REGION_BYTES, eigenTiled } from './eigen-tiled.js';
import type { SimdFlavour } from './loader.js';
import { createSharedMemory, instantiateKernels, loadWasmKernels } from './loader.js';
import { ResidentLmmPlan } from './lmm.js';
import { BandedKinship, KINSHIP_RESIDENT_BYTES } from './kinship-bands.js';
import { accumulateKinshipOn, KinshipResidence, rotateOn } from './ops.js';
import { workerPath } from './paths.js';
import { BUSY_REPORT_ENV } from './busy-report.js';
import type { KernelCall } from './runner.js';
import { KernelRunner } from './runner.js';

class PoolRunner extends KernelRunner {
  /** The kinship sum kept in shared memory between blocks (see KinshipResidence). */
  readonly kinship: KinshipResidence;

  constructor(
    arena: SharedArena,
    slots: number,
    workBytes: number,
    private readonly piscina: Piscina,
  ) {
    super(arena, slots, workBytes);
    this.kinship = new KinshipResidence(this, <T>(op: () => Promise<T> | T) => super.retain(op));
  }

  /** Retained regions go above everything else: a resident kinship sum goes back to its session first. */
  override retain<T>(op: () => Promise<T> | T): Promise<T> {
    return super.retain(() => {
      this.kinship.evict();
      return op();
    });
  }

  override run(calls: KernelCall[]): Promise<number> {
    return this.piscina.run({ calls }) as Promise<number>;
  }

  override async parallel(lists: KernelCall[][]): Promise<void> {
    await Promise.all(lists.map((calls) => this.piscina.run({ calls })));
  }

  // One task per thread; the tasks take lists off a shared counter, so a busy main thread (formatting, fsync) does
  // not leave workers waiting for their next list.
  override async pull(lists: KernelCall[][]): Promise<void> {
    if (lists.length <= 1) return this.parallel(lists);
    const next = new Int32Array(new SharedArrayBuffer(4));
    const tasks = Math.min(this.slots, lists.length);
    await Promise.all(Array.from({ length: tasks }, () => this.piscina.run({ queue: lists, next })));
  }
}

/** Rotation, kinship and eigendecomposition on `threads` workers; inputs are copied once into shared memory. */
export class WasmPool {
  private readonly started = performance.now();
  private readonly mainStart = performance.eventLoopUtilization();
  private readonly cpuStart = process.cpuUsage();

  private constructor(
    private readonly runner: PoolRunner,
    private readonly piscina: Piscina,
    readonly threads: number,
    readonly flavour: SimdFlavour,
  ) {}

  /** Starts `threads` workers (default: all cores); `prefer` picks the SIMD build (default: relaxed when supported). */
  static async create(threads = availableParallelism(), prefer?: SimdFlavour): Promise<WasmPool> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`lmmscan wasm: threads must be >= 1, got ${threads}`);
    const { module, flavour } = loadWasmKernels(prefer);
    const memory = createSharedMemory();
    const workBytes = instantiateKernels(module, memory).gemmWorkBytes();
    const piscina = new Piscina({
      filename: workerPath(),
      workerData: { module, memory },
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    });
    return new WasmPool(
      new PoolRunner(new SharedArena(memory), threads, workBytes, piscina),
      piscina,
      threads,
      flavour,
    );
  }

  /** A one-line description for the log. */
  describe(): string {
    return `wasm (${this.flavour === 'relaxed' ? 'relaxed SIMD, FMA' : 'SIMD'}, ${this.threads} threads)`;
  }

  /** out[j*n + k] = sum_i U[i*n + k] * block[j*n + i]; SNPs of the block split across workers. */
  rotate(U: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array> {
    return rotateOn(this.runner, U, n, block, b);
  }

  /** K[i*n + k] += sum_j block[j*n + i] * block[j*n + k] for k >= i, lower triangle mirrored; tiles split across workers. */
  accumulateKinship(K: Float64Array, n: number, block: Float64Array, b: number): Promise<void> {
    return accumulateKinshipOn(this.runner, K, n, block, b);
  }

  /**
   * A sum of X^T X over blocks kept in shared memory until finish() (one resident sum at a time), or for
   * large n in a JS array, updated band by band (kinship-bands.ts).
   */
  startKinship(n: number, residentBytes = KINSHIP_RESIDENT_BYTES, bandBytes?: number): KinshipSession {
    // Above residentBytes (tests lower it) K stays in a JS array and crosses shared memory in bands.
    if (16 * n * n > residentBytes) return new BandedKinship(this.runner, n, bandBytes);
    return this.runner.kinship.start(n);
  }

  /**
   * Eigenvalues ascending (n), eigenvectors row-major n x n (column k for values[k]); `threeRegionBytes`
   * (tests lower it) is where the two-region layout for large n takes over; `consume`: see eigenOn(). Above
   * `twoRegionBytes` (two n x n regions no longer fit the wasm32 memory; tests lower it, and `tileBytes`), the
   * tiled solver (eigen-tiled.ts).
   */
  eigen(
    matrix: Float64Array,
    n: number,
    threeRegionBytes?: number,
    consume = false,
    twoRegionBytes = EIGEN_TWO_REGION_BYTES,
    tileBytes?: number,
  ): Promise<Eigen> {
    if (16 * n * n > twoRegionBytes && n >= 4) return eigenTiled(this.runner, matrix, n, consume, tileBytes);
    return eigenOn(this.runner, matrix, n, threeRegionBytes, consume);
  }

  /** Score, Wald and LRT per SNP against each trait of a unit's plan, resident in shared memory; SNPs split. */
  loadPlan(plan: ScanPlan): ResidentLmmPlan {
    return new ResidentLmmPlan(this.runner, plan);
  }

  /**
   * Busy time since the pool started: the main thread's and each worker's event loop active time (a worker is
   * busy while it runs kernels; the main thread while it runs JS: parsing, p-values, output), and the wall time;
   * then the process's CPU time (user + sys, all threads), which, unlike busy time, excludes time other processes
   * held the cores.
   */
  busyReport(): string {
    const wall = performance.now() - this.started;
    const main = performance.eventLoopUtilization(this.mainStart).active;
    const workers = this.piscina.threads.map((w) => w.performance.eventLoopUtilization().active);
    const total = workers.reduce((a, b) => a + b, 0);
    const cpu = process.cpuUsage(this.cpuStart);
    const s = (ms: number) => (ms / 1000).toFixed(1);
    return (
      `lmmscan: busy time over ${s(wall)} s: main thread ${s(main)} s (${((100 * main) / wall).toFixed(0)}%), ` +
      `${workers.length} workers ${s(total)} s (${workers.map(s).join(', ')}; ` +
      `${((100 * total) / (wall * workers.length)).toFixed(0)}% of their wall time); ` +
      `process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s\n`
    );
  }

  async close(): Promise<void> {
    if (process.env[BUSY_REPORT_ENV]) process.stderr.write(this.busyReport());
    await this.piscina.close();
  }
}
