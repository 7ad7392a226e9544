// Blocked Householder reduction of a symmetric matrix to tridiagonal form (LAPACK dsytrd/dlatrd, lower),
// on a full row-major copy: by symmetry row i doubles as column i, so every access is contiguous.
import { gemm } from './gemm';

/** Panel width: reflectors per GEMM-shaped trailing update. */
export const NB: i32 = 32;

// @ts-ignore: decorator
@inline function at(base: usize, idx: i32): usize { return base + ((<usize>idx) << 3); }

function dot(x: usize, y: usize, len: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x), v128.load(y)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(x, 16), v128.load(y, 16)));
    x += 32; y += 32;
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < len; i++) { s += load<f64>(x) * load<f64>(y); x += 8; y += 8; }
  return s;
}

// w[s..n) = A[s..n, s..n] v from the lower triangle only (half the memory traffic of a full gemv): row r's
// segment left of the diagonal feeds w[r] as a dot product and w[s..r) as an axpy in the same pass.
function symvLower(n: i32, a: usize, s: i32, v: usize, w: usize): void {
  memory.fill(at(w, s), 0, (<usize>(n - s)) << 3);
  for (let r = s; r < n; r++) {
    const seg = at(a, r * n + s);
    const vr = load<f64>(at(v, r));
    const vrv = f64x2.splat(vr);
    let acc = f64x2.splat(0);
    let x = seg, vp = at(v, s), wp = at(w, s);
    const len = r - s;
    let k = 0;
    for (; k + 2 <= len; k += 2) {
      const sv = v128.load(x);
      acc = f64x2.add(acc, f64x2.mul(sv, v128.load(vp)));
      v128.store(wp, f64x2.add(v128.load(wp), f64x2.mul(vrv, sv)));
      x += 16; vp += 16; wp += 16;
    }
    let t = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    if (k < len) {
      const sx = load<f64>(x);
      t += sx * load<f64>(vp);
      store<f64>(wp, load<f64>(wp) + vr * sx);
    }
    store<f64>(at(w, r), load<f64>(at(w, r)) + t + load<f64>(at(a, r * n + r)) * vr);
  }
}

// y += alpha * x over len doubles.
function axpy(alpha: f64, x: usize, y: usize, len: i32): void {
  const av = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    v128.store(y, f64x2.add(v128.load(y), f64x2.mul(av, v128.load(x))));
    x += 16; y += 16;
  }
  if (i < len) store<f64>(y, load<f64>(y) + alpha * load<f64>(x));
}

/**
 * Reduces the n x n symmetric row-major `a` to tridiagonal T = Q^T A Q: d (n) diagonal, e (n) with e[i] = T[i][i+1]
 * and e[n-1] = 0, tau (n) reflector scales. Reflector i is v = (0..0, 1, a[i][i+2..n-1]) stored in row i of `a`.
 * `vt` and `wt` are NB x n scratch panels; `y` holds 2*NB doubles; `work` holds gemmWorkBytes().
 */
export function tridiagonalize(n: i32, a: usize, d: usize, e: usize, tau: usize,
  vt: usize, wt: usize, y: usize, work: usize): void {
  store<f64>(at(e, n - 1), 0.0);
  for (let s = 0; s < n - 1; s += NB) {
    const nbk = min(NB, n - 1 - s);
    memory.fill(vt, 0, (<usize>(nbk * n)) << 3);
    memory.fill(wt, 0, (<usize>(nbk * n)) << 3);
    for (let jj = 0; jj < nbk; jj++) {
      const i = s + jj;
      const row = at(a, i * n);
      // Column i (= row i) brought up to date with this panel's earlier reflectors.
      for (let q = 0; q < jj; q++) {
        const vq = at(vt, q * n), wq = at(wt, q * n);
        axpy(-load<f64>(at(wq, i)), at(vq, i), at(row, i), n - i);
        axpy(-load<f64>(at(vq, i)), at(wq, i), at(row, i), n - i);
      }
      store<f64>(at(d, i), load<f64>(at(row, i)));
      // dlarfg: v = x / (alpha - beta), v[0] = 1, beta = -sign(alpha) ||x||.
      const alpha = load<f64>(at(row, i + 1));
      const tail = n - i - 2;
      const xnorm = tail > 0 ? Math.sqrt(dot(at(row, i + 2), at(row, i + 2), tail)) : 0.0;
      let t = 0.0, beta = alpha;
      if (xnorm != 0.0) {
        beta = -Math.hypot(alpha, xnorm);
        if (alpha < 0) beta = -beta;
        t = (beta - alpha) / beta;
        const scale = 1.0 / (alpha - beta);
        for (let r = i + 2; r < n; r++) store<f64>(at(row, r), load<f64>(at(row, r)) * scale);
      }
      store<f64>(at(e, i), beta);
      store<f64>(at(tau, i), t);
      const vi = at(vt, jj * n), wi = at(wt, jj * n);
      store<f64>(at(vi, i + 1), 1.0);
      for (let r = i + 2; r < n; r++) store<f64>(at(vi, r), load<f64>(at(row, r)));
      if (t == 0.0) continue;
      // w = tau (A22 - V W^T - W V^T) v, with A22 as of the panel start.
      const len = n - i - 1;
      symvLower(n, a, i + 1, vi, wi);
      for (let q = 0; q < jj; q++) {
        store<f64>(at(y, q), dot(at(wt, q * n + i + 1), at(vi, i + 1), len));
        store<f64>(at(y, NB + q), dot(at(vt, q * n + i + 1), at(vi, i + 1), len));
      }
      for (let q = 0; q < jj; q++) {
        axpy(-load<f64>(at(y, q)), at(vt, q * n + i + 1), at(wi, i + 1), len);
        axpy(-load<f64>(at(y, NB + q)), at(wt, q * n + i + 1), at(wi, i + 1), len);
      }
      for (let r = i + 1; r < n; r++) store<f64>(at(wi, r), t * load<f64>(at(wi, r)));
      // w += -tau/2 (w.v) v makes the rank-2 update A - v w^T - w v^T equal H A H.
      const half = -0.5 * t * dot(at(wi, i + 1), at(vi, i + 1), len);
      axpy(half, at(vi, i + 1), at(wi, i + 1), len);
    }
    // Trailing update A22 -= V W^T + W V^T as two GEMMs over the full (symmetric) block.
    const t0 = s + nbk;
    const m = n - t0;
    if (m > 0) {
      gemm(m, m, nbk, -1.0, at(vt, t0), 1, n, at(wt, t0), n, 1, at(a, t0 * n + t0), n, work);
      gemm(m, m, nbk, -1.0, at(wt, t0), 1, n, at(vt, t0), n, 1, at(a, t0 * n + t0), n, work);
    }
  }
  store<f64>(at(d, n - 1), load<f64>(at(a, (n - 1) * n + n - 1)));
}
