// The per-SNP lambda search, two ways (kind 1 = REML, 2 = ML), both on derivative sign changes at the cached log grid:
// - calcLambda: GEMMA's CalcLambda (src/stats/lambda.ts + root-finding.ts, step for step): on each bracket of a
//   maximum GSL's Brent to 10% relative, Newton to 1e-5 relative keeping the iterate before the last step (not
//   evaluated after that step), the best root against both ends (brackets of minima skipped: their roots never win;
//   lambda.ts says why).
// - calcLambdaNewton: src/stats/lambda-newton.ts step for step: each bracket of a maximum refined by a safeguarded
//   Newton iteration in ln lambda, brackets of minima skipped; the best maximum against both ends.
import {
  dev1, dev2, derivatives, loadRow0, logLikelihood, passRow0, projectAll, projectFirst, saveRow0, traceHi, traceHiHi,
} from './lmm-likelihood';

const GSL_SUCCESS: i32 = 0;
const GSL_CONTINUE: i32 = -2;
const GSL_FAILURE: i32 = -1;
const GSL_DBL_EPSILON: f64 = 2.220446049250313e-16;
const MAX_ITER: i32 = 100;

// The constants of src/stats/lambda-newton.ts.
const NEWTON_TOLERANCE: f64 = 1e-5;
const BRACKET_TOLERANCE: f64 = 1e-12;
const NEWTON_MAX_EVALUATIONS: i32 = 64;

/** Result of the last calcLambda or calcLambdaNewton call. */
export let fitLambda: f64 = NaN;
export let fitLogLik: f64 = NaN;
/** True when row 0 of P at fitLambda is saved at the `best` region given to calcLambda (a root inside the ends). */
export let fitRowSaved: bool = false;

// f(x) = d logL / d lambda by a pass at x (Brent's function).
function slopeAt(kind: i32, x: f64): f64 {
  passRow0(x, 2, false);
  projectAll(false);
  derivatives(kind, x, false, traceHi, traceHiHi);
  return dev1;
}

// Sets dev1, dev2 at x (Newton's fdf); keeps row 0 of P and log|H| at `save`, since x may become the root.
function slopesAt(kind: i32, x: f64, save: usize): void {
  const logDetH = passRow0(x, 3, true);
  saveRow0(save, logDetH);
  projectAll(true);
  derivatives(kind, x, true, traceHi, traceHiHi);
}

// The likelihood at a Newton iterate from its saved row 0.
function logLikSaved(kind: i32, saved: usize): f64 {
  const logDetH = loadRow0(saved);
  projectFirst();
  return logLikelihood(kind, logDetH);
}

// Row 0 of P and log|H| at x, saved at `save` (a root that was not an evaluated iterate).
function rowAt(x: f64, save: usize): void {
  saveRow0(save, passRow0(x, 1, true));
}

// gsl_root_test_interval
function testInterval(lower: f64, upper: f64, epsAbs: f64, epsRel: f64): i32 {
  if (lower > upper) return GSL_FAILURE;
  const minAbs = (lower > 0 && upper > 0) || (lower < 0 && upper < 0) ? Math.min(Math.abs(lower), Math.abs(upper)) : 0.0;
  return Math.abs(upper - lower) < epsAbs + epsRel * minAbs ? GSL_SUCCESS : GSL_CONTINUE;
}

// gsl_root_test_delta
function testDelta(x1: f64, x0: f64, epsAbs: f64, epsRel: f64): i32 {
  const tolerance = epsAbs + epsRel * Math.abs(x1);
  return Math.abs(x1 - x0) < tolerance || x1 == x0 ? GSL_SUCCESS : GSL_CONTINUE;
}

// GSL Brent solver state (gsl_root_fsolver_brent), kept across brackets of one calcLambda call as GSL's is.
let bRoot: f64 = 0, bLower: f64 = 0, bUpper: f64 = 0;
let bA: f64 = 0, bB: f64 = 0, bC: f64 = 0, bD: f64 = 0, bE: f64 = 0;
let bFa: f64 = 0, bFb: f64 = 0, bFc: f64 = 0;

// gsl_root_fsolver_set with the bracket's end slopes already known (the grid's).
function brentSet(lower: f64, upper: f64, fLower: f64, fUpper: f64): i32 {
  bRoot = 0.5 * (lower + upper);
  bLower = lower;
  bUpper = upper;
  if (!isFinite(fLower) || !isFinite(fUpper)) return GSL_FAILURE;
  bA = lower; bFa = fLower;
  bB = upper; bFb = fUpper;
  bC = upper; bFc = fUpper;
  bD = upper - lower;
  bE = upper - lower;
  if ((fLower < 0 && fUpper < 0) || (fLower > 0 && fUpper > 0)) return GSL_FAILURE;
  return GSL_SUCCESS;
}

