/**
 * The symmetric eigensolver beyond two n x n regions of the 4 GiB wasm32 memory (n above about 16,200): the n x n
 * matrices live in JS arrays and cross the shared memory in tiles. The order of work differs from the ordinary
 * solver's (eigen.ts) only where a whole n x n matrix would have to sit in shared memory:
 *
 * 1. tridiagonalisation by the same kernel on the upper triangle, packed (rows in blocks of 32, each block from its
 *    first row's column on: about 4 n^2 bytes of shared memory, so n up to about 31,400; the same bits as the
 *    full layout); past that, the packed rows shared out over several memories (tridiag-split.ts);
 * 2. the WY blocks of the back-transformation, built from the reflectors by the same kernel and parked in the
 *    caller's array;
 * 3. the tridiagonal matrix torn once at the middle, each half solved by the same divide and conquer
 *    (4 (n/2)^2 doubles of shared memory), their eigenvectors laid out as the rows of an n x n basis (a JS array);
 *    a half too large for that (n above about 31,700) is torn again, and so on, its parts' eigenvectors merged
 *    as the top merge does it below (deflation, secular roots, one GEMM streamed), in a JS array of its size;
 * 4. the top merge's deflation on those rows (eigen-deflate.ts), then every row of the basis back-transformed
 *    (the WY blocks applied to row strips, the blocks streamed through in batches): a deflated row is then an
 *    eigenvector of the input, and the merged eigenvectors are combinations of the others;
 * 5. the secular roots and Gu-Eisenstat z by the same kernels, then the merged eigenvectors in strips: their
 *    secular coefficients (k per vector) times the back-transformed rows, one GEMM streamed in row panels.
 *
 * Step 4 applies the back-transformation before the top merge's GEMM instead of after it (Q (B^T v) = (B Q^T)^T
 * v), so the WY blocks are no longer needed when U is written and U takes their place in the caller's array: two
 * n x n JS arrays (16 n^2 bytes) beside about 4 n^2 bytes of shared memory (the packed triangle, then the halves'
 * two (n/2)^2 arrays, then the strips), 20 n^2 bytes in all. The price is the
 * top merge's GEMM on dense rows (k x n x n multiply-adds instead of about half that). Values agree with the
 * ordinary solver to rounding (the order of sums differs), not bitwise.
 */
import type { Eigen } from '../engine.js';
import { CTX_BYTES, TEAM_BYTES, checkStatus, session } from './eigen.js';
import { deflateTop } from './eigen-deflate.js';
import { EigenSize } from './layout.js';
import type { KernelCall, KernelRunner } from './runner.js';
import { splitRange } from './runner.js';
import { type SplitPart, packedStart, tridiagonalizeSplit } from './tridiag-split.js';

/** Bytes of shared memory per batch of WY blocks built at step 2 (beside the packed triangle). */
const PREPARE_BYTES = 64 * 2 ** 20;
/** Threads that build the WY blocks. */
const PREPARE_THREADS = 4;

/** Bytes of shared memory the strips and panels take at most (their default is 4 n^2, what step 1 grew). */
const TILE_MAX_BYTES = 2 ** 31;

/**
 * Tridiagonal blocks up to this order are solved by the ordinary divide and conquer in shared memory (two m x m
 * arrays beside its small workspaces, within the wasm32 window); larger ones are torn again (n above about 31,700).
 */
const LEAF_ROWS = Math.floor(Math.sqrt((2 ** 32 - 2 ** 28) / 16));

/** Bytes of the packed triangle one memory takes at most (beside the kernels' scratch and a batch of WY blocks). */
export const PACKED_MEMORY_BYTES = 2 ** 32 - 2 ** 28;

/** Memories the packed triangle of order n takes at `memoryBytes` each (1: the solver's own). */
export function packedMemories(n: number, memoryBytes = PACKED_MEMORY_BYTES): number {
  return Math.max(1, Math.ceil((8 * packedStart(n, n)) / memoryBytes));
}

/** Rows per block of tridiagonalizePacked's layout (NB in assembly/tridiag.ts). */
const PACK_ROWS = 32;
/** Rows per WY block (KB in assembly/backtransform.ts). */
const BLOCK_ROWS = 64;

