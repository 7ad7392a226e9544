/** The WASM engine's thread pool: piscina workers sharing one WebAssembly.Memory and one compiled module. */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Piscina } from 'piscina';
import type { MatrixRowsParser } from '../../io/matrix-read.js';
import type { ScanPlan } from '../../model/plan.js';
import type { SnpResultBlock } from '../../model/results.js';
import type { Eigen, KinshipSession } from '../engine.js';
import { SharedArena } from './arena.js';
import { eigenOn } from './eigen.js';
import { eigenTiled, packedMemories } from './eigen-tiled.js';
import { EIGEN_TWO_REGION_BYTES, KINSHIP_RESIDENT_BYTES } from './memory-limits.js';
import type { SimdFlavour } from './loader.js';
import { createSharedMemory, instantiateKernels, loadWasmKernels, type KernelExports } from './loader.js';
import { ResidentLmmPlan } from './lmm.js';
import { centredOn } from './centre.js';
import { parseRowsOn } from './parse-rows.js';
import { BandedKinship } from './kinship-bands.js';
import { accumulateKinshipOn, KinshipResidence, ROTATE_WINDOW_BYTES, rotateOn } from './ops.js';
import { rotationInArena, rotationStaysInArena } from './rotate-hard.js';
import { workerPath } from './paths.js';
import { BUSY_REPORT_ENV } from './busy-report.js';
import type { KernelCall } from './runner.js';
import { KernelRunner, runCallsHere } from './runner.js';

/**
 * The pool's runner. Its kernel calls run on this thread, on the kernels instantiated here on the shared memory,
 * until startThreads(); from then on on the piscina workers. The results are the same bit for bit either way:
 * lists split across slots touch disjoint outputs and sum every element in the same order, and the eigensolver's
 * team of one thread computes what a team of several does (test/engines/wasm/pool.test.ts).
 */
class PoolRunner extends KernelRunner {
  /** The kinship sum kept in shared memory between blocks (see KinshipResidence). */
  readonly kinship: KinshipResidence;
  /** The workers, once started; piscina itself loads then (a tenth of a second of CPU for its modules). */
  private piscina: Promise<Piscina> | null = null;
  /** The same, once running (for the busy report). */
  running: Piscina | null = null;

  constructor(
    arena: SharedArena,
    slots: number,
    workBytes: number,
    private readonly here: KernelExports,
    private readonly startPiscina: () => Promise<Piscina>,
  ) {
    super(arena, slots, workBytes);
    this.kinship = new KinshipResidence(this, <T>(op: () => Promise<T> | T) => super.retain(op));
  }

  /** Whether the calls go to the workers (from the first startThreads() on). */
  get threaded(): boolean {
    return this.piscina !== null;
  }

  override get teamSize(): number {
    return this.threaded ? this.slots : 1;
  }

  /** Starts the workers (once); every call made from now on runs on them. */
  startThreads(): Promise<Piscina> {
    this.piscina ??= this.startPiscina().then((piscina) => (this.running = piscina));
    return this.piscina;
  }

  /** Retained regions go above everything else: a resident kinship sum goes back to its session first. */
  override retain<T>(op: () => Promise<T> | T): Promise<T> {
    return super.retain(() => {
      this.kinship.evict();
      return op();
    });
  }

  override async run(calls: KernelCall[]): Promise<number> {
    if (!this.piscina) return runCallsHere(this.here, calls);
    return (await this.piscina).run({ calls }) as Promise<number>;
  }

  override runHere(calls: KernelCall[]): Promise<number> {
    return Promise.resolve(runCallsHere(this.here, calls));
  }

  override async parallel(lists: KernelCall[][]): Promise<void> {
    if (!this.piscina) {
      for (const calls of lists) runCallsHere(this.here, calls);
      return;
    }
    const piscina = await this.piscina;
    await Promise.all(lists.map((calls) => piscina.run({ calls })));
  }

  /** Runs a task of another kind than kernel calls on a worker (worker.mjs); the workers must have started. */
  async task(payload: object): Promise<unknown> {
    if (!this.piscina) throw new Error('internal: a worker task before the workers started');
    return (await this.piscina).run(payload);
  }

