/**
 * GEMMA's CalcLambda: the lambda that maximises the (restricted) likelihood on [lMin, lMax].
 * Sign changes of the first derivative on a log-spaced grid bracket the roots; each bracket of a maximum
 * (slope + then -) is refined by Brent (to 10% relative) then Newton (to 1e-5 relative); the best root
 * competes with both ends.
 *
 * GEMMA refines the brackets of minima (slope - then +) too, and they cost as much as the maxima (the ML
 * likelihood has one in nearly every BXD test: about half of GEMMA's refinement passes). Their roots never win:
 * going away from a minimum's root the likelihood rises until the next maximum or end, both candidates, so
 * it stays below one of them (unless two further roots hide inside one grid region, which the grid cannot
 * see in GEMMA either). Each maximum's bracket is refined by the same steps as GEMMA's, so the lambda chosen
 * is GEMMA's, bit for bit, at about half the ML passes.
 */
import type { LikelihoodKind, MixedModelLikelihood } from './likelihood.js';
import {
  BrentSolver,
  GSL_CONTINUE,
  GSL_SUCCESS,
  NewtonSolver,
  testDelta,
  testInterval,
} from './root-finding.js';
import { DEFAULT_LAMBDA_SEARCH, lambdaGrid, type LambdaSearch } from '../model/settings.js';

export interface LambdaFit {
  lambda: number;
  logLikelihood: number;
}

const MAX_ITER = 100;

/**
 * Maximise the likelihood of the given kind over lambda exactly as GEMMA 0.98.5 does (NaN where GEMMA gives NaN).
 * gridSlopes: the derivative at the nRegion + 1 grid points if already computed elsewhere.
 */
export function optimiseLambda(
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
  search: LambdaSearch = DEFAULT_LAMBDA_SEARCH,
  gridSlopes?: Float64Array,
): LambdaFit {
  const { lMin, lMax, nRegion } = search;
  // GEMMA evaluates each inner grid point twice (as one region's top and the next one's bottom);
  // the values are identical, so each point is evaluated once here. `gridSlopes`, when given, holds them
  // already (summed on the GPU, src/stats/grid-slopes.ts).
  const grid = lambdaGrid(search);
  const slope = gridSlopes ?? slopesOnGrid(model, kind, grid);
  const brackets: number[] = [];
  // GEMMA's brackets are the sign changes (slope[i] * slope[i + 1] <= 0); those of minima are left out (above).
  for (let i = 0; i < nRegion; i++) {
    if (slope[i]! >= 0 && slope[i + 1]! <= 0) brackets.push(grid[i]!, grid[i + 1]!);
  }
  if (brackets.length === 0) {
    const fLo = model.logLikelihood(kind, lMin);
    const fHi = model.logLikelihood(kind, lMax);
    return fLo >= fHi ? { lambda: lMin, logLikelihood: fLo } : { lambda: lMax, logLikelihood: fHi };
  }

  const brent = new BrentSolver((x) => model.derivative1(kind, x));
  const newton = new NewtonSolver((x) => {
    model.derivatives12(kind, x);
    return [model.lastDev1, model.lastDev2] as const;
  });
  let lambda = NaN;
  let logf = NaN;
  for (let r = 0; r < brackets.length / 2; r++) {
    brent.set(brackets[2 * r], brackets[2 * r + 1]);
    let status: number;
    let l = brent.root;
    let iter = 0;
    do {
      iter++;
      status = brent.iterate();
      if (status !== GSL_SUCCESS && status !== GSL_CONTINUE) break;
      l = brent.root;
      status = testInterval(brent.lower, brent.upper, 0, 1e-1);
    } while (status === GSL_CONTINUE && iter < MAX_ITER);
    if (status === GSL_CONTINUE) break; // GEMMA gives up on the remaining regions here

    newton.set(l);
    let lPrev = l;
    let iter2 = 0;
    do {
      iter2++;
      // GEMMA steps, evaluates at the new iterate and stops when the step was below 1e-5, keeping the iterate
      // before it: that last evaluation only decides whether the slope there is finite. It is left out (one
      // pass in three of Newton's); a non-finite slope within 1e-5 of a finite one (README: Differences from
      // GEMMA) is the only case where the answer changes.
      const next = newton.nextRoot();
      if (testDelta(next, l, 0, 1e-5) === GSL_SUCCESS) {
        lPrev = l;
        status = GSL_SUCCESS;
        break;
      }
      status = newton.iterate();
      if (status !== GSL_SUCCESS && status !== GSL_CONTINUE) break;
      lPrev = l;
      l = newton.root;
      status = testDelta(l, lPrev, 0, 1e-5);
    } while (status === GSL_CONTINUE && iter2 < MAX_ITER && l > lMin && l < lMax);
    // GEMMA keeps the iterate before the last Newton step.
    let root = lPrev;
    if (status !== GSL_SUCCESS) {
      // Newton failed: GEMMA gives up on the SNP (nan). This happens where the derivative is
      // rounding noise (optimum near lambda = 0); lmmscan keeps bisecting the bracket instead
      // (README: Differences from GEMMA), so the SNP still gets a number.
      root = refineBracket(brent);
    }
    if (root < lMin) root = lMin;
    if (root > lMax) root = lMax;
    const f = model.logLikelihood(kind, root);
    if (r === 0 || logf < f) {
      logf = f;
      lambda = root;
    }
  }
  const fLo = model.logLikelihood(kind, lMin);
  const fHi = model.logLikelihood(kind, lMax);
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

/** Continues Brent's bracket to 1e-5 relative width (the fallback when Newton fails); returns its root. */
function refineBracket(brent: BrentSolver): number {
  for (let iter = 0; iter < MAX_ITER; iter++) {
    if (testInterval(brent.lower, brent.upper, 0, 1e-5) === GSL_SUCCESS) break;
    if (brent.iterate() !== GSL_SUCCESS) break;
  }
  return brent.root;
}

/** The derivative of the log-likelihood at each grid point (both searches start from it). */
export function slopesOnGrid(
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
  grid: Float64Array,
): Float64Array {
  const slope = new Float64Array(grid.length);
  for (let i = 0; i < grid.length; i++) slope[i] = model.derivative1(kind, grid[i]);
  return slope;
}
