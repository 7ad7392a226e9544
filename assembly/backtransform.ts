// Back-transformation of tridiagonal eigenvectors with the compact WY form (LAPACK dlarft + dlarfb):
// U^T = Z^T H_{n-2} ... H_0, applied one block of KB reflectors at a time as three GEMMs on rows of Z^T. Every
// block is prepared first (in parallel), then each strip of rows takes all blocks in turn with no further
// synchronisation, and finally U = (U^T)^T is written in row strips.
import { gemm } from './gemm';
import { JOB_BACK_APPLY, JOB_BACK_PREP, JOB_BACK_TRANSPOSE } from './jobs';
import { teamRun } from './team';
import { at, dot, ptrSlot, setSlot, slot, threadPtr } from './vec';

/** Reflectors per WY block. */
export const KB: i32 = 64;
// Rows of Z^T per apply chunk (a multiple of the GEMM's row block) and per transpose chunk.
const STRIP: i32 = 96;
const TSTRIP: i32 = 32;

// Context slots.
const X_N = 0, X_A = 1, X_TAU = 2, X_ZT = 3, X_BLOCKS = 4, X_W = 5, X_WORKS = 6, X_NBLK = 7;

/** Doubles of block storage backTransform needs: every block's V (KB x n) and T (KB x KB). */
export function backBlockDoubles(n: i32): i32 {
  return ((n - 1 + KB - 1) / KB) * (KB * n + KB * KB);
}

/** Doubles of per-thread scratch backTransform needs (two STRIP x KB panels). */
export function backThreadDoubles(): i32 {
  return 2 * STRIP * KB;
}

/**
 * Builds the reflector block j0..j0+kb-1 from tridiagonalize's output: vt (kb x n, v_j as rows, explicit zeros
 * and unit) and the upper-triangular tmat (kb x kb, row-major) with H_j0 ... H_{j0+kb-1} = I - V T V^T.
 */
export function prepareBlock(n: i32, a: usize, tau: usize, j0: i32, kb: i32, vt: usize, tmat: usize): void {
  memory.fill(vt, 0, (<usize>(kb * n)) << 3);
  memory.fill(tmat, 0, (<usize>(kb * kb)) << 3);
  for (let j = 0; j < kb; j++) {
    const i = j0 + j;
    const row = at(vt, j * n);
    if (i + 1 < n) store<f64>(at(row, i + 1), 1.0);
    if (i + 2 < n) memory.copy(at(row, i + 2), at(a, i * n + i + 2), (<usize>(n - i - 2)) << 3);
  }
  for (let j = 0; j < kb; j++) {
    const t = load<f64>(at(tau, j0 + j));
    store<f64>(at(tmat, j * kb + j), t);
    if (t == 0.0) continue;
    const start = j0 + j + 1;
    // Column j of T: -tau_j * T[0:j,0:j] * (V[:,0:j]^T v_j); the tmp lands in column j, then is overwritten.
    for (let q = 0; q < j; q++) {
      store<f64>(at(tmat, q * kb + j), -t * dot(at(vt, q * n + start), at(vt, j * n + start), n - start));
    }
    for (let q = 0; q < j; q++) {
      let s = 0.0;
      for (let k = q; k < j; k++) s += load<f64>(at(tmat, q * kb + k)) * load<f64>(at(tmat, k * kb + j));
      store<f64>(at(tmat, q * kb + j), s);
    }
  }
}

/**
 * Rows [r0, r0+mr) of zt (n x n row-major) <- zt (I - V T^T V^T) for the block prepared at j0.
 * w1 and w2 are mr x kb scratch; work holds gemmWorkBytes().
 */
export function applyBlock(n: i32, zt: usize, r0: i32, mr: i32, j0: i32, kb: i32, vt: usize, tmat: usize,
  w1: usize, w2: usize, work: usize): void {
  const off = j0 + 1;
  const len = n - off;
  if (len <= 0 || mr <= 0) return;
  const rows = at(zt, r0 * n + off);
  memory.fill(w1, 0, (<usize>(mr * kb)) << 3);
  memory.fill(w2, 0, (<usize>(mr * kb)) << 3);
  gemm(mr, kb, len, 1.0, rows, n, 1, at(vt, off), 1, n, w1, kb, work);
  gemm(mr, kb, kb, 1.0, w1, kb, 1, tmat, 1, kb, w2, kb, work);
  gemm(mr, len, kb, -1.0, w2, kb, 1, at(vt, off), n, 1, rows, n, work);
}

// Block b's storage: V then T.
// @ts-ignore: decorator
@inline function blockAt(ctx: usize, b: i32): usize {
  const n = slot(ctx, X_N);
  return at(ptrSlot(ctx, X_BLOCKS), b * (KB * n + KB * KB));
}

