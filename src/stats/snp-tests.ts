/**
 * Per-SNP association tests at a given lambda (GEMMA's CalcRLWald, CalcRLScore, and the LRT),
 * with df = n - c - 1.
 */
import { chiSquareUpperTail, fDistUpperTail } from './distributions.js';
import type { MixedModelLikelihood } from './likelihood.js';

export interface EffectTest {
  beta: number;
  se: number;
  p: number;
}

/** Wald test at lambda (the SNP's REML lambda): beta = Pxy/Pxx, F(1, df) on the explained sum of squares. */
export function waldTest(model: MixedModelLikelihood, lambda: number): EffectTest {
  const df = model.n - model.nCvt - 1;
  const { pyy, pxx, pxy, pxYY } = model.projections(lambda);
  const beta = pxy / pxx;
  const tau = df / pxYY;
  const se = Math.sqrt(1 / (tau * pxx));
  return { beta, se, p: fDistUpperTail((pyy - pxYY) * tau, 1, df) };
}

/** Score test at the null model's ML lambda: F(1, df) at n Pxy^2 / (Pyy Pxx); beta and se as Wald's at that lambda. */
export function scoreTest(model: MixedModelLikelihood, lambdaNullMle: number): EffectTest {
  const n = model.n;
  const df = n - model.nCvt - 1;
  const { pyy, pxx, pxy, pxYY } = model.projections(lambdaNullMle);
  const beta = pxy / pxx;
  const tau = df / pxYY;
  const se = Math.sqrt(1 / (tau * pxx));
  return { beta, se, p: fDistUpperTail((n * pxy * pxy) / (pyy * pxx), 1, df) };
}

/** Likelihood-ratio test p-value from ML log-likelihoods with and without the SNP. */
export function likelihoodRatioP(logLikH1: number, logLikH0: number): number {
  return chiSquareUpperTail(2 * (logLikH1 - logLikH0), 1);
}
