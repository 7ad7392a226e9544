/**
 * GEMMA 0.98.5's multivariate LMM, null model and per-SNP tests (MVLMM::AnalyzeBimbam / AnalyzePlink):
 * the null (Vg, Ve) start from univariate REML fits of each trait (pairwise two-trait fits for the
 * off-diagonals when d > 4), then REML EM + NR (logged), then ML EM + NR (the start of every SNP's
 * fit and the LRT's null likelihood). Per SNP: score test at the ML null; LRT by ML EM (NR when its
 * p < 0.001); Wald by REML EM (NR when its p < 0.001). In mode 4 the Wald fit starts where the LRT's
 * ended, as in GEMMA. Zhou & Stephens 2014, Nature Methods 11:407.
 */
import { chiSquareUpperTail } from '../distributions.js';
import { optimiseLambda } from '../lambda.js';
import { MixedModelLikelihood } from '../likelihood.js';
import { varianceComponentsAt } from '../null-model.js';
import { covariateProducts } from '../products.js';
import { mvEm, type MvParameters } from './em.js';
import type { MvData } from './model.js';
import { mvNewton } from './newton.js';
import { covariateEffects, snpEffect } from './wald.js';
import type { LambdaSearch } from '../../model/settings.js';
import { Scratch } from './scratch.js';

// testSnp's starting point, copied from the ML null fit for every SNP.
const startVg = new Scratch();
const startVe = new Scratch();
const startB = new Scratch();

/** GEMMA's iteration limits and tolerances (-em, -nr, -emp, -nrp, -pnr defaults). */
export const MV_SETTINGS = { emIter: 10000, emPrec: 1e-4, nrIter: 100, nrPrec: 1e-4, pNr: 0.001 };

/** One null fit (REML or ML): Vg, Ve (d x d), their variances' diagonals, B (d x c) and se(B). */
export interface MvNullFit {
  vg: Float64Array;
  ve: Float64Array;
  /** Var of Vg's and Ve's upper-triangle entries (GetIndex order), from the inverse Hessian. */
  vgVariance: Float64Array;
  veVariance: Float64Array;
  B: Float64Array;
  seB: Float64Array;
  logLik: number;
}

/** Both null fits of a multivariate scan. */
export interface MvNullModel {
  reml: MvNullFit;
  mle: MvNullFit;
}

/** The starting (Vg, Ve, B) of GEMMA's MphInitial for the c x n covariates and d x n traits of `data`. */
export function initialValues(
  data: MvData,
  search: LambdaSearch,
): { vg: Float64Array; ve: Float64Array; B: Float64Array } {
  const { n, d, c } = data;
  const vg = new Float64Array(d * d);
  const ve = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const y = data.Y.subarray(i * n, (i + 1) * n);
    const model = new MixedModelLikelihood(data.eigenvalues, c, covariateProducts(data.X, y, c));
    model.calcNull = true;
    const { lambda } = optimiseLambda(model, 'R', search);
    const fit = varianceComponentsAt(data.eigenvalues, data.X, y, c, lambda);
    vg[i * d + i] = fit.vg;
    ve[i * d + i] = fit.ve;
  }
  if (d > 4) {
    // Off-diagonals from two-trait REML fits, as GEMMA does above four traits.
    for (let i = 0; i < d; i++) {
      for (let j = i + 1; j < d; j++) {
        const y2 = new Float64Array(2 * n);
        y2.set(data.Y.subarray(i * n, (i + 1) * n), 0);
        y2.set(data.Y.subarray(j * n, (j + 1) * n), n);
        const pair: MvData = { ...data, d: 2, Y: y2 };
        const p = {
          vg: Float64Array.of(vg[i * d + i], 0, 0, vg[j * d + j]),
          ve: Float64Array.of(ve[i * d + i], 0, 0, ve[j * d + j]),
          B: new Float64Array(2 * c),
        };
        mvEm('R', MV_SETTINGS.emIter, MV_SETTINGS.emPrec, pair, p);
        mvNewton('R', MV_SETTINGS.nrIter, MV_SETTINGS.nrPrec, pair, p.vg, p.ve);
        vg[i * d + j] = vg[j * d + i] = p.vg[1];
        ve[i * d + j] = ve[j * d + i] = p.ve[1];
      }
    }
  }
  const B = new Float64Array(d * c);
  covariateEffects(data, vg, ve, B);
  return { vg, ve, B };
}

function diagonalOf(variance: Float64Array, from: number, count: number, np: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = variance[(from + i) * np + from + i];
  return out;
}

/** An EM with mvEm's contract: mvEm itself, or a kernel's (src/engines/wasm/mv-kernel.ts). */
export type MvEmStep = (
  kind: 'R' | 'L',
  maxIter: number,
  tolerance: number,
  data: MvData,
  p: MvParameters,
) => number;

function nullFit(
  kind: 'R' | 'L',
  data: MvData,
  p: { vg: Float64Array; ve: Float64Array; B: Float64Array },
  em: MvEmStep,
): MvNullFit {
  const { d, c } = data;
  const v = (d * (d + 1)) / 2;
  em(kind, MV_SETTINGS.emIter, MV_SETTINGS.emPrec, data, p);
  const nr = mvNewton(kind, MV_SETTINGS.nrIter, MV_SETTINGS.nrPrec, data, p.vg, p.ve);
  const seB = new Float64Array(d * c);
  covariateEffects(data, p.vg, p.ve, p.B, seB);
  return {
    vg: Float64Array.from(p.vg),
    ve: Float64Array.from(p.ve),
    vgVariance: diagonalOf(nr.variance, 0, v, 2 * v),
    veVariance: diagonalOf(nr.variance, v, v, 2 * v),
    B: Float64Array.from(p.B),
    seB,
    logLik: nr.logLik,
  };
}