/** Team chunk: prepares reflector block c. */
export function backPrepChunk(ctx: usize, c: i32, tid: i32): void {
  const n = slot(ctx, X_N), j0 = c * KB, kb = min(KB, n - 1 - j0);
  const v = blockAt(ctx, c);
  prepareBlock(n, ptrSlot(ctx, X_A), ptrSlot(ctx, X_TAU), j0, kb, v, at(v, KB * n));
}

/** Team chunk: applies every block, last to first, to row strip c of zt. */
export function backApplyChunk(ctx: usize, c: i32, tid: i32): void {
  const n = slot(ctx, X_N), r0 = c * STRIP, mr = min(STRIP, n - r0);
  const w1 = at(ptrSlot(ctx, X_W), tid * backThreadDoubles()), w2 = at(w1, STRIP * KB);
  const work = threadPtr(ptrSlot(ctx, X_WORKS), tid), zt = ptrSlot(ctx, X_ZT);
  for (let b = slot(ctx, X_NBLK) - 1; b >= 0; b--) {
    const j0 = b * KB, kb = min(KB, n - 1 - j0);
    const v = blockAt(ctx, b);
    applyBlock(n, zt, r0, mr, j0, kb, v, at(v, KB * n), w1, w2, work);
  }
}

/** Team chunk: rows [c * TSTRIP, ...) of a = zt^T. */
export function backTransposeChunk(ctx: usize, c: i32, tid: i32): void {
  const n = slot(ctx, X_N);
  transposeRows(n, ptrSlot(ctx, X_ZT), ptrSlot(ctx, X_A), c * TSTRIP, min(n, (c + 1) * TSTRIP));
}

/** dst = src^T for n x n row-major matrices, in 32 x 32 tiles; rows [r0, r1) of dst only. */
export function transposeRows(n: i32, src: usize, dst: usize, r0: i32, r1: i32): void {
  for (let i0 = r0; i0 < r1; i0 += 32) {
    const i1 = min(i0 + 32, r1);
    for (let k0 = 0; k0 < n; k0 += 32) {
      const k1 = min(k0 + 32, n);
      for (let i = i0; i < i1; i++) {
        for (let k = k0; k < k1; k++) store<f64>(at(dst, i * n + k), load<f64>(at(src, k * n + i)));
      }
    }
  }
}

// Sets the context slots of the three jobs; returns the number of reflector blocks.
function backSlots(n: i32, a: usize, tau: usize, zt: usize, blocks: usize, w: usize, works: usize, ctx: usize): i32 {
  setSlot(ctx, X_N, n); setSlot(ctx, X_A, <i32>a); setSlot(ctx, X_TAU, <i32>tau); setSlot(ctx, X_ZT, <i32>zt);
  setSlot(ctx, X_BLOCKS, <i32>blocks); setSlot(ctx, X_W, <i32>w); setSlot(ctx, X_WORKS, <i32>works);
  const nblk = (n - 1 + KB - 1) / KB;
  setSlot(ctx, X_NBLK, nblk);
  return nblk;
}

/**
 * Team leader: U = Q Z from zt (n x n, row r = eigenvector r of the tridiagonal matrix) and the reflectors left in
 * `a` and `tau` by tridiagonalize; U (row-major, column k for eigenvector k) overwrites `a`, zt is destroyed.
 * blocks holds backBlockDoubles(n), w teamThreads x backThreadDoubles(), works a u32 table of gemm buffers.
 */
export function backTransform(n: i32, a: usize, tau: usize, zt: usize, blocks: usize, w: usize, works: usize,
  team: usize, ctx: usize): void {
  const nblk = backSlots(n, a, tau, zt, blocks, w, works, ctx);
  teamRun(team, JOB_BACK_PREP, nblk, ctx);
  teamRun(team, JOB_BACK_APPLY, (n + STRIP - 1) / STRIP, ctx);
  teamRun(team, JOB_BACK_TRANSPOSE, (n + TSTRIP - 1) / TSTRIP, ctx);
}

/**
 * Team leader: backTransform's first job alone, the WY blocks from the reflectors in `a` and `tau`. It needs no
 * zt, so it can run before the tridiagonal eigensolver, leaving `a` free for that solver's workspace (the
 * large-n layout in src/engines/wasm/eigen.ts).
 */
export function backPrepare(n: i32, a: usize, tau: usize, blocks: usize, w: usize, works: usize, team: usize,
  ctx: usize): void {
  teamRun(team, JOB_BACK_PREP, backSlots(n, a, tau, 0, blocks, w, works, ctx), ctx);
}

/** Team leader: backTransform's other two jobs, blocks prepared by backPrepare applied to zt, then U into `out`. */
export function backApply(n: i32, out: usize, zt: usize, blocks: usize, w: usize, works: usize, team: usize,
  ctx: usize): void {
  backSlots(n, out, 0, zt, blocks, w, works, ctx);
  teamRun(team, JOB_BACK_APPLY, (n + STRIP - 1) / STRIP, ctx);
  teamRun(team, JOB_BACK_TRANSPOSE, (n + TSTRIP - 1) / TSTRIP, ctx);
}
