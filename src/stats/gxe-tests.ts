/**
 * GEMMA 0.98.5's SNP x environment test (lmm.cpp AnalyzePlinkGXE / AnalyzeBimbamGXE): for each SNP the
 * covariates are extended by the environment e and the SNP x (c + 2 fixed effects), and the tested
 * effect is that of x * e. The score test uses the plain null model's ML lambda, as GEMMA does; the
 * LRT's null is refitted per SNP by ML with the extended covariates; Wald and score have
 * df = n - (c + 2) - 1. GEMMA recodes x as 2 - x when its mean exceeds 1 and flips beta back: the fit
 * is the same either way (x * e changes by a multiple of e, a covariate), so it is not recoded here.
 */
import type { TraitPlan } from '../model/plan.js';
import { emptyResultBlock, type SnpResultBlock } from '../model/results.js';
import { abIndex } from './ab-index.js';
import { optimiseLambda } from './lambda.js';
import { MixedModelLikelihood } from './likelihood.js';
import { covariateProducts, setSnpProducts } from './products.js';
import { recordLambdaFits } from './lmm-block.js';
import { scoreTest } from './snp-tests.js';

/**
 * Tests b SNPs for their interaction with the environment, for one trait of a plan: `rotatedX` holds U^T x
 * and `rotatedXE` U^T (x * e) for each SNP (SNP-major, b x n).
 */
export function testGxeBlock(
  plan: TraitPlan,
  rotatedX: Float64Array,
  rotatedXE: Float64Array,
  b: number,
): SnpResultBlock {
  const { n, nCvt, testMode, nullModel, search } = plan;
  if (!plan.rotatedEnvironment) throw new Error('internal: a -gxe test without the environment');
  const y = plan.rotatedPhenotype;
  const c = nCvt + 2;
  // Extended covariates, column-major: W, then e, then the SNP (rewritten per SNP).
  const covariates = new Float64Array(c * n);
  covariates.set(plan.rotatedCovariates.subarray(0, nCvt * n));
  covariates.set(plan.rotatedEnvironment, nCvt * n);
  const x = covariates.subarray((c - 1) * n, c * n);
  const table = covariateProducts(covariates, y, c);
  const alternative = new MixedModelLikelihood(plan.eigenvalues, c, table);
  const reduced = new MixedModelLikelihood(plan.eigenvalues, c, table);
  reduced.calcNull = true;
  const out = emptyResultBlock(b);
  for (let j = 0; j < b; j++) {
    x.set(rotatedX.subarray(j * n, (j + 1) * n));
    setCovariateProducts(table, covariates, y, c);
    setSnpProducts(table, covariates, y, rotatedXE.subarray(j * n, (j + 1) * n), c);
    alternative.productsChanged();
    reduced.productsChanged();
    let logLikH0 = NaN;
    if (testMode === 2 || testMode === 4) logLikH0 = optimiseLambda(reduced, 'L', search).logLikelihood;
    if (testMode === 3 || testMode === 4 || testMode === 9) {
      const s = scoreTest(alternative, nullModel.mle.lambda);
      out.beta[j] = s.beta;
      out.se[j] = s.se;
      out.pScore[j] = s.p;
    }
    // GEMMA 0.98.5 computes the per-SNP null only for -lmm 2 and 4: -lmm 9 compares with a zero one.
    recordLambdaFits(out, j, alternative, testMode, testMode === 9 ? 0 : logLikH0, (kind) =>
      optimiseLambda(alternative, kind, search),
    );
  }
  return out;
}

/** Rewrites the products of the last covariate (the SNP) with every covariate and with y. */
function setCovariateProducts(
  table: Float64Array,
  covariates: Float64Array,
  y: Float64Array,
  c: number,
): void {
  const n = y.length;
  const last = (c - 1) * n;
  for (let k = 1; k <= c + 2; k++) {
    if (k === c + 1) continue;
    const off = abIndex(c, k, c) * n;
    const other = k === c + 2 ? y : covariates.subarray((k - 1) * n, k * n);
    for (let i = 0; i < n; i++) table[off + i] = covariates[last + i] * other[i];
  }
}
