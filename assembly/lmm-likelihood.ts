// GEMMA's profiled REML/ML log-likelihoods in lambda and their first two derivatives (src/stats/likelihood.ts in
// flat memory): row 0 of the P tables comes either from a weighted pass over the product columns at one lambda or
// from the block's grid GEMM; the P_ab recursions then project the covariates (and the SNP) out.
// State is per instance (one per worker thread); every region it points to is that thread's own.

// Math.log(2 * Math.PI) as V8 rounds it.
const LOG_2PI: f64 = 1.8378770664093453;

let N: i32 = 0;
let NCVT: i32 = 0;
let NINDEX: i32 = 0;
let eigenvalues: usize = 0;
let weights: usize = 0;
let pab: usize = 0;
let ppab: usize = 0;
let pppab: usize = 0;
let iab: usize = 0;
let columns: usize = 0; // NINDEX u32 addresses: product column `col` (n f64) of the current SNP's table

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

// a*b + c; fused in the relaxed build.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

// @ts-ignore: decorator
@inline function lanes(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

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

/** Points the model at its regions: d (n), w (n+1 scratch), four P tables, the column address table. */
export function modelSetup(n: i32, nCvt: i32, d: usize, w: usize, pa: usize, ppa: usize, pppa: usize, ia: usize, cols: usize): void {
  N = n;
  NCVT = nCvt;
  NINDEX = ((nCvt + 3) * (nCvt + 2)) / 2;
  eigenvalues = d;
  weights = w;
  pab = pa;
  ppab = ppa;
  pppab = pppa;
  iab = ia;
  columns = cols;
}

/** Sets the address of product column `col` (n f64). */
export function setColumn(col: i32, ptr: usize): void {
  store<u32>(columns + ((<usize>col) << 2), <u32>ptr);
}

// @ts-ignore: decorator
@inline function column(col: i32): usize { return <usize>load<u32>(columns + ((<usize>col) << 2)); }

/** Row 0 entry of P and PP (grid fill from GEMM sums). */
export function setRow0(col: i32, s1: f64, s2: f64): void {
  store<f64>(at(pab, col), s1);
  store<f64>(at(ppab, col), s2);
}

/** Row 0 entry of the unweighted table (projected with projectIab once per SNP). */
export function setIabRow0(col: i32, s: f64): void {
  store<f64>(at(iab, col), s);
}

/**
 * Row 0 of the P tables at lambda by one pass over i: w_i = 1/(lambda d_i + 1), then per column the sums of
 * w^k p for k = 1..powers together. Sets traceHi/traceHiHi; returns sum_i log|lambda d_i + 1| when wantLog.
 */
export function passRow0(lambda: f64, powers: i32, wantLog: bool): f64 {
  const n = N;
  const lam = f64x2.splat(lambda);
  const one = f64x2.splat(1.0);
  let t1 = f64x2.splat(0.0);
  let t2 = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const v = f64x2.add(f64x2.mul(lam, v128.load(at(eigenvalues, i))), one);
    const w = f64x2.div(one, v);
    v128.store(at(weights, i), w);
    t1 = f64x2.add(t1, w);
    t2 = madd(w, w, t2);
  }
  let tr1 = lanes(t1);
  let tr2 = lanes(t2);
  if (i < n) {
    const w = 1.0 / (lambda * load<f64>(at(eigenvalues, i)) + 1.0);
    store<f64>(at(weights, i), w);
    store<f64>(at(weights, i + 1), 0.0);
    tr1 += w;
    tr2 += w * w;
  }
  traceHi = tr1;
  traceHiHi = tr2;
  let logDetH = 0.0;
  if (wantLog) {
    for (let k = 0; k < n; k++) logDetH += Math.log(Math.abs(lambda * load<f64>(at(eigenvalues, k)) + 1.0));
  }
  const pairs = n & ~1;
  const odd = n & 1;
  for (let col = 0; col < NINDEX; col++) {
    const p = column(col);
    let s1 = f64x2.splat(0.0);
    let s2 = f64x2.splat(0.0);
    let s3 = f64x2.splat(0.0);
    if (powers == 1) {
      for (let k = 0; k < pairs; k += 2) s1 = madd(v128.load(at(weights, k)), v128.load(at(p, k)), s1);
    } else if (powers == 2) {
      for (let k = 0; k < pairs; k += 2) {
        const w = v128.load(at(weights, k));
        const x = v128.load(at(p, k));
        s1 = madd(w, x, s1);
        s2 = madd(f64x2.mul(w, w), x, s2);
      }
    } else {
      for (let k = 0; k < pairs; k += 2) {
        const w = v128.load(at(weights, k));
        const x = v128.load(at(p, k));
        const w2 = f64x2.mul(w, w);
        s1 = madd(w, x, s1);
        s2 = madd(w2, x, s2);
        s3 = madd(f64x2.mul(w2, w), x, s3);
      }
    }
    let r1 = lanes(s1);
    let r2 = lanes(s2);
    let r3 = lanes(s3);
    if (odd) {
      const w = load<f64>(at(weights, pairs));
      const x = load<f64>(at(p, pairs));
      r1 += w * x;
      r2 += w * w * x;
      r3 += w * w * w * x;
    }
    store<f64>(at(pab, col), r1);
    if (powers >= 2) store<f64>(at(ppab, col), r2);
    if (powers >= 3) store<f64>(at(pppab, col), r3);
  }
  return logDetH;
}

