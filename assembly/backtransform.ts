// Back-transformation of tridiagonal eigenvectors with the compact WY form (LAPACK dlarft + dlarfb):
// U^T = Z^T H_{n-2} ... H_0, applied one block of reflectors at a time as three GEMMs on rows of Z^T.
import { gemm } from './gemm';

// @ts-ignore: decorator
@inline function at(base: usize, idx: i32): usize { return base + ((<usize>idx) << 3); }

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
    for (let r = i + 2; r < n; r++) store<f64>(at(row, r), load<f64>(at(a, i * n + r)));
  }
  for (let j = 0; j < kb; j++) {
    const t = load<f64>(at(tau, j0 + j));
    store<f64>(at(tmat, j * kb + j), t);
    if (t == 0.0) continue;
    const start = j0 + j + 1;
    // Column j of T: -tau_j * T[0:j,0:j] * (V[:,0:j]^T v_j); the tmp lands in column j, then is overwritten.
    for (let q = 0; q < j; q++) {
      let s = 0.0;
      for (let r = start; r < n; r++) s += load<f64>(at(vt, q * n + r)) * load<f64>(at(vt, j * n + r));
      store<f64>(at(tmat, q * kb + j), -t * s);
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
