// Blocked Householder reduction of a symmetric matrix to tridiagonal form (LAPACK dsytrd/dlatrd idea), on a
// row-major copy whose upper triangle is the working half: by symmetry row i from column i on doubles as column i
// below the diagonal, so every access is contiguous. The per-column symmetric products and the per-panel trailing
// updates (one rank-2*NB GEMM on the upper triangle only) are split over the team.
import { gemm } from './gemm';
import { JOB_SYMV, JOB_TRAIL, JOB_TRI_REFLECTOR, JOB_TRI_W, runChunk } from './jobs';
import { teamRun } from './team';
import { at, axpy, dot, madd, maxAbsOf, ptrSlot, scal, setSlot, slot, threadPtr } from './vec';

/** Panel width: reflectors per GEMM-shaped trailing update. */
export const NB: i32 = 32;
// Rows per trailing-update chunk.
const STRIP: i32 = 64;
// Shorter columns are multiplied by the leader alone: splitting them would cost more than it saves.
const SPLIT_MIN: i32 = 160;
// A column's product is split into this many row chunks (whatever the team size, so results do not depend on it),
// each adding into its own partial vector; the partials are summed in chunk order.
const SYMV_CHUNKS: i32 = 8;

// Context slots.
const X_N = 0, X_A = 1, X_VW = 2, X_PART = 3, X_BOUNDS = 4, X_WORKS = 5, X_V = 6, X_T0 = 7, X_P0 = 8, X_Y = 9;
const X_D = 10, X_E = 11, X_TAU = 12, X_SPLIT = 13, X_PACKED = 14;

// The packed layout (tridiagonalizePacked): rows in blocks of NB, block b (rows NB b ..) stored from column NB b on as
// a dense NB x (n - NB b) matrix, so every row keeps the columns from its own on (and the trailing update's GEMM a
// constant leading dimension within a block) in about n^2 / 2 doubles instead of n^2.

/** Doubles of the packed layout of an n x n matrix. */
export function tridiagPackedDoubles(n: i32): i32 {
  const blocks = (n + NB - 1) / NB;
  return packedBlockAt(n, blocks - 1) + (n - (blocks - 1) * NB) * (n - (blocks - 1) * NB);
}

// Offset (doubles) of packed block b: the blocks before it hold NB (n - NB b') each.
// @ts-ignore: decorator
@inline function packedBlockAt(n: i32, b: i32): i32 {
  return NB * b * n - (NB * NB / 2) * b * (b - 1);
}

/** Address of row r's column 0 in the packed layout at `a` (virtual: the row's stored columns start at its block's). */
export function packedRowAt(n: i32, a: usize, r: i32): usize {
  return rowAt(a, n, r, true);
}

// Address of row r's column 0 (virtual when packed: only the columns from NB floor(r / NB) on are stored).
// @ts-ignore: decorator
@inline function rowAt(a: usize, n: i32, r: i32, packed: bool): usize {
  if (!packed) return at(a, r * n);
  const b = r / NB, c0 = b * NB;
  return at(a, packedBlockAt(n, b) + (r - c0) * (n - c0)) - ((<usize>c0) << 3);
}