// GEMMA's CalcPab: project covariates out one at a time, P^{p}_{ab} from P^{p-1}.
function projectP(t: usize): void {
  const nCvt = NCVT;
  const nIndex = NINDEX;
  for (let p = 1; p <= nCvt + 1; p++) {
    const prev = (p - 1) * nIndex;
    const cur = p * nIndex;
    const ww = load<f64>(at(t, prev + abIndex(p, p, nCvt)));
    for (let a = p + 1; a <= nCvt + 2; a++) {
      const aw = load<f64>(at(t, prev + abIndex(a, p, nCvt)));
      for (let b = a; b <= nCvt + 2; b++) {
        const idx = abIndex(a, b, nCvt);
        const bw = load<f64>(at(t, prev + abIndex(b, p, nCvt)));
        const v = load<f64>(at(t, prev + idx));
        store<f64>(at(t, cur + idx), ww != 0.0 ? v - (aw * bw) / ww : v);
      }
    }
  }
}

// GEMMA's CalcPPab (second-order products P H^-1 P).
function projectPP(): void {
  const nCvt = NCVT;
  const nIndex = NINDEX;
  for (let p = 1; p <= nCvt + 1; p++) {
    const prev = (p - 1) * nIndex;
    const cur = p * nIndex;
    const iww = abIndex(p, p, nCvt);
    const ww = load<f64>(at(pab, prev + iww));
    const ww2 = load<f64>(at(ppab, prev + iww));
    for (let a = p + 1; a <= nCvt + 2; a++) {
      const iaw = abIndex(a, p, nCvt);
      const aw = load<f64>(at(pab, prev + iaw));
      const aw2 = load<f64>(at(ppab, prev + iaw));
      for (let b = a; b <= nCvt + 2; b++) {
        const idx = abIndex(a, b, nCvt);
        const ibw = abIndex(b, p, nCvt);
        const bw = load<f64>(at(pab, prev + ibw));
        const bw2 = load<f64>(at(ppab, prev + ibw));
        const v = load<f64>(at(ppab, prev + idx));
        store<f64>(at(ppab, cur + idx), ww != 0.0 ? v + (aw * bw * ww2) / (ww * ww) - (aw * bw2 + bw * aw2) / ww : v);
      }
    }
  }
}

// GEMMA's CalcPPPab (third-order products).
function projectPPP(): void {
  const nCvt = NCVT;
  const nIndex = NINDEX;
  for (let p = 1; p <= nCvt + 1; p++) {
    const prev = (p - 1) * nIndex;
    const cur = p * nIndex;
    const iww = abIndex(p, p, nCvt);
    const ww = load<f64>(at(pab, prev + iww));
    const ww2 = load<f64>(at(ppab, prev + iww));
    const ww3 = load<f64>(at(pppab, prev + iww));
    for (let a = p + 1; a <= nCvt + 2; a++) {
      const iaw = abIndex(a, p, nCvt);
      const aw = load<f64>(at(pab, prev + iaw));
      const aw2 = load<f64>(at(ppab, prev + iaw));
      const aw3 = load<f64>(at(pppab, prev + iaw));
      for (let b = a; b <= nCvt + 2; b++) {
        const idx = abIndex(a, b, nCvt);
        const ibw = abIndex(b, p, nCvt);
        const bw = load<f64>(at(pab, prev + ibw));
        const bw2 = load<f64>(at(ppab, prev + ibw));
        const bw3 = load<f64>(at(pppab, prev + ibw));
        let v = load<f64>(at(pppab, prev + idx));
        if (ww != 0.0) {
          v -= (aw * bw * ww2 * ww2) / (ww * ww * ww);
          v -= (aw * bw3 + bw * aw3 + aw2 * bw2) / ww;
          v += (aw * bw2 * ww2 + bw * aw2 * ww2 + aw * bw * ww3) / (ww * ww);
        }
        store<f64>(at(pppab, cur + idx), v);
      }
    }
  }
}

/** Projects the unweighted table (REML's log|W'W| term); call once per SNP after setIabRow0. */
export function projectIab(): void {
  projectP(iab);
}

/** Projects P and PP (and PPP when `second`) from their row 0. */
export function projectAll(second: bool): void {
  projectP(pab);
  projectPP();
  if (second) projectPPP();
}

/** Projects P only (likelihood and test statistics need no more). */
export function projectFirst(): void {
  projectP(pab);
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
