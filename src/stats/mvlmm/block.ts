/**
 * A block of SNPs through the multivariate LMM (the TS oracle's scan): every rotated genotype column
 * tested as GEMMA's -lmm mode with d traits. Results are one SnpResultBlock whose `effects` hold the
 * beta_i and Vbeta_i_j columns of GEMMA's output in its order.
 */
import { emptyResultBlock, type MvResultBlock } from '../../model/results.js';
import { oracleSteps, testSnp, type MvNullModel, type MvSnpResult, type MvSnpSteps } from './fit.js';
import type { MvData } from './model.js';

/** What a block of a multivariate scan is tested against: the rotated covariates and traits, and the null fits. */
export interface MvScanModel {
  /** X: the c rotated covariates (c x n); Y: the d rotated traits (d x n). */
  data: MvData;
  nullModel: MvNullModel;
  mode: 1 | 2 | 3 | 4;
}

/** Number of effect columns of d traits: d betas and the d(d+1)/2 upper-triangle entries of Var(beta). */
export function effectColumnCount(d: number): number {
  return d + (d * (d + 1)) / 2;
}

/** A block scanned with its Newton-Raphson SNPs left out: their rows are NaN, and `newton` lists them. */
export interface MvBlockWithoutNewton extends MvResultBlock {
  newton: number[];
}

/**
 * Tests b SNPs whose rotated genotypes are SNP-major (rotated[j * n + k]); `steps` runs their EM and Wald
 * steps (the TS oracle's unless a kernel is given).
 */
export function scanMvBlock(
  model: MvScanModel,
  rotated: Float64Array,
  b: number,
  steps?: MvSnpSteps,
): MvResultBlock;
/**
 * The same, but a SNP whose test needs a Newton-Raphson step is left for the caller (listed in `newton`, its row
 * NaN): a worker thread whose Newton-Raphson code has not been optimised yet runs it several times slower than a
 * thread that already ran it (the null fit's), and only a few SNPs in thousands need it.
 */
export function scanMvBlock(
  model: MvScanModel,
  rotated: Float64Array,
  b: number,
  steps: MvSnpSteps,
  leaveNewton: true,
): MvBlockWithoutNewton;
export function scanMvBlock(
  model: MvScanModel,
  rotated: Float64Array,
  b: number,
  steps: MvSnpSteps = oracleSteps,
  leaveNewton = false,
): MvResultBlock | MvBlockWithoutNewton {
  const { data, nullModel, mode } = model;
  const { n, d, c } = data;
  const effects = Array.from({ length: effectColumnCount(d) }, () => new Float64Array(b).fill(NaN));
  const out: MvResultBlock = { ...emptyResultBlock(b), effects };
  const X = new Float64Array((c + 1) * n);
  X.set(data.X.subarray(0, c * n));
  const withSnp: MvData = { ...data, c: c + 1, X };
  const snp: MvSnpResult = {
    beta: new Float64Array(d),
    vBeta: new Float64Array(d * d),
    pWald: NaN,
    pLrt: NaN,
    pScore: NaN,
  };
  const newton: number[] = [];
  steps.prepare(withSnp);
  for (let j = 0; j < b; j++) {
    X.set(rotated.subarray(j * n, (j + 1) * n), c * n);
    steps.loadSnp(withSnp);
    if (!testSnp(mode, data, withSnp, nullModel, snp, steps, !leaveNewton)) {
      newton.push(j);
      continue;
    }
    for (let i = 0; i < d; i++) effects[i][j] = snp.beta[i];
    let col = d;
    for (let i = 0; i < d; i++) for (let k = i; k < d; k++) effects[col++][j] = snp.vBeta[i * d + k];
    out.pWald[j] = snp.pWald;
    out.pLrt[j] = snp.pLrt;
    out.pScore[j] = snp.pScore;
  }
  return leaveNewton ? { ...out, newton } : out;
}
