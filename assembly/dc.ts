// Divide-and-conquer eigensolver for a symmetric tridiagonal matrix (after LAPACK dstedc/dlaed0): the matrix is torn
// into halves recursively (each tear subtracts |beta| from the two diagonal entries it separates) down to leaves of
// at most LEAF rows, the leaves are solved by QL, and each level of merges (dc-merge.ts, dc-vectors.ts) rebuilds the
// parent from its halves. Levels with at least one merge per thread run whole merges per thread; the top levels
// share each merge over the team.
import { M_BIG, M_D, M_E, M_M, M_N, M_N1, M_OWN, M_QT, M_S, M_SMALL, M_STATUS, M_STRIDE, M_VBUF, M_WORKS,
  SMALL_UNITS, W_ETMP, W_IDX, W_TIDX, W_TMP, wsArr } from './dc-merge';
import { ROWS_MAX, mergeAlone, mergeShared } from './dc-vectors';
import { JOB_LEAF, JOB_MERGE } from './jobs';
import { qlEigen, sortRows } from './ql';
import { teamRun, teamThreads } from './team';
import { CTX_BYTES, at, ptrSlot, setSlot, slot } from './vec';

/** Largest leaf solved by QL. */
export const LEAF: i32 = 32;

// Driver context slots (after the merge slots, which the same block also carries for wsArr).
const X_LEVELS = 24, X_DEPTH = 25, X_REGION = 26, X_CTXS = 27;

/** Doubles of workspace per thread for an n x n problem (vectors, and a buffer of eigenvector rows). */
export function dcThreadDoubles(n: i32): i32 {
  return (SMALL_UNITS + ROWS_MAX) * n + 8;
}

/** I32 entries of the level table for an n x n problem. */
export function dcLevelEntries(n: i32): i32 {
  return 4 * ((n + LEAF - 1) / LEAF) + 64;
}

// Level table: depth t has 2^t blocks, boundaries at offset 2^t + t - 1 (2^t + 1 of them).
// @ts-ignore: decorator
@inline function levelAt(levels: usize, t: i32, b: i32): i32 {
  return load<i32>(levels + ((<usize>((1 << t) + t - 1 + b)) << 2));
}

/** Team chunk: leaf c (deepest level) solved by QL into its rows of qt. */
export function dcLeafChunk(ctx: usize, c: i32, tid: i32): void {
  const n = slot(ctx, M_N), depth = slot(ctx, X_DEPTH), levels = ptrSlot(ctx, X_LEVELS);
  const s = levelAt(levels, depth, c), m = levelAt(levels, depth, c + 1) - s;
  const qt = ptrSlot(ctx, M_QT), etmp = wsArr(ctx, tid, W_ETMP);
  memory.fill(at(qt, s * n), 0, (<usize>(m * n)) << 3);
  memory.copy(etmp, at(ptrSlot(ctx, M_E), s), (<usize>m) << 3);
  store<f64>(at(etmp, m - 1), 0.0);
  if (qlEigen(m, at(ptrSlot(ctx, M_D), s), etmp, at(qt, s * n + s), n) < 0) atomic.store<i32>(ptrSlot(ctx, M_STATUS), 1);
}

// Fills merge context mc (a copy of the driver's shared slots) for block b of depth t, worked by thread `own`.
function setupMerge(ctx: usize, mc: usize, t: i32, b: i32, own: i32, big: usize): void {
  if (mc != ctx) memory.copy(mc, ctx, <usize>CTX_BYTES);
  const levels = ptrSlot(ctx, X_LEVELS);
  const s = levelAt(levels, t, b), m = levelAt(levels, t, b + 1) - s;
  setSlot(mc, M_S, s); setSlot(mc, M_M, m); setSlot(mc, M_N1, m >> 1);
  setSlot(mc, M_OWN, own); setSlot(mc, M_BIG, <i32>big);
}

/** Team chunk: merge c of the level in X_DEPTH, done whole by this thread in its share of the big region. */
export function dcMergeChunk(ctx: usize, c: i32, tid: i32): void {
  const mc = ptrSlot(ctx, X_CTXS) + (<usize>tid) * (<usize>CTX_BYTES);
  const big = ptrSlot(ctx, M_BIG) + (<usize>tid) * (<usize>slot(ctx, X_REGION));
  setupMerge(ctx, mc, slot(ctx, X_DEPTH), c, tid, big);
  mergeAlone(mc, tid);
}