/**
 * The REML and ML null fits over the covariates of `data` (its X has the c covariate rows), their EM by `em` (an
 * engine's kernel: the same iteration, its sums rounded in another order).
 */
export function fitMvNull(data: MvData, search: LambdaSearch, em: MvEmStep = mvEm): MvNullModel {
  const start = initialValues(data, search);
  const reml = nullFit('R', data, start, em);
  const mle = nullFit('L', data, start, em);
  return { reml, mle };
}

/** One SNP's statistics: beta (d), Var(beta) (d x d) and the p-values its mode computes (NaN otherwise). */
export interface MvSnpResult {
  beta: Float64Array;
  vBeta: Float64Array;
  pWald: number;
  pLrt: number;
  pScore: number;
}

/**
 * The per-SNP steps whose cost grows with n: the EM (mvEm's contract) and the Wald statistic (snpEffect's).
 * The TS oracle's are the functions themselves; a kernel (src/engines/wasm/mv-kernel.ts) does the same
 * arithmetic on its own copy of the data, loaded by `prepare` (once per block) and `loadSnp` (per SNP, once
 * withSnp's last X row holds it), so its `em` and `effect` may ignore their data arguments.
 */
export interface MvSnpSteps {
  prepare(withSnp: MvData): void;
  loadSnp(withSnp: MvData): void;
  em(kind: 'R' | 'L', maxIter: number, tolerance: number, withSnp: MvData, p: MvParameters): number;
  effect(
    covariates: MvData,
    x: Float64Array,
    vg: Float64Array,
    ve: Float64Array,
    beta: Float64Array,
    vBeta: Float64Array,
  ): number;
}

/** The TS oracle's steps. */
export const oracleSteps: MvSnpSteps = {
  prepare: () => {},
  loadSnp: () => {},
  em: mvEm,
  effect: snpEffect,
};

/**
 * Tests one SNP as GEMMA's -lmm `mode` with d > 1 traits. `covariates` holds the c covariate rows,
 * `withSnp` the same data with the rotated SNP as row c + 1 (its X is (c + 1) x n). `steps` runs the EM and
 * Wald steps (loaded with this SNP when it is a kernel); Newton-Raphson is the oracle's on `withSnp`. Without
 * `newton`, a SNP that needs a Newton-Raphson step is left there: false, and `out` is not its result.
 */
export function testSnp(
  mode: 1 | 2 | 3 | 4,
  covariates: MvData,
  withSnp: MvData,
  nullModel: MvNullModel,
  out: MvSnpResult,
  steps: MvSnpSteps = oracleSteps,
  newton = true,
): boolean {
  const { d, c, n } = covariates;
  const x = withSnp.X.subarray(c * n, (c + 1) * n);
  const { mle } = nullModel;
  const vg = startVg.exact(d * d); // exact: mvNewton copies it whole
  const ve = startVe.exact(d * d);
  for (let i = 0; i < d * d; i++) {
    vg[i] = mle.vg[i];
    ve[i] = mle.ve[i];
  }
  const B = startB.exact(d * (c + 1)).fill(0);
  for (let i = 0; i < d; i++) for (let j = 0; j < c; j++) B[i * (c + 1) + j] = mle.B[i * c + j];
  const p = { vg, ve, B };
  const s = MV_SETTINGS;
  out.pWald = out.pLrt = out.pScore = NaN;
  if (mode === 3 || mode === 4) out.pScore = steps.effect(covariates, x, mle.vg, mle.ve, out.beta, out.vBeta);
  if (mode === 2 || mode === 4) {
    // beta and Var(beta) come from the LRT's fit in mode 2 only: mode 4 reports the Wald fit's.
    const lrtEffects = mode === 2;
    let logLik = steps.em('L', s.emIter / 10, s.emPrec * 10, withSnp, p);
    if (lrtEffects) steps.effect(covariates, x, vg, ve, out.beta, out.vBeta);
    out.pLrt = chiSquareUpperTail(2 * (logLik - mle.logLik), d);
    if (out.pLrt < s.pNr) {
      if (!newton) return false;
      logLik = mvNewton('L', s.nrIter / 10, s.nrPrec * 10, withSnp, vg, ve).logLik;
      if (lrtEffects) steps.effect(covariates, x, vg, ve, out.beta, out.vBeta);
      out.pLrt = chiSquareUpperTail(2 * (logLik - mle.logLik), d);
    }
  }
  if (mode === 1 || mode === 4) {
    steps.em('R', s.emIter / 10, s.emPrec * 10, withSnp, p);
    out.pWald = steps.effect(covariates, x, vg, ve, out.beta, out.vBeta);
    if (out.pWald < s.pNr) {
      if (!newton) return false;
      mvNewton('R', s.nrIter / 10, s.nrPrec * 10, withSnp, vg, ve);
      out.pWald = steps.effect(covariates, x, vg, ve, out.beta, out.vBeta);
    }
  }
  return true;
}
