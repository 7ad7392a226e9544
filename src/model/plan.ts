/**
 * The immutable result of the prepare phase that the scan phase streams SNP blocks against:
 * eigendecomposition of K, rotated covariates and phenotype, and the fitted null model.
 */
import type { LambdaSearch } from './settings.js';

/** One fitted variance model: ML or REML lambda = vg / ve and what follows from it. */
export interface VarianceFit {
  lambda: number;
  logLikelihood: number;
  vg: number;
  ve: number;
  /** Fixed effects, one per covariate column. */
  beta: Float64Array;
  se: Float64Array;
}

export interface NullModel {
  mle: VarianceFit;
  reml: VarianceFit;
  pve: number;
  pveSe: number;
  /** Mean of the eigenvalues of K (GEMMA's trace_G / n). */
  traceG: number;
}

/** -lmm's tests: 1 Wald, 2 LRT, 3 score, 4 all; 9 (GEMMA 0.98.5) the LRT with the score test's beta and se. */
export type LmmTestMode = 1 | 2 | 3 | 4 | 9;

export interface ScanPlan {
  /** Analysed individuals. */
  n: number;
  nCvt: number;
  /** Eigenvalues of the centred K (ascending, those below 1e-10 set to 0 as GEMMA does). */
  eigenvalues: Float64Array;
  /** Row-major n x n eigenvectors U. */
  eigenvectors: Float64Array;
  /** U^T W, column-major: rotatedCovariates[k * n + i]. */
  rotatedCovariates: Float64Array;
  /** U^T y. */
  rotatedPhenotype: Float64Array;
  nullModel: NullModel;
  testMode: LmmTestMode;
  search: LambdaSearch;
  /** -gxe: U^T e, the rotated environment each SNP's interaction is tested with. */
  rotatedEnvironment?: Float64Array;
}
