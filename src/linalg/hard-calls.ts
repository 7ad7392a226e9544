/**
 * The exact -gk 1 kinship of a block of hard calls (genotypes 0, 1, 2 or missing). With x_is the call (0 where
 * missing), p_is = 1 where observed and mu_s the SNP's float64 mean over its observed calls, the block adds to
 * entry (i, j) of X X^T the centred sum
 *
 *   V_ij = sum_s (x_is - mu_s p_is)(x_js - mu_s p_js) = P_ij - W_i - W_j + E_ij
 *
 * with P = X X^T an exact integer, W_i = sum_s mu_s x_is + sum_{s: i missing} mu_s^2 - (sum_s mu_s^2) / 2 (a
 * vector) and E_ij = G_ij + G_ji, G_ij = sum_{s: j missing} mu_s x~_is (x~ = x, or mu_s / 2 where i is
 * missing too), the sparse correction for missing calls. Every term is exact (mu_s x_is is a double; squares by
 * two-product) and every sum is double-double, so V is exact to about 2^-100 of its terms. The wasm engine (assembly/kinship-int.ts) and the TS engine make the same operations in
 * the same order, so both fold the same bits; but for the mu_s x terms of E, exact integer limb sums that the
 * wasm engine adds for a whole tile at once (kinshipMissLimbs), which any order leaves the same integers.
 */

/** The code of a missing call in HardCallBlock.codes. */
export const MISSING_CODE = 3;

/** A block of b SNPs of hard calls for n individuals, as the SNP pass hands it to an engine. */
export interface HardCallBlock {
  /** SNPs in the block. */
  b: number;
  /** Individual-major n x b: codes[i*b + s] is 0, 1, 2, or MISSING_CODE. */
  codes: Uint8Array;
  /** Each SNP's mean over its observed calls (the float64 that prepareKinshipSnp centres by). */
  means: Float64Array;
  /** Missing calls by individual: SNPs missSnp[missStart[i]] .. missSnp[missStart[i+1] - 1], ascending. */
  missStart: Int32Array;
  missSnp: Int32Array;
}

// Veltkamp's splitter for doubles: a*b = p + twoProductLow(a, b, p) exactly (no FMA: the same bits everywhere).
const SPLITTER = 134217729;

function twoProductLow(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a),
    al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b),
    bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** (sum of mu_s^2) as double-double [hi, lo]: each square exact (two-product), summed with TwoSum. */
export function sumOfSquaredMeans(means: Float64Array, b: number): [number, number] {
  let h = 0,
    l = 0;
  for (let s = 0; s < b; s++) {
    const mu = means[s]!;
    const p = mu * mu;
    const t = h + p;
    const bb = t - h;
    l += h - (t - bb) + (p - bb) + twoProductLow(mu, mu, p);
    h = t;
  }
  const t = h + l;
  return [t, l - (t - h)];
}

/**
 * W_i for individuals [from, to) into wHi/wLo (double-double): per individual, every SNP's mu_s x_is in order
 * (exact; missing calls as 0, which changes neither word), then mu_s^2 (by two-product) for its missing calls in
 * order, each added with TwoSum and the errors summed apart; then - C/2 (C = sumOfSquaredMeans, halved exactly)
 * and a TwoSum to normalise. assembly/kinship-int.ts repeats it op for op.
 */
function hardCallWeights(
  block: HardCallBlock,
  cHi: number,
  cLo: number,
  wHi: Float64Array,
  wLo: Float64Array,
  from: number,
  to: number,
): void {
  const { b, codes, means, missStart, missSnp } = block;
  const halfHi = -0.5 * cHi,
    halfLo = -0.5 * cLo;
  for (let i = from; i < to; i++) {
    let h = 0,
      l = 0;
    const row = i * b;
    for (let s = 0; s < b; s++) {
      const code = codes[row + s]!;
      const v = (code === MISSING_CODE ? 0 : code) * means[s]!;
      const t = h + v;
      const bb = t - h;
      l += h - (t - bb) + (v - bb);
      h = t;
    }
    for (let k = missStart[i]!; k < missStart[i + 1]!; k++) {
      const mu = means[missSnp[k]!]!;
      const v = mu * mu;
      const t = h + v;
      const bb = t - h;
      l += h - (t - bb) + (v - bb) + twoProductLow(mu, mu, v);
      h = t;
    }
    const t = h + halfHi;
    const bb = t - h;
    l += h - (t - bb) + (halfHi - bb) + halfLo;
    const hi = t + l;
    const bh = hi - t;
    wHi[i] = hi;
    wLo[i] = t - (hi - bh) + (l - bh);
  }
}

