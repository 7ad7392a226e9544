// One merge of the divide-and-conquer tridiagonal eigensolver (Cuppen's method; LAPACK dlaed1-dlaed3 describe it):
// two solved halves T1 = Q1 D1 Q1^T, T2 = Q2 D2 Q2^T and the coupling beta give
//   T = diag(Q1, Q2) (diag(D1, D2) + rho z z^T) diag(Q1, Q2)^T,  z = (last row of Q1, sign(beta) first row of Q2)/sqrt2,
// rho = 2|beta|. Deflation drops the components with tiny z_j and merges pairs of (nearly) equal d_j with a plane
// rotation; the rest go through the secular equation (secular.ts) and the Gu-Eisenstat recomputed z (dc-vectors.ts).
// Eigenvectors are rows of qt (n x n, row r = eigenvector r restricted to its block's columns).
import { argsortAsc } from './ql';
import { at, maxAbsOf, ptrSlot, rot, setF, setSlot, slot } from './vec';

// Merge context slots (i32 or f64 per 8-byte slot).
export const M_N = 0, M_QT = 1, M_D = 2, M_E = 3, M_S = 4, M_N1 = 5, M_M = 6, M_K = 7, M_K1 = 8, M_K2 = 9;
export const M_RHO = 10, M_SMALL = 11, M_STRIDE = 12, M_OWN = 13, M_BIG = 14, M_VBUF = 15, M_QTOP = 16;
export const M_QBOT = 17, M_WORKS = 18, M_STATUS = 19, M_ROOTS = 20, M_ROWS = 21;

// Per-thread small workspace: arrays of n doubles (or n i32) at these multiples of n doubles.
export const W_Z = 0, W_DLOC = 1, W_IDX = 2, W_TIDX = 3, W_TYPE = 4, W_DLAM = 5, W_W = 6, W_Z2 = 7, W_SRC = 8;
export const W_POS = 9, W_DSRC = 10, W_DVAL = 11, W_ZHAT = 12, W_ORIG = 13, W_TAU = 14, W_TMP = 15, W_SUMS = 16;
export const W_ETMP = 17;
/** Doubles of small workspace per thread, in units of n. */
export const SMALL_UNITS: i32 = 18;

const TOP: i32 = 1, DENSE: i32 = 2, BOTTOM: i32 = 3;
const EPS = 2.220446049250313e-16;

/** Array `unit` of thread tid's small workspace. */
// @ts-ignore: decorator
@inline export function wsArr(ctx: usize, tid: i32, unit: i32): usize {
  return ptrSlot(ctx, M_SMALL) + (<usize>tid) * (<usize>slot(ctx, M_STRIDE)) + ((<usize>(unit * slot(ctx, M_N))) << 3);
}
// @ts-ignore: decorator
@inline function geti(p: usize, i: i32): i32 { return load<i32>(p + ((<usize>i) << 2)); }
// @ts-ignore: decorator
@inline function seti(p: usize, i: i32, v: i32): void { store<i32>(p + ((<usize>i) << 2), v); }

/**
 * Deflation and data movement of the merge described by ctx (M_N, M_QT, M_D, M_E, M_S, M_N1, M_M, M_SMALL,
 * M_STRIDE, M_OWN, M_BIG set): builds z and rho, sorts, deflates (rotating qt rows), copies the surviving
 * eigenvectors into compact top/bottom blocks of the big region (m x m doubles at most), moves the deflated ones to
 * rows s+k..s+m-1 with their eigenvalues in d, and leaves the secular problem (dlam, w, z2, pos) in the owner's
 * workspace.
 * Returns k, the size of the secular problem (0: nothing left to do).
 */
