/**
 * Per-SNP LMM tests for a block of rotated genotypes, in the order GEMMA runs them (score, Wald,
 * LRT), so beta/se come from the Wald fit under -lmm 4 and logl_H1 is the ML value; -lmm 9 runs the
 * score test and the LRT, as GEMMA 0.98.5 does, so its beta/se are the score test's.
 */
import type { ScanPlan } from '../model/plan.js';
import { optimiseLambda } from './lambda.js';
import { MixedModelLikelihood } from './likelihood.js';
import { covariateProducts, setSnpProducts } from './products.js';
import { emptyResultBlock, type SnpResultBlock } from '../model/results.js';
import { likelihoodRatioP, scoreTest, waldTest } from './snp-tests.js';

/** Tests b SNPs (rotated, SNP-major n x b) against the plan, in float64. */
export function testRotatedBlock(plan: ScanPlan, rotatedGenotypes: Float64Array, b: number): SnpResultBlock {
  const { n, nCvt, testMode, nullModel, search } = plan;
  const table = covariateProducts(plan.rotatedCovariates, plan.rotatedPhenotype, nCvt);
  const model = new MixedModelLikelihood(plan.eigenvalues, nCvt, table);
  const out = emptyResultBlock(b);
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
    if (testMode === 1 || testMode === 4) {
      const fit = optimiseLambda(model, 'R', search);
      const w = waldTest(model, fit.lambda);
      out.lambdaRemle[j] = fit.lambda;
      out.logLikH1[j] = fit.logLikelihood;
      out.beta[j] = w.beta;
      out.se[j] = w.se;
      out.pWald[j] = w.p;
    }
    if (testMode === 2 || testMode === 4 || testMode === 9) {
      const fit = optimiseLambda(model, 'L', search);
      out.lambdaMle[j] = fit.lambda;
      out.logLikH1[j] = fit.logLikelihood;
      out.pLrt[j] = likelihoodRatioP(fit.logLikelihood, nullModel.mle.logLikelihood);
    }
  }
  return out;
}
