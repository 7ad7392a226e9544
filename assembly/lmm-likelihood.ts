// GEMMA's profiled REML/ML log-likelihoods in lambda and their first two derivatives (src/stats/likelihood.ts in
// flat memory): row 0 of the P tables comes either from a weighted pass over the product columns at one lambda or
// from the block's grid product; the P_ab recursions then project the covariates (and the SNP) out.
//
// Bitwise equal to the TS oracle: every weighted sum runs over i in order with a separate multiply and add, as
// likelihood.ts's loops do, and SIMD runs across columns instead (two product columns interleaved per f64x2). Where
// the optimum lies in the derivative's rounding noise (lambda below about 1e-3) any other summation order moves
// Newton's iterates, and whether Newton converges at all, away from the oracle's.
// Product columns are "virtual": the covariate-only columns, a column of ones (its sums are the traces of H^-1
// and H^-2) and zero padding live in the plan's pairs; the c+2 columns with x (and padding) in the SNP's pairs.
// A map gives each virtual column its P-table column, PAD or ONES.
// With a plan's Chebyshev table (lmm-interp.ts; interpSetup) an evaluation inside [lMin, lMax] sums only the SNP's
// pairs over i and takes the plan's columns and log|H| from the table: within rounding of the direct sums, but no
// longer bitwise the oracle's (interpSetup with table 0 restores the direct, bitwise path).
// State is per instance (one per worker thread); every region it points to is that thread's own.

import { interpEvaluate } from './lmm-interp';

// Math.log(2 * Math.PI) as V8 rounds it.
const LOG_2PI: f64 = 1.8378770664093453;
/** Virtual column map entries: zero padding, and the column of ones. */
export const PAD: i32 = -1;
export const ONES: i32 = -2;

let N: i32 = 0;
let NCVT: i32 = 0;
let NINDEX: i32 = 0;
let eigenvalues: usize = 0;
let weights: usize = 0; // w (n), then w^2 (n), then w^3 (n)
let pab: usize = 0;
let ppab: usize = 0;
let pppab: usize = 0;
let iab: usize = 0;
let covPairs: usize = 0; // plan's pairs of virtual columns, each 2n f64 interleaved
let covMap: usize = 0; // i32 per virtual column
let nCovPairs: i32 = 0;
let snpPairs: usize = 0; // current SNP's pairs
let snpMap: usize = 0;
// Per level p: iww, the entry count, then (idx, iaw, ibw) for each a <= b above p (i32), as the recursions visit them.
let projIndex: usize = 0;
// The same for the entries that involve x (column c+1) only: the others do not depend on the SNP (projectAllX).
let projIndexX: usize = 0;
let nSnpPairs: i32 = 0;
let interpTable: usize = 0; // 0: direct sums
let interpRegions: i32 = 0;
let interpLogMin: f64 = 0, interpWidth: f64 = 0, interpMin: f64 = 0, interpMax: f64 = 0;
let interpOut: usize = 0; // interpFunctionCount(2 nCovPairs) f64 scratch

/** sum_i w_i and sum_i w_i^2 of the last pass (trace of H^-1 and H^-2). */
export let traceHi: f64 = 0;
export let traceHiHi: f64 = 0;
/** First and second derivative from the last derivatives() call. */
export let dev1: f64 = 0;
export let dev2: f64 = 0;
/** Projections from the last projections() call (GEMMA's P_yy, P_xx, P_xy at level c, and P_yy at level c+1). */
export let projYY: f64 = 0;
export let projXX: f64 = 0;
export let projXY: f64 = 0;
export let projXYY: f64 = 0;

// @ts-ignore: decorator
@inline function at(base: usize, idx: i32): usize { return base + ((<usize>idx) << 3); }

/** GEMMA's GetabIndex: packed column of the pair (a, b) of the c+2 rotated vectors (1-based). */
// @ts-ignore: decorator
@inline export function abIndex(a: i32, b: i32, nCvt: i32): i32 {
  const cols = nCvt + 2;
  const lo = a <= b ? a : b;
  const hi = a <= b ? b : a;
  return ((2 * cols - lo + 2) * (lo - 1)) / 2 + hi - lo;
}

/** Bytes of one P table ((c+2) rows of (c+2)(c+3)/2). */
export function pTableBytes(nCvt: i32): i32 {
  return ((nCvt + 2) * (((nCvt + 3) * (nCvt + 2)) / 2)) << 3;
}

/** Pairs of plan virtual columns: the (c+1)(c+2)/2 covariate-only columns and the ones, padded to even. */
export function covPairCount(nCvt: i32): i32 {
  return (((nCvt + 1) * (nCvt + 2)) / 2 + 2) >> 1;
}

