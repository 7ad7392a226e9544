// The secular half of a divide-and-conquer merge, after mergePrepare: roots, Gu-Eisenstat z, eigenvectors and the
// GEMM that takes them back to the merged block's coordinates. Roots, z entries and rows are independent, so each
// phase runs over index ranges: whole for a merge done by one thread, in chunks for a merge shared by the team.
// Every value is computed by the same operations in the same order either way, so results do not depend on the
// number of threads. A root is kept as (origin pole, offset tau), from which any difference
// dlam_j - lambda_i = (dlam_j - dlam_origin) - tau is recomputed exactly as the root finder computed it, so no
// k x k matrix of differences is stored.
import { gemm } from './gemm';
import { JOB_MERGE_ROOTS, JOB_MERGE_ROWS, JOB_MERGE_ZHAT } from './jobs';
import { M_D, M_K, M_K1, M_K2, M_M, M_N, M_N1, M_OWN, M_QBOT, M_QT, M_QTOP, M_RHO, M_ROOTS, M_ROWS, M_S,
  M_STATUS, M_STRIDE, M_VBUF, M_WORKS, W_DLAM, W_ORIG, W_POS, W_SUMS, W_TAU, W_TMP, W_W, W_Z2, W_ZHAT, mergePrepare,
  wsArr } from './dc-merge';
import { secularRoot } from './secular';
import { teamRun, teamThreads } from './team';
import { at, getF, ptrSlot, setSlot, slot, threadPtr } from './vec';

/** Most eigenvector rows built and multiplied at once (rows of each thread's V buffer). */
export const ROWS_MAX: i32 = 96;
/** Entries of zhat per chunk. */
export const ZCOLS: i32 = 128;

// @ts-ignore: decorator
@inline function origin(orig: usize, i: i32): i32 { return load<i32>(orig + ((<usize>i) << 2)); }

// Roots i0..i1: origin and tau into the owner's workspace, lambda_i into d.
function rootsRange(ctx: usize, i0: i32, i1: i32, tid: i32): void {
  const k = slot(ctx, M_K), own = slot(ctx, M_OWN), s = slot(ctx, M_S);
  const dlam = wsArr(ctx, own, W_DLAM), z2 = wsArr(ctx, own, W_Z2);
  const orig = wsArr(ctx, own, W_ORIG), taus = wsArr(ctx, own, W_TAU);
  const sums = wsArr(ctx, tid, W_SUMS), d = ptrSlot(ctx, M_D);
  const rho = getF(ctx, M_RHO);
  for (let i = i0; i < i1; i++) {
    let tau = secularRoot(k, dlam, z2, rho, i, sums, orig);
    if (isNaN(tau)) {
      // Unreachable in exact terms (the bracket always shrinks); flagged rather than trusted.
      atomic.store<i32>(ptrSlot(ctx, M_STATUS), 1);
      tau = 0.0;
    }
    store<f64>(at(taus, i), tau);
    store<f64>(at(d, s + i), load<f64>(at(dlam, origin(orig, i))) + tau);
  }
}

// Gu-Eisenstat: the z for which the computed roots are exact eigenvalues of D + rho z z^T,
//   rho zhat_j^2 = -prod_i (dlam_j - lambda_i) / prod_{i != j} (dlam_j - dlam_i),
// sign from w_j, for j0..j1. The factors pair up as (dlam_j - lambda_i) / (dlam_j - dlam_i), each of modest size,
// taken in the order i = 0..k-1 whoever computes them.
function zhatRange(ctx: usize, j0: i32, j1: i32): void {
  const k = slot(ctx, M_K), own = slot(ctx, M_OWN);
  const dlam = wsArr(ctx, own, W_DLAM), w = wsArr(ctx, own, W_W), zhat = wsArr(ctx, own, W_ZHAT);
  const orig = wsArr(ctx, own, W_ORIG), taus = wsArr(ctx, own, W_TAU);
  for (let j = j0; j < j1; j++) store<f64>(at(zhat, j), 1.0);
  for (let i = 0; i < k; i++) {
    const base = load<f64>(at(dlam, origin(orig, i))), tau = load<f64>(at(taus, i)), di = load<f64>(at(dlam, i));
    for (let j = j0; j < j1; j++) {
      const dj = load<f64>(at(dlam, j));
      const dij = (dj - base) - tau;
      store<f64>(at(zhat, j), load<f64>(at(zhat, j)) * (j == i ? dij : dij / (dj - di)));
    }
  }
  for (let j = j0; j < j1; j++) {
    // The product is negative when the roots interlace strictly, as they do; abs() only guards rounding at 0.
    const r = Math.sqrt(Math.abs(load<f64>(at(zhat, j))));
    store<f64>(at(zhat, j), load<f64>(at(w, j)) < 0 ? -r : r);
  }
}

