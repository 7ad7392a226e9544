// The kinship K = (hi + lo) / snps from its double-double sum, rows split across the engine's threads: the same
// operations as roundKinshipUpper() in src/engines/wasm/ops.ts (one add, one divide per entry, so the same bits),
// without its pass of the main thread over K while the workers wait (-gk, before K is written).

/**
 * For rows row0..row1-1 of row-major n x n arrays: k[r][c] = (hi[r][c] + lo[r][c]) / snps for c >= r, then
 * k[c][r] = k[r][c] for c > r. k may be hi. Ranges of rows on different threads write disjoint entries (an
 * upper entry is written by its row's range, a lower one by its column's) and read only upper entries of hi and
 * lo, and of k those their own range wrote.
 */
export function roundKinshipRows(k: usize, hi: usize, lo: usize, n: i32, snps: f64, row0: i32, row1: i32): void {
  const stride = <usize>n << 3;
  for (let r = row0; r < row1; r++) {
    const row = <usize>r * stride;
    for (let c = r; c < n; c++) {
      const at = row + (<usize>c << 3);
      store<f64>(k + at, (load<f64>(hi + at) + load<f64>(lo + at)) / snps);
    }
  }
  // Mirrored column by column of the range: each lower row written in one contiguous run, the range's rows read
  // down a short column (at most row1 - row0 entries, in cache).
  for (let c = row0 + 1; c < n; c++) {
    const lower = k + <usize>c * stride;
    const last = c < row1 ? c : row1;
    for (let r = row0; r < last; r++) store<f64>(lower + (<usize>r << 3), load<f64>(k + <usize>r * stride + (<usize>c << 3)));
  }
}
