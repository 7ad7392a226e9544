/**
 * The CPU's share of a SNP test whose lambda the GPU refined (shaders/lmm_refine.wgsl): the grid's brackets are
 * re-derived in float64 from the GPU's grid sums (src/stats/grid-slopes.ts) and, where they agree with the GPU's
 * single bracket, one or two float64 Newton steps polish the GPU's lambda; the likelihood at the optimum and at
 * the search's ends, the Wald/LRT/score statistics and the p-values follow in float64. Every other case (no
 * usable GPU result, several brackets, the rounding-noise regime, a slope whose sign is in doubt) runs the CPU's
 * full optimisation (src/stats/lambda.ts), and is counted. This is the TS engine's finish (a ts CPU engine, the
 * tests); with the wasm engine the worker pool makes the same decisions (assembly/lmm.ts lmmFinish).
 */
import type { TraitPlan } from '../../model/plan.js';
import { emptyResultBlock, type SnpResultBlock } from '../../model/results.js';
import { lambdaGrid, type LambdaSearch } from '../../model/settings.js';
import { optimiseLambda, type LambdaFit } from '../../stats/lambda.js';
import { MixedModelLikelihood, type LikelihoodKind } from '../../stats/likelihood.js';
import { covariateProducts, setSnpProducts } from '../../stats/products.js';
import { recordLambdaFits } from '../../stats/lmm-block.js';
import { scoreTest } from '../../stats/snp-tests.js';
import { RefineStatus } from './lmm-refine.js';

/**
 * The GPU's lambda is within about 1e-7 relative of the root, so one float64 Newton step lands within about 1e-14;
 * a second is taken only when the first moved lambda by more than this fraction (a GPU result far from the root).
 */
const SECOND_STEP = 1e-6;

/** The likelihoods a test mode optimises, in the order the GPU's results hold them. */
export function refinedKinds(testMode: number): LikelihoodKind[] {
  if (testMode === 1) return ['R'];
  if (testMode === 2 || testMode === 9) return ['L'];
  if (testMode === 4) return ['R', 'L'];
  return [];
}

/** One block's GPU results for one plan: lambda and status per (SNP, kind), kinds as refinedKinds(). */
export interface RefinedLambdas {
  lambdas: Float64Array;
  status: Uint8Array;
}

/**
 * Float64 slopes at the grid for SNP j from the GPU's grid sums (fills `out`), or false when they cannot be
 * trusted in double-single (the rounding-noise regime, a sign in doubt): then the CPU recomputes them.
 */
export type TrustedSlopes = (
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
  j: number,
  out: Float64Array,
) => boolean;

/** Counts of one finished block: SNP tests (SNP x kind) and those the CPU optimised in full. */
export interface FinishCounts {
  fits: number;
  cpuFits: number;
  /** SNPs with at least one kind optimised on the CPU. */
  cpuSnps: number;
}

/**
 * Polishes the GPU's lambda (inside the float64 bracket [lo, hi]) with float64 Newton steps, then compares the
 * likelihood there with the search's ends, as GEMMA's CalcLambda does with its root.
 */
function polish(
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
  search: LambdaSearch,
  lambda: number,
  lo: number,
  hi: number,
): LambdaFit {
  let root = lambda;
  for (let step = 0; step < 2; step++) {
    model.derivatives12(kind, root);
    const next = root - model.lastDev1 / model.lastDev2;
    if (!(next >= lo && next <= hi)) break; // a wild step (flat second derivative): keep the GPU's root
    const moved = Math.abs(next - root);
    root = next;
    if (moved <= SECOND_STEP * root) break;
  }
  root = Math.min(Math.max(root, search.lMin), search.lMax);
  let lambdaBest = root;
  let best = model.logLikelihood(kind, root);
  const fLo = model.logLikelihood(kind, search.lMin);
  const fHi = model.logLikelihood(kind, search.lMax);
  if (Number.isNaN(best)) return { lambda: NaN, logLikelihood: NaN };
  if (fLo > best) {
    lambdaBest = search.lMin;
    best = fLo;
  }
  if (fHi > best) {
    lambdaBest = search.lMax;
    best = fHi;
  }
  return { lambda: lambdaBest, logLikelihood: best };
}

