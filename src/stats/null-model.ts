/**
 * The null model (covariates only) fitted once per trait: ML and REML lambda and log-likelihoods,
 * vg, ve, fixed effects and their standard errors, pve and se(pve) (GEMMA's CalcLambda on the
 * null model, CalcLmmVgVeBeta and CalcPve).
 */
import { invertSmall, multiplySmall } from '../linalg/small-dense.js';
import { optimiseLambda } from './lambda.js';
import { MixedModelLikelihood } from './likelihood.js';
import { covariateProducts } from './products.js';
import { type LambdaSearch, DEFAULT_LAMBDA_SEARCH } from '../model/settings.js';
import type { NullModel, VarianceFit } from '../model/plan.js';

/** vg, ve, beta and se(beta) at a given lambda (GEMMA's CalcLmmVgVeBeta). */
export function varianceComponentsAt(
  eigenvalues: Float64Array,
  rotatedCovariates: Float64Array,
  rotatedPhenotype: Float64Array,
  nCvt: number,
  lambda: number,
): Omit<VarianceFit, 'logLikelihood'> {
  const n = eigenvalues.length;
  const wHiW = new Float64Array(nCvt * nCvt);
  const wHiy = new Float64Array(nCvt);
  for (let i = 0; i < n; i++) {
    const hi = 1 / (lambda * eigenvalues[i] + 1);
    for (let a = 0; a < nCvt; a++) {
      const wa = rotatedCovariates[a * n + i] * hi;
      wHiy[a] += wa * rotatedPhenotype[i];
      for (let b = 0; b < nCvt; b++) wHiW[a * nCvt + b] += wa * rotatedCovariates[b * n + i];
    }
  }
  const vBeta = invertSmall(wHiW, nCvt);
  const beta = multiplySmall(vBeta, wHiy, nCvt);
  const model = new MixedModelLikelihood(
    eigenvalues,
    nCvt,
    covariateProducts(rotatedCovariates, rotatedPhenotype, nCvt),
  );
  model.calcNull = true;
  const { pyy } = model.projections(lambda);
  const ve = pyy / (n - nCvt);
  const se = new Float64Array(nCvt);
  for (let a = 0; a < nCvt; a++) se[a] = Math.sqrt(ve * vBeta[a * nCvt + a]);
  return { lambda, vg: ve * lambda, ve, beta, se };
}

/** Fits the null model by ML and REML and derives pve (GEMMA's main LMM track before the scan). */
export function fitNullModel(
  eigenvalues: Float64Array,
  rotatedCovariates: Float64Array,
  rotatedPhenotype: Float64Array,
  nCvt: number,
  search: LambdaSearch = DEFAULT_LAMBDA_SEARCH,
): NullModel {
  const n = eigenvalues.length;
  const model = new MixedModelLikelihood(
    eigenvalues,
    nCvt,
    covariateProducts(rotatedCovariates, rotatedPhenotype, nCvt),
  );
  model.calcNull = true;
  const mleFit = optimiseLambda(model, 'L', search);
  const remlFit = optimiseLambda(model, 'R', search);
  const mle = {
    ...varianceComponentsAt(eigenvalues, rotatedCovariates, rotatedPhenotype, nCvt, mleFit.lambda),
    logLikelihood: mleFit.logLikelihood,
  };
  const reml = {
    ...varianceComponentsAt(eigenvalues, rotatedCovariates, rotatedPhenotype, nCvt, remlFit.lambda),
    logLikelihood: remlFit.logLikelihood,
  };
  let traceG = 0;
  for (let i = 0; i < n; i++) traceG += eigenvalues[i];
  traceG /= n;
  model.derivatives12('R', remlFit.lambda);
  const seLambda = Math.sqrt(-1 / model.lastDev2);
  const l = remlFit.lambda;
  const pve = (traceG * l) / (traceG * l + 1);
  const pveSe = (traceG / ((traceG * l + 1) * (traceG * l + 1))) * seLambda;
  return { mle, reml, pve, pveSe, traceG };
}
