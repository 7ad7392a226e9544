// Folds a kinship tile's partial sum into a double-double running sum (see src/linalg/double-double.ts).

/**
 * (hi, lo) += p over a rows x cols tile: p with row stride ldp, hi and lo with row stride ldk (elements).
 * Per entry: TwoSum(hi, p), the rounding error plus lo, renormalised with Fast2Sum, the new lo rounded to float32
 * (so that a banded sum keeps lo in a Float32Array losslessly). The same operations in the same order as
 * foldDoubleDouble() in TypeScript, so both engines give the same bits from the same partials.
 */
export function kinshipFold(rows: i32, cols: i32, p: usize, ldp: i32, hi: usize, lo: usize, ldk: i32): void {
  for (let r = 0; r < rows; r++) {
    const pr = p + ((<usize>(r * ldp)) << 3);
    const kr = (<usize>(r * ldk)) << 3;
    for (let q = 0; q < cols; q++) {
      const o = kr + ((<usize>q) << 3);
      const a = load<f64>(hi + o), b = load<f64>(pr + ((<usize>q) << 3));
      const s = a + b;
      const bb = s - a;
      const e = (a - (s - bb)) + (b - bb) + load<f64>(lo + o);
      const h = s + e;
      store<f64>(hi + o, h);
      store<f64>(lo + o, <f64>(<f32>(e - (h - s))));
    }
  }
}
