/**
 * The prepare phase of a multivariate LMM scan (-n K1 K2 ... -lmm): covariates and the d traits
 * rotated by K's eigenvectors, and GEMMA's REML and ML null fits of (Vg, Ve).
 */
import type { Eigen, Engine } from '../engines/engine.js';
import type { SampleSelection } from '../qc/samples.js';
import type { MvScanModel } from '../stats/mvlmm/block.js';
import { fitMvNull } from '../stats/mvlmm/fit.js';
import type { LmmTestMode } from '../model/plan.js';
import type { LambdaSearch } from '../model/settings.js';

/** A multivariate unit's plan: the scan model and the eigenvectors its SNPs are rotated by. */
export interface MvPlan extends MvScanModel {
  eigenvectors: Float64Array;
  /**
   * engine.rotate()'s key for these eigenvectors (held resident from the covariates' rotation to the last block's),
   * when the plan was built in this process.
   */
  rotationKey?: object;
}

/** Rotates covariates and traits, fits the null model, and freezes the plan. */
export async function buildMvPlan(
  eigen: Eigen,
  selection: SampleSelection,
  mode: LmmTestMode,
  search: LambdaSearch,
  engine: Engine,
): Promise<MvPlan> {
  const n = selection.nAnalysed;
  const d = selection.phenotypes.length;
  // U goes to the engine once, for these rotations and the blocks' (n = 1,500: 17 MB copied three times before).
  const rotationKey = {};
  const X = await engine.rotate(eigen.vectors, n, selection.covariates, selection.nCvt, rotationKey);
  const traits = new Float64Array(d * n);
  selection.phenotypes.forEach((p, t) => traits.set(p, t * n));
  const Y = await engine.rotate(eigen.vectors, n, traits, d, rotationKey);
  const data = { n, d, c: selection.nCvt, eigenvalues: eigen.values, X, Y };
  if (mode === 9) throw new Error('internal: -lmm 9 with several traits passed the preflight');
  // The engine's threads idle while this one fits the null model: they ready their fits meanwhile.
  await engine.warmMultivariate?.(d, selection.nCvt);
  const nullModel = engine.fitMultivariateNull
    ? await engine.fitMultivariateNull(data, search)
    : fitMvNull(data, search);
  return { data, nullModel, mode, eigenvectors: eigen.vectors, rotationKey };
}