/** Pairs of SNP virtual columns: x*w_1..x*w_c, x*x, x*y, padded to even. */
export function snpPairCount(nCvt: i32): i32 {
  return (nCvt + 3) >> 1;
}

/** Bytes of the projection indexes (projIndexBytes(c) bytes at modelSetup's `index`): all entries, then x's. */
export function projIndexBytes(nCvt: i32): i32 {
  let count = 0;
  for (let p = 1; p <= nCvt + 1; p++) count += 2 + (3 * (nCvt + 2 - p) * (nCvt + 3 - p)) / 2;
  return count << 3;
}

// The packed-table columns the recursions read and write, listed once so the per-evaluation loops do no index
// arithmetic (the same entries in the same order as GEMMA's CalcPab loops); xOnly: those that involve x. Returns
// the end of the list.
function buildProjIndex(q: usize, nCvt: i32, xOnly: bool): usize {
  const x = nCvt + 1;
  for (let p = 1; p <= nCvt + 1; p++) {
    store<i32>(q, abIndex(p, p, nCvt));
    const countAt = q + 4;
    q += 8;
    let count = 0;
    for (let a = p + 1; a <= nCvt + 2; a++) {
      for (let b = a; b <= nCvt + 2; b++) {
        if (xOnly && p < x && a != x && b != x) continue; // once x is projected out, every entry depends on it
        store<i32>(q, abIndex(a, b, nCvt));
        store<i32>(q, abIndex(a, p, nCvt), 4);
        store<i32>(q, abIndex(b, p, nCvt), 8);
        q += 12;
        count++;
      }
    }
    store<i32>(countAt, count);
  }
  return q;
}

/**
 * Points the model at its regions: d (n), w (3n scratch), four P tables, the plan's pairs and map
 * (covPairCount(c) pairs), the SNP map (snpPairCount(c) pairs; select the SNP's pairs with selectSnpPairs), and
 * `index` (projIndexBytes(c) scratch, filled here).
 */
export function modelSetup(n: i32, nCvt: i32, d: usize, w: usize, pa: usize, ppa: usize, pppa: usize, ia: usize,
  cPairs: usize, cMap: usize, sMap: usize, index: usize): void {
  N = n;
  NCVT = nCvt;
  NINDEX = ((nCvt + 3) * (nCvt + 2)) / 2;
  eigenvalues = d;
  weights = w;
  pab = pa;
  ppab = ppa;
  pppab = pppa;
  iab = ia;
  covPairs = cPairs;
  covMap = cMap;
  nCovPairs = covPairCount(nCvt);
  snpMap = sMap;
  nSnpPairs = snpPairCount(nCvt);
  projIndex = index;
  projIndexX = buildProjIndex(index, nCvt, false);
  buildProjIndex(projIndexX, nCvt, true);
}

/**
 * Takes the plan's SNP-independent sums from its Chebyshev table (interpBuild's, over `regions` regions of ln lambda
 * from lMin to lMax) at lambdas in [lMin, lMax]; table 0 sums them directly. out: interpFunctionCount scratch.
 */
export function interpSetup(table: usize, regions: i32, lMin: f64, lMax: f64, out: usize): void {
  interpTable = table;
  interpRegions = regions;
  interpMin = lMin;
  interpMax = lMax;
  interpLogMin = Math.log(lMin);
  interpWidth = Math.log(lMax / lMin) / <f64>regions;
  interpOut = out;
}

/** The current SNP's interleaved product pairs (snpPairCount pairs of 2n f64). */
export function selectSnpPairs(pairs: usize): void {
  snpPairs = pairs;
}

/** Row 0 entry of P and PP (grid fill from the grid product's sums). */
export function setRow0(col: i32, s1: f64, s2: f64): void {
  store<f64>(at(pab, col), s1);
  store<f64>(at(ppab, col), s2);
}

/** Bytes of one saveRow0 copy for c covariates. */
export function row0Bytes(nCvt: i32): i32 {
  return ((((nCvt + 3) * (nCvt + 2)) / 2) + 1) << 3;
}

/** Copies row 0 of P (n_index f64) and `extra` (e.g. log|H|) to `dst` (n_index + 1 f64). */
export function saveRow0(dst: usize, extra: f64): void {
  memory.copy(dst, pab, (<usize>NINDEX) << 3);
  store<f64>(at(dst, NINDEX), extra);
}

/** Restores row 0 of P from saveRow0's copy; returns its extra value. */
export function loadRow0(src: usize): f64 {
  memory.copy(pab, src, (<usize>NINDEX) << 3);
  return load<f64>(at(src, NINDEX));
}

/** Row 0 entry of the unweighted table (projected with projectIab once per SNP). */
export function setIabRow0(col: i32, s: f64): void {
  store<f64>(at(iab, col), s);
}

