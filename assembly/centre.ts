// A kinship's symmetry check and double centring in shared memory, rows split across the threads: the operations of
// src/io/matrix-read.ts's asymmetric() and src/linalg/centre.ts's subsetSquare() and doubleCentre(), in the same
// order, so that each value has the same bits as there (the f64 operations are IEEE's in both; nothing reassociates).

// @ts-ignore: decorator
@inline function at(m: usize, row: usize, n: usize, col: usize): usize { return m + ((row * n + col) << 3); }

/**
 * Stores at `flag` (i32) 1 when rows r0..r1-1 of the n x n matrix `a` hold a pair K[r][c], K[c][r] (c > r) whose
 * difference is more than 1e-6 max(1, |K[r][c]|, |K[c][r]|), else 0. Column by column, so that K[c][r0..r1) is read in
 * one run.
 */
export function asymmetricRows(a: usize, n: i32, r0: i32, r1: i32, flag: usize): void {
  const N = <usize>n;
  for (let c = r0 + 1; c < n; c++) {
    const end = min(r1, c);
    for (let r = r0; r < end; r++) {
      const x = load<f64>(at(a, <usize>r, N, <usize>c));
      const y = load<f64>(at(a, <usize>c, N, <usize>r));
      if (x != y && abs(x - y) > 1e-6 * max(max(1.0, abs(x)), abs(y))) {
        store<i32>(flag, 1);
        return;
      }
    }
  }
  store<i32>(flag, 0);
}

/**
 * Rows i0..i1-1 of the analysed sub-matrix (`keep`: n ascending i32 indices into the nTotal x nTotal matrix `a`) into
 * `out` (n x n), and each one's sum, left to right, into sums[i] (f64).
 */
export function subsetRowSums(a: usize, nTotal: i32, keep: usize, n: i32, i0: i32, i1: i32, out: usize, sums: usize): void {
  const N = <usize>nTotal;
  const m = <usize>n;
  for (let i = i0; i < i1; i++) {
    const from = <usize>load<i32>(keep + (<usize>i << 2));
    let s: f64 = 0;
    for (let k: usize = 0; k < m; k++) {
      const v = load<f64>(at(a, from, N, <usize>load<i32>(keep + (k << 2))));
      store<f64>(at(out, <usize>i, m, k), v);
      s += v;
    }
    store<f64>(sums + (<usize>i << 3), s);
  }
}

/**
 * doubleCentre()'s second loop over rows i0..i1-1 of the n x n matrix `a`, in place: for k >= i, K[i][k] and K[k][i]
 * become K[i][k] - (sums[i] + sums[k]) / n + grand. Threads on other rows read only their own rows' upper part
 * (k >= i), which no thread writes before reading, and the lower entries written are never read.
 */
export function centreRows(a: usize, n: i32, sums: usize, grand: f64, i0: i32, i1: i32): void {
  const N = <usize>n;
  const d = <f64>n;
  for (let i = i0; i < i1; i++) {
    const si = load<f64>(sums + (<usize>i << 3));
    for (let k = i; k < n; k++) {
      const v = load<f64>(at(a, <usize>i, N, <usize>k)) - (si + load<f64>(sums + (<usize>k << 3))) / d + grand;
      store<f64>(at(a, <usize>i, N, <usize>k), v);
      store<f64>(at(a, <usize>k, N, <usize>i), v);
    }
  }
}