/**
 * Eigenvalues (d, ascending) and eigenvectors (rows of qt, n x n: row r for d[r]) of the symmetric tridiagonal with
 * diagonal d (n) and off-diagonal e (n, e[i] = T[i][i+1]; destroyed). Team leader. Workspace: big (n^2 doubles),
 * small (teamThreads x dcThreadDoubles(n)), levels (dcLevelEntries(n) i32), works (u32 table of gemm buffers per
 * thread), ctx ((teamThreads + 1) x CTX_BYTES), status (i32, set to 1 on a convergence failure).
 */
export function dcEigen(n: i32, d: usize, e: usize, qt: usize, big: usize, small: usize, levels: usize,
  works: usize, team: usize, ctx: usize, status: usize): void {
  const threads = teamThreads(team);
  memory.fill(ctx, 0, <usize>CTX_BYTES);
  setSlot(ctx, M_N, n); setSlot(ctx, M_QT, <i32>qt); setSlot(ctx, M_D, <i32>d); setSlot(ctx, M_E, <i32>e);
  // Each thread's workspace: SMALL_UNITS vectors of n, then ROWS_MAX x n for eigenvector rows (M_VBUF stride).
  setSlot(ctx, M_SMALL, <i32>small); setSlot(ctx, M_STRIDE, dcThreadDoubles(n) << 3); setSlot(ctx, M_WORKS, <i32>works);
  setSlot(ctx, M_VBUF, <i32>at(small, SMALL_UNITS * n));
  setSlot(ctx, M_STATUS, <i32>status); setSlot(ctx, M_BIG, <i32>big); setSlot(ctx, X_LEVELS, <i32>levels);
  setSlot(ctx, X_CTXS, <i32>(ctx + CTX_BYTES));
  // Whole merges run in parallel only if each thread's share of `big` holds one (m x m for size m).
  const region = ((n * n / threads) & ~1);
  setSlot(ctx, X_REGION, region << 3);
  // Scale to max |entry| = 1 (the deflation tolerances are absolute); a zero matrix is already diagonal.
  let norm = 0.0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.max(Math.abs(load<f64>(at(d, i))), Math.abs(load<f64>(at(e, i)))));
  if (norm == 0.0) norm = 1.0;
  for (let i = 0; i < n; i++) {
    store<f64>(at(d, i), load<f64>(at(d, i)) / norm);
    store<f64>(at(e, i), load<f64>(at(e, i)) / norm);
  }
  store<f64>(at(e, n - 1), 0.0);
  // Halve every block until the largest fits a leaf; tear at each split.
  let depth = 0;
  store<i32>(levels, 0); store<i32>(levels, n, 4);
  while ((n + (1 << depth) - 1) >> depth > LEAF) {
    const nb = 1 << depth;
    for (let b = 0; b < nb; b++) {
      const s = levelAt(levels, depth, b), m = levelAt(levels, depth, b + 1) - s;
      const base = levels + ((<usize>((2 << depth) + depth)) << 2);
      store<i32>(base + ((<usize>(2 * b)) << 2), s);
      store<i32>(base + ((<usize>(2 * b + 1)) << 2), s + (m >> 1));
      const beta = Math.abs(load<f64>(at(e, s + (m >> 1) - 1)));
      store<f64>(at(d, s + (m >> 1) - 1), load<f64>(at(d, s + (m >> 1) - 1)) - beta);
      store<f64>(at(d, s + (m >> 1)), load<f64>(at(d, s + (m >> 1))) - beta);
    }
    store<i32>(levels + ((<usize>((2 << depth) + depth + 2 * nb)) << 2), n);
    depth++;
  }
  setSlot(ctx, X_DEPTH, depth);
  teamRun(team, JOB_LEAF, 1 << depth, ctx);
  for (let t = depth - 1; t >= 0; t--) {
    const nb = 1 << t;
    const maxm = (n + nb - 1) / nb;
    setSlot(ctx, X_DEPTH, t);
    if (threads == 1 || (nb >= threads && maxm * maxm <= region)) {
      if (threads == 1) {
        for (let b = 0; b < nb; b++) dcMergeChunk(ctx, b, 0);
      } else {
        teamRun(team, JOB_MERGE, nb, ctx);
      }
      continue;
    }
    const mc = ptrSlot(ctx, X_CTXS);
    for (let b = 0; b < nb; b++) {
      setupMerge(ctx, mc, t, b, 0, big);
      mergeShared(mc, team);
    }
  }
  for (let i = 0; i < n; i++) store<f64>(at(d, i), load<f64>(at(d, i)) * norm);
  sortRows(n, d, qt, wsArr(ctx, 0, W_IDX), wsArr(ctx, 0, W_TIDX), wsArr(ctx, 0, W_TMP));
}