/**
 * sum_i log|lambda d_i + 1| as the log of a running product whose binary exponent is moved into an integer after
 * every factor (one log per lane instead of one per i; within a few ulps of the sum of logs). Falls back to the
 * sum of logs when a factor is zero, subnormal, huge or NaN.
 */
export function logDetAt(lambda: f64): f64 {
  const n = N;
  const lam = f64x2.splat(lambda);
  const one = f64x2.splat(1.0);
  const mantissaBits = i64x2.splat(0x000FFFFFFFFFFFFF);
  const exponentOne = i64x2.splat(0x3FF0000000000000);
  let mant = one, mant2 = one;
  let expo = i64x2.splat(0);
  let vmin = f64x2.splat(Infinity);
  let vmax = f64x2.splat(0.0);
  let i = 0;
  // Four pairs per step into two products of two factors each, then both renormalised: short dependency chains.
  for (; i + 7 < n; i += 8) {
    const v0 = f64x2.abs(f64x2.add(f64x2.mul(lam, v128.load(at(eigenvalues, i))), one));
    const v1 = f64x2.abs(f64x2.add(f64x2.mul(lam, v128.load(at(eigenvalues, i), 16)), one));
    const v2 = f64x2.abs(f64x2.add(f64x2.mul(lam, v128.load(at(eigenvalues, i), 32)), one));
    const v3 = f64x2.abs(f64x2.add(f64x2.mul(lam, v128.load(at(eigenvalues, i), 48)), one));
    vmin = f64x2.min(vmin, f64x2.min(f64x2.min(v0, v1), f64x2.min(v2, v3)));
    vmax = f64x2.max(vmax, f64x2.max(f64x2.max(v0, v1), f64x2.max(v2, v3)));
    mant = f64x2.mul(mant, f64x2.mul(v0, v2));
    mant2 = f64x2.mul(mant2, f64x2.mul(v1, v3));
    expo = i64x2.add(expo, i64x2.add(i64x2.shr_u(mant, 52), i64x2.shr_u(mant2, 52)));
    mant = v128.or(v128.and(mant, mantissaBits), exponentOne);
    mant2 = v128.or(v128.and(mant2, mantissaBits), exponentOne);
  }
  let steps = <i64>(i >> 2); // renormalisations per lane, each adding a bias of 1023
  mant = f64x2.mul(mant, mant2);
  for (; i + 1 < n; i += 2) {
    const v = f64x2.abs(f64x2.add(f64x2.mul(lam, v128.load(at(eigenvalues, i))), one));
    vmin = f64x2.min(vmin, v);
    vmax = f64x2.max(vmax, v);
    mant = f64x2.mul(mant, v);
  }
  expo = i64x2.add(expo, i64x2.shr_u(mant, 52));
  mant = v128.or(v128.and(mant, mantissaBits), exponentOne);
  steps += 1;
  const lo = min(f64x2.extract_lane(vmin, 0), f64x2.extract_lane(vmin, 1));
  const hi = max(f64x2.extract_lane(vmax, 0), f64x2.extract_lane(vmax, 1));
  // Four factors (and up to 3 more in the tail) meet before a renormalisation: keep them far from over/underflow.
  if (!(lo >= 1e-40) || !(hi <= 1e40)) {
    let sum = 0.0;
    for (let k = 0; k < n; k++) sum += Math.log(Math.abs(lambda * load<f64>(at(eigenvalues, k)) + 1.0));
    return sum;
  }
  const e = i64x2.extract_lane(expo, 0) + i64x2.extract_lane(expo, 1) - 2 * 1023 * steps;
  let logDet = Math.log(f64x2.extract_lane(mant, 0)) + Math.log(f64x2.extract_lane(mant, 1)) + <f64>e * Math.LN2;
  if (i < n) logDet += Math.log(Math.abs(lambda * load<f64>(at(eigenvalues, i)) + 1.0));
  return logDet;
}

/**
 * Row 0 of the P tables at lambda by one pass: w_i = 1/(lambda d_i + 1), w^2, w^3, then per column the sums of
 * w^k p for k = 1..powers, in i order. Sets traceHi/traceHiHi; returns sum_i log|lambda d_i + 1| when wantLog.
 */
