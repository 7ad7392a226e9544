// lmmscan's per-SNP lambda search (src/stats/lambda-newton.ts, step for step): derivative sign changes on the cached
// log grid bracket the roots; each bracket of a maximum (slope + then -) is refined by a safeguarded Newton iteration
// in ln lambda, brackets of minima are skipped; the best maximum against both ends. Kind 1 = REML, 2 = ML.
import {
  dev1, dev2, derivatives, loadRow0, logLikelihood, passRow0, projectAll, projectFirst, saveRow0, traceHi, traceHiHi,
} from './lmm-likelihood';

// The constants of src/stats/lambda-newton.ts.
const NEWTON_TOLERANCE: f64 = 1e-5;
const BRACKET_TOLERANCE: f64 = 1e-12;
const NEWTON_MAX_EVALUATIONS: i32 = 64;

/** Result of the last calcLambda call. */
export let fitLambda: f64 = NaN;
export let fitLogLik: f64 = NaN;
/** True when row 0 of P at fitLambda is saved at the `best` region given to calcLambda (a root inside the ends). */
export let fitRowSaved: bool = false;

// Sets dev1, dev2 at x (Newton's f and f'); keeps row 0 of P and log|H| at `save`, since x may become the root.
function slopesAt(kind: i32, x: f64, save: usize): void {
  const logDetH = passRow0(x, 3, true);
  saveRow0(save, logDetH);
  projectAll(true);
  derivatives(kind, x, true, traceHi, traceHiHi);
}

// Row 0 of P and log|H| at x, saved at `save` (a root that was not an evaluated iterate).
function rowAt(x: f64, save: usize): void {
  saveRow0(save, passRow0(x, 1, true));
}

// The likelihood at a root from its saved row 0.
function logLikSaved(kind: i32, saved: usize): f64 {
  const logDetH = loadRow0(saved);
  projectFirst();
  return logLikelihood(kind, logDetH);
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
 * Maximises the kind's likelihood over [lMin, lMax] (src/stats/lambda-newton.ts); sets fitLambda/fitLogLik (NaN
 * where the slope at a root is not finite). grid: nGrid f64 lambdas, slopes: the derivative there; logLikLo/Hi: the
 * likelihood at lMin and lMax. rows: three row0Bytes regions (the current root, unused, the best root: the layout lmm.ts reserves).
 */
export function calcLambda(
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
