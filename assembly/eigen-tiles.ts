// Kernels of the tiled eigensolver (src/engines/wasm/eigen-tiled.ts), which keeps its n x n matrices in JS arrays
// and moves them through the shared memory in tiles: thin entry points over the ordinary solver's own routines, so
// the arithmetic of a WY block, of a secular root and of a Gu-Eisenstat z entry is the one the ordinary path does.
import { KB, applyBlock, backThreadDoubles, prepareBlock } from './backtransform';
import { M_D, M_K, M_N, M_OWN, M_RHO, M_ROOTS, M_S, M_SMALL, M_STATUS, M_STRIDE, SMALL_UNITS, W_DLAM, W_ORIG, W_TAU,
  W_W, W_Z2, W_ZHAT, wsArr } from './dc-merge';
import { ZCOLS, mergeRootsChunk, mergeZhatChunk } from './dc-vectors';
import { packedRowAt } from './tridiag';
import { at, setF, setSlot, slot } from './vec';

// Rows of a strip per applyBlock call (the rows of backThreadDoubles()'s two panels).
const ROWS: i32 = 96;

/** Doubles of one WY block as the tiled solver stores it: V (KB x n) then T (KB x KB). */
export function tileBlockDoubles(n: i32): i32 {
  return KB * n + KB * KB;
}

/**
 * Prepares WY blocks b0..b1-1 from the reflectors tridiagonalizePacked left in `a` (packed) and `tau`, consecutively
 * into out. Each block's reflector rows are first copied to `rows` (KB x n doubles) in the full layout that
 * prepareBlock reads.
 */
export function tilePrepareBlocks(n: i32, a: usize, tau: usize, b0: i32, b1: i32, out: usize, rows: usize): void {
  for (let b = b0; b < b1; b++) {
    const j0 = b * KB, kb = min(KB, n - 1 - j0);
    for (let i = j0; i < j0 + kb && i + 2 < n; i++) {
      memory.copy(at(rows, (i - j0) * n + i + 2), at(packedRowAt(n, a, i), i + 2), (<usize>(n - i - 2)) << 3);
    }
    const v = at(out, (b - b0) * tileBlockDoubles(n));
    // prepareBlock reads row i at a + 8 (i n + i + 2): rows, shifted back by the block's first row.
    prepareBlock(n, rows - ((<usize>j0 * <usize>n) << 3), tau, j0, kb, v, at(v, KB * n));
  }
}

/**
 * Rows [r0, r1) of zt (rows of n doubles) <- zt H_{b0 KB} ... H_{b1 KB - 1} applied as blocks b1-1 down to b0,
 * stored consecutively from `blocks` (block b0 first). w holds backThreadDoubles(), work gemmWorkBytes().
 */
export function tileApplyBlocks(n: i32, zt: usize, r0: i32, r1: i32, blocks: usize, b0: i32, b1: i32, w: usize,
  work: usize): void {
  const w2 = at(w, backThreadDoubles() >> 1);
  for (let r = r0; r < r1; r += ROWS) {
    const mr = min(ROWS, r1 - r);
    for (let b = b1 - 1; b >= b0; b--) {
      const v = at(blocks, (b - b0) * tileBlockDoubles(n));
      applyBlock(n, zt, r, mr, b * KB, min(KB, n - 1 - b * KB), v, at(v, KB * n), w, w2, work);
    }
  }
}

/** Doubles of secular workspace per thread for a secular problem of size k. */
export function tileSecularDoubles(k: i32): i32 {
  return SMALL_UNITS * k + 8;
}

/**
 * Sets up the merge context ctx for a secular problem of size k alone (dlam, w, z2 to be written through
 * tileSecularAt): workspace `small` (threads x tileSecularDoubles(k)), roots into lambda (k), rho, status (i32).
 */
export function tileSecularSetup(ctx: usize, k: i32, small: usize, lambda: usize, rho: f64, status: usize,
  threads: i32): void {
  setSlot(ctx, M_N, k); setSlot(ctx, M_K, k); setSlot(ctx, M_S, 0); setSlot(ctx, M_OWN, 0);
  setSlot(ctx, M_SMALL, <i32>small); setSlot(ctx, M_STRIDE, tileSecularDoubles(k) << 3);
  setSlot(ctx, M_D, <i32>lambda); setF(ctx, M_RHO, rho); setSlot(ctx, M_STATUS, <i32>status);
  setSlot(ctx, M_ROOTS, max(8, (k + 8 * threads - 1) / (8 * threads)));
}

/** Address of one array of the secular problem in ctx: 0 dlam, 1 w, 2 z2 (inputs); 3 origins (i32), 4 tau, 5 zhat. */
export function tileSecularAt(ctx: usize, which: i32): usize {
  const unit = which == 0 ? W_DLAM : which == 1 ? W_W : which == 2 ? W_Z2 : which == 3 ? W_ORIG : which == 4 ? W_TAU
    : W_ZHAT;
  return wsArr(ctx, 0, unit);
}

/** Roots of the secular problem in ctx, chunks part, part + parts, ... (thread tid's sums workspace). */
export function tileSecularRoots(ctx: usize, part: i32, parts: i32, tid: i32): void {
  const per = slot(ctx, M_ROOTS), k = slot(ctx, M_K);
  for (let c = part; c * per < k; c += parts) mergeRootsChunk(ctx, c, tid);
}

/** Gu-Eisenstat z of the secular problem in ctx (after every root), chunks part, part + parts, ... */
export function tileSecularZhat(ctx: usize, part: i32, parts: i32): void {
  const k = slot(ctx, M_K);
  for (let c = part; c * ZCOLS < k; c += parts) mergeZhatChunk(ctx, c, 0);
}