export function passRow0(lambda: f64, powers: i32, wantLog: bool): f64 {
  const n = N;
  if (interpTable != 0 && lambda >= interpMin && lambda <= interpMax && nSnpPairs >= 2 && nSnpPairs <= 3) {
    // The table gives the plan's sums, traces and log|H|: only the SNP's pairs are summed, weights made on the fly.
    if (nSnpPairs == 3) {
      if (powers == 3) sumSnpPairsFused(lambda, 3, 3);
      else sumSnpPairsFused(lambda, 3, 2);
    } else {
      if (powers == 3) sumSnpPairsFused(lambda, 2, 3);
      else sumSnpPairsFused(lambda, 2, 2);
    }
    return interpolatedPlanSums(lambda, powers, wantLog);
  }
  const lam = f64x2.splat(lambda);
  const one = f64x2.splat(1.0);
  const w2s = weights + ((<usize>n) << 3);
  const w3s = w2s + ((<usize>n) << 3);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const w = f64x2.div(one, f64x2.add(f64x2.mul(lam, v128.load(at(eigenvalues, i))), one));
    const w2 = f64x2.mul(w, w);
    v128.store(at(weights, i), w);
    v128.store(at(w2s, i), w2);
    v128.store(at(w3s, i), f64x2.mul(w2, w));
  }
  if (i < n) {
    const w = 1.0 / (lambda * load<f64>(at(eigenvalues, i)) + 1.0);
    store<f64>(at(weights, i), w);
    store<f64>(at(w2s, i), w * w);
    store<f64>(at(w3s, i), w * w * w);
  }
  sumPairs(snpPairs, snpMap, nSnpPairs, powers);
  if (interpTable != 0 && lambda >= interpMin && lambda <= interpMax) return interpolatedPlanSums(lambda, powers, wantLog);
  sumPairs(covPairs, covMap, nCovPairs, powers);
  return wantLog ? logDetAt(lambda) : 0.0;
}

// The plan's sums (and traces) at lambda from its Chebyshev table into row 0; log|H| when wantLog.
function interpolatedPlanSums(lambda: f64, powers: i32, wantLog: bool): f64 {
  // The table's layout: [0, G) first powers, [G, 2G) second, [2G, 3G) third, 3G log|H|; G = 2 nCovPairs.
  const g = nCovPairs << 1;
  const count = powers == 1 ? g : powers == 2 ? 2 * g : 3 * g + 1;
  interpEvaluate(interpTable, interpRegions, g, interpLogMin, interpWidth, lambda, (count + 7) & ~7, interpOut);
  for (let v = 0; v < g; v++) {
    scatter(covMap, v, load<f64>(at(interpOut, v)), load<f64>(at(interpOut, g + v)), load<f64>(at(interpOut, 2 * g + v)), powers);
  }
  return wantLog ? (powers == 3 ? load<f64>(at(interpOut, 3 * g)) : logDetAt(lambda)) : 0.0;
}

// a * b + c as a multiply then an add: sumPairs's roundings, so both paths give the same SNP sums (a fused
// multiply-add in the relaxed build measured no faster here and would move the last bits of some lambdas).
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  return f64x2.add(f64x2.mul(a, b), c);
}

/**
 * The SNP's 2 or 3 pairs (c = 1 to 4) summed over i in order at lambda, each weight made where it is used (two
 * individuals per division) instead of stored by one loop and loaded by another: the same weights, order and
 * roundings as passRow0's loop and sumPairs, so the same sums bit for bit. Used where the plan's sums come from its
 * table (nothing else then reads the weights); the direct path sums the plan's pairs with the stored weights.
 */
