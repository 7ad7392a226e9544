/** Rotation and kinship on the WASM kernels, as GEMM calls split over a runner's threads. */
import type { KernelCall, KernelRunner } from './runner.js';
import type { KinshipSum, LowWords } from '../../linalg/double-double.js';
import type { HardCallBlock } from '../../linalg/hard-calls.js';
import { foldHardCallBlock } from './kinship-hard.js';
import { rotateBlockOn } from './rotate-hard.js';

/**
 * Eigenvector bytes up to which rotateOn() copies U whole into shared memory, as it always has; above
 * it U stays in its JS array and crosses in column strips of at most this size, so the rotation needs
 * no n x n region of the 4 GiB wasm32 memory (U of n = 23,000 alone would take 4.2 GB of it).
 */
export const ROTATE_WINDOW_BYTES = 1 << 30;

/**
 * U^T x for each SNP: out[j*n + k] = sum_i U[i*n + k] * block[j*n + i]; U row-major n x n, block SNP-major n x b.
 * Columns of hard calls go through the lookup kernel (src/linalg/hard-rotation.ts), the others through the GEMM
 * (rotate-hard.ts). `windowBytes` (tests lower it) bounds the part of U in shared memory at once. With a `key` (a
 * loaded plan, whose U is not written while it is loaded) U stays in shared memory between calls (rotateBlockOn).
 */
export async function rotateOn(
  runner: KernelRunner,
  U: Float64Array,
  n: number,
  block: Float64Array,
  b: number,
  windowBytes = ROTATE_WINDOW_BYTES,
  key?: object,
  into?: Float64Array,
): Promise<Float64Array> {
  checkSizes(U.length, n * n, 'eigenvectors', block.length, n * b);
  if (into && into.length < n * b)
    throw new Error(`internal: room for ${into.length} rotated values, not ${n * b}`);
  return rotateBlockOn(runner, U, n, block, b, windowBytes, key, into);
}

// ---------------------------------------------------------------------------------------------------------------
// Kinship: K += X^T X is symmetric (GEMMA computes it with dsyrk), so only the upper triangle is computed, as GEMM
// calls on row tiles that run from the diagonal to the right edge, and the lower triangle is its mirror. Every
// element sums its SNPs in the same order whatever tile (or thread split) computes it, so results do not depend
// on the number of threads, and they are those of the full GEMM.

/** Rows per kinship tile: the GEMM's row block (MC); the part of a tile below the diagonal is wasted work. */
export const KINSHIP_TILE_ROWS = 96;

/**
 * GEMM calls adding X^T X (X SNP-major b x n at pX) to the upper triangle of K (row-major n x n at pK): tiles of
 * KINSHIP_TILE_ROWS rows x (diagonal .. n), the largest first to the least loaded of the runner's slots. Rows
 * [rowStart, rowEnd) only, when given (rowStart a multiple of the tile height: the same tiles as the whole).
 */
export function kinshipCallLists(
  runner: KernelRunner,
  n: number,
  b: number,
  pX: number,
  pK: number,
  rowStart = 0,
  rowEnd = n,
): KernelCall[][] {
  const lists: KernelCall[][] = Array.from({ length: runner.slots }, () => []);
  const load = new Array<number>(runner.slots).fill(0);
  for (let r0 = rowStart; r0 < rowEnd; r0 += KINSHIP_TILE_ROWS) {
    const r1 = Math.min(rowEnd, r0 + KINSHIP_TILE_ROWS),
      cols = n - r0;
    let t = 0;
    for (let s = 1; s < load.length; s++) if (load[s]! < load[t]!) t = s;
    load[t] += (r1 - r0) * cols;
    // K[r0:r1, r0:n] += (X^T)[r0:r1, :] X[:, r0:n], where X^T(i, p) = X[p*n + i]: row stride 1, column stride n.
    lists[t]!.push([
      'gemm',
      [
        r1 - r0,
        cols,
        b,
        1,
        pX + r0 * 8,
        1,
        n,
        pX + r0 * 8,
        n,
        1,
        pK + (r0 * n + r0) * 8,
        n,
        runner.scratch[t]!,
      ],
    ]);
  }
  return lists.filter((calls) => calls.length > 0);
}

/** Copies the upper triangle of a row-major n x n matrix onto the lower one (in 64 x 64 blocks, for the cache). */
export function mirrorUpper(K: Float64Array | Float32Array, n: number): void {
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = i0; j0 < n; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        for (let j = Math.max(j0, i + 1); j < j1; j++) K[j * n + i] = K[row + j];
      }
    }
  }
}