// w[r0..r1) and w[r1..n) gain rows [r0, r1) of (upper triangle of A) v, each row both as a dot product (its own
// entry) and as an axpy (the entries right of the diagonal, standing for the column below it). Rows go in fours
// (then pairs) so v and w are loaded once for several rows: the product is bound by loads, not arithmetic.
// Layout is u8 for the full layout, u16 for the packed one: a compile-time choice, so the full layout's copy is the
// code it always was (the same instructions in the built module).
function symvRows<Layout>(n: i32, a: usize, r0: i32, r1: i32, v: usize, w: usize): void {
  let r = r0;
  for (; r + 4 <= r1; r += 4) {
    let p0 = at(a, r * n), p1 = at(a, (r + 1) * n), p2 = at(a, (r + 2) * n), p3 = at(a, (r + 3) * n);
    if (sizeof<Layout>() == 2) {
      p0 = rowAt(a, n, r, true); p1 = rowAt(a, n, r + 1, true);
      p2 = rowAt(a, n, r + 2, true); p3 = rowAt(a, n, r + 3, true);
    }
    const v0 = load<f64>(at(v, r)), v1 = load<f64>(at(v, r + 1)), v2 = load<f64>(at(v, r + 2)), v3 = load<f64>(at(v, r + 3));
    // The 4 x 4 diagonal block, from its upper triangle.
    const a01 = load<f64>(at(p0, r + 1)), a02 = load<f64>(at(p0, r + 2)), a03 = load<f64>(at(p0, r + 3));
    const a12 = load<f64>(at(p1, r + 2)), a13 = load<f64>(at(p1, r + 3)), a23 = load<f64>(at(p2, r + 3));
    let t0 = load<f64>(at(p0, r)) * v0 + a01 * v1 + a02 * v2 + a03 * v3;
    let t1 = a01 * v0 + load<f64>(at(p1, r + 1)) * v1 + a12 * v2 + a13 * v3;
    let t2 = a02 * v0 + a12 * v1 + load<f64>(at(p2, r + 2)) * v2 + a23 * v3;
    let t3 = a03 * v0 + a13 * v1 + a23 * v2 + load<f64>(at(p3, r + 3)) * v3;
    const len = n - r - 4;
    let x0 = at(p0, r + 4), x1 = at(p1, r + 4), x2 = at(p2, r + 4), x3 = at(p3, r + 4);
    let vp = at(v, r + 4), wp = at(w, r + 4);
    const vv0 = f64x2.splat(v0), vv1 = f64x2.splat(v1), vv2 = f64x2.splat(v2), vv3 = f64x2.splat(v3);
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0), acc2 = f64x2.splat(0), acc3 = f64x2.splat(0);
    let k = 0;
    for (; k + 2 <= len; k += 2) {
      const y0 = v128.load(x0), y1 = v128.load(x1), y2 = v128.load(x2), y3 = v128.load(x3), vc = v128.load(vp);
      acc0 = madd(y0, vc, acc0); acc1 = madd(y1, vc, acc1); acc2 = madd(y2, vc, acc2); acc3 = madd(y3, vc, acc3);
      v128.store(wp, madd(y0, vv0, madd(y1, vv1, madd(y2, vv2, madd(y3, vv3, v128.load(wp))))));
      x0 += 16; x1 += 16; x2 += 16; x3 += 16; vp += 16; wp += 16;
    }
    t0 += f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
    t1 += f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1);
    t2 += f64x2.extract_lane(acc2, 0) + f64x2.extract_lane(acc2, 1);
    t3 += f64x2.extract_lane(acc3, 0) + f64x2.extract_lane(acc3, 1);
    if (k < len) {
      const y0 = load<f64>(x0), y1 = load<f64>(x1), y2 = load<f64>(x2), y3 = load<f64>(x3), vc = load<f64>(vp);
      t0 += y0 * vc; t1 += y1 * vc; t2 += y2 * vc; t3 += y3 * vc;
      store<f64>(wp, load<f64>(wp) + y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3);
    }
    store<f64>(at(w, r), load<f64>(at(w, r)) + t0);
    store<f64>(at(w, r + 1), load<f64>(at(w, r + 1)) + t1);
    store<f64>(at(w, r + 2), load<f64>(at(w, r + 2)) + t2);
    store<f64>(at(w, r + 3), load<f64>(at(w, r + 3)) + t3);
  }
  for (; r + 2 <= r1; r += 2) {
    let row0 = at(a, r * n), row1 = at(a, (r + 1) * n);
    if (sizeof<Layout>() == 2) { row0 = rowAt(a, n, r, true); row1 = rowAt(a, n, r + 1, true); }
    const v0 = load<f64>(at(v, r)), v1 = load<f64>(at(v, r + 1));
    const a00 = load<f64>(at(row0, r)), a01 = load<f64>(at(row0, r + 1)), a11 = load<f64>(at(row1, r + 1));
    let t0 = a00 * v0 + a01 * v1, t1 = a01 * v0 + a11 * v1;
    const len = n - r - 2;
    let x0 = at(row0, r + 2), x1 = at(row1, r + 2), vp = at(v, r + 2), wp = at(w, r + 2);
    const vv0 = f64x2.splat(v0), vv1 = f64x2.splat(v1);
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    let k = 0;
    for (; k + 2 <= len; k += 2) {
      const p = v128.load(x0), q = v128.load(x1), vc = v128.load(vp);
      acc0 = madd(p, vc, acc0);
      acc1 = madd(q, vc, acc1);
      v128.store(wp, madd(p, vv0, madd(q, vv1, v128.load(wp))));
      x0 += 16; x1 += 16; vp += 16; wp += 16;
    }
    t0 += f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
    t1 += f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1);
    if (k < len) {
      const p = load<f64>(x0), q = load<f64>(x1), vc = load<f64>(vp);
      t0 += p * vc; t1 += q * vc;
      store<f64>(wp, load<f64>(wp) + p * v0 + q * v1);
    }
    store<f64>(at(w, r), load<f64>(at(w, r)) + t0);
    store<f64>(at(w, r + 1), load<f64>(at(w, r + 1)) + t1);
  }
  if (r < r1) {
    const row = sizeof<Layout>() == 2 ? rowAt(a, n, r, true) : at(a, r * n);
    const vr = load<f64>(at(v, r));
    let t = load<f64>(at(row, r)) * vr;
    const len = n - r - 1;
    t += dot(at(row, r + 1), at(v, r + 1), len);
    axpy(vr, at(row, r + 1), at(w, r + 1), len);
    store<f64>(at(w, r), load<f64>(at(w, r)) + t);
  }
}

