/**
 * --fit: the null model y = W beta + g + e, g ~ N(0, vg K), e ~ N(0, ve I), fitted on its own by
 * REML or ML, with GLS standard errors, t tests and the BLUP of g. The likelihood and lambda search
 * are GEMMA's (src/stats); the optimum is then polished by Newton steps so that the estimates are
 * the exact maximiser, not GEMMA's 1e-5-relative stopping point.
 */
import { fDistUpperTail } from '../stats/distributions.js';
import { optimiseLambda } from '../stats/lambda.js';
import { MixedModelLikelihood, type LikelihoodKind } from '../stats/likelihood.js';
import { varianceComponentsAt } from '../stats/null-model.js';
import { covariateProducts } from '../stats/products.js';
import type { LambdaSearch } from '../model/settings.js';

export type FitMethod = 'reml' | 'ml';

export interface MixedModelFit {
  method: FitMethod;
  /** Analysed individuals. */
  n: number;
  /** Degrees of freedom of the t tests: n - number of fixed effects. */
  df: number;
  lambda: number;
  /** REML (GEMMA's LogRL_f) or ML log-likelihood at the optimum. */
  logLik: number;
  vg: number;
  ve: number;
  /** One per covariate column: estimate, GLS se, t = estimate / se, two-sided p of t on df. */
  beta: Float64Array;
  se: Float64Array;
  t: Float64Array;
  p: Float64Array;
  /** pve = tr(K)/n * lambda / (tr(K)/n * lambda + 1) and its delta-method se (GEMMA's CalcPve). */
  pve: number;
  sePve: number;
  /** E(g | y) per analysed individual: vg K V^-1 (y - W beta). */
  blup: Float64Array;
}

/** Input of fitMixedModel: eigendecomposition of K (as given, not centred) and the rotated data. */
export interface FitInput {
  /** Eigenvalues of K, ascending, tiny ones set to 0 (length n). */
  eigenvalues: Float64Array;
  /** Row-major n x n; column k is the eigenvector of eigenvalues[k]. */
  eigenvectors: Float64Array;
  /** U^T W, column-major: rotatedCovariates[a * n + i]. */
  rotatedCovariates: Float64Array;
  /** U^T y. */
  rotatedPhenotype: Float64Array;
  nCvt: number;
}

const MAX_POLISH_STEPS = 50;

/** Newton steps on the derivative from GEMMA's answer until the step is 1e-12 relative; never lowers the likelihood. */
function polishLambda(
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
  lambda: number,
  search: LambdaSearch,
): number {
  if (!(lambda > search.lMin && lambda < search.lMax)) return lambda;
  let best = lambda;
  let bestLogLik = model.logLikelihood(kind, best);
  for (let step = 0; step < MAX_POLISH_STEPS; step++) {
    model.derivatives12(kind, best);
    if (!(model.lastDev2 < 0)) break; // not a maximum here: keep GEMMA's answer
    const next = best - model.lastDev1 / model.lastDev2;
    if (!(next > search.lMin && next < search.lMax)) break;
    const logLik = model.logLikelihood(kind, next);
    if (logLik < bestLogLik - 1e-12 * Math.abs(bestLogLik)) break;
    const converged = Math.abs(next - best) <= 1e-12 * best;
    best = next;
    bestLogLik = logLik;
    if (converged) break;
  }
  return best;
}

/**
 * Fits the null model by REML or ML. ve is the REML (pyy/(n-c)) or ML (pyy/n) estimate, vg = lambda ve,
 * and se(beta) = sqrt(diag((W' V^-1 W)^-1)) with V = vg K + ve I.
 */
export function fitMixedModel(input: FitInput, method: FitMethod, search: LambdaSearch): MixedModelFit {
  const { eigenvalues, rotatedCovariates, rotatedPhenotype, nCvt } = input;
  const n = eigenvalues.length;
  const kind: LikelihoodKind = method === 'reml' ? 'R' : 'L';
  const model = new MixedModelLikelihood(
    eigenvalues,
    nCvt,
    covariateProducts(rotatedCovariates, rotatedPhenotype, nCvt),
  );
  model.calcNull = true;
  const found = optimiseLambda(model, kind, search);
  if (!Number.isFinite(found.lambda))
    throw new Error('the variance ratio could not be estimated (the likelihood optimisation failed)');
  const lambda = polishLambda(model, kind, found.lambda, search);
  const logLik = model.logLikelihood(kind, lambda);

  const at = varianceComponentsAt(eigenvalues, rotatedCovariates, rotatedPhenotype, nCvt, lambda);
  // varianceComponentsAt gives GEMMA's ve = y'Py / (n - c), the REML estimate; ML divides by n.
  const scale = method === 'reml' ? 1 : (n - nCvt) / n;
  const ve = at.ve * scale;
  const vg = lambda * ve;
  const se = at.se.map((s) => s * Math.sqrt(scale));
  const df = n - nCvt;
  const t = at.beta.map((b, a) => b / se[a]);
  const p = t.map((x) => fDistUpperTail(x * x, 1, df)); // two-sided t test: t^2 ~ F(1, df)

  let traceG = 0;
  for (let i = 0; i < n; i++) traceG += eigenvalues[i];
  traceG /= n;
  model.derivatives12(kind, lambda);
  const seLambda = Math.sqrt(-1 / model.lastDev2);
  const pve = (traceG * lambda) / (traceG * lambda + 1);
  const sePve = (traceG / ((traceG * lambda + 1) * (traceG * lambda + 1))) * seLambda;

  return {
    method,
    n,
    df,
    lambda,
    logLik,
    vg,
    ve,
    beta: at.beta,
    se,
    t,
    p,
    pve,
    sePve,
    blup: blupOf(input, at.beta, lambda),
  };
}

/** E(g | y) = U diag(lambda d / (lambda d + 1)) U^T (y - W beta), length n. */
export function blupOf(input: FitInput, beta: Float64Array, lambda: number): Float64Array {
  const { eigenvalues, eigenvectors, rotatedCovariates, rotatedPhenotype, nCvt } = input;
  const n = eigenvalues.length;
  const shrunk = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let r = rotatedPhenotype[k];
    for (let a = 0; a < nCvt; a++) r -= rotatedCovariates[a * n + k] * beta[a];
    const ld = lambda * eigenvalues[k];
    shrunk[k] = (ld / (ld + 1)) * r;
  }
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let k = 0; k < n; k++) s += eigenvectors[row + k] * shrunk[k];
    g[i] = s;
  }
  return g;
}
