/**
 * The inverse standard normal CDF (Wichura's AS 241, PPND16, ~1e-16 relative) and what the report
 * builds on it: the 1-df chi-square statistic a p-value implies, and the genomic-control lambda.
 */

// AS 241's coefficients as published (more digits than a double holds; the parser rounds them).
/* eslint-disable no-loss-of-precision */
const A = [
  3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
  45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727,
];
const B = [
  1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867,
  39307.89580009271061, 28729.085735721942674, 5226.495278852854561,
];
const C = [
  1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
  1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4,
];
const D = [
  1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459,
  0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9,
];
const E = [
  6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
  0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
];
const F = [
  1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4,
  1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15,
];

function ratio(num: readonly number[], den: readonly number[], r: number): number {
  let n = num[7];
  let d = den[7];
  for (let k = 6; k >= 0; k--) {
    n = n * r + num[k];
    d = d * r + den[k];
  }
  return n / d;
}

/**
 * Phi^-1(p): the z with P(Z <= z) = p for Z ~ N(0, 1); -Infinity at 0, Infinity at 1, NaN outside.
 * Example: inverseNormal(0.975) = 1.959963984540054.
 */
export function inverseNormal(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) return q * ratio(A, B, 0.180625 - q * q);
  // Tails: work with the smaller of p and 1 - p so a tiny tail keeps its relative accuracy.
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const z = r <= 5 ? ratio(C, D, r - 1.6) : ratio(E, F, r - 5);
  return q < 0 ? -z : z;
}

/**
 * The 1-df chi-square statistic whose upper tail is p: (Phi^-1(p / 2))^2. Accurate for tiny p
 * (p / 2 is the lower normal tail, never 1 - something small). NaN for p outside [0, 1].
 * Example: chiSquare1FromP(0.05) = 3.841458820694124.
 */
export function chiSquare1FromP(p: number): number {
  const z = inverseNormal(p / 2);
  return z * z;
}

/** Median of the 1-df chi-square under the null, qchisq(0.5, 1): the genomic-control denominator. */
export const CHI2_1_MEDIAN = 0.4549364231195724;

/**
 * lambda_GC = median chi-square(1) implied by the p-values / 0.4549364, from p-values sorted
 * ascending (finite, NaN removed). The median of an even count is the mean of the middle two
 * statistics, as R's median(). NaN when there are none.
 */
export function genomicControlFromSorted(sortedP: Float64Array): number {
  const n = sortedP.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  const median =
    n % 2 === 1
      ? chiSquare1FromP(sortedP[mid])
      : (chiSquare1FromP(sortedP[mid - 1]) + chiSquare1FromP(sortedP[mid])) / 2;
  return median / CHI2_1_MEDIAN;
}
