/**
 * GEMMA's plain linear model (-lm): per-SNP Wald, LRT and score tests with covariates projected
 * out by ordinary least squares (lm.cpp: CalcvPv, LmCalcP). Covariates are column-major W[k*n + i].
 */
import { invertSmall, multiplySmall } from '../linalg/small-dense.js';
import { chiSquareUpperTail, fDistUpperTail } from './distributions.js';
import { emptyResultBlock, type SnpResultBlock } from '../model/results.js';

/** Precomputed (W'W)^-1, W'y and y'P_W y for one phenotype. */
export class LinearModel {
  readonly n: number;
  readonly nCvt: number;
  private readonly wtwInverse: Float64Array;
  private readonly wty: Float64Array;
  private readonly yPwy: number;
  private readonly wtx: Float64Array;

  constructor(
    private readonly covariates: Float64Array,
    private readonly phenotype: Float64Array,
    nCvt: number,
  ) {
    const n = phenotype.length;
    this.n = n;
    this.nCvt = nCvt;
    const wtw = new Float64Array(nCvt * nCvt);
    this.wty = new Float64Array(nCvt);
    for (let a = 0; a < nCvt; a++) {
      for (let i = 0; i < n; i++) this.wty[a] += covariates[a * n + i] * phenotype[i];
      for (let b = 0; b < nCvt; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += covariates[a * n + i] * covariates[b * n + i];
        wtw[a * nCvt + b] = s;
      }
    }
    this.wtwInverse = invertSmall(wtw, nCvt);
    let yy = 0;
    for (let i = 0; i < n; i++) yy += phenotype[i] * phenotype[i];
    const wi = multiplySmall(this.wtwInverse, this.wty, nCvt);
    let d = 0;
    for (let a = 0; a < nCvt; a++) d += wi[a] * this.wty[a];
    this.yPwy = yy - d;
    this.wtx = new Float64Array(nCvt);
  }

  /**
   * Tests one SNP, genotypes[from, from + n) (missing values already mean-imputed), into row j of `out`; testMode 3
   * reports the score se. Only the p-values the mode writes are computed (the others are NaN): each is an
   * incomplete beta or gamma function, most of a small -lm scan's time. Written in place, with no object or view
   * per SNP: a cold scan runs this in V8's interpreter, where each one was garbage to collect.
   */
  testInto(genotypes: Float64Array, from: number, testMode: number, out: SnpResultBlock, j: number): void {
    const { n, nCvt, covariates, phenotype, wtx } = this;
    let xx = 0;
    let xy = 0;
    for (let i = 0; i < n; i++) {
      const x = genotypes[from + i];
      xx += x * x;
      xy += x * phenotype[i];
    }
    for (let a = 0; a < nCvt; a++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += covariates[a * n + i] * genotypes[from + i];
      wtx[a] = s;
    }
    let dxx = 0;
    let dxy = 0;
    for (let a = 0; a < nCvt; a++) {
      let s = 0;
      for (let b = 0; b < nCvt; b++) s += this.wtwInverse[a * nCvt + b] * wtx[b];
      dxx += s * wtx[a];
      dxy += s * this.wty[a];
    }
    const xPwx = xx - dxx;
    const xPwy = xy - dxy;
    const df = n - nCvt - 1;
    const yPxy = this.yPwy - (xPwy * xPwy) / xPwx;
    const beta = xPwy / xPwx;
    const seWald = Math.sqrt(yPxy / (df * xPwx));
    const seScore = Math.sqrt(this.yPwy / (n * xPwx));
    out.beta[j] = beta;
    out.se[j] = testMode === 3 ? seScore : seWald;
    out.pWald[j] =
      testMode === 1 || testMode === 4 ? fDistUpperTail((beta * beta) / (seWald * seWald), 1, df) : NaN;
    out.pScore[j] =
      testMode === 3 || testMode === 4 ? fDistUpperTail((beta * beta) / (seScore * seScore), 1, df) : NaN;
    out.pLrt[j] =
      testMode === 2 || testMode === 4
        ? chiSquareUpperTail(n * (Math.log(this.yPwy) - Math.log(yPxy)), 1)
        : NaN;
  }
}

/**
 * Tests b SNPs (analysed, mean-imputed genotypes, SNP-major b x n) against each trait's linear model: one result
 * block per model, in order (the -lm part every engine shares; it is O(n c) per SNP, beside the LMM's O(n^2)).
 */
export function testLinearBlock(
  models: LinearModel[],
  genotypes: Float64Array,
  b: number,
  testMode: number,
): SnpResultBlock[] {
  return models.map((model) => {
    const n = model.n;
    const r = emptyResultBlock(b);
    for (let j = 0; j < b; j++) model.testInto(genotypes, j * n, testMode, r, j);
    return r;
  });
}
