/**
 * Per-SNP LMM tests for a block of rotated genotypes, in the order GEMMA runs them (score, Wald,
 * LRT), so beta/se come from the Wald fit under -lmm 4 and logl_H1 is the ML value; -lmm 9 runs the
 * score test and the LRT, as GEMMA 0.98.5 does, so its beta/se are the score test's. Each SNP's lambda is found by
 * GEMMA's search (lambda.ts), or with search.snpMethod 'newton' by the safeguarded Newton search (lambda-newton.ts).
 */
import type { TraitPlan } from '../model/plan.js';
import { optimiseLambda, type LambdaFit } from './lambda.js';
import { optimiseLambdaNewton } from './lambda-newton.js';
import { MixedModelLikelihood, type LikelihoodKind } from './likelihood.js';
import { covariateProducts, setSnpProducts } from './products.js';
import { emptyResultBlock, type SnpResultBlock } from '../model/results.js';
import { likelihoodRatioP, scoreTest, waldTest } from './snp-tests.js';

/**
 * The derivative at the lambda grid for SNP j computed elsewhere (the GPU's grid phase): fills `out` and returns
 * true, or returns false to have it computed here in float64.
 */
export type GridSlopeSource = (
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
  j: number,
  out: Float64Array,
) => boolean;

/**
 * Tests b SNPs (rotated, SNP-major n x b) against one trait of a plan, in float64 (the grid's slopes from `grid`
 * if given).
 */
export function testRotatedBlock(
  plan: TraitPlan,
  rotatedGenotypes: Float64Array,
  b: number,
  grid?: GridSlopeSource,
): SnpResultBlock {
  const { n, nCvt, testMode, nullModel, search } = plan;
  const table = covariateProducts(plan.rotatedCovariates, plan.rotatedPhenotype, nCvt);
  const model = new MixedModelLikelihood(plan.eigenvalues, nCvt, table);
  const out = emptyResultBlock(b);
  const slopes = new Float64Array(search.nRegion + 1);
  const optimise = search.snpMethod === 'newton' ? optimiseLambdaNewton : optimiseLambda;
  const given = (kind: LikelihoodKind, j: number) => (grid?.(model, kind, j, slopes) ? slopes : undefined);
  for (let j = 0; j < b; j++) {
    const snp = rotatedGenotypes.subarray(j * n, (j + 1) * n);
    setSnpProducts(table, plan.rotatedCovariates, plan.rotatedPhenotype, snp, nCvt);
    model.productsChanged();
    if (testMode === 3 || testMode === 4 || testMode === 9) {
      const s = scoreTest(model, nullModel.mle.lambda);
      out.beta[j] = s.beta;
      out.se[j] = s.se;
      out.pScore[j] = s.p;
    }
    recordLambdaFits(out, j, model, testMode, nullModel.mle.logLikelihood, (kind) =>
      optimise(model, kind, search, given(kind, j)),
    );
  }
  return out;
}

/**
 * SNP j's columns from its lambda fits, as the test mode asks: the REML fit and its Wald test (-lmm 1, 4), the ML
 * fit and its likelihood ratio against `nullLogLik` (-lmm 2, 4, 9). `fitOf` fits one kind (REML first, as GEMMA).
 */
export function recordLambdaFits(
  out: SnpResultBlock,
  j: number,
  model: MixedModelLikelihood,
  testMode: number,
  nullLogLik: number,
  fitOf: (kind: LikelihoodKind) => LambdaFit,
): void {
  if (testMode === 1 || testMode === 4) {
    const fit = fitOf('R');
    const w = waldTest(model, fit.lambda);
    out.lambdaRemle[j] = fit.lambda;
    out.logLikH1[j] = fit.logLikelihood;
    out.beta[j] = w.beta;
    out.se[j] = w.se;
    out.pWald[j] = w.p;
  }
  if (testMode === 2 || testMode === 4 || testMode === 9) {
    const fit = fitOf('L');
    out.lambdaMle[j] = fit.lambda;
    out.logLikH1[j] = fit.logLikelihood;
    out.pLrt[j] = likelihoodRatioP(fit.logLikelihood, nullLogLik);
  }
}