// The missing-call correction of one entry (module state: no allocation per entry). Terms mu_s x_is (x 1 or 2)
// as exact integer sums of two fixed-point limbs of mu_s (mu_s 2^72 = hi 2^37 + lo, both below 2^37: exact for
// mu_s >= 2^-20, which HardCallBuffer ensures), so they need one add each; the rare mu_s^2 / 2 of a pair both
// missing in double-double (two-product, TwoSum).
let limbHi = 0,
  limbLo = 0,
  crossHi = 0,
  crossLo = 0;

/** The G_ij terms of SNPs missing in j (in order) into the limbs and the double-double pair. */
function addMissingCross(block: HardCallBlock, i: number, j: number): void {
  const { b, codes, means, missStart, missSnp } = block;
  for (let k = missStart[j]!; k < missStart[j + 1]!; k++) {
    const s = missSnp[k]!;
    const code = codes[i * b + s]!;
    const mu = means[s]!;
    const scaled = mu * 34359738368; // 2^35
    const high = Math.floor(scaled);
    const x = code === MISSING_CODE ? 0 : code;
    limbHi += x * high;
    limbLo += x * ((scaled - high) * 137438953472); // 2^37
    if (code === MISSING_CODE) {
      const p = mu * mu;
      const v = 0.5 * p;
      const t = crossHi + v;
      const bb = t - crossHi;
      crossLo += crossHi - (t - bb) + (v - bb) + 0.5 * twoProductLow(mu, mu, p);
      crossHi = t;
    }
  }
}

/** E_ij = G_ij + G_ji as double-double [crossHi, crossLo]: the limbs' exact values (TwoSum), then the pairs. */
function missingCorrection(block: HardCallBlock, i: number, j: number): void {
  limbHi = 0;
  limbLo = 0;
  crossHi = 0;
  crossLo = 0;
  addMissingCross(block, i, j);
  addMissingCross(block, j, i);
  const ea = limbHi * 2.9103830456733704e-11, // 2^-35
    eb = limbLo * 2.117582368135751e-22; // 2^-72
  const e1 = ea + eb;
  const e1b = e1 - ea;
  const e1l = ea - (e1 - e1b) + (eb - e1b);
  const e2 = e1 + crossHi;
  const e2b = e2 - e1;
  crossLo = e1 - (e2 - e2b) + (crossHi - e2b) + (e1l + crossLo);
  crossHi = e2;
}

/**
 * (hi, lo)[at] += V_ij for a block entry with exact integer product `product` = P_ij: E_ij = G_ij + G_ji, then
 * P - (W_i + W_j) + E in double-double, folded with TwoSum and lo rounded to float32 as foldDoubleDouble does.
 */
function foldHardCallEntry(
  hi: Float64Array,
  lo: Float64Array | Float32Array,
  at: number,
  product: number,
  block: HardCallBlock,
  wHi: Float64Array,
  wLo: Float64Array,
  i: number,
  j: number,
): void {
  missingCorrection(block, i, j);
  const e = crossHi;
  // u = W_i + W_j (unnormalised pair us + ul)
  const a = wHi[i]!,
    c = wHi[j]!;
  const us = a + c;
  const ub = us - a;
  const ul = a - (us - ub) + (c - ub) + (wLo[i]! + wLo[j]!);
  // x = P - us, then y = x + E, each by TwoSum; V = y + low
  const x = product - us;
  const xb = x - product;
  const ex = product - (x - xb) + (-us - xb);
  const y = x + e;
  const yb = y - x;
  const ey = x - (y - yb) + (e - yb);
  const low = ex + ey - ul + crossLo;
  // (hi, lo) += (y, low)
  const h0 = hi[at]!;
  const s = h0 + y;
  const sb = s - h0;
  const err = h0 - (s - sb) + (y - sb) + (low + lo[at]!);
  const h = s + err;
  hi[at] = h;
  lo[at] = Math.fround(err - (h - s));
}

/**
 * (hi, lo) += the block's V over the upper triangle (j >= i) of a row-major n x n double-double sum: the TS
 * engine's path, with P_ij summed as plain integers (exact in float64).
 */
export function foldHardCallBlockTs(
  hi: Float64Array,
  lo: Float64Array | Float32Array,
  n: number,
  block: HardCallBlock,
): void {
  const { b, codes, means } = block;
  const [cHi, cLo] = sumOfSquaredMeans(means, b);
  const wHi = new Float64Array(n),
    wLo = new Float64Array(n);
  hardCallWeights(block, cHi, cLo, wHi, wLo, 0, n);
  const value = (code: number) => (code === MISSING_CODE ? 0 : code);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let product = 0;
      for (let s = 0; s < b; s++) product += value(codes[i * b + s]!) * value(codes[j * b + s]!);
      foldHardCallEntry(hi, lo, i * n + j, product, block, wHi, wLo, i, j);
    }
  }
}