// @ts-ignore: decorator
@inline function sumSnpPairsFused(lambda: f64, pairs: i32, powers: i32): void {
  const n = N;
  const stride = (<usize>(2 * n)) << 3;
  const pa = snpPairs, pb = pa + stride, pc = pb + stride;
  const lam = f64x2.splat(lambda);
  const one = f64x2.splat(1.0);
  const z = f64x2.splat(0.0);
  let a1 = z, a2 = z, a3 = z, b1 = z, b2 = z, b3 = z, c1 = z, c2 = z, c3 = z;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const wv = f64x2.div(one, f64x2.add(f64x2.mul(lam, v128.load(at(eigenvalues, i))), one));
    const wv2 = f64x2.mul(wv, wv);
    const wv3 = f64x2.mul(wv2, wv);
    {
      const w = v128.shuffle<f64>(wv, wv, 0, 0), w2 = v128.shuffle<f64>(wv2, wv2, 0, 0);
      const w3 = v128.shuffle<f64>(wv3, wv3, 0, 0);
      const off = (<usize>(i + 0)) << 4;
      const x = v128.load(pa + off);
      a1 = madd(w, x, a1); a2 = madd(w2, x, a2);
      if (powers == 3) a3 = madd(w3, x, a3);
      const y = v128.load(pb + off);
      b1 = madd(w, y, b1); b2 = madd(w2, y, b2);
      if (powers == 3) b3 = madd(w3, y, b3);
      if (pairs == 3) {
        const u = v128.load(pc + off);
        c1 = madd(w, u, c1); c2 = madd(w2, u, c2);
        if (powers == 3) c3 = madd(w3, u, c3);
      }
    }
    {
      const w = v128.shuffle<f64>(wv, wv, 1, 1), w2 = v128.shuffle<f64>(wv2, wv2, 1, 1);
      const w3 = v128.shuffle<f64>(wv3, wv3, 1, 1);
      const off = (<usize>(i + 1)) << 4;
      const x = v128.load(pa + off);
      a1 = madd(w, x, a1); a2 = madd(w2, x, a2);
      if (powers == 3) a3 = madd(w3, x, a3);
      const y = v128.load(pb + off);
      b1 = madd(w, y, b1); b2 = madd(w2, y, b2);
      if (powers == 3) b3 = madd(w3, y, b3);
      if (pairs == 3) {
        const u = v128.load(pc + off);
        c1 = madd(w, u, c1); c2 = madd(w2, u, c2);
        if (powers == 3) c3 = madd(w3, u, c3);
      }
    }
  }
  if (i < n) {
    const wd = 1.0 / (lambda * load<f64>(at(eigenvalues, i)) + 1.0);
    const w = f64x2.splat(wd), w2 = f64x2.splat(wd * wd), w3 = f64x2.splat(wd * wd * wd);
    const off = (<usize>i) << 4;
    const x = v128.load(pa + off);
    a1 = madd(w, x, a1); a2 = madd(w2, x, a2);
    if (powers == 3) a3 = madd(w3, x, a3);
    const y = v128.load(pb + off);
    b1 = madd(w, y, b1); b2 = madd(w2, y, b2);
    if (powers == 3) b3 = madd(w3, y, b3);
    if (pairs == 3) {
      const u = v128.load(pc + off);
      c1 = madd(w, u, c1); c2 = madd(w2, u, c2);
      if (powers == 3) c3 = madd(w3, u, c3);
    }
  }
  scatterPair(snpMap, 0, a1, a2, a3, powers);
  scatterPair(snpMap, 2, b1, b2, b3, powers);
  if (pairs == 3) scatterPair(snpMap, 4, c1, c2, c3, powers);
}

// Writes one virtual column's sums where its map entry says.
// @ts-ignore: decorator
@inline function scatter(map: usize, v: i32, s1: f64, s2: f64, s3: f64, powers: i32): void {
  const col = load<i32>(map + ((<usize>v) << 2));
  if (col >= 0) {
    store<f64>(at(pab, col), s1);
    if (powers >= 2) store<f64>(at(ppab, col), s2);
    if (powers >= 3) store<f64>(at(pppab, col), s3);
  } else if (col == ONES) {
    traceHi = s1;
    traceHiHi = s2;
  }
}

// Both lanes of a pair's accumulators (virtual columns v and v+1).
// @ts-ignore: decorator
@inline function scatterPair(map: usize, v: i32, s1: v128, s2: v128, s3: v128, powers: i32): void {
  scatter(map, v, f64x2.extract_lane(s1, 0), f64x2.extract_lane(s2, 0), f64x2.extract_lane(s3, 0), powers);
  scatter(map, v + 1, f64x2.extract_lane(s1, 1), f64x2.extract_lane(s2, 1), f64x2.extract_lane(s3, 1), powers);
}

// Sums over i (in order) of w^k p for the pairs at `base`: three pairs (six columns) per sweep over i while three
// are left, then two, then one (one pair alone is a short dependency chain per power: slow).
function sumPairs(base: usize, map: usize, count: i32, powers: i32): void {
  const n = N;
  const stride = (<usize>(2 * n)) << 3;
  const w2s = weights + ((<usize>n) << 3);
  const w3s = w2s + ((<usize>n) << 3);
  let k0 = 0;
  for (; k0 + 2 < count; k0 += 3) sumThreePairs(base + <usize>k0 * stride, stride, map, k0, powers);
  for (let k = k0; k < count; k += 2) {
    const pa = base + <usize>k * stride;
    if (k + 1 == count) {
      sumLastPair(pa, map, k, powers);
      break;
    }
    const pb = pa + stride;
    const z = f64x2.splat(0.0);
    let a1 = z, a2 = z, a3 = z, b1 = z, b2 = z, b3 = z;
    if (powers == 3) {
      for (let i = 0; i < n; i++) {
        const off = (<usize>i) << 4;
        const w = v128.load64_splat(at(weights, i));
        const w2 = v128.load64_splat(at(w2s, i));
        const w3 = v128.load64_splat(at(w3s, i));
        const x = v128.load(pa + off);
        const y = v128.load(pb + off);
        a1 = f64x2.add(a1, f64x2.mul(w, x)); a2 = f64x2.add(a2, f64x2.mul(w2, x)); a3 = f64x2.add(a3, f64x2.mul(w3, x));
        b1 = f64x2.add(b1, f64x2.mul(w, y)); b2 = f64x2.add(b2, f64x2.mul(w2, y)); b3 = f64x2.add(b3, f64x2.mul(w3, y));
      }
    } else {
      for (let i = 0; i < n; i++) {
        const off = (<usize>i) << 4;
        const w = v128.load64_splat(at(weights, i));
        const w2 = v128.load64_splat(at(w2s, i));
        const x = v128.load(pa + off);
        const y = v128.load(pb + off);
        a1 = f64x2.add(a1, f64x2.mul(w, x)); a2 = f64x2.add(a2, f64x2.mul(w2, x));
        b1 = f64x2.add(b1, f64x2.mul(w, y)); b2 = f64x2.add(b2, f64x2.mul(w2, y));
      }
    }
    scatterPair(map, 2 * k, a1, a2, a3, powers);
    scatterPair(map, 2 * k + 2, b1, b2, b3, powers);
  }
}