/** The tiled solver's sizes, which tests lower to force its paths for large n at small n. */
export interface TiledSizes {
  /** Largest tridiagonal block the ordinary divide and conquer solves; larger ones are torn again. */
  leafRows?: number;
  /**
   * Runners with memories of their own that share the packed triangle's rows with the solver's (step 1 over
   * several memories: n past about 31,400); used during steps 1 and 2 only, and taken out of the array then (it is
   * left empty: the solver keeps no reference to them).
   */
  memories?: KernelRunner[];
  /** Called once the memories are no longer needed (after step 2), so that their owner can free them. */
  release?: () => Promise<void>;
}

/**
 * Eigenvalues ascending (n) and row-major eigenvectors (column k for values[k]) of a symmetric n x n matrix
 * (n >= 4), as eigenOn() returns them, with the n x n matrices outside shared memory. `consume`: the matrix is
 * the caller's to give away (it parks the WY blocks, then receives U). `tileBytes` bounds the strips and panels
 * that cross shared memory (default 4 n^2, about what steps 1 and 3 already grew, at most 2 GiB; tests lower it to
 * force many tiles).
 */
export async function eigenTiled(
  runner: KernelRunner,
  matrix: Float64Array,
  n: number,
  consume = false,
  tileBytes = Math.min(TILE_MAX_BYTES, Math.max(4 * n * n, 2 ** 24)),
  { leafRows = LEAF_ROWS, memories = [], release }: TiledSizes = {},
): Promise<Eigen> {
  if (matrix.length !== n * n || n < 4)
    throw new RangeError(`lmmscan wasm: tiled eigensolver given ${matrix.length} values for n = ${n}`);
  let input: Float64Array | null = matrix;
  return runner.exclusive(async () => {
    const { arena, scratch } = runner;
    const T = runner.slots;
    const call = (name: KernelCall[0], ...args: number[]) => runner.run([[name, args]]);
    const team = arena.alloc(TEAM_BYTES),
      sizes = arena.alloc(4 * EigenSize.count),
      status = arena.alloc(8);
    await call('eigenSizes', n, sizes);
    const size = Int32Array.from(new Int32Array(arena.memory.buffer, sizes, EigenSize.count));
    const blockLen = await call('tileBlockDoubles', n);
    // (The kernel's backBlockDoubles, about n^2, passes 2^31 past n = 46,300: the count from the rows instead.)
    const nblk = Math.ceil((n - 1) / BLOCK_ROWS);
    const backDoubles = size[EigenSize.backThreadDoubles]!;
    const works = arena.alloc(4 * T),
      ctx = arena.alloc(CTX_BYTES * (T + 1)),
      w = arena.allocF64(T * backDoubles);
    const d = arena.allocF64(n),
      e = arena.allocF64(n),
      tau = arena.allocF64(n);
    new Uint32Array(arena.memory.buffer, works, T).set(scratch.slice(0, T));
    const base = arena.mark();
    const dcSession = async (lead: KernelCall[]) => {
      new Int32Array(arena.memory.buffer, status, 2).fill(0);
      await call('teamInit', team, T);
      await session(runner, team, T, lead);
      checkStatus(arena.memory, status);
    };

    // 1. Tridiagonalisation of the upper triangle, packed (about n^2 / 2 doubles; tridiag.ts), in this memory or
    // shared out over several (tridiag-split.ts); 2. WY blocks into the caller's array (and a small one for the
    // last ~64 n doubles), each built in the memory that holds its reflectors.
    const split = memories.length > 0;
    const park = consume ? matrix : new Float64Array(n * n);
    const blocks = new SplitArray(park, nblk * blockLen);
    // In a function of its own, whose frame (and every reference to the other memories) ends with it.
    const reduce = async (lent: KernelRunner[]): Promise<[Float64Array, Float64Array]> => {
      const marks = lent.map((m) => m.arena.mark());
      let parts: SplitPart[], dd: Float64Array, ee: Float64Array;
      if (lent.length === 0) {
        const packed = await call('tridiagPackedDoubles', n);
        const triScratch = arena.allocF64(size[EigenSize.tridiagScratchDoubles]!),
          a = arena.allocF64(packed);
        if (packed !== packedStart(n, n))
          throw new Error('lmmscan wasm: packed layout disagrees with the kernels');
        for (let r = 0; r < n; r++) {
          const from = r - (r % PACK_ROWS);
          arena.f64(a + 8 * packedStart(n, r), n - from).set(input!.subarray(r * n + from, (r + 1) * n));
        }
        input = null;
        await dcSession([['tridiagonalizePacked', [n, a, d, e, tau, triScratch, works, team, ctx]]]);
        dd = arena.f64(d, n).slice();
        ee = arena.f64(e, n).slice();
        parts = [{ runner, r0: 0, r1: n, a, tau }];
      } else {
        ({ d: dd, e: ee, parts } = await tridiagonalizeSplit([runner, ...lent], input!, n));
        input = null;
      }
      for (const part of parts) {
        const b0 = part.r0 / BLOCK_ROWS,
          b1 = Math.min(nblk, Math.ceil(part.r1 / BLOCK_ROWS));
        if (b1 > b0) await prepareBlocks(part, n, b0, b1, blocks, blockLen, tileBytes);
      }
      lent.forEach((m, i) => m.arena.release(marks[i]!));
      arena.release(base);
      return [dd, ee];
    };
    // Taken out of the caller's array: the solver keeps no reference to the other memories past step 2.
    const [dd, ee] = await reduce(memories.splice(0));
    await release?.();

    // 3. Scaled to max |entry| = 1 (the deflation tolerances are absolute), torn at the middle, halves solved.
    let norm = 0;
    for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(dd[i]!), Math.abs(ee[i]!));
    if (norm === 0) norm = 1;
    for (let i = 0; i < n; i++) {
      dd[i]! /= norm;
      ee[i]! /= norm;
    }
    const n1 = n >> 1,
      beta = ee[n1 - 1]!;
    dd[n1 - 1]! -= Math.abs(beta);
    dd[n1]! -= Math.abs(beta);
    const basis = new Float64Array(n * n);
    // Beside several memories, leaves small enough for what this one holds already (a quarter of the packed
    // triangle's 4 n^2 bytes with two): its growth is never given back.
    const grown = Math.floor(Math.sqrt(arena.memory.buffer.byteLength / 16));
    const leaf = Math.max(4, split ? Math.min(leafRows, grown) : leafRows);
    // The tridiagonal block [s0, s0 + m): its eigenvectors into rows s0.. of basis (columns s0..s0 + m), their
    // eigenvalues into dd[s0..]. By the ordinary divide and conquer in shared memory when it fits (two m x m
    // arrays), else torn at its middle again and merged here as the top merge is (its rows in a JS array).
    const solveBlock = async (s0: number, m: number): Promise<void> => {
      if (m <= leaf) {
        await call('eigenSizes', m, sizes);
        const [, dcDoubles, levelEntries] = new Int32Array(arena.memory.buffer, sizes, EigenSize.count);
        const hd = arena.allocF64(m),
          he = arena.allocF64(m),
          zt = arena.allocF64(m * m),
          big = arena.allocF64(m * m),
          small = arena.allocF64(T * dcDoubles!),
          levels = arena.alloc(4 * levelEntries!);
        arena.f64(hd, m).set(dd.subarray(s0, s0 + m));
        arena.f64(he, m).set(ee.subarray(s0, s0 + m));
        await dcSession([['dcEigen', [m, hd, he, zt, big, small, levels, works, team, ctx, status]]]);
        const rows = arena.f64(zt, m * m);
        for (let r = 0; r < m; r++) basis.set(rows.subarray(r * m, (r + 1) * m), (s0 + r) * n + s0);
        dd.set(arena.f64(hd, m), s0);
        arena.release(base);
        return;
      }
      const h = m >> 1,
        b = ee[s0 + h - 1]!;
      dd[s0 + h - 1]! -= Math.abs(b);
      dd[s0 + h]! -= Math.abs(b);
      await solveBlock(s0, h);
      await solveBlock(s0 + h, m - h);
      const sub = new Float64Array(m * m);
      for (let r = 0; r < m; r++) sub.set(basis.subarray((s0 + r) * n + s0, (s0 + r) * n + s0 + m), r * m);
      const merge = deflateTop(sub, dd.subarray(s0, s0 + m), m, h, b);
      const k = merge.src.length;
      // Merged eigenvectors into rows s0.. s0 + k - 1, the deflated ones after them (any order serves the merge
      // above: it sorts its poles itself).
      const row = (r: number) => basis.subarray((s0 + r) * n + s0, (s0 + r) * n + s0 + m);
      merge.dsrc.forEach((from, j) => row(k + j).set(sub.subarray(from * m, (from + 1) * m)));
      dd.set(merge.dval, s0 + k);
      if (k === 0) return;
      const sec = await solveSecular(runner, merge, ctx, status);
      arena.release(base);
      dd.set(sec.lambda, s0);
      await mergedVectors(runner, sub, m, merge, sec, tileBytes, (C, i0, sr) => {
        for (let i = 0; i < sr; i++) row(i0 + i).set(C.subarray(i * m, (i + 1) * m));
      });
      arena.release(base);
    };
    await solveBlock(0, n1);
    await solveBlock(n1, n - n1);

    // 4. Deflation, then every row of the basis back-transformed.
    const top = deflateTop(basis, dd, n, n1, beta);
    await backTransformRows(runner, basis, n, blocks, nblk, blockLen, w, backDoubles, tileBytes);
    arena.release(base);

    // 5. The secular problem, then the merged eigenvectors into U (the caller's array, free of the blocks now).
    const k = top.src.length;
    const values = new Float64Array(n);
    const lambda = new Float64Array(n);
    lambda.set(top.dval, k);
    const secular = k > 0 ? await solveSecular(runner, top, ctx, status) : null;
    if (secular) lambda.set(secular.lambda, 0);
    // Column of U for each merged (0..k-1) and deflated (k..n-1) eigenvector: ascending eigenvalues.
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => lambda[x]! - lambda[y]! || x - y);
    const column = new Int32Array(n);
    order.forEach((q, c) => {
      column[q] = c;
      values[c] = lambda[q]! * norm;
    });
    const U = park;
    scatterColumns(
      U,
      n,
      basis,
      Float64Array.from(top.dsrc, (row) => row * n),
      column.subarray(k),
    );
    if (secular)
      await mergedVectors(runner, basis, n, top, secular, tileBytes, (C, i0, sr) =>
        scatterColumns(
          U,
          n,
          C,
          Float64Array.from({ length: sr }, (_, i) => i * n),
          column.subarray(i0, i0 + sr),
        ),
      );
    arena.release(base);
    return { values, vectors: U };
  });
}