/** Team chunk: rows bounds[c]..bounds[c+1] of the current column's product into partial vector c. */
export function tridiagSymvChunk(ctx: usize, c: i32, tid: i32): void {
  const n = slot(ctx, X_N);
  const bounds = ptrSlot(ctx, X_BOUNDS);
  const r0 = load<i32>(bounds + ((<usize>c) << 2));
  // Rows from r0 on touch entries r0..n-1 only.
  const part = at(ptrSlot(ctx, X_PART), c * n);
  memory.fill(at(part, r0), 0, (<usize>(n - r0)) << 3);
  const a = ptrSlot(ctx, X_A), r1 = load<i32>(bounds + ((<usize>c + 1) << 2)), v = ptrSlot(ctx, X_V);
  if (slot(ctx, X_PACKED) != 0) symvRows<u16>(n, a, r0, r1, v, part);
  else symvRows<u8>(n, a, r0, r1, v, part);
}

/** Team chunk: rows of strip c of the trailing matrix (upper triangle) -= V W^T + W V^T. */
export function tridiagTrailChunk(ctx: usize, c: i32, tid: i32): void {
  const n = slot(ctx, X_N), r0 = slot(ctx, X_T0) + c * STRIP;
  const r1 = min(n, r0 + STRIP);
  const vw = ptrSlot(ctx, X_VW), a = ptrSlot(ctx, X_A), work = threadPtr(ptrSlot(ctx, X_WORKS), tid);
  // A(i, p) = [V W][i][p] is vw row p; B(p, j) = [W V]^T[p][j] is vw row NB + p (the third panel copies V).
  if (slot(ctx, X_PACKED) == 0) {
    gemm(r1 - r0, n - r0, 2 * NB, -1.0, at(vw, r0), 1, n, at(vw, NB * n + r0), n, 1, at(a, r0 * n + r0), n, work);
    return;
  }
  // Packed: one GEMM per block of rows (each its own leading dimension), columns from the block's first row on
  // (the strips start at multiples of NB, so each block's rows are whole and hold those columns).
  for (let q0 = r0; q0 < r1; ) {
    const c0 = q0 / NB * NB, q1 = min(r1, c0 + NB);
    gemm(q1 - q0, n - q0, 2 * NB, -1.0, at(vw, q0), 1, n, at(vw, NB * n + q0), n, 1,
      at(rowAt(a, n, q0, true), q0), n - c0, work);
    q0 = q1;
  }
}

/** Doubles of scratch tridiagonalize needs for an n x n matrix. */
export function tridiagScratchDoubles(n: i32): i32 {
  return (3 * NB + SYMV_CHUNKS) * n + 2 * NB + SYMV_CHUNKS + 2;
}

/**
 * Column i = s + jj of the panel at s: brings row i (= column i) up to date with the panel's earlier reflectors,
 * generates reflector i (dlarfg: v = x / (alpha - beta), v[0] = 1, beta = -sign(alpha) ||x||) into d, e, tau,
 * row i of `a` and V row jj. Run by the leader through runChunk (a hot function V8 tiers up, unlike the
 * once-called leader loop).
 */
