/**
 * lmmscan's per-SNP lambda search: the grid's sign changes of d logL / d lambda bracket the roots as in GEMMA's
 * CalcLambda (src/stats/lambda.ts), but only the brackets of maxima (slope + then -) are refined, each by one
 * safeguarded Newton iteration in ln lambda instead of Brent to 10% then Newton in lambda: about 4 evaluations of
 * the first two derivatives per maximum instead of about 9 per sign change, to a tighter optimum (below). A
 * bracket of a minimum (slope - then +) is not refined: its root is lower than the maxima or ends on either side,
 * so it never wins the comparison GEMMA makes among roots and ends. The best maximum competes with both ends.
 *
 * The iteration (newtonRoot), written with + - * / and sqrt only so that the WASM kernel (assembly/lmm-lambda.ts)
 * and any port (the GPU) repeat it bit for bit:
 *   x = lo + (hi - lo) uLo / (uLo - uHi), u = lambda * slope at the ends (the slope in ln lambda), or sqrt(lo hi)
 *       when that is not strictly inside
 *   repeat at most NEWTON_MAX_EVALUATIONS times:
 *     f, df = d logL / d lambda and d2 logL / d lambda2 at x (one evaluation)
 *     f == 0: stop (root x); f not finite: stop (root NaN)
 *     f > 0: lo = x, else hi = x (the maximum stays in [lo, hi])
 *     hi - lo <= BRACKET_TOLERANCE lo: stop (root x)
 *     Newton on u in t = ln lambda: dt = -f / (f + x df), next = x (2 + dt) / (2 - dt) (exp(dt) to second order)
 *     when |dt| >= 1, or next is not strictly inside (lo, hi), or the step is more than half the step before the
 *       previous one (Newton is not converging fast): next = sqrt(lo hi) (bisection in ln lambda)
 *     |next - x| <= NEWTON_TOLERANCE x: stop (root next)
 *     x = next
 * Newton converges quadratically, so the root after a step of at most NEWTON_TOLERANCE (1e-5, GEMMA's) lies
 * within about 1e-10 of the optimum (the tests check 1e-8 against a bisected root), where GEMMA keeps the iterate
 * before that step (within about 1e-5).
 */
import type { LikelihoodKind, MixedModelLikelihood } from './likelihood.js';
import { DEFAULT_LAMBDA_SEARCH, lambdaGrid, type LambdaSearch } from '../model/settings.js';
import { slopesOnGrid, type LambdaFit } from './lambda.js';

/** Relative Newton step after which the next iterate is the root (GEMMA stops at the same step). */
export const NEWTON_TOLERANCE = 1e-5;
/** Relative bracket width at which the iteration stops (the slope is rounding noise there). */
export const BRACKET_TOLERANCE = 1e-12;
/** Evaluations per bracket at most (bisection alone narrows a decade to BRACKET_TOLERANCE in about 45). */
export const NEWTON_MAX_EVALUATIONS = 64;

/** Evaluations of the likelihood or its derivatives made by optimiseLambdaNewton (for benchmarks and tests). */
export const newtonCounters = { slopes: 0, likelihoods: 0 };

/**
 * The maximum of the likelihood in [lo, hi] from the slopes sLo > 0 > sHi at the ends, by the iteration of the
 * module comment.
 */
function newtonRoot(
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
  lo: number,
  hi: number,
  sLo: number,
  sHi: number,
): number {
  const uLo = lo * sLo;
  const uHi = hi * sHi;
  let x = lo + ((hi - lo) * uLo) / (uLo - uHi);
  if (!(x > lo && x < hi)) x = Math.sqrt(lo * hi);
  let step = hi - lo;
  let stepBefore = step;
  for (let k = 0; k < NEWTON_MAX_EVALUATIONS; k++) {
    model.derivatives12(kind, x);
    newtonCounters.slopes++;
    const f = model.lastDev1;
    const df = model.lastDev2;
    if (f === 0) return x;
    if (!Number.isFinite(f)) return NaN;
    if (f > 0) lo = x;
    else hi = x;
    if (!(hi - lo > BRACKET_TOLERANCE * lo)) return x;
    const dt = -f / (f + x * df);
    let next = (x * (2 + dt)) / (2 - dt);
    if (!(dt > -1 && dt < 1) || !(next > lo && next < hi) || 2 * Math.abs(next - x) > Math.abs(stepBefore))
      next = Math.sqrt(lo * hi);
    stepBefore = step;
    step = next - x;
    if (Math.abs(step) <= NEWTON_TOLERANCE * x) return next;
    x = next;
  }
  return x;
}

/**
 * Maximises the likelihood of the given kind over lambda in [lMin, lMax]: GEMMA's brackets and choice among
 * roots and ends (src/stats/lambda.ts), each maximum by the safeguarded Newton iteration above.
 * gridSlopes: the derivative at the nRegion + 1 grid points if already computed elsewhere.
 */
export function optimiseLambdaNewton(
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
  search: LambdaSearch = DEFAULT_LAMBDA_SEARCH,
  gridSlopes?: Float64Array,
): LambdaFit {
  const { lMin, lMax, nRegion } = search;
  const grid = lambdaGrid(search);
  const slope = gridSlopes ?? slopesOnGrid(model, kind, grid);
  const fLo = model.logLikelihood(kind, lMin);
  const fHi = model.logLikelihood(kind, lMax);
  newtonCounters.likelihoods += 2;
  let lambda = NaN;
  let logf = NaN;
  let found = false;
  for (let r = 0; r < nRegion; r++) {
    const sLo = slope[r]!;
    const sHi = slope[r + 1]!;
    // A maximum (or a zero slope at a grid point); a minimum (sLo < 0 <= sHi, or sLo <= 0 < sHi) is skipped.
    if (!(sLo >= 0 && sHi <= 0)) continue;
    const lo = grid[r]!;
    const hi = grid[r + 1]!;
    const root = sLo === 0 ? lo : sHi === 0 ? hi : newtonRoot(model, kind, lo, hi, sLo, sHi);
    const f = Number.isNaN(root) ? NaN : model.logLikelihood(kind, root);
    newtonCounters.likelihoods++;
    if (!found || logf < f) {
      logf = f;
      lambda = root;
    }
    found = true;
  }
  if (!found) return fLo >= fHi ? { lambda: lMin, logLikelihood: fLo } : { lambda: lMax, logLikelihood: fHi };
  if (Number.isNaN(logf)) return { lambda: NaN, logLikelihood: NaN };
  if (fLo > logf) {
    lambda = lMin;
    logf = fLo;
  }
  if (fHi > logf) {
    lambda = lMax;
    logf = fHi;
  }
  return { lambda, logLikelihood: logf };
}