// One gsl_root_fsolver_iterate step of Brent's method.
function brentIterate(kind: i32): i32 {
  let a = bA, b = bB, c = bC, d = bD, e = bE, fa = bFa, fb = bFb, fc = bFc;
  let acEqual = false;
  if ((fb < 0 && fc < 0) || (fb > 0 && fc > 0)) {
    acEqual = true;
    c = a; fc = fa;
    d = b - a; e = b - a;
  }
  if (Math.abs(fc) < Math.abs(fb)) {
    acEqual = true;
    a = b; b = c; c = a;
    fa = fb; fb = fc; fc = fa;
  }
  const tol = 0.5 * GSL_DBL_EPSILON * Math.abs(b);
  const m = 0.5 * (c - b);
  if (fb == 0) {
    bRoot = b; bLower = b; bUpper = b;
    return GSL_SUCCESS;
  }
  if (Math.abs(m) <= tol) {
    bRoot = b;
    bLower = b < c ? b : c;
    bUpper = b < c ? c : b;
    return GSL_SUCCESS;
  }
  if (Math.abs(e) < tol || Math.abs(fa) <= Math.abs(fb)) {
    d = m; // bisection
    e = m;
  } else {
    let p: f64;
    let q: f64;
    const s = fb / fa;
    if (acEqual) {
      p = 2 * m * s;
      q = 1 - s;
    } else {
      q = fa / fc;
      const r = fb / fc;
      p = s * (2 * m * q * (q - r) - (b - a) * (r - 1));
      q = (q - 1) * (r - 1) * (s - 1);
    }
    if (p > 0) q = -q;
    else p = -p;
    if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
      e = d;
      d = p / q;
    } else {
      d = m; // interpolation failed: bisection
      e = m;
    }
  }
  a = b;
  fa = fb;
  if (Math.abs(d) > tol) b += d;
  else b += m > 0 ? tol : -tol;
  fb = slopeAt(kind, b);
  bA = a; bB = b; bC = c; bD = d; bE = e; bFa = fa; bFb = fb; bFc = fc;
  if (!isFinite(fb)) return GSL_FAILURE;
  bRoot = b;
  if ((fb < 0 && fc < 0) || (fb > 0 && fc > 0)) c = a;
  bLower = b < c ? b : c;
  bUpper = b < c ? c : b;
  return GSL_SUCCESS;
}

/**
 * Maximises the kind's likelihood over [lMin, lMax] as GEMMA does; sets fitLambda/fitLogLik (NaN where GEMMA gives
 * NaN). grid: nGrid f64 lambdas, slopes: the derivative there; logLikLo/Hi: the likelihood at lMin and lMax.
 * rows: three row0Bytes regions (two Newton iterates, the best root).
 */