export function tridiagReflector(ctx: usize, jj: i32, tid: i32): void {
  const n = slot(ctx, X_N), i = slot(ctx, X_P0) + jj, a = ptrSlot(ctx, X_A);
  const vt = ptrSlot(ctx, X_VW), wt = at(vt, NB * n);
  const row = rowAt(a, n, i, slot(ctx, X_PACKED) != 0);
  for (let q = 0; q < jj; q++) {
    const vq = at(vt, q * n), wq = at(wt, q * n);
    axpy(-load<f64>(at(wq, i)), at(vq, i), at(row, i), n - i);
    axpy(-load<f64>(at(vq, i)), at(wq, i), at(row, i), n - i);
  }
  store<f64>(at(ptrSlot(ctx, X_D), i), load<f64>(at(row, i)));
  const alpha = load<f64>(at(row, i + 1));
  const tail = n - i - 2;
  const xnorm = tail > 0 ? Math.sqrt(dot(at(row, i + 2), at(row, i + 2), tail)) : 0.0;
  let t = 0.0, beta = alpha;
  if (xnorm != 0.0) {
    beta = -Math.hypot(alpha, xnorm);
    if (alpha < 0) beta = -beta;
    t = (beta - alpha) / beta;
    scal(1.0 / (alpha - beta), at(row, i + 2), tail);
  }
  store<f64>(at(ptrSlot(ctx, X_E), i), beta);
  store<f64>(at(ptrSlot(ctx, X_TAU), i), t);
  const vi = at(vt, jj * n);
  store<f64>(at(vi, i + 1), 1.0);
  if (tail > 0) memory.copy(at(vi, i + 2), at(row, i + 2), (<usize>tail) << 3);
}

/**
 * Column i = s + jj, after the product A22 v (in W row jj, or in the chunk partials when X_SPLIT):
 * w = tau (A22 v - V (W^T v) - W (V^T v)), then w -= tau/2 (w.v) v so that A - v w^T - w v^T = H A H.
 */
export function tridiagW(ctx: usize, jj: i32, tid: i32): void {
  const n = slot(ctx, X_N), i = slot(ctx, X_P0) + jj;
  const vt = ptrSlot(ctx, X_VW), wt = at(vt, NB * n), y = ptrSlot(ctx, X_Y);
  const vi = at(vt, jj * n), wi = at(wt, jj * n);
  const len = n - i - 1;
  if (slot(ctx, X_SPLIT) != 0) {
    const part = ptrSlot(ctx, X_PART), bounds = ptrSlot(ctx, X_BOUNDS);
    for (let c = 0; c < SYMV_CHUNKS; c++) {
      const r0 = load<i32>(bounds + ((<usize>c) << 2));
      axpy(1.0, at(part, c * n + r0), at(wi, r0), n - r0);
    }
  }
  for (let q = 0; q < jj; q++) {
    store<f64>(at(y, q), dot(at(wt, q * n + i + 1), at(vi, i + 1), len));
    store<f64>(at(y, NB + q), dot(at(vt, q * n + i + 1), at(vi, i + 1), len));
  }
  for (let q = 0; q < jj; q++) {
    axpy(-load<f64>(at(y, q)), at(vt, q * n + i + 1), at(wi, i + 1), len);
    axpy(-load<f64>(at(y, NB + q)), at(wt, q * n + i + 1), at(wi, i + 1), len);
  }
  const t = load<f64>(at(ptrSlot(ctx, X_TAU), i));
  scal(t, at(wi, i + 1), len);
  axpy(-0.5 * t * dot(at(wi, i + 1), at(vi, i + 1), len), at(vi, i + 1), at(wi, i + 1), len);
}

/**
 * Reduces the n x n symmetric row-major `a` (both triangles given) to tridiagonal T = Q^T A Q: d (n) diagonal,
 * e (n) with e[i] = T[i][i+1] and e[n-1] = 0, tau (n) reflector scales. Reflector i is v = (0..0, 1,
 * a[i][i+2..n-1]) stored in row i of `a`; the lower triangle of `a` is left as scratch. Leader of the team:
 * scratch holds tridiagScratchDoubles(n), works is a u32 table of gemmWorkBytes() buffers per thread, ctx
 * CTX_BYTES.
 */
export function tridiagonalize(n: i32, a: usize, d: usize, e: usize, tau: usize, scratch: usize, works: usize,
  team: usize, ctx: usize): void {
  reduce(n, a, d, e, tau, scratch, works, team, ctx, false);
}

/**
 * tridiagonalize() on the packed layout (tridiagPackedDoubles(n) doubles at `a`: the upper triangle, rows in blocks
 * of NB, each block from its first row's column on, both triangles of the diagonal blocks given). Reflector i is
 * left in row i from column i + 2, as there.
 */
