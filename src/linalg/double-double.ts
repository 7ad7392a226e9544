/**
 * Kinship sums in double-double: each entry is an unevaluated pair hi + lo with |lo| <= ulp(hi) / 2. A block's
 * partial P_b = X_b^T X_b is folded in with TwoSum; partial sums (kinship shards) merge with double-double
 * addition. Every fold and merge rounds the new lo to float32, so that lo fits a Float32Array (a banded sum keeps
 * 12 n^2 bytes instead of 16) and every layout and engine gives the same bits: each rounding errs by at most
 * 2^-24 |lo| <= 2^-77 |hi|, so after F folds hi + lo is within about F 2^-77 of the exact sum's magnitude
 * (running sums included) instead of 2^-104. Rounded to a double (hi, since the pair is normalised), a sum of the
 * same blocks grouped differently (one node, or N shards merged) gives the same bits unless the exact sum lies
 * within about F 2^-77 (relative) of a rounding boundary (about F 2^-24 of the entries).
 */

/** The low words of a double-double sum: float32 values, in float64 storage or float32 (lossless either way). */
export type LowWords = Float64Array | Float32Array;

/** A kinship sum as double-double: row-major n x n `hi` and `lo` (lower triangles mirrored when finished). */
export interface KinshipSum {
  hi: Float64Array;
  lo: LowWords;
}

/**
 * (hi, lo) += p, entry by entry over [from, to): TwoSum(hi, p), the error plus lo, renormalised (Fast2Sum), the
 * new lo rounded to float32 (as assembly/kinship-dd.ts does).
 */
export function foldDoubleDouble(
  hi: Float64Array,
  lo: LowWords,
  p: Float64Array,
  from = 0,
  to = hi.length,
): void {
  for (let i = from; i < to; i++) {
    const a = hi[i],
      b = p[i];
    const s = a + b;
    const bb = s - a;
    const e = a - (s - bb) + (b - bb) + lo[i];
    const h = s + e;
    hi[i] = h;
    lo[i] = Math.fround(e - (h - s));
  }
}

/**
 * (hi, lo) += (hi2, lo2) entry by entry: the accurate double-double addition (two TwoSums, two renormalisations),
 * lo rounded to float32 as in foldDoubleDouble.
 */
export function addDoubleDouble(sum: KinshipSum, other: KinshipSum): void {
  const { hi, lo } = sum;
  for (let i = 0; i < hi.length; i++) {
    const a = hi[i],
      b = other.hi[i];
    const s = a + b;
    const bb = s - a;
    let e = a - (s - bb) + (b - bb);
    const c = lo[i],
      d = other.lo[i];
    const t = c + d;
    const dd = t - c;
    const f = c - (t - dd) + (d - dd);
    e += t;
    let h = s + e;
    e -= h - s;
    e += f;
    const h2 = h + e;
    lo[i] = Math.fround(e - (h2 - h));
    h = h2;
    hi[i] = h;
  }
}

/** A zero double-double sum of n x n (lo as float32: 12 n^2 bytes). */
export function zeroKinshipSum(n: number): KinshipSum {
  return { hi: new Float64Array(n * n), lo: new Float32Array(n * n) };
}

/** Copies the upper triangles of hi and lo onto their lower ones (the GEMM tiles fill only the upper one). */
export function mirrorKinshipSum(sum: KinshipSum, n: number): void {
  for (const m of [sum.hi, sum.lo]) {
    for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) m[k * n + i] = m[i * n + k];
  }
}

/**
 * K = (hi + lo) rounded to a double, / m: the kinship from a sum over m SNPs, written over `hi` (returned; the
 * sum is spent), so that no third n x n array lives beside the pair.
 */
export function kinshipFromSum(sum: KinshipSum, snps: number): Float64Array {
  const { hi, lo } = sum;
  for (let i = 0; i < hi.length; i++) hi[i] = (hi[i] + lo[i]) / snps;
  return hi;
}