/**
 * k = (hi + lo) / snps over the upper triangle of row-major n x n arrays, then mirrored: the bits of
 * kinshipFromSum on the mirrored pair. k may be hi (in place).
 */
export function roundKinshipUpper(
  k: Float64Array,
  hi: Float64Array,
  lo: LowWords,
  n: number,
  snps: number,
): void {
  for (let row = 0; row < n; row++)
    for (let i = row * n + row; i < (row + 1) * n; i++) k[i] = (hi[i]! + lo[i]!) / snps;
  mirrorUpper(k, n);
}

/**
 * K[i*n + k] += sum_j block[j*n + i] * block[j*n + k] for k >= i, then K's lower triangle := its upper one (so a
 * symmetric K stays exactly symmetric; the lower triangle of K is not read). One call, K copied in and out.
 */
export async function accumulateKinshipOn(
  runner: KernelRunner,
  K: Float64Array,
  n: number,
  block: Float64Array,
  b: number,
): Promise<void> {
  checkSizes(K.length, n * n, 'kinship', block.length, n * b);
  await runner.exclusive(async () => {
    const { arena } = runner;
    const pK = arena.allocF64(n * n),
      pX = arena.allocF64(n * b);
    arena.f64(pK, n * n).set(K);
    arena.f64(pX, n * b).set(block);
    await runner.parallel(kinshipCallLists(runner, n, b, pX, pK));
    K.set(arena.f64(pK, n * n));
  });
  mirrorUpper(K, n);
}

/**
 * Calls folding X^T X (X SNP-major b x n at pX) into a double-double sum (hi at pHi, lo at pLo, row-major n x n),
 * upper triangle: the same tiles as kinshipCallLists(), but each tile's partial is computed from zero into the
 * slot's scratch (`partials[t]`, KINSHIP_TILE_ROWS x n) and then folded with kinshipFold. A block's partial is
 * thus the same bits whatever was summed before it, which is what lets kinship shards merge bit for bit. Rows
 * [rowStart, rowEnd) only, when given (rowStart a multiple of the tile height: the same tiles as the whole).
 */
export function kinshipFoldCallLists(
  runner: KernelRunner,
  n: number,
  b: number,
  pX: number,
  pHi: number,
  pLo: number,
  partials: number[],
  rowStart = 0,
  rowEnd = n,
): KernelCall[][] {
  const lists: KernelCall[][] = Array.from({ length: runner.slots }, () => []);
  const load = new Array<number>(runner.slots).fill(0);
  for (let r0 = rowStart; r0 < rowEnd; r0 += KINSHIP_TILE_ROWS) {
    const r1 = Math.min(rowEnd, r0 + KINSHIP_TILE_ROWS),
      cols = n - r0,
      rows = r1 - r0;
    let t = 0;
    for (let s = 1; s < load.length; s++) if (load[s]! < load[t]!) t = s;
    load[t] += rows * cols;
    const pP = partials[t]!,
      at = (r0 * n + r0) * 8;
    lists[t]!.push(
      ['zeroF64', [pP, rows * cols]],
      ['gemm', [rows, cols, b, 1, pX + r0 * 8, 1, n, pX + r0 * 8, n, 1, pP, cols, runner.scratch[t]!]],
      ['kinshipFold', [rows, cols, pP, cols, pHi + at, pLo + at, n]],
    );
  }
  return lists.filter((calls) => calls.length > 0);
}

/** Rows per list of roundKinshipRows: lists of about equal work would be finer; these are small enough to even out. */
const ROUND_ROWS = 32;

/**
 * Which kinship sum lives in a runner's shared memory. One sum at a time is resident (there may be several
 * sessions, e.g. one per chromosome for LOCO): another session's block first moves it back to its own array.
 * A sum is double-double: hi then lo, 2 n^2 doubles.
 *
 * The resident sum is a retained arena region, so it must be the top retained region whenever it is released.
 * Operations through runner.exclusive() are safe beside it (they free only what they allocate above it); anything
 * else that retains arena memory must call evict() first, with the arena held (the pool's runner does this in its
 * retain()). `hold` runs an op with the arena held without that eviction.
 */
export class KinshipResidence {
  private resident: { session: ResidentKinship; mark: number; ptr: number } | null = null;