// sumPairs for pairs k, k+1, k+2 in one sweep (the weights loaded once for six columns).
function sumThreePairs(pa: usize, stride: usize, map: usize, k: i32, powers: i32): void {
  const n = N;
  const w2s = weights + ((<usize>n) << 3);
  const w3s = w2s + ((<usize>n) << 3);
  const pb = pa + stride, pc = pb + stride;
  const z = f64x2.splat(0.0);
  let a1 = z, a2 = z, a3 = z, b1 = z, b2 = z, b3 = z, c1 = z, c2 = z, c3 = z;
  if (powers == 3) {
    for (let i = 0; i < n; i++) {
      const off = (<usize>i) << 4;
      const w = v128.load64_splat(at(weights, i));
      const w2 = v128.load64_splat(at(w2s, i));
      const w3 = v128.load64_splat(at(w3s, i));
      const x = v128.load(pa + off);
      a1 = f64x2.add(a1, f64x2.mul(w, x)); a2 = f64x2.add(a2, f64x2.mul(w2, x)); a3 = f64x2.add(a3, f64x2.mul(w3, x));
      const y = v128.load(pb + off);
      b1 = f64x2.add(b1, f64x2.mul(w, y)); b2 = f64x2.add(b2, f64x2.mul(w2, y)); b3 = f64x2.add(b3, f64x2.mul(w3, y));
      const u = v128.load(pc + off);
      c1 = f64x2.add(c1, f64x2.mul(w, u)); c2 = f64x2.add(c2, f64x2.mul(w2, u)); c3 = f64x2.add(c3, f64x2.mul(w3, u));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const off = (<usize>i) << 4;
      const w = v128.load64_splat(at(weights, i));
      const w2 = v128.load64_splat(at(w2s, i));
      const x = v128.load(pa + off);
      a1 = f64x2.add(a1, f64x2.mul(w, x)); a2 = f64x2.add(a2, f64x2.mul(w2, x));
      const y = v128.load(pb + off);
      b1 = f64x2.add(b1, f64x2.mul(w, y)); b2 = f64x2.add(b2, f64x2.mul(w2, y));
      const u = v128.load(pc + off);
      c1 = f64x2.add(c1, f64x2.mul(w, u)); c2 = f64x2.add(c2, f64x2.mul(w2, u));
    }
  }
  scatterPair(map, 2 * k, a1, a2, a3, powers);
  scatterPair(map, 2 * k + 2, b1, b2, b3, powers);
  scatterPair(map, 2 * k + 4, c1, c2, c3, powers);
}

// sumPairs for an odd last pair (two columns) on its own sweep.
function sumLastPair(pa: usize, map: usize, k: i32, powers: i32): void {
  const n = N;
  const w2s = weights + ((<usize>n) << 3);
  const w3s = w2s + ((<usize>n) << 3);
  const z = f64x2.splat(0.0);
  let a1 = z, a2 = z, a3 = z;
  if (powers == 3) {
    for (let i = 0; i < n; i++) {
      const x = v128.load(pa + ((<usize>i) << 4));
      a1 = f64x2.add(a1, f64x2.mul(v128.load64_splat(at(weights, i)), x));
      a2 = f64x2.add(a2, f64x2.mul(v128.load64_splat(at(w2s, i)), x));
      a3 = f64x2.add(a3, f64x2.mul(v128.load64_splat(at(w3s, i)), x));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = v128.load(pa + ((<usize>i) << 4));
      a1 = f64x2.add(a1, f64x2.mul(v128.load64_splat(at(weights, i)), x));
      a2 = f64x2.add(a2, f64x2.mul(v128.load64_splat(at(w2s, i)), x));
    }
  }
  scatterPair(map, 2 * k, a1, a2, a3, powers);
}