// Rows i0..i1 (at most ROWS_MAX): eigenvector i of D + rho zhat zhat^T, (zhat_j / (dlam_j - lambda_i)) normalised,
// in grouped order in this thread's V buffer; then merged eigenvector i = its top part times the compact top block
// plus its bottom part times the compact bottom block, into row s + i of qt.
function rowsRange(ctx: usize, i0: i32, i1: i32, tid: i32): void {
  const k = slot(ctx, M_K), own = slot(ctx, M_OWN), n = slot(ctx, M_N), s = slot(ctx, M_S);
  const n1 = slot(ctx, M_N1), m = slot(ctx, M_M), k1 = slot(ctx, M_K1), k12 = k1 + slot(ctx, M_K2);
  const dlam = wsArr(ctx, own, W_DLAM), zhat = wsArr(ctx, own, W_ZHAT), pos = wsArr(ctx, own, W_POS);
  const orig = wsArr(ctx, own, W_ORIG), taus = wsArr(ctx, own, W_TAU), tmp = wsArr(ctx, tid, W_TMP);
  const vbuf = ptrSlot(ctx, M_VBUF) + (<usize>tid) * (<usize>slot(ctx, M_STRIDE));
  const qt = ptrSlot(ctx, M_QT);
  for (let i = i0; i < i1; i++) {
    const base = load<f64>(at(dlam, origin(orig, i))), tau = load<f64>(at(taus, i));
    let big = 0.0;
    for (let j = 0; j < k; j++) {
      const v = load<f64>(at(zhat, j)) / ((load<f64>(at(dlam, j)) - base) - tau);
      store<f64>(at(tmp, j), v);
      big = Math.max(big, Math.abs(v));
    }
    let ss = 0.0;
    const inv = 1.0 / big;
    for (let j = 0; j < k; j++) { const v = load<f64>(at(tmp, j)) * inv; ss += v * v; }
    const scale = inv / Math.sqrt(ss);
    const row = at(vbuf, (i - i0) * k);
    for (let j = 0; j < k; j++) store<f64>(at(row, load<i32>(pos + ((<usize>j) << 2))), load<f64>(at(tmp, j)) * scale);
    memory.fill(at(qt, (s + i) * n + s), 0, (<usize>m) << 3);
  }
  const work = threadPtr(ptrSlot(ctx, M_WORKS), tid);
  const c = at(qt, (s + i0) * n + s);
  gemm(i1 - i0, n1, k12, 1.0, vbuf, k, 1, ptrSlot(ctx, M_QTOP), n1, 1, c, n, work);
  gemm(i1 - i0, m - n1, k - k1, 1.0, at(vbuf, k1), k, 1, ptrSlot(ctx, M_QBOT), m - n1, 1, at(c, n1), n, work);
}

/** Team chunk: roots [c * M_ROOTS, ...) of the merge in ctx. */
export function mergeRootsChunk(ctx: usize, c: i32, tid: i32): void {
  const per = slot(ctx, M_ROOTS);
  rootsRange(ctx, c * per, min(slot(ctx, M_K), (c + 1) * per), tid);
}

/** Team chunk: zhat[c * ZCOLS, ...) of the merge in ctx. */
export function mergeZhatChunk(ctx: usize, c: i32, tid: i32): void {
  zhatRange(ctx, c * ZCOLS, min(slot(ctx, M_K), (c + 1) * ZCOLS));
}

/** Team chunk: eigenvector rows [c * M_ROWS, ...) of the merge in ctx (M_ROWS <= ROWS_MAX). */
export function mergeRowsChunk(ctx: usize, c: i32, tid: i32): void {
  const per = slot(ctx, M_ROWS);
  rowsRange(ctx, c * per, min(slot(ctx, M_K), (c + 1) * per), tid);
}

/** Runs the merge in ctx on thread tid alone (its own workspace: M_OWN = tid). */
export function mergeAlone(ctx: usize, tid: i32): void {
  const k = mergePrepare(ctx);
  if (k == 0) return;
  rootsRange(ctx, 0, k, tid);
  for (let j = 0; j < k; j += ZCOLS) zhatRange(ctx, j, min(k, j + ZCOLS));
  for (let i = 0; i < k; i += ROWS_MAX) rowsRange(ctx, i, min(k, i + ROWS_MAX), tid);
}

/** Runs the merge in ctx as the team's leader (M_OWN = 0), roots, z and rows shared out in chunks. */
export function mergeShared(ctx: usize, team: usize): void {
  const k = mergePrepare(ctx);
  if (k == 0) return;
  const threads = teamThreads(team);
  const roots = max(8, (k + 8 * threads - 1) / (8 * threads));
  setSlot(ctx, M_ROOTS, roots);
  teamRun(team, JOB_MERGE_ROOTS, (k + roots - 1) / roots, ctx);
  teamRun(team, JOB_MERGE_ZHAT, (k + ZCOLS - 1) / ZCOLS, ctx);
  const rows = max(32, min(ROWS_MAX, (k + 4 * threads - 1) / (4 * threads)));
  setSlot(ctx, M_ROWS, rows);
  teamRun(team, JOB_MERGE_ROWS, (k + rows - 1) / rows, ctx);
}