export function tridiagonalizePacked(n: i32, a: usize, d: usize, e: usize, tau: usize, scratch: usize,
  works: usize, team: usize, ctx: usize): void {
  reduce(n, a, d, e, tau, scratch, works, team, ctx, true);
}

function reduce(n: i32, a: usize, d: usize, e: usize, tau: usize, scratch: usize, works: usize, team: usize,
  ctx: usize, packed: bool): void {
  // scratch: V, W and a copy of V (NB x n each), the chunks' partial products, y (2 NB), chunk bounds (i32).
  const vw = scratch, part = at(vw, 3 * NB * n), y = at(part, SYMV_CHUNKS * n), bounds = at(y, 2 * NB);
  setSlot(ctx, X_N, n); setSlot(ctx, X_A, <i32>a); setSlot(ctx, X_VW, <i32>vw); setSlot(ctx, X_PART, <i32>part);
  setSlot(ctx, X_BOUNDS, <i32>bounds); setSlot(ctx, X_WORKS, <i32>works); setSlot(ctx, X_Y, <i32>y);
  setSlot(ctx, X_D, <i32>d); setSlot(ctx, X_E, <i32>e); setSlot(ctx, X_TAU, <i32>tau);
  setSlot(ctx, X_PACKED, packed ? 1 : 0);
  // Every stored entry (the packed layout's few lower ones are the matrix's too) is scaled alike.
  const stored = packed ? tridiagPackedDoubles(n) : n * n;
  // Entries far from 1 would overflow or underflow in the squared norms: scale by a power of 2 (exact) so the
  // largest is about 1, and undo it on d and e at the end (the reflectors do not depend on the scale).
  let big = 0.0;
  if (packed) big = maxAbsOf(a, stored);
  else for (let i = 0; i < n; i++) big = Math.max(big, maxAbsOf(at(a, i * n), n));
  let exponent = 0;
  if (big > 1e150 || (big < 1e-150 && big > 0.0)) {
    exponent = -<i32>Math.floor(Math.log2(big));
    scaleBy2(a, stored, exponent);
  }
  store<f64>(at(e, n - 1), 0.0);
  for (let s = 0; s < n - 1; s += NB) {
    const nbk = min(NB, n - 1 - s);
    setSlot(ctx, X_P0, s);
    memory.fill(vw, 0, (<usize>(2 * NB * n)) << 3);
    for (let jj = 0; jj < nbk; jj++) {
      const i = s + jj;
      runChunk(JOB_TRI_REFLECTOR, ctx, jj, 0);
      if (load<f64>(at(tau, i)) == 0.0) continue;
      // A22 v, with A22 as of the panel start (rows below i of this panel are not updated yet).
      symvColumn(n, a, i + 1, at(vw, jj * n), at(vw, (NB + jj) * n), bounds, team, ctx, packed);
      runChunk(JOB_TRI_W, ctx, jj, 0);
    }
    // Trailing update of the upper triangle: A22 -= V W^T + W V^T as one GEMM with inner dimension 2*NB.
    const t0 = s + nbk;
    if (t0 < n) {
      memory.copy(at(vw, 2 * NB * n), vw, (<usize>(NB * n)) << 3);
      setSlot(ctx, X_T0, t0);
      teamRun(team, JOB_TRAIL, (n - t0 + STRIP - 1) / STRIP, ctx);
    }
  }
  store<f64>(at(d, n - 1), load<f64>(at(rowAt(a, n, n - 1, packed), n - 1)));
  if (exponent != 0) {
    scaleBy2(d, n, -exponent);
    scaleBy2(e, n, -exponent);
  }
}

// x (len doubles) *= 2^exponent, in two steps when 2^exponent itself would overflow (subnormal inputs).
function scaleBy2(x: usize, len: i32, exponent: i32): void {
  const first = max(-1000, min(1000, exponent));
  scal(Math.pow(2.0, <f64>first), x, len);
  if (exponent != first) scal(Math.pow(2.0, <f64>(exponent - first)), x, len);
}

