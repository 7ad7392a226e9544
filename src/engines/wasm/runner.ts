/**
 * How the WASM operations reach the kernels: a list of kernel calls run on one thread, or several lists run at
 * once on different threads (the pool), all against one shared memory laid out by a SharedArena.
 */
import { SharedArena } from './arena.js';
import type { KernelExports } from './loader.js';
import type { PlanRegions } from './lmm.js';

/** One kernel invocation: export name and its numeric arguments (pointers are byte offsets). */
export type KernelCall = [name: keyof KernelExports, args: number[]];

/** Eigenvectors kept in shared memory across a loaded plan's blocks (rotate-hard.ts): whose, which, and where. */
export interface ResidentRotation {
  /** The loaded plan they rotate for. */
  key: object;
  /** The array copied in (compared by identity and length: a loaded plan's U is not written meanwhile). */
  U: Float64Array;
  /** Arena top before the region was reserved. */
  mark: number;
  ptr: number;
}

export abstract class KernelRunner {
  /** Parallel slots; slot t owns scratch[t] (gemmWorkBytes each) while a parallel() call runs. */
  readonly scratch: number[];
  /** The LMM traits whose vectors and tables the arena keeps between calls (below their mark), or null (lmm.ts). */
  residentPlan: PlanRegions | null = null;
  /** The eigenvectors the arena keeps between a plan's rotations (below their mark), or null (rotate-hard.ts). */
  residentRotation: ResidentRotation | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Sizes the kernels report, by export and arguments. */
  private readonly sizes = new Map<string, number>();

  protected constructor(
    readonly arena: SharedArena,
    readonly slots: number,
    workBytes: number,
  ) {
    this.scratch = Array.from({ length: slots }, () => arena.alloc(workBytes));
  }

  /**
   * Threads that take part in one team session (the eigensolver's, eigen.ts): every slot's thread, unless the
   * calls run one after another on one thread, where a team of several would wait for itself.
   */
  get teamSize(): number {
    return this.slots;
  }

  /** Runs the calls in order on one thread; resolves to the last call's return value. */
  abstract run(calls: KernelCall[]): Promise<number>;

  /**
   * Runs short set-up calls (a size, a team block) at once on this thread where it has the kernels (a pool's
   * main thread does): no round trip to a worker, whose answer would wait until this thread's event loop turns.
   * While the SNP pass keeps the main thread busy (its awaits are microtasks) that wait was 0.14-0.19 s of its
   * CPU before the eigensolver could start (n = 1,500, -lmm). Same calls, same memory, same results.
   */
  runHere(calls: KernelCall[]): Promise<number> {
    return this.run(calls);
  }

  /** Runs each list on its own thread (lists must touch disjoint outputs). */
  abstract parallel(lists: KernelCall[][]): Promise<void>;

  /**
   * Runs independent lists (disjoint outputs, no list waiting for another) on all threads, each thread taking the
   * next list as it finishes one; unlike parallel(), a thread needs no dispatch from this thread between lists.
   * With `own` (at least one region per thread), each thread's task replaces every OWN_REGION argument of the lists
   * it takes with a region of its own: scratch a list needs only while it runs.
   */
  pull(lists: KernelCall[][], own?: number[]): Promise<void> {
    if (!own) return this.parallel(lists);
    // One region serves lists that run one after another.
    return lists
      .reduce<Promise<unknown>>(
        (done, calls) => done.then(() => this.run(withOwnRegion(calls, own[0]!))),
        Promise.resolve(),
      )
      .then(() => undefined);
  }

  /**
   * pull() of lists that wait for their inputs: list k runs once ready[0] reaches need[k] (this thread raises it,
   * with Atomics.store and Atomics.notify, as it writes their inputs; -1 skips the lists not begun). The threads
   * write zeros over `aside` (as touchAside) while they wait, and over what is left of it once the lists are done.
   * Only where the lists run on other threads: null here (this thread cannot wait for itself), and the caller
   * pull()s them once their inputs are all written.
   */
  pullWhenReady(
    _lists: KernelCall[][],
    _ready: Int32Array,
    _need: number[],
    _aside: Uint8Array[] = [],
  ): Promise<void> | null {
    return null;
  }

  /**
   * Has the workers, where there are any, write zeros over `views` (views of shared memory that no one reads until
   * this resolves), this thread taking none of it: memory to be filled later by this thread gets its page faults
   * taken elsewhere while this thread does other work. Without workers, nothing (the first writes take the faults).
   */
  touchAside(_views: Uint8Array[]): Promise<void> {
    return Promise.resolve();
  }

  /** A size a kernel reports for these arguments (it touches no memory, so no arena turn): asked once per runner. */
  async kernelSize(name: keyof KernelExports, args: number[]): Promise<number> {
    const key = `${name}(${args.join(',')})`;
    let size = this.sizes.get(key);
    if (size === undefined) {
      size = await this.run([[name, args]]);
      this.sizes.set(key, size);
    }
    return size;
  }

  /**
   * Gives back the retained regions from `mark` up, forgetting the resident plan and eigenvectors that lay there
   * (each is set up again at its next use); with the arena held.
   */
  releaseRetained(mark: number): void {
    if (this.residentPlan && this.residentPlan.mark >= mark) this.residentPlan = null;
    if (this.residentRotation && this.residentRotation.mark >= mark) this.residentRotation = null;
    this.arena.release(mark);
  }

  /** Frees the resident eigenvectors (their JS array holds them still) and what lies above; with the arena held. */
  dropRotation(): void {
    const resident = this.residentRotation;
    if (resident) this.releaseRetained(resident.mark);
  }

  /** Runs `op` with the arena to itself, releasing everything it allocated afterwards. */
  exclusive<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      const mark = this.arena.mark();
      try {
        return await op();
      } finally {
        this.arena.release(mark);
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Runs `op` with the arena to itself and keeps what it allocates (data reused across calls, e.g. a scan plan).
   * Only the last retained region can be given back, by `op` calling arena.release(mark) on a mark it took.
   */
  retain<T>(op: () => Promise<T> | T): Promise<T> {
    const result = this.queue.then(op);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/**
 * The argument of a pull() call that stands for the running task's own region (worker.mjs has the same value):
 * as many scratch regions as threads then serve any number of lists, where a region per list left fresh memory
 * (page faults) above the arena's high-water mark.
 */
export const OWN_REGION = -1;

/** The calls with each OWN_REGION argument replaced by `region`. */
function withOwnRegion(calls: KernelCall[], region: number): KernelCall[] {
  return calls.map(([name, args]): KernelCall => [name, args.map((a) => (a === OWN_REGION ? region : a))]);
}

/** Runs the calls in order on this thread's instance of the kernels; the last call's return value (or 0). */
export function runCallsHere(kernels: KernelExports, calls: KernelCall[]): number {
  let result = 0;
  for (const [name, args] of calls)
    result = (kernels[name] as (...xs: number[]) => number | undefined)(...args) ?? 0;
  return result;
}

/** Splits [0, total) into at most `parts` ranges whose starts are multiples of `step` (empty ranges dropped). */
export function splitRange(total: number, parts: number, step: number): Array<[number, number]> {
  const size = Math.ceil(Math.ceil(total / parts) / step) * step;
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < total; start += size) ranges.push([start, Math.min(total, start + size)]);
  return ranges;
}