export function calcLambda(
  kind: i32, grid: usize, slopes: usize, nGrid: i32, lMin: f64, lMax: f64, logLikLo: f64, logLikHi: f64,
  rows: usize, rowBytes: i32,
): void {
  const best = rows + ((<usize>rowBytes) << 1);
  fitRowSaved = false;
  bRoot = 0; bLower = 0; bUpper = 0; bA = 0; bB = 0; bC = 0; bD = 0; bE = 0; bFa = 0; bFb = 0; bFc = 0;
  let lambda = NaN;
  let logf = NaN;
  let found = false;
  let anyBracket = false;
  for (let r = 0; r + 1 < nGrid; r++) {
    const sLo = load<f64>(slopes + ((<usize>r) << 3));
    const sHi = load<f64>(slopes + ((<usize>(r + 1)) << 3));
    if (!(sLo >= 0 && sHi <= 0)) continue; // a minimum (or no sign change)
    anyBracket = true;
    const lo = load<f64>(grid + ((<usize>r) << 3));
    const hi = load<f64>(grid + ((<usize>(r + 1)) << 3));
    let status = brentSet(lo, hi, sLo, sHi);
    let l = bRoot;
    let iter = 0;
    do {
      iter++;
      status = brentIterate(kind);
      if (status != GSL_SUCCESS && status != GSL_CONTINUE) break;
      l = bRoot;
      status = testInterval(bLower, bUpper, 0, 1e-1);
    } while (status == GSL_CONTINUE && iter < MAX_ITER);
    if (status == GSL_CONTINUE) break; // GEMMA gives up on the remaining regions here

    // Newton (gsl_root_fdfsolver_newton): root, f, f' carried between steps; the current and previous iterates'
    // row 0 alternate between two saved regions.
    let cur = rows;
    let other = rows + <usize>rowBytes;
    slopesAt(kind, l, cur);
    let nRoot = l;
    let fx = dev1;
    let dfx = dev2;
    let lPrev = l;
    let iter2 = 0;
    do {
      iter2++;
      if (dfx == 0) { status = GSL_FAILURE; break; }
      nRoot = nRoot - fx / dfx;
      if (testDelta(nRoot, l, 0, 1e-5) == GSL_SUCCESS) {
        // Converged: GEMMA would evaluate at nRoot only to check the slope is finite there (lambda.ts says why not).
        lPrev = l;
        const t = cur; cur = other; other = t; // `other` holds lPrev's row, as below
        status = GSL_SUCCESS;
        break;
      }
      slopesAt(kind, nRoot, other);
      fx = dev1;
      dfx = dev2;
      if (!isFinite(fx) || !isFinite(dfx)) { status = GSL_FAILURE; break; }
      lPrev = l;
      l = nRoot;
      const t = cur; cur = other; other = t; // `other` now holds lPrev
      status = testDelta(l, lPrev, 0, 1e-5);
    } while (status == GSL_CONTINUE && iter2 < MAX_ITER && l > lMin && l < lMax);
    // GEMMA keeps the iterate before the last Newton step.
    let root = lPrev;
    if (status != GSL_SUCCESS) {
      // Newton failed (GEMMA prints nan): keep bisecting Brent's bracket to 1e-5 relative, as
      // src/stats/lambda.ts refineBracket does, and evaluate there.
      for (let k = 0; k < MAX_ITER; k++) {
        if (testInterval(bLower, bUpper, 0, 1e-5) == GSL_SUCCESS) break;
        if (brentIterate(kind) != GSL_SUCCESS) break;
      }
      root = bRoot;
      if (root >= lMin && root <= lMax) slopesAt(kind, root, other);
    }
    let f: f64;
    if (root < lMin) { root = lMin; f = logLikLo; }
    else if (root > lMax) { root = lMax; f = logLikHi; }
    else f = logLikSaved(kind, other);
    if (!found || logf < f) {
      logf = f;
      lambda = root;
      fitRowSaved = root != lMin && root != lMax;
      if (fitRowSaved) memory.copy(best, other, <usize>rowBytes);
    }
    found = true;
  }
  if (!anyBracket) {
    // No maximum's bracket: the better end wins, ties (and NaN) as lambda.ts decides them.
    if (logLikLo >= logLikHi) { fitLambda = lMin; fitLogLik = logLikLo; } else { fitLambda = lMax; fitLogLik = logLikHi; }
    return;
  }
  fitLambda = lambda;
  fitLogLik = logf;
  if (logLikLo > logf) { fitLambda = lMin; fitLogLik = logLikLo; fitRowSaved = false; }
  if (logLikHi > fitLogLik) { fitLambda = lMax; fitLogLik = logLikHi; fitRowSaved = false; }
}

// The safeguarded Newton iteration of src/stats/lambda-newton.ts (newtonRoot) on a maximum's bracket, sLo > 0 > sHi.
// Returns the root; its row 0 is at `rootRow` on return.
function newtonRoot(kind: i32, lo: f64, hi: f64, sLo: f64, sHi: f64, rootRow: usize): f64 {
  const uLo = lo * sLo;
  const uHi = hi * sHi;
  let x = lo + ((hi - lo) * uLo) / (uLo - uHi);
  if (!(x > lo && x < hi)) x = Math.sqrt(lo * hi);
  let step = hi - lo;
  let stepBefore = step;
  for (let k = 0; k < NEWTON_MAX_EVALUATIONS; k++) {
    slopesAt(kind, x, rootRow);
    const f = dev1;
    const df = dev2;
    if (f == 0) return x;
    if (!isFinite(f)) return NaN;
    if (f > 0) lo = x;
    else hi = x;
    if (!(hi - lo > BRACKET_TOLERANCE * lo)) return x;
    const dt = -f / (f + x * df);
    let next = (x * (2 + dt)) / (2 - dt);
    if (!(dt > -1 && dt < 1) || !(next > lo && next < hi) || 2 * Math.abs(next - x) > Math.abs(stepBefore)) {
      next = Math.sqrt(lo * hi);
    }
    stepBefore = step;
    step = next - x;
    if (Math.abs(step) <= NEWTON_TOLERANCE * x) {
      rowAt(next, rootRow);
      return next;
    }
    x = next;
  }
  return x;
}

/**
 * Maximises the kind's likelihood over [lMin, lMax] as src/stats/lambda-newton.ts does; sets fitLambda/fitLogLik (NaN
 * where the slope at a root is not finite). grid: nGrid f64 lambdas, slopes: the derivative there; logLikLo/Hi: the
 * likelihood at lMin and lMax. rows: three row0Bytes regions (the current root, unused, the best root: the layout lmm.ts reserves).
 */