// GEMMA's CalcPab: project covariates out one at a time, P^{p}_{ab} from P^{p-1}.
function projectP(t: usize, list: usize): void {
  const nCvt = NCVT;
  const nIndex = NINDEX;
  let q = list;
  for (let p = 1; p <= nCvt + 1; p++) {
    const prev = t + ((<usize>((p - 1) * nIndex)) << 3);
    const cur = prev + ((<usize>nIndex) << 3);
    const ww = load<f64>(at(prev, load<i32>(q)));
    const entries = load<i32>(q, 4);
    q += 8;
    for (let k = 0; k < entries; k++, q += 12) {
      const idx = load<i32>(q);
      const aw = load<f64>(at(prev, load<i32>(q, 4)));
      const bw = load<f64>(at(prev, load<i32>(q, 8)));
      const v = load<f64>(at(prev, idx));
      store<f64>(at(cur, idx), ww != 0.0 ? v - (aw * bw) / ww : v);
    }
  }
}

// GEMMA's CalcPPab (second-order products P H^-1 P).
function projectPP(list: usize): void {
  const nCvt = NCVT;
  const nIndex = NINDEX;
  let q = list;
  for (let p = 1; p <= nCvt + 1; p++) {
    const off = (<usize>((p - 1) * nIndex)) << 3;
    const prev1 = pab + off, prev2 = ppab + off;
    const cur2 = prev2 + ((<usize>nIndex) << 3);
    const iww = load<i32>(q);
    const entries = load<i32>(q, 4);
    q += 8;
    const ww = load<f64>(at(prev1, iww));
    const ww2 = load<f64>(at(prev2, iww));
    for (let k = 0; k < entries; k++, q += 12) {
      const idx = load<i32>(q), iaw = load<i32>(q, 4), ibw = load<i32>(q, 8);
      const aw = load<f64>(at(prev1, iaw));
      const aw2 = load<f64>(at(prev2, iaw));
      const bw = load<f64>(at(prev1, ibw));
      const bw2 = load<f64>(at(prev2, ibw));
      const v = load<f64>(at(prev2, idx));
      store<f64>(at(cur2, idx), ww != 0.0 ? v + (aw * bw * ww2) / (ww * ww) - (aw * bw2 + bw * aw2) / ww : v);
    }
  }
}

// GEMMA's CalcPPPab (third-order products).
function projectPPP(): void {
  const nCvt = NCVT;
  const nIndex = NINDEX;
  let q = projIndex;
  for (let p = 1; p <= nCvt + 1; p++) {
    const off = (<usize>((p - 1) * nIndex)) << 3;
    const prev1 = pab + off, prev2 = ppab + off, prev3 = pppab + off;
    const cur3 = prev3 + ((<usize>nIndex) << 3);
    const iww = load<i32>(q);
    const entries = load<i32>(q, 4);
    q += 8;
    const ww = load<f64>(at(prev1, iww));
    const ww2 = load<f64>(at(prev2, iww));
    const ww3 = load<f64>(at(prev3, iww));
    for (let k = 0; k < entries; k++, q += 12) {
      const idx = load<i32>(q), iaw = load<i32>(q, 4), ibw = load<i32>(q, 8);
      const aw = load<f64>(at(prev1, iaw));
      const aw2 = load<f64>(at(prev2, iaw));
      const aw3 = load<f64>(at(prev3, iaw));
      const bw = load<f64>(at(prev1, ibw));
      const bw2 = load<f64>(at(prev2, ibw));
      const bw3 = load<f64>(at(prev3, ibw));
      let v = load<f64>(at(prev3, idx));
      if (ww != 0.0) {
        v -= (aw * bw * ww2 * ww2) / (ww * ww * ww);
        v -= (aw * bw3 + bw * aw3 + aw2 * bw2) / ww;
        v += (aw * bw2 * ww2 + bw * aw2 * ww2 + aw * bw * ww3) / (ww * ww);
      }
      store<f64>(at(cur3, idx), v);
    }
  }
}

/** Projects the unweighted table (REML's log|W'W| term); call once per SNP after setIabRow0. */
export function projectIab(): void {
  projectP(iab, projIndex);
}

/** Projects P and PP (and PPP when `second`) from their row 0. */
export function projectAll(second: bool): void {
  projectP(pab, projIndex);
  projectPP(projIndex);
  if (second) projectPPP();
}

/**
 * projectAll(false) for the entries that involve x only: the tables' other entries must already hold their
 * projections at the same lambda (a grid point's tables, filled once per plan: useTables). Bitwise projectAll's.
 */
export function projectAllX(): void {
  projectP(pab, projIndexX);
  projectPP(projIndexX);
}