/** The better end of the search (no interior maximum): GEMMA's comparison of lMin and lMax, lMin on ties. */
function bestEnd(model: MixedModelLikelihood, kind: LikelihoodKind, search: LambdaSearch): LambdaFit {
  const fLo = model.logLikelihood(kind, search.lMin);
  const fHi = model.logLikelihood(kind, search.lMax);
  return fLo >= fHi
    ? { lambda: search.lMin, logLikelihood: fLo }
    : { lambda: search.lMax, logLikelihood: fHi };
}

/**
 * Tests b rotated SNPs (SNP-major b x n) against one trait of a plan in float64 with the GPU's refined lambdas, in
 * the order of testRotatedBlock (src/stats/lmm-block.ts); adds to `counts`.
 */
export function finishRefinedBlock(
  plan: TraitPlan,
  rotatedGenotypes: Float64Array,
  b: number,
  refined: RefinedLambdas,
  slopesOf: TrustedSlopes,
  counts: FinishCounts,
): SnpResultBlock {
  const { n, nCvt, testMode, nullModel, search } = plan;
  const table = covariateProducts(plan.rotatedCovariates, plan.rotatedPhenotype, nCvt);
  const model = new MixedModelLikelihood(plan.eigenvalues, nCvt, table);
  const out = emptyResultBlock(b);
  const slopes = new Float64Array(search.nRegion + 1);
  const kinds = refinedKinds(testMode);
  const lambdas = lambdaGrid(search);
  const grid = lambdas.length;
  let cpuSnp: boolean; // set per SNP below, read by fit()
  const fit = (kind: LikelihoodKind, j: number): LambdaFit => {
    counts.fits++;
    const item = j * kinds.length + kinds.indexOf(kind);
    if (!slopesOf(model, kind, j, slopes)) {
      counts.cpuFits++;
      cpuSnp = true;
      return optimiseLambda(model, kind, search);
    }
    // Brackets holding a maximum (slope from + to -): a root in any other bracket is a minimum, never better than
    // the maximum or search end beside it, so GEMMA's choice among roots and ends comes from these and the ends.
    let maxima = 0;
    let cell = 0;
    for (let t = 0; t + 1 < grid; t++) {
      const a = slopes[t]!;
      const c = slopes[t + 1]!;
      if (a >= 0 && c <= 0 && (a !== 0 || c !== 0)) {
        maxima++;
        cell = t;
      }
    }
    const lambda = refined.lambdas[item]!;
    const status = refined.status[item]!;
    if (maxima === 0) return bestEnd(model, kind, search);
    const lo = lambdas[cell]!;
    const hi = lambdas[cell + 1]!;
    if (maxima === 1 && status === RefineStatus.converged && lambda >= lo && lambda <= hi)
      return polish(model, kind, search, lambda, lo, hi);
    counts.cpuFits++;
    cpuSnp = true;
    return optimiseLambda(model, kind, search, slopes);
  };
  for (let j = 0; j < b; j++) {
    const snp = rotatedGenotypes.subarray(j * n, (j + 1) * n);
    setSnpProducts(table, plan.rotatedCovariates, plan.rotatedPhenotype, snp, nCvt);
    model.productsChanged();
    cpuSnp = false;
    if (testMode === 3 || testMode === 4 || testMode === 9) {
      const s = scoreTest(model, nullModel.mle.lambda);
      out.beta[j] = s.beta;
      out.se[j] = s.se;
      out.pScore[j] = s.p;
    }
    recordLambdaFits(out, j, model, testMode, nullModel.mle.logLikelihood, (kind) => fit(kind, j));
    if (cpuSnp) counts.cpuSnps++;
  }
  return out;
}