  override async touchAside(views: Uint8Array[]): Promise<void> {
    if (!this.piscina) return;
    const piscina = await this.piscina;
    const parts = touchParts(views);
    const next = new Int32Array(new SharedArrayBuffer(4));
    await Promise.all(Array.from({ length: this.slots }, () => piscina.run({ touch: parts, next })));
  }

  // One task per thread; the tasks take lists off a shared counter, so a busy main thread (formatting, fsync) does
  // not leave workers waiting for their next list.
  override async pull(lists: KernelCall[][], own?: number[]): Promise<void> {
    if (lists.length <= 1 || !this.piscina) return super.pull(lists, own);
    const piscina = await this.piscina;
    const next = new Int32Array(new SharedArrayBuffer(4));
    const tasks = Math.min(this.slots, lists.length);
    await Promise.all(
      Array.from({ length: tasks }, (_, t) => piscina.run({ queue: lists, next, own: own?.[t] })),
    );
  }

  override pullWhenReady(
    lists: KernelCall[][],
    ready: Int32Array,
    need: number[],
    aside: Uint8Array[] = [],
  ): Promise<void> | null {
    if (!this.piscina) return null;
    const touch = {
      parts: touchParts(aside, ASIDE_PART_BYTES),
      next: new Int32Array(new SharedArrayBuffer(4)),
    };
    return this.piscina.then(async (piscina) => {
      const next = new Int32Array(new SharedArrayBuffer(4));
      const tasks = Math.min(this.slots, lists.length);
      await Promise.all(
        Array.from({ length: tasks }, () => piscina.run({ queue: lists, next, ready, need, aside: touch })),
      );
    });
  }
}

/** Bytes of one part of touchAside(): small enough that the threads end together. */
const TOUCH_PART_BYTES = 4 << 20;

/** Bytes of one part of pullWhenReady()'s `aside`: a thread in one when its next list is ready is soon out of it. */
const ASIDE_PART_BYTES = 1 << 20;

/** `views` cut into parts of `partBytes`, for the threads to take one at a time. */
function touchParts(views: Uint8Array[], partBytes = TOUCH_PART_BYTES): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (const view of views)
    for (let at = 0; at < view.length; at += partBytes)
      parts.push(view.subarray(at, Math.min(view.length, at + partBytes)));
  return parts;
}

/**
 * Kernel work a job may do on the main thread before the pool starts its workers, in estimated nanoseconds on one
 * core (WORK_NS). A worker costs about 0.15 s of CPU to start (a Node thread's bootstrap and the kernels'
 * instantiation), more than all the kernels of a small job (GEMMA's BXD test lines: n = 67, 7,317 SNPs); past a
 * quarter of a second of work the threads pay for themselves on two cores.
 */
export const MAIN_THREAD_WORK_NS = 250e6;

/** Estimated nanoseconds on one core per unit of work, from bench/RESULTS.md's stage rates (n = 1,500). */
const WORK_NS = {
  /** Per multiply-add of a GEMM (rotation, kinship): about 8-18 GFLOP/s a core. */
  gemmFlop: 0.1,
  /** Per 9 n^3 flop of the eigendecomposition, slower than a GEMM at the small n this estimate decides. */
  eigenFlop: 0.15,
  /** Per SNP, individual and trait of the per-SNP lambda optimisation and tests. */
  snpTest: 150,
  /** Per SNP, individual and trait of the multivariate fits (EM, tests; bench/RESULTS.md, issue 20: 80-90 ns). */
  mvSnpTest: 100,
};

/** Rotation, kinship and eigendecomposition on `threads` workers; inputs are copied once into shared memory. */
export class WasmPool {
  private readonly started = performance.now();
  private readonly mainStart = performance.eventLoopUtilization();
  private readonly cpuStart = process.cpuUsage();
  /** Estimated kernel work run on this thread so far (nanoseconds on one core). */
  private workHere = 0;

  private constructor(
    private readonly runner: PoolRunner,
    readonly threads: number,
    readonly flavour: SimdFlavour,
    private readonly mainThreadWorkNs: number,
    /** The compiled kernels every thread instantiates (also the multivariate fits', on memories of their own). */
    readonly module: WebAssembly.Module,
  ) {}

