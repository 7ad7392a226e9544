// Implicit QL with Wilkinson-type shifts (EISPACK tql2 / JAMA) on a small symmetric tridiagonal matrix: the leaves
// of the divide-and-conquer eigensolver. Eigenvectors are kept as rows (row r of z is the eigenvector of d[r]), so
// each plane rotation combines two contiguous rows.
import { at, rot } from './vec';

/**
 * Eigen-decomposes the m x m symmetric tridiagonal (d (m) diagonal, e (m) with e[i] = T[i][i+1], e[m-1] = 0) in
 * place: d becomes the eigenvalues (unsorted) and z (m rows, `ldz` doubles apart, m entries each) the eigenvectors,
 * row r for d[r]; e is destroyed. Returns 0, or -1 when an eigenvalue needs more than 60 sweeps.
 */
export function qlEigen(m: i32, d: usize, e: usize, z: usize, ldz: i32): i32 {
  const eps = 2.220446049250313e-16;
  for (let r = 0; r < m; r++) {
    memory.fill(at(z, r * ldz), 0, (<usize>m) << 3);
    store<f64>(at(z, r * ldz + r), 1.0);
  }
  let f = 0.0, tst1 = 0.0;
  for (let l = 0; l < m; l++) {
    tst1 = Math.max(tst1, Math.abs(load<f64>(at(d, l))) + Math.abs(load<f64>(at(e, l))));
    let iter = 0;
    for (;;) {
      let k = l;
      while (k < m - 1 && Math.abs(load<f64>(at(e, k))) > eps * tst1) k++;
      if (k == l) break;
      if (++iter > 60) return -1;
      // Shift from the leading 2x2 block.
      let g = load<f64>(at(d, l));
      let p = (load<f64>(at(d, l + 1)) - g) / (2.0 * load<f64>(at(e, l)));
      let r = Math.hypot(p, 1.0);
      if (p < 0) r = -r;
      const el = load<f64>(at(e, l));
      store<f64>(at(d, l), el / (p + r));
      store<f64>(at(d, l + 1), el * (p + r));
      const dl1 = load<f64>(at(d, l + 1));
      let h = g - load<f64>(at(d, l));
      for (let i = l + 2; i < m; i++) store<f64>(at(d, i), load<f64>(at(d, i)) - h);
      f += h;
      // Implicit QL sweep from k-1 down to l; rows i, i+1 of z turn with each rotation.
      p = load<f64>(at(d, k));
      let c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0;
      const el1 = load<f64>(at(e, l + 1));
      for (let i = k - 1; i >= l; i--) {
        c3 = c2; c2 = c; s2 = s;
        const ei = load<f64>(at(e, i)), di = load<f64>(at(d, i));
        g = c * ei; h = c * p;
        r = Math.hypot(p, ei);
        store<f64>(at(e, i + 1), s * r);
        s = ei / r; c = p / r;
        p = c * di - s * g;
        store<f64>(at(d, i + 1), h + s * (c * g + s * di));
        rot(at(z, i * ldz), at(z, (i + 1) * ldz), c, -s, m);
      }
      p = -s * s2 * c3 * el1 * load<f64>(at(e, l)) / dl1;
      store<f64>(at(e, l), s * p);
      store<f64>(at(d, l), c * p);
    }
    store<f64>(at(d, l), load<f64>(at(d, l)) + f);
    store<f64>(at(e, l), 0.0);
  }
  return 0;
}

/** idx[0..m) = the permutation sorting vals (m) ascending (stable bottom-up merge sort); tmp holds m i32. */
export function argsortAsc(m: i32, vals: usize, idx: usize, tmp: usize): void {
  for (let i = 0; i < m; i++) store<i32>(idx + ((<usize>i) << 2), i);
  let src = idx, dst = tmp;
  for (let width = 1; width < m; width <<= 1) {
    for (let lo = 0; lo < m; lo += 2 * width) {
      const mid = min(lo + width, m), hi = min(lo + 2 * width, m);
      let a = lo, b = mid, o = lo;
      while (a < mid && b < hi) {
        const ia = load<i32>(src + ((<usize>a) << 2)), ib = load<i32>(src + ((<usize>b) << 2));
        if (load<f64>(at(vals, ib)) < load<f64>(at(vals, ia))) { store<i32>(dst + ((<usize>o) << 2), ib); b++; }
        else { store<i32>(dst + ((<usize>o) << 2), ia); a++; }
        o++;
      }
      while (a < mid) { store<i32>(dst + ((<usize>o) << 2), load<i32>(src + ((<usize>a) << 2))); a++; o++; }
      while (b < hi) { store<i32>(dst + ((<usize>o) << 2), load<i32>(src + ((<usize>b) << 2))); b++; o++; }
    }
    const t = src; src = dst; dst = t;
  }
  if (src != idx) memory.copy(idx, src, (<usize>m) << 2);
}

/**
 * Sorts d (n) ascending and permutes the rows of z (n rows of n doubles) with it, in place by following the
 * permutation's cycles; idx and tmp hold n i32 each, row n doubles.
 */
export function sortRows(n: i32, d: usize, z: usize, idx: usize, tmp: usize, row: usize): void {
  argsortAsc(n, d, idx, tmp);
  const bytes = (<usize>n) << 3;
  // Position p must receive row idx[p]; a visited entry is marked by idx[p] = -1 - idx[p].
  for (let p0 = 0; p0 < n; p0++) {
    let src = load<i32>(idx + ((<usize>p0) << 2));
    if (src < 0 || src == p0) continue;
    const dv = load<f64>(at(d, p0));
    memory.copy(row, at(z, p0 * n), bytes);
    let p = p0;
    while (src != p0) {
      store<f64>(at(d, p), load<f64>(at(d, src)));
      memory.copy(at(z, p * n), at(z, src * n), bytes);
      store<i32>(idx + ((<usize>p) << 2), -1 - src);
      p = src;
      src = load<i32>(idx + ((<usize>p) << 2));
    }
    store<f64>(at(d, p), dv);
    memory.copy(at(z, p * n), row, bytes);
    store<i32>(idx + ((<usize>p) << 2), -1 - p0);
  }
}