// WY blocks b0..b1-1 (their reflectors in part's memory) into `blocks`, in batches of at most PREPARE_BYTES.
async function prepareBlocks(
  part: SplitPart,
  n: number,
  b0: number,
  b1: number,
  blocks: SplitArray,
  blockLen: number,
  tileBytes: number,
): Promise<void> {
  const { runner } = part,
    { arena } = runner;
  const mark = arena.mark();
  const prepBatch = Math.max(1, Math.floor(Math.min(PREPARE_BYTES, tileBytes / 2) / (8 * blockLen)));
  // At most PREPARE_THREADS threads, each with KB rows of n doubles to unpack reflectors into: cheap work
  // (O(KB n^2) in all) whose scratch must stay small beside the packed triangle.
  const P = Math.min(runner.slots, PREPARE_THREADS);
  const prepOut = arena.allocF64(prepBatch * blockLen),
    prepRows = arena.allocF64(P * blockLen);
  for (let c0 = b0; c0 < b1; c0 += prepBatch) {
    const c1 = Math.min(b1, c0 + prepBatch);
    await runner.parallel(
      splitRange(c1 - c0, P, 1).map(([p, q], t) => [
        [
          'tilePrepareBlocks',
          [n, part.a, part.tau, c0 + p, c0 + q, prepOut + 8 * p * blockLen, prepRows + 8 * t * blockLen],
        ],
      ]),
    );
    blocks.put(c0 * blockLen, arena.f64(prepOut, (c1 - c0) * blockLen));
  }
  arena.release(mark);
}