  /**
   * A pool of `threads` workers (default: all cores); `prefer` picks the SIMD build (default: relaxed when
   * supported). The workers start at once, or with `mainThreadWorkNs` > 0 only when the job's kernel work (as
   * estimated so far) passes that many nanoseconds: until then the kernels run on this thread.
   */
  static async create(
    threads = availableParallelism(),
    prefer?: SimdFlavour,
    mainThreadWorkNs = 0,
  ): Promise<WasmPool> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`lmmscan wasm: threads must be >= 1, got ${threads}`);
    const { module, flavour } = loadWasmKernels(prefer);
    const memory = createSharedMemory();
    const here = instantiateKernels(module, memory);
    const startPiscina = async () => {
      // Loaded synchronously (piscina ships CommonJS): a dynamic import() reads each of its modules in a turn of this
      // thread's event loop, and while this thread reads K or runs the SNP pass those turns came 0.3 s late, and the
      // workers with them (n = 1,500 -lmm).
      const { Piscina } = createRequire(import.meta.url)('piscina') as typeof import('piscina');
      return new Piscina({
        filename: workerPath(),
        workerData: { module, memory },
        minThreads: threads,
        maxThreads: threads,
        idleTimeout: 60_000,
      });
    };
    const arena = new SharedArena(memory);
    const runner = new PoolRunner(arena, threads, here.gemmWorkBytes(), here, startPiscina);
    if (mainThreadWorkNs <= 0) await runner.startThreads();
    return new WasmPool(runner, threads, flavour, mainThreadWorkNs, module);
  }

  /** Whether the workers have started (see create()). */
  get threaded(): boolean {
    return this.runner.threaded;
  }

  /**
   * Counts `ns` of kernel work about to be asked for; starts the workers when the job's work passes the
   * main-thread allowance, so that this call and every later one runs on them.
   */
  expectWork(ns: number): void {
    if (this.runner.threaded) return;
    this.workHere += ns;
    if (this.workHere > this.mainThreadWorkNs) void this.runner.startThreads();
  }

  /**
   * expectWork() for a kinship of `snps` SNPs of n individuals, at the float path's rate: whether its blocks take
   * the exact path is known only as they come, and at 1 % missing calls that path costs about what the float one
   * does (bench/RESULTS.md, issue 20, branch mvd2c: 0.11 ns a pair and SNP at n = 1,500).
   */
  expectKinship(n: number, snps: number): void {
    this.expectWork((WORK_NS.gemmFlop * n * n * snps) / 2);
  }

  /** expectWork() for an eigendecomposition of an n x n matrix (what eigen() and parseMatrixRows() count). */
  expectEigen(n: number): void {
    this.expectWork(WORK_NS.eigenFlop * 9 * n * n * n);
  }

  /** expectWork() for testing b SNPs of a plan with n individuals and `traits` traits. */
  expectSnpTests(n: number, b: number, traits: number): void {
    this.expectWork(WORK_NS.snpTest * n * b * traits);
  }

  /** expectWork() for the multivariate fits of b SNPs with n individuals and d traits. */
  expectMvTests(n: number, b: number, d: number): void {
    this.expectWork(WORK_NS.mvSnpTest * n * b * d);
  }

  /**
   * Runs a task of another kind than kernel calls on a worker (worker.mjs: a multivariate range); only once the
   * workers have started (threaded).
   */
  runTask(task: object): Promise<unknown> {
    return this.runner.task(task);
  }

  /** A one-line description for the log. */
  describe(): string {
    return `wasm (${this.flavour === 'relaxed' ? 'relaxed SIMD, FMA' : 'SIMD'}, ${this.threads} threads)`;
  }

  /** out[j*n + k] = sum_i U[i*n + k] * block[j*n + i]; SNPs of the block split across workers. */
  rotate(U: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array> {
    this.expectWork(WORK_NS.gemmFlop * n * n * b);
    return rotateOn(this.runner, U, n, block, b);
  }

  /**
   * rotate() for the blocks of a loaded plan (`key`), whose U is not written while it is loaded: U stays in shared
   * memory from one block to the next (rotate-hard.ts) until releaseRotation(key), another plan's rotation, the
   * kinship or the eigensolver. `windowBytes` (tests lower it) and `into`: as rotateOn's.
   */
  rotatePlan(
    key: object,
    U: Float64Array,
    n: number,
    block: Float64Array,
    b: number,
    windowBytes?: number,
    into?: Float64Array,
  ): Promise<Float64Array> {
    this.expectWork(WORK_NS.gemmFlop * n * n * b);
    return rotateOn(this.runner, U, n, block, b, windowBytes, key, into);
  }

  /**
   * rotatePlan() then `tests`' test() of the rotated block in one turn of shared memory, the rotated block never
   * leaving it (ResidentLmmPlan.rotateAndTest, which reports the two times to `timed`); null, with nothing done,
   * where that does not apply (U in strips, traits in groups): rotate, then test.
   */
  async rotateAndTest(
    tests: ResidentLmmPlan,
    key: object,
    U: Float64Array,
    n: number,
    block: Float64Array,
    b: number,
    timed: (rotateMs: number, testMs: number) => void,
  ): Promise<SnpResultBlock[] | null> {
    if (!rotationStaysInArena(n, ROTATE_WINDOW_BYTES) || U.length !== n * n || block.length !== n * b)
      return null;
    this.expectWork(WORK_NS.gemmFlop * n * n * b);
    return tests.rotateAndTest(rotationInArena(this.runner, key, U, n, block, b), b, timed);
  }

  /** Frees `key`'s resident eigenvectors, if they are (a resident kinship sum stays: the two are never both). */
  releaseRotation(key: object): Promise<void> {
    return this.runner.kinship.hold(() => {
      if (this.runner.residentRotation?.key === key) this.runner.dropRotation();
    });
  }

  /** K[i*n + k] += sum_j block[j*n + i] * block[j*n + k] for k >= i, lower triangle mirrored; tiles split across workers. */
  accumulateKinship(K: Float64Array, n: number, block: Float64Array, b: number): Promise<void> {
    this.expectWork((WORK_NS.gemmFlop * n * n * b) / 2);
    return accumulateKinshipOn(this.runner, K, n, block, b);
  }

  /**
   * A sum of X^T X over blocks kept in shared memory until finish() (one resident sum at a time), or for
   * large n in a JS array, updated band by band (kinship-bands.ts).
   */
  startKinship(n: number, residentBytes = KINSHIP_RESIDENT_BYTES, bandBytes?: number): KinshipSession {
    // Above residentBytes (tests lower it) K stays in a JS array and crosses shared memory in bands.
    if (16 * n * n > residentBytes) {
      void this.runner.startThreads();
      return new BandedKinship(this.runner, n, bandBytes);
    }
    const session = this.runner.kinship.start(n);
    return {
      add: (block, b) => {
        this.expectWork((WORK_NS.gemmFlop * n * n * b) / 2);
        return session.add(block, b);
      },
      addHardCalls: (block) => {
        // The integer products run at about 4x the f64 multiply-adds (bench/RESULTS.md, issue 21).
        this.expectWork((WORK_NS.gemmFlop * n * n * block.b) / 8);
        return session.addHardCalls(block);
      },
      finish: () => session.finish(),
      finishSum: () => session.finishSum(),
      finishKinship: (snps) => session.finishKinship(snps),
      useKinship: (snps, use) => session.useKinship(snps, use),
    };
  }

  /**
   * Eigenvalues ascending (n), eigenvectors row-major n x n (column k for values[k]); `threeRegionBytes`
   * (tests lower it) is where the two-region layout for large n takes over; `consume`: see eigenOn(). Above
   * `twoRegionBytes` (two n x n regions no longer fit the wasm32 memory; tests lower it, and `tileBytes`), the
   * tiled solver (eigen-tiled.ts), whose `sizes` tests lower too: its leaves (`leafRows`), and `memoryBytes`, the
   * packed triangle's bytes per memory (default PACKED_MEMORY_BYTES), past which further pools of as many threads
   * lend their memories to its tridiagonalisation (closed when it returns).
   */
  eigen(
    matrix: Float64Array,
    n: number,
    threeRegionBytes?: number,
    consume = false,
    twoRegionBytes = EIGEN_TWO_REGION_BYTES,
    tileBytes?: number,
    sizes: { leafRows?: number; memoryBytes?: number } = {},
  ): Promise<Eigen> {
    // Resident eigenvectors would stay below the solver's regions: they go first (their array holds them).
    return this.runner.kinship
      .hold(() => this.runner.dropRotation())
      .then(() => this.eigenNow(matrix, n, threeRegionBytes, consume, twoRegionBytes, tileBytes, sizes));
  }

  private eigenNow(
    matrix: Float64Array,
    n: number,
    threeRegionBytes: number | undefined,
    consume: boolean,
    twoRegionBytes: number,
    tileBytes: number | undefined,
    sizes: { leafRows?: number; memoryBytes?: number },
  ): Promise<Eigen> {
    // The tiled solver's team sessions take every slot: only for an n far past the main-thread allowance.
    if (16 * n * n > twoRegionBytes && n >= 4) {
      void this.runner.startThreads();
      return this.eigenTiled(matrix, n, consume, tileBytes, sizes);
    }
    this.expectWork(WORK_NS.eigenFlop * 9 * n * n * n);
    return eigenOn(this.runner, matrix, n, threeRegionBytes, consume);
  }

  // The tiled solver, with further pools for its packed triangle's rows where one memory cannot hold them.
  private async eigenTiled(
    matrix: Float64Array,
    n: number,
    consume: boolean,
    tileBytes: number | undefined,
    { leafRows, memoryBytes }: { leafRows?: number; memoryBytes?: number },
  ): Promise<Eigen> {
    let extra: WasmPool[] = [];
    // Their threads ended and no reference kept (without close()'s busy report: their work is this pool's). Their
    // tasks are all done by then; piscina's destroy(), unlike close(), lets their memories be collected (measured
    // with a FinalizationRegistry and forced collections: after close() a pool's memory stayed).
    const release = async () => {
      const closing = extra;
      extra = [];
      await Promise.all(
        closing.map(async ({ runner }) => {
          if (runner.threaded) await (await runner.startThreads()).destroy();
        }),
      );
    };
    try {
      for (let m = 1; m < packedMemories(n, memoryBytes); m++)
        extra.push(await WasmPool.create(this.threads, this.flavour));
      return await eigenTiled(this.runner, matrix, n, consume, tileBytes, {
        leafRows,
        memories: extra.map((pool) => pool.runner),
        release,
      });
    } finally {
      await release();
    }
  }

  /**
   * A square text matrix's rows parsed on the workers as this thread reads them (MatrixRowsParser). The matrix read is
   * decomposed next (a kinship) or rotates with (eigenvectors): its work starts the workers now, so that they start
   * while this thread reads the file.
   */
  parseMatrixRows(
    bytes: number,
    n: number,
    fill: Parameters<MatrixRowsParser>[2],
    symmetric?: () => void,
  ): Promise<Float64Array | null> {
    this.expectWork(WORK_NS.eigenFlop * 9 * n * n * n);
    return parseRowsOn(this.runner, bytes, n, fill, symmetric);
  }

  /** A kinship's analysed sub-matrix double-centred on the threads (centredOn): subsetSquare() then doubleCentre()'s bits. */
  centreAnalysed(matrix: Float64Array, nTotal: number, analysed: Uint8Array): Promise<Float64Array | null> {
    return centredOn(this.runner, matrix, nTotal, analysed);
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
    const cpu = process.cpuUsage(this.cpuStart);
    const cpuSeconds = `process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`;
    const s = (ms: number) => (ms / 1000).toFixed(1);
    const head = `lmmscan: busy time over ${s(wall)} s: main thread ${s(main)} s (${((100 * main) / wall).toFixed(0)}%), `;
    if (!this.runner.running)
      return `${head}no workers (the kernels ran on the main thread); ${cpuSeconds}\n`;
    const workers = this.runner.running.threads.map((w) => w.performance.eventLoopUtilization().active);
    const total = workers.reduce((a, b) => a + b, 0);
    return (
      head +
      `${workers.length} workers ${s(total)} s (${workers.map(s).join(', ')}; ` +
      `${((100 * total) / (wall * workers.length)).toFixed(0)}% of their wall time); ${cpuSeconds}\n`
    );
  }

  async close(): Promise<void> {
    if (process.env[BUSY_REPORT_ENV]) process.stderr.write(this.busyReport());
    if (this.runner.threaded) await (await this.runner.startThreads()).close();
  }
}