/** Points the model's P and PP tables at pa and ppa (pTableBytes each): a grid point's, or back to its own. */
export function useTables(pa: usize, ppa: usize): void {
  pab = pa;
  ppab = ppa;
}

/** Projects P only (likelihood and test statistics need no more). */
export function projectFirst(): void {
  projectP(pab, projIndex);
}

// @ts-ignore: decorator
@inline function yyIndex(): i32 { return (NCVT + 1) * NINDEX + abIndex(NCVT + 2, NCVT + 2, NCVT); }

/**
 * GEMMA's LogRL_dev1/dev12 (kind 1, REML) or LogL_dev1/dev12 (kind 2, ML) with the SNP as a fixed effect, from
 * projected tables (projectAll) and the traces of H^-1, H^-2 at lambda; sets dev1 (and dev2 when `second`).
 */
export function derivatives(kind: i32, lambda: f64, second: bool, trHi: f64, trHiHi: f64): void {
  const n = <f64>N;
  const yy = yyIndex();
  const pyy = load<f64>(at(pab, yy));
  const ppyy = load<f64>(at(ppab, yy));
  const yPKPy = (pyy - ppyy) / lambda;
  if (kind == 2) {
    const traceHiK = (n - trHi) / lambda;
    dev1 = -0.5 * traceHiK + (0.5 * n * yPKPy) / pyy;
    if (second) {
      const yPKPKPy = (pyy + load<f64>(at(pppab, yy)) - 2 * ppyy) / (lambda * lambda);
      const traceHiKHiK = (n + trHiHi - 2 * trHi) / (lambda * lambda);
      dev2 = 0.5 * traceHiKHiK - (0.5 * n * (2 * yPKPKPy * pyy - yPKPy * yPKPy)) / (pyy * pyy);
    }
    return;
  }
  const nc = NCVT + 1;
  const df = <f64>(N - nc);
  let traceP = trHi;
  let tracePP = trHiHi;
  for (let i = 0; i < nc; i++) {
    const idx = i * NINDEX + abIndex(i + 1, i + 1, NCVT);
    const psww = load<f64>(at(pab, idx));
    const ps2ww = load<f64>(at(ppab, idx));
    traceP -= ps2ww / psww;
    if (second) tracePP += (ps2ww * ps2ww) / (psww * psww) - (2 * load<f64>(at(pppab, idx))) / psww;
  }
  const tracePK = (df - traceP) / lambda;
  dev1 = -0.5 * tracePK + (0.5 * df * yPKPy) / pyy;
  if (second) {
    const tracePKPK = (df + tracePP - 2 * traceP) / (lambda * lambda);
    const yPKPKPy = (pyy + load<f64>(at(pppab, yy)) - 2 * ppyy) / (lambda * lambda);
    dev2 = 0.5 * tracePKPK - (0.5 * df * (2 * yPKPKPy * pyy - yPKPy * yPKPy)) / (pyy * pyy);
  }
}

/** GEMMA's LogRL_f (kind 1) or LogL_f (kind 2) from a projected P table (projectFirst) and log|H|. */
export function logLikelihood(kind: i32, logDetH: f64): f64 {
  let pyy = load<f64>(at(pab, yyIndex()));
  if (pyy == 0.0) pyy = 1e-8; // GEMMA's guard against round-off
  if (kind == 2) {
    const n = <f64>N;
    const c = 0.5 * n * (Math.log(n) - LOG_2PI - 1);
    return c - 0.5 * logDetH - 0.5 * n * Math.log(pyy);
  }
  const nc = NCVT + 1;
  let logDetHiW = 0.0;
  for (let i = 0; i < nc; i++) {
    const idx = i * NINDEX + abIndex(i + 1, i + 1, NCVT);
    logDetHiW += Math.log(load<f64>(at(pab, idx))) - Math.log(load<f64>(at(iab, idx)));
  }
  const df = <f64>(N - nc);
  const c = 0.5 * df * (Math.log(df) - LOG_2PI - 1);
  return c - 0.5 * logDetH - 0.5 * logDetHiW - 0.5 * df * Math.log(pyy);
}

/** Reads the projections the Wald and score tests need from a projected P table (projectFirst). */
export function projections(): void {
  const c = NCVT;
  const row = c * NINDEX;
  projYY = load<f64>(at(pab, row + abIndex(c + 2, c + 2, c)));
  projXX = load<f64>(at(pab, row + abIndex(c + 1, c + 1, c)));
  projXY = load<f64>(at(pab, row + abIndex(c + 2, c + 1, c)));
  projXYY = load<f64>(at(pab, (c + 1) * NINDEX + abIndex(c + 2, c + 2, c)));
}
