/**
 * The immutable result of the prepare phase that the scan phase streams SNP blocks against:
 * eigendecomposition of K, rotated covariates, the rotated trait matrix and each trait's fitted null model.
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

/**
 * A unit's plan: the trait matrix of one eigendecomposition. Eigenvalues, eigenvectors and rotated covariates are
 * held once; the rotated traits are the columns of one n x traits matrix, each with its null model (a single-trait
 * run is the case traits = 1).
 */
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
  /** Columns of rotatedPhenotypes (traits tested against the same eigenvectors). */
  traits: number;
  /** U^T Y, column-major n x traits: trait t is rotatedPhenotypes[t * n + i], a contiguous column. */
  rotatedPhenotypes: Float64Array;
  /** Each trait's fitted null model, in column order. */
  nullModels: NullModel[];
  testMode: LmmTestMode;
  search: LambdaSearch;
  /** -gxe: U^T e, the rotated environment each SNP's interaction is tested with (the same for every trait). */
  rotatedEnvironment?: Float64Array;
}

/**
 * One trait of a plan, as the per-SNP tests of that trait read it: the plan's shared arrays and views of the
 * trait's column (no copies).
 */
export interface TraitPlan {
  n: number;
  nCvt: number;
  eigenvalues: Float64Array;
  /** Column-major n x nCvt, the plan's own array. */
  rotatedCovariates: Float64Array;
  /** U^T y, length n: a view of the plan's column. */
  rotatedPhenotype: Float64Array;
  nullModel: NullModel;
  testMode: LmmTestMode;
  search: LambdaSearch;
  rotatedEnvironment?: Float64Array;
}

/** Trait t (0-based column) of a plan: a view, cheap enough to make per block. */
export function traitPlan(plan: ScanPlan, t: number): TraitPlan {
  const { n, nCvt, eigenvalues, rotatedCovariates, testMode, search, rotatedEnvironment } = plan;
  if (t < 0 || t >= plan.traits) throw new RangeError(`internal: trait ${t} of a plan of ${plan.traits}`);
  return {
    n,
    nCvt,
    eigenvalues,
    rotatedCovariates,
    rotatedPhenotype: plan.rotatedPhenotypes.subarray(t * n, (t + 1) * n),
    nullModel: plan.nullModels[t]!,
    testMode,
    search,
    rotatedEnvironment,
  };
}

/** Every trait of a plan, in column order (views, see traitPlan). */
export function traitPlans(plan: ScanPlan): TraitPlan[] {
  return Array.from({ length: plan.traits }, (_, t) => traitPlan(plan, t));
}