export function mergePrepare(ctx: usize): i32 {
  const n = slot(ctx, M_N), s = slot(ctx, M_S), n1 = slot(ctx, M_N1), m = slot(ctx, M_M), own = slot(ctx, M_OWN);
  const qt = ptrSlot(ctx, M_QT), d = ptrSlot(ctx, M_D);
  const z = wsArr(ctx, own, W_Z), dloc = wsArr(ctx, own, W_DLOC), idx = wsArr(ctx, own, W_IDX);
  const type = wsArr(ctx, own, W_TYPE), dlam = wsArr(ctx, own, W_DLAM), w = wsArr(ctx, own, W_W);
  const src = wsArr(ctx, own, W_SRC), pos = wsArr(ctx, own, W_POS), dsrc = wsArr(ctx, own, W_DSRC);
  const dval = wsArr(ctx, own, W_DVAL);
  const beta = load<f64>(at(ptrSlot(ctx, M_E), s + n1 - 1));
  const half = Math.SQRT1_2, sgn = beta < 0 ? -half : half;
  for (let c = 0; c < n1; c++) store<f64>(at(z, c), half * load<f64>(at(qt, (s + c) * n + s + n1 - 1)));
  for (let c = n1; c < m; c++) store<f64>(at(z, c), sgn * load<f64>(at(qt, (s + c) * n + s + n1)));
  const rho = 2.0 * Math.abs(beta);
  setF(ctx, M_RHO, rho);
  memory.copy(dloc, at(d, s), (<usize>m) << 3);
  argsortAsc(m, dloc, idx, wsArr(ctx, own, W_TIDX));
  for (let c = 0; c < m; c++) seti(type, c, c < n1 ? TOP : BOTTOM);
  const zmax = maxAbsOf(z, m);
  const tol = 8.0 * EPS * Math.max(maxAbsOf(dloc, m), zmax);
  setSlot(ctx, M_K, 0);
  // A negligible coupling: the halves' eigenpairs already are the merged ones.
  if (rho * zmax <= tol) return 0;
  let k = 0, nd = 0, pj = -1;
  for (let p = 0; p < m; p++) {
    const j = geti(idx, p);
    if (rho * Math.abs(load<f64>(at(z, j))) <= tol) {
      seti(dsrc, nd, j); store<f64>(at(dval, nd), load<f64>(at(dloc, j))); nd++;
      continue;
    }
    if (pj < 0) { pj = j; continue; }
    // Rotate (pj, j) so z_pj becomes 0; if the coupling it leaves behind, |t c s|, is negligible, pj deflates.
    const zp = load<f64>(at(z, pj)), zj = load<f64>(at(z, j));
    const tau = Math.hypot(zj, zp);
    const c = zj / tau, sn = -zp / tau;
    const t = load<f64>(at(dloc, j)) - load<f64>(at(dloc, pj));
    if (Math.abs(t * c * sn) <= tol) {
      store<f64>(at(z, j), tau); store<f64>(at(z, pj), 0.0);
      rot(at(qt, (s + pj) * n + s), at(qt, (s + j) * n + s), c, sn, m);
      if (geti(type, pj) != geti(type, j)) { seti(type, pj, DENSE); seti(type, j, DENSE); }
      const dp = load<f64>(at(dloc, pj)), dj = load<f64>(at(dloc, j));
      store<f64>(at(dloc, pj), dp * c * c + dj * sn * sn);
      store<f64>(at(dloc, j), dp * sn * sn + dj * c * c);
      seti(dsrc, nd, pj); store<f64>(at(dval, nd), load<f64>(at(dloc, pj))); nd++;
    } else {
      seti(src, k, pj); k++;
    }
    pj = j;
  }
  if (pj >= 0) { seti(src, k, pj); k++; }
  // Secular problem in increasing dlam; grouped order puts top-only vectors first, then dense, then bottom-only,
  // so the top rows multiply grouped columns [0, k1 + k2) and the bottom rows [k1, k).
  let k1 = 0, k2 = 0;
  for (let q = 0; q < k; q++) {
    const j = geti(src, q);
    store<f64>(at(dlam, q), load<f64>(at(dloc, j)));
    const zj = load<f64>(at(z, j));
    store<f64>(at(w, q), zj);
    store<f64>(at(wsArr(ctx, own, W_Z2), q), zj * zj);
    const ty = geti(type, j);
    if (ty == TOP) k1++; else if (ty == DENSE) k2++;
  }
  let g1 = 0, g2 = k1, g3 = k1 + k2;
  for (let q = 0; q < k; q++) {
    const ty = geti(type, geti(src, q));
    seti(pos, q, ty == TOP ? g1++ : ty == DENSE ? g2++ : g3++);
  }
  setSlot(ctx, M_K, k); setSlot(ctx, M_K1, k1); setSlot(ctx, M_K2, k2);
  const n2 = m - n1, k12 = k1 + k2, k23 = k - k1;
  // k12 n1 + k23 n2 + (m - k) m <= m^2: a dense vector counts in both halves but has m entries anyway.
  const qtop = ptrSlot(ctx, M_BIG), qbot = at(qtop, k12 * n1), qdef = at(qbot, k23 * n2);
  setSlot(ctx, M_QTOP, <i32>qtop); setSlot(ctx, M_QBOT, <i32>qbot);
  for (let q = 0; q < k; q++) {
    const g = geti(pos, q);
    const row = at(qt, (s + geti(src, q)) * n + s);
    if (g < k12) memory.copy(at(qtop, g * n1), row, (<usize>n1) << 3);
    if (g >= k1) memory.copy(at(qbot, (g - k1) * n2), at(row, n1), (<usize>n2) << 3);
  }
  for (let q = 0; q < nd; q++) memory.copy(at(qdef, q * m), at(qt, (s + geti(dsrc, q)) * n + s), (<usize>m) << 3);
  for (let q = 0; q < nd; q++) {
    memory.copy(at(qt, (s + k + q) * n + s), at(qdef, q * m), (<usize>m) << 3);
    store<f64>(at(d, s + k + q), load<f64>(at(dval, q)));
  }
  return k;
}