// w[s..n) = A[s..n, s..n] v (w zero on entry) when small; else split over the team in SYMV_CHUNKS row chunks of
// equal work, each into its own partial vector (summed by tridiagW), and X_SPLIT set.
function symvColumn(n: i32, a: usize, s: i32, v: usize, w: usize, bounds: usize, team: usize, ctx: usize,
  packed: bool): void {
  const len = n - s;
  if (len < SPLIT_MIN) {
    setSlot(ctx, X_SPLIT, 0);
    if (packed) symvRows<u16>(n, a, s, n, v, w);
    else symvRows<u8>(n, a, s, n, v, w);
    return;
  }
  setSlot(ctx, X_SPLIT, 1);
  // Row s + j carries len - j entries, so boundary k sits where the first j rows hold k / chunks of the triangle.
  store<i32>(bounds, s);
  for (let k = 1; k < SYMV_CHUNKS; k++) {
    const j = <i32>(len * (1.0 - Math.sqrt(1.0 - <f64>k / <f64>SYMV_CHUNKS)));
    store<i32>(bounds + ((<usize>k) << 2), s + j);
  }
  store<i32>(bounds + ((<usize>SYMV_CHUNKS) << 2), n);
  setSlot(ctx, X_V, <i32>v);
  teamRun(team, JOB_SYMV, SYMV_CHUNKS, ctx);
}

// The split tridiagonalisation (src/engines/wasm/tridiag-split.ts): the packed rows shared out over several memories
// (contiguous ranges of whole blocks), the panel loop driven from the host, and each memory's kernels on its own
// rows: tridiagReflector and tridiagW where the panel lives, the product and the trailing update in every memory.
// `a` is virtual there: the address row 0 of the packed layout would have (wrapping), so rowAt() finds the rows the
// memory holds; the others are never touched.

/**
 * Sets up ctx for the split tridiagonalisation in one memory: packed `a` (virtual), the panels vw (V, W and a copy
 * of V: 3 NB x n doubles), y (2 NB), d, e, tau (n each), works (a u32 table of gemmWorkBytes() buffers per thread).
 */
export function tridiagSplitSetup(ctx: usize, n: i32, a: usize, vw: usize, y: usize, d: usize, e: usize,
  tau: usize, works: usize): void {
  setSlot(ctx, X_N, n); setSlot(ctx, X_A, <i32>a); setSlot(ctx, X_VW, <i32>vw); setSlot(ctx, X_Y, <i32>y);
  setSlot(ctx, X_D, <i32>d); setSlot(ctx, X_E, <i32>e); setSlot(ctx, X_TAU, <i32>tau);
  setSlot(ctx, X_WORKS, <i32>works); setSlot(ctx, X_PACKED, 1); setSlot(ctx, X_SPLIT, 0);
}

/** Starts the panel at column s: V and W zeroed (then tridiagReflector and tridiagW take its columns). */
export function tridiagSplitPanel(ctx: usize, s: i32): void {
  setSlot(ctx, X_P0, s);
  memory.fill(ptrSlot(ctx, X_VW), 0, (<usize>(2 * NB * slot(ctx, X_N))) << 3);
}

/** part[r0..n) = rows [r0, r1) of (upper triangle of A) V row jj, as tridiagSymvChunk computes a chunk. */
export function tridiagSplitSymv(ctx: usize, jj: i32, r0: i32, r1: i32, part: usize): void {
  const n = slot(ctx, X_N);
  memory.fill(at(part, r0), 0, (<usize>(n - r0)) << 3);
  symvRows<u16>(n, ptrSlot(ctx, X_A), r0, r1, at(ptrSlot(ctx, X_VW), jj * n), part);
}

/**
 * Rows [r0, r1) of the trailing matrix (upper triangle, from column r0) -= V W^T + W V^T, one GEMM per block of
 * rows as tridiagTrailChunk does (the third panel holding a copy of V by then). Thread tid's GEMM buffer from works.
 */
export function tridiagSplitTrail(ctx: usize, r0: i32, r1: i32, tid: i32): void {
  const n = slot(ctx, X_N);
  const vw = ptrSlot(ctx, X_VW), a = ptrSlot(ctx, X_A), work = threadPtr(ptrSlot(ctx, X_WORKS), tid);
  for (let q0 = r0; q0 < r1; ) {
    const c0 = q0 / NB * NB, q1 = min(r1, c0 + NB);
    gemm(q1 - q0, n - q0, 2 * NB, -1.0, at(vw, q0), 1, n, at(vw, NB * n + q0), n, 1,
      at(rowAt(a, n, q0, true), q0), n - c0, work);
    q0 = q1;
  }
}