  constructor(
    readonly runner: KernelRunner,
    readonly hold: <T>(op: () => Promise<T> | T) => Promise<T>,
  ) {}

  /** Starts a sum of X^T X over blocks of n individuals. */
  start(n: number): ResidentKinship {
    return new ResidentKinship(this, n);
  }

  /** Moves the resident sum (if any) back to its session's array and frees its region; with the arena held. */
  evict(): void {
    const r = this.resident;
    if (!r) return;
    const n = r.session.n;
    r.session.saved = this.runner.arena.f64(r.ptr, 2 * n * n).slice();
    this.runner.arena.release(r.mark);
    this.resident = null;
  }

  /** The byte offset of `session`'s sum (hi; lo follows) in shared memory, making it resident; with the arena held. */
  place(session: ResidentKinship): number {
    if (this.resident?.session === session) return this.resident.ptr;
    this.evict();
    // Resident eigenvectors would lie below the sum, which must be the top retained region: they go first (their
    // array holds them; the next rotation copies them in again).
    this.runner.dropRotation();
    const { arena } = this.runner;
    const n = session.n;
    const mark = arena.mark();
    const ptr = session.saved ? arena.allocF64(2 * n * n) : arena.allocZeroedF64(2 * n * n);
    if (session.saved) arena.f64(ptr, 2 * n * n).set(session.saved);
    session.saved = undefined;
    this.resident = { session, mark, ptr };
    return ptr;
  }

  /**
   * The session's kinship (hi + lo) / snps as a new array (upper triangle from the sum, mirrored), read where the
   * sum lies (shared memory, or the session's array), which is then freed: no copy of the pair beside K; with
   * the arena held.
   */
  round(session: ResidentKinship, snps: number): Float64Array {
    const n = session.n,
      nn = n * n;
    const k = new Float64Array(nn);
    const r = this.resident?.session === session ? this.resident : null;
    const both = r ? this.runner.arena.f64(r.ptr, 2 * nn) : session.saved;
    // No block added: the sum is zero, which k already is.
    roundKinshipUpper(k, both ? both.subarray(0, nn) : k, both ? both.subarray(nn, 2 * nn) : k, n, snps);
    this.free(session);
    return k;
  }

  /**
   * `use` on the session's kinship (hi + lo) / snps: where the sum is resident, rounded in place over hi in shared
   * memory (a view, valid during `use` only) and freed after it, so no n x n JS array is made; else round()'s
   * array; with the arena held.
   */
  async useRounded<T>(session: ResidentKinship, snps: number, use: (kinship: Float64Array) => T): Promise<T> {
    const r = this.resident?.session === session ? this.resident : null;
    if (!r) return use(this.round(session, snps));
    const n = session.n,
      nn = n * n;
    try {
      // On the workers, rows split (assembly/kinship-round.ts): roundKinshipUpper()'s bits, without a pass of this
      // thread over K while they wait (n = 1,500: 30-40 ms, its first call's code still cold).
      const lists = Array.from({ length: Math.ceil(n / ROUND_ROWS) }, (_, t): KernelCall[] => [
        [
          'roundKinshipRows',
          [r.ptr, r.ptr, r.ptr + 8 * nn, n, snps, t * ROUND_ROWS, Math.min(n, (t + 1) * ROUND_ROWS)],
        ],
      ]);
      await this.runner.pull(lists);
      const k = this.runner.arena.f64(r.ptr, nn);
      // An asynchronous use (the writer formatting K on the workers) reads K until its promise settles.
      return await use(k);
    } finally {
      this.free(session);
    }
  }

  /** Frees the session's sum, in shared memory or its own array. */
  private free(session: ResidentKinship): void {
    const r = this.resident;
    if (r?.session === session) {
      this.runner.arena.release(r.mark);
      this.resident = null;
    }
    session.saved = undefined;
  }

  /** The session's sum (hi then lo, upper triangles valid), no longer resident; with the arena held. */
  take(session: ResidentKinship): Float64Array {
    if (this.resident?.session === session) this.evict();
    const sum = session.saved ?? new Float64Array(2 * session.n * session.n);
    session.saved = undefined;
    return sum;
  }
}

/**
 * K = sum over blocks of X^T X in double-double, kept in shared memory between blocks (no copy of K per block).
 * add() resolves once the block is copied into shared memory (the caller may reuse it) while the GEMMs run on; a
 * GEMM failure is reported by the next add() or by finish(). finish() returns K rounded, row-major and exactly
 * symmetric; finishSum() the pair.
 */