/** A virtual array of `length` doubles: the first in `head` (up to its length), the rest in a JS array of its own. */
class SplitArray {
  private readonly tail: Float64Array;

  constructor(
    private readonly head: Float64Array,
    length: number,
  ) {
    this.tail = new Float64Array(Math.max(0, length - head.length));
  }

  /** Copies src to offset `off`. */
  put(off: number, src: Float64Array): void {
    const split = Math.max(0, Math.min(src.length, this.head.length - off));
    if (split > 0) this.head.set(src.subarray(0, split), off);
    if (split < src.length) this.tail.set(src.subarray(split), off + split - this.head.length);
  }

  /** Copies the doubles from offset `off` into dst. */
  get(off: number, dst: Float64Array): void {
    const split = Math.max(0, Math.min(dst.length, this.head.length - off));
    if (split > 0) dst.set(this.head.subarray(off, off + split));
    if (split < dst.length)
      dst.set(this.tail.subarray(off + split - this.head.length, off + dst.length - this.head.length), split);
  }
}

// Rows of `basis` <- rows times Q^T (Q = H_0 ... H_{n-2}): strips of rows in shared memory, each taking every WY
// block, last to first, in batches; the strip's rows are shared out over the threads.
async function backTransformRows(
  runner: KernelRunner,
  basis: Float64Array,
  n: number,
  blocks: SplitArray,
  nblk: number,
  blockLen: number,
  w: number,
  backDoubles: number,
  tileBytes: number,
): Promise<void> {
  const { arena, scratch } = runner;
  const T = runner.slots;
  const rowsPer = Math.max(1, Math.min(n, Math.floor(tileBytes / 2 / (8 * n))));
  const batch = Math.max(1, Math.min(nblk, Math.floor(tileBytes / 2 / (8 * blockLen))));
  const strip = arena.allocF64(rowsPer * n),
    held = arena.allocF64(batch * blockLen);
  let loaded = -1;
  for (let r0 = 0; r0 < n; r0 += rowsPer) {
    const mr = Math.min(rowsPer, n - r0);
    arena.f64(strip, mr * n).set(basis.subarray(r0 * n, (r0 + mr) * n));
    for (let b1 = nblk; b1 > 0; b1 -= batch) {
      const b0 = Math.max(0, b1 - batch);
      // All blocks in one batch are copied in once for every strip.
      if (loaded !== b0) blocks.get(b0 * blockLen, arena.f64(held, (b1 - b0) * blockLen));
      loaded = b0;
      await runner.parallel(
        splitRange(mr, T, 1).map(([p, q], t) => [
          ['tileApplyBlocks', [n, strip, p, q, held, b0, b1, w + 8 * t * backDoubles, scratch[t]!]],
        ]),
      );
    }
    basis.set(arena.f64(strip, mr * n), r0 * n);
  }
}