export function calcLambdaNewton(
  kind: i32, grid: usize, slopes: usize, nGrid: i32, lMin: f64, lMax: f64, logLikLo: f64, logLikHi: f64,
  rows: usize, rowBytes: i32,
): void {
  const rootRow = rows;
  const best = rows + ((<usize>rowBytes) << 1);
  fitRowSaved = false;
  let lambda = NaN;
  let logf = NaN;
  let found = false;
  for (let r = 0; r + 1 < nGrid; r++) {
    const sLo = load<f64>(slopes + ((<usize>r) << 3));
    const sHi = load<f64>(slopes + ((<usize>(r + 1)) << 3));
    // A maximum (or a zero slope at a grid point); a minimum is skipped.
    if (!(sLo >= 0 && sHi <= 0)) continue;
    const lo = load<f64>(grid + ((<usize>r) << 3));
    const hi = load<f64>(grid + ((<usize>(r + 1)) << 3));
    let root: f64;
    if (sLo == 0) { root = lo; rowAt(lo, rootRow); }
    else if (sHi == 0) { root = hi; rowAt(hi, rootRow); }
    else root = newtonRoot(kind, lo, hi, sLo, sHi, rootRow);
    const f = isNaN(root) ? NaN : logLikSaved(kind, rootRow);
    if (!found || logf < f) {
      logf = f;
      lambda = root;
      fitRowSaved = !isNaN(root);
      if (fitRowSaved) memory.copy(best, rootRow, <usize>rowBytes);
    }
    found = true;
  }
  if (!found) {
    // No maximum inside: the better end wins, ties (and NaN) as lambda-newton.ts decides them.
    if (logLikLo >= logLikHi) { fitLambda = lMin; fitLogLik = logLikLo; } else { fitLambda = lMax; fitLogLik = logLikHi; }
    return;
  }
  if (isNaN(logf)) { fitLambda = NaN; fitLogLik = NaN; fitRowSaved = false; return; }
  fitLambda = lambda;
  fitLogLik = logf;
  if (logLikLo > logf) { fitLambda = lMin; fitLogLik = logLikLo; fitRowSaved = false; }
  if (logLikHi > fitLogLik) { fitLambda = lMax; fitLogLik = logLikHi; fitRowSaved = false; }
}

// The polish of a lambda refined elsewhere: a second Newton step only when the first moved lambda by more than this
// fraction (the constant of src/engines/webgpu/lmm-finish.ts).
const SECOND_STEP: f64 = 1e-6;

/**
 * The float64 finish of a lambda the GPU refined inside the grid cell [lo, hi] holding the only maximum
 * (src/engines/webgpu/lmm-finish.ts polish, step for step): up to two Newton steps from `lambda` (a step leaving the
 * cell is not taken), the likelihood there, then against both ends. Sets fitLambda/fitLogLik (NaN where the
 * likelihood is) and fitRowSaved (row 0 at the root at the third of `rows`, as calcLambda leaves it).
 */
export function polishLambda(
  kind: i32, lambda: f64, lo: f64, hi: f64, lMin: f64, lMax: f64, logLikLo: f64, logLikHi: f64,
  rows: usize, rowBytes: i32,
): void {
  const best = rows + ((<usize>rowBytes) << 1);
  let root = lambda;
  for (let step = 0; step < 2; step++) {
    slopesAt(kind, root, rows);
    const next = root - dev1 / dev2;
    if (!(next >= lo && next <= hi)) break; // a wild step (flat second derivative): keep the GPU's root
    const moved = Math.abs(next - root);
    root = next;
    if (moved <= SECOND_STEP * root) break;
  }
  root = Math.min(Math.max(root, lMin), lMax);
  rowAt(root, best);
  const f = logLikSaved(kind, best);
  fitRowSaved = false;
  if (isNaN(f)) { fitLambda = NaN; fitLogLik = NaN; return; }
  fitLambda = root;
  fitLogLik = f;
  fitRowSaved = true;
  if (logLikLo > f) { fitLambda = lMin; fitLogLik = logLikLo; fitRowSaved = false; }
  if (logLikHi > fitLogLik) { fitLambda = lMax; fitLogLik = logLikHi; fitRowSaved = false; }
}

/** No maximum inside the search: the better end, as calcLambdaNewton decides it (ties and NaN to lMin). */
export function bestEnd(lMin: f64, lMax: f64, logLikLo: f64, logLikHi: f64): void {
  fitRowSaved = false;
  if (logLikLo >= logLikHi) { fitLambda = lMin; fitLogLik = logLikLo; } else { fitLambda = lMax; fitLogLik = logLikHi; }
}