export class ResidentKinship {
  /** The sum (hi then lo) while not resident. */
  saved: Float64Array | undefined;
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly residence: KinshipResidence,
    readonly n: number,
  ) {}

  add(block: Float64Array, b: number): Promise<void> {
    const { n } = this;
    if (this.closed) return Promise.reject(new Error('lmmscan wasm: kinship session already finished'));
    if (block.length < n * b)
      return Promise.reject(
        new RangeError(`lmmscan wasm: block has ${block.length} values, expected ${n * b}`),
      );
    if (b === 0) return Promise.resolve();
    return this.enqueue((runner, pHi) => {
      const pX = runner.arena.allocF64(n * b);
      const partials = Array.from({ length: runner.slots }, () =>
        runner.arena.allocF64(KINSHIP_TILE_ROWS * n),
      );
      runner.arena.f64(pX, n * b).set(block.subarray(0, n * b));
      return runner.parallel(kinshipFoldCallLists(runner, n, b, pX, pHi, pHi + n * n * 8, partials));
    });
  }

  /** A block of hard calls, folded exactly (kinship-hard.ts); resolves as add() does. */
  addHardCalls(block: HardCallBlock): Promise<void> {
    const { n } = this;
    if (this.closed) return Promise.reject(new Error('lmmscan wasm: kinship session already finished'));
    if (block.codes.length < n * block.b)
      return Promise.reject(new RangeError(`lmmscan wasm: hard-call block has too few codes for n = ${n}`));
    if (block.b === 0) return Promise.resolve();
    return this.enqueue((runner, pHi) =>
      foldHardCallBlock(runner, n, block, pHi, pHi + n * n * 8, KINSHIP_TILE_ROWS),
    );
  }

  /**
   * Runs `start` with the arena held and the sum resident at pHi; the returned promise (the kernels) runs on after
   * the caller's promise resolves, and the arena regions `start` allocated are freed when it settles.
   */
  private enqueue(start: (runner: KernelRunner, pHi: number) => Promise<void>): Promise<void> {
    const { n, residence } = this;
    if (this.closed) return Promise.reject(new Error('lmmscan wasm: kinship session already finished'));
    if (n === 0) return Promise.resolve();
    return new Promise<void>((accepted, rejected) => {
      const work = residence.hold(async () => {
        this.rethrow();
        const { runner } = residence;
        const pHi = residence.place(this);
        const mark = runner.arena.mark();
        try {
          const running = start(runner, pHi);
          accepted();
          await running;
        } finally {
          runner.arena.release(mark);
        }
      });
      // Before accepted(): the caller's error. After it: kept for the next add() or finish().
      work.then(
        () => accepted(),
        (err: unknown) => {
          this.failure ??= err;
          rejected(err);
        },
      );
    });
  }

  async finishSum(): Promise<KinshipSum> {
    this.closed = true;
    const both = await this.residence.hold(() => {
      this.rethrow();
      return this.residence.take(this);
    });
    const nn = this.n * this.n;
    const sum = { hi: both.subarray(0, nn), lo: both.subarray(nn, 2 * nn) };
    mirrorUpper(sum.hi, this.n);
    mirrorUpper(sum.lo, this.n);
    return sum;
  }

  async finish(): Promise<Float64Array> {
    const { hi, lo } = await this.finishSum();
    return Float64Array.from(hi, (h, i) => h + lo[i]!);
  }

  async finishKinship(snps: number): Promise<Float64Array> {
    this.closed = true;
    return this.residence.hold(() => {
      this.rethrow();
      return this.residence.round(this, snps);
    });
  }

  async useKinship<T>(snps: number, use: (kinship: Float64Array) => T): Promise<T> {
    this.closed = true;
    return this.residence.hold(() => {
      this.rethrow();
      return this.residence.useRounded(this, snps, use);
    });
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function checkSizes(
  matLen: number,
  matWant: number,
  what: string,
  blockLen: number,
  blockWant: number,
): void {
  if (matLen !== matWant)
    throw new RangeError(`lmmscan wasm: ${what} has ${matLen} values, expected ${matWant}`);
  if (blockLen !== blockWant)
    throw new RangeError(`lmmscan wasm: block has ${blockLen} values, expected ${blockWant}`);
}