/** The secular problem's roots as the merge kernels keep them. */
interface Secular {
  /** Roots (k, ascending). */
  lambda: Float64Array;
  /** Root i = dlam[origin[i]] + tau[i]. */
  origin: Int32Array;
  tau: Float64Array;
  /** Gu-Eisenstat z (k). */
  zhat: Float64Array;
}

// Roots and zhat of the deflated problem by the merge kernels, shared out over the threads.
async function solveSecular(
  runner: KernelRunner,
  top: ReturnType<typeof deflateTop>,
  ctx: number,
  status: number,
): Promise<Secular> {
  const { arena } = runner;
  const T = runner.slots;
  const k = top.src.length;
  const call = (name: KernelCall[0], ...args: number[]) => runner.run([[name, args]]);
  const small = arena.allocF64(T * (await call('tileSecularDoubles', k))),
    lambda = arena.allocF64(k);
  new Int32Array(arena.memory.buffer, status, 2).fill(0);
  await call('tileSecularSetup', ctx, k, small, lambda, top.rho, status, T);
  const at: number[] = [];
  for (let which = 0; which < 6; which++) at.push(await call('tileSecularAt', ctx, which));
  arena.f64(at[0]!, k).set(top.dlam);
  arena.f64(at[1]!, k).set(top.w);
  arena.f64(at[2]!, k).set(top.z2);
  await runner.parallel(Array.from({ length: T }, (_, t) => [['tileSecularRoots', [ctx, t, T, t]]]));
  checkStatus(arena.memory, status);
  await runner.parallel(Array.from({ length: T }, (_, t) => [['tileSecularZhat', [ctx, t, T]]]));
  return {
    lambda: arena.f64(lambda, k).slice(),
    origin: new Int32Array(arena.memory.buffer, at[3]!, k).slice(),
    tau: arena.f64(at[4]!, k).slice(),
    zhat: arena.f64(at[5]!, k).slice(),
  };
}

// The merged eigenvectors: for each root i, its secular coefficients v (zhat_j / (dlam_j - lambda_i), normalised,
// as the merge kernel computes them) times the basis rows src[j] (n doubles each), handed to `put` in strips (roots
// i0.. i0 + sr - 1 as the rows of C, valid until put returns). The rows cross shared memory in panels (once in all
// when they fit a panel).
async function mergedVectors(
  runner: KernelRunner,
  basis: Float64Array,
  n: number,
  top: ReturnType<typeof deflateTop>,
  sec: Secular,
  tileBytes: number,
  put: (C: Float64Array, i0: number, sr: number) => void,
): Promise<void> {
  const { arena, scratch } = runner;
  const T = runner.slots;
  const k = top.src.length;
  const per = Math.max(1, Math.min(k, Math.floor(tileBytes / 3 / (8 * n))));
  const V = arena.allocF64(per * k),
    C = arena.allocF64(per * n),
    P = arena.allocF64(per * n);
  const tmp = new Float64Array(k);
  let loaded = -1;
  for (let i0 = 0; i0 < k; i0 += per) {
    const sr = Math.min(per, k - i0);
    const v = arena.f64(V, sr * k);
    for (let i = i0; i < i0 + sr; i++) {
      const pole = top.dlam[sec.origin[i]!]!,
        t = sec.tau[i]!;
      let big = 0;
      for (let j = 0; j < k; j++) {
        tmp[j] = sec.zhat[j]! / (top.dlam[j]! - pole - t);
        big = Math.max(big, Math.abs(tmp[j]!));
      }
      const inv = 1 / big;
      let ss = 0;
      for (let j = 0; j < k; j++) {
        const x = tmp[j]! * inv;
        ss += x * x;
      }
      const scale = inv / Math.sqrt(ss);
      for (let j = 0; j < k; j++) v[(i - i0) * k + j] = tmp[j]! * scale;
    }
    arena.f64(C, sr * n).fill(0);
    for (let p0 = 0; p0 < k; p0 += per) {
      const pr = Math.min(per, k - p0);
      if (loaded !== p0) {
        const panel = arena.f64(P, pr * n);
        for (let q = 0; q < pr; q++) {
          const row = top.src[p0 + q]! * n;
          panel.set(basis.subarray(row, row + n), q * n);
        }
      }
      loaded = p0;
      await runner.parallel(
        splitRange(sr, T, 1).map(([p, q], t) => [
          ['gemm', [q - p, n, pr, 1, V + 8 * (p * k + p0), k, 1, P, n, 1, C + 8 * p * n, n, scratch[t]!]],
        ]),
      );
    }
    put(arena.f64(C, sr * n), i0, sr);
  }
}

// Column cols[i] of U (n x n row-major) <- the n doubles of src from starts[i] (offsets as doubles: row n passes
// 2^31 past n = 46,340), in tiles of rows so that the writes of consecutive vectors (nearby columns) share cache
// lines instead of striding the whole matrix.
function scatterColumns(
  U: Float64Array,
  n: number,
  src: Float64Array,
  starts: Float64Array,
  cols: Int32Array,
): void {
  const TILE = 64;
  for (let r0 = 0; r0 < n; r0 += TILE) {
    const r1 = Math.min(n, r0 + TILE);
    for (let i = 0; i < cols.length; i++) {
      const from = starts[i]!,
        col = cols[i]!;
      for (let r = r0; r < r1; r++) U[r * n + col] = src[from + r]!;
    }
  }
}
