/**
 * GEMMA's profiled ML and REML log-likelihoods in lambda = vg/ve and their first two derivatives,
 * computed from the table of products of rotated vectors ("Uab") by GEMMA's P_ab recursions
 * (Zhou & Stephens 2012, supplement section 3.1). Float64 throughout; this is the oracle.
 */
import { abCount, abIndex } from './ab-index.js';

/** 'R' = restricted (REML) likelihood, 'L' = plain (ML) likelihood. */
export type LikelihoodKind = 'R' | 'L';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Likelihood of one model (null: covariates only; alternative: covariates + one SNP) for a fixed
 * product table. The table is n x (c+2)(c+3)/2, column-major: products[col * n + i].
 */
export class MixedModelLikelihood {
  readonly n: number;
  readonly nCvt: number;
  readonly nIndex: number;
  /** true: the SNP column is absent (null model), false: the SNP is a fixed effect. */
  calcNull = false;
  private products: Float64Array;
  private readonly eigenvalues: Float64Array;
  private readonly weights: Float64Array;
  private readonly weights2: Float64Array;
  private readonly weights3: Float64Array;
  private readonly pab: Float64Array;
  private readonly ppab: Float64Array;
  private readonly pppab: Float64Array;
  private readonly iab: Float64Array;
  private iabValid = false;

  constructor(eigenvalues: Float64Array, nCvt: number, products: Float64Array) {
    this.n = eigenvalues.length;
    this.nCvt = nCvt;
    this.nIndex = abCount(nCvt);
    this.eigenvalues = eigenvalues;
    this.products = products;
    this.weights = new Float64Array(this.n);
    this.weights2 = new Float64Array(this.n);
    this.weights3 = new Float64Array(this.n);
    const rows = (nCvt + 2) * this.nIndex;
    this.pab = new Float64Array(rows);
    this.ppab = new Float64Array(rows);
    this.pppab = new Float64Array(rows);
    this.iab = new Float64Array(rows);
  }

  /** Call after the product table changed (a new SNP's columns were written). */
  productsChanged(products: Float64Array = this.products): void {
    this.products = products;
    this.iabValid = false;
  }

  /** Number of fixed effects in the model (c, or c+1 with the SNP). */
  get fixedEffects(): number {
    return this.calcNull ? this.nCvt : this.nCvt + 1;
  }

  /**
   * Row 0 of the P tables up to the given power in one pass over each product column:
   * sum_i w_i^k * products[col][i] for k = 1..powers (k = 0: unweighted, into iab).
   */
  private firstRows(powers: 0 | 1 | 2 | 3): void {
    const { n, nIndex, products, weights, weights2, weights3, pab, ppab, pppab } = this;
    for (let col = 0; col < nIndex; col++) {
      const off = col * n;
      if (powers === 0) {
        let s = 0;
        for (let i = 0; i < n; i++) s += products[off + i];
        this.iab[col] = s;
      } else if (powers === 1) {
        let s1 = 0;
        for (let i = 0; i < n; i++) s1 += weights[i] * products[off + i];
        pab[col] = s1;
      } else if (powers === 2) {
        let s1 = 0;
        let s2 = 0;
        for (let i = 0; i < n; i++) {
          const p = products[off + i];
          s1 += weights[i] * p;
          s2 += weights2[i] * p;
        }
        pab[col] = s1;
        ppab[col] = s2;
      } else {
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < n; i++) {
          const p = products[off + i];
          s1 += weights[i] * p;
          s2 += weights2[i] * p;
          s3 += weights3[i] * p;
        }
        pab[col] = s1;
        ppab[col] = s2;
        pppab[col] = s3;
      }
    }
  }

  /** Sets w_i = 1/(lambda d_i + 1) and its square and cube; returns sum_i log(lambda d_i + 1). */
  private setWeights(lambda: number): number {
    const { n, eigenvalues, weights, weights2, weights3 } = this;
    let logDetH = 0;
    for (let i = 0; i < n; i++) {
      const v = lambda * eigenvalues[i] + 1;
      const w = 1 / v;
      weights[i] = w;
      weights2[i] = w * w;
      weights3[i] = w * w * w;
      logDetH += Math.log(Math.abs(v));
    }
    return logDetH;
  }

  /** GEMMA's CalcPab: project covariates out one at a time, P^{p}_{ab} from P^{p-1}. */
  private projectP(pab: Float64Array): void {
    const { nCvt, nIndex } = this;
    for (let p = 1; p <= nCvt + 1; p++) {
      const prev = (p - 1) * nIndex;
      const cur = p * nIndex;
      const ww = pab[prev + abIndex(p, p, nCvt)];
      for (let a = p + 1; a <= nCvt + 2; a++) {
        const aw = pab[prev + abIndex(a, p, nCvt)];
        for (let b = a; b <= nCvt + 2; b++) {
          const idx = abIndex(a, b, nCvt);
          const bw = pab[prev + abIndex(b, p, nCvt)];
          pab[cur + idx] = ww !== 0 ? pab[prev + idx] - (aw * bw) / ww : pab[prev + idx];
        }
      }
    }
  }

  /** GEMMA's CalcPPab (second-order products P H^-1 P). */
  private projectPP(): void {
    const { nCvt, nIndex, pab, ppab } = this;
    for (let p = 1; p <= nCvt + 1; p++) {
      const prev = (p - 1) * nIndex;
      const cur = p * nIndex;
      const iww = abIndex(p, p, nCvt);
      const ww = pab[prev + iww];
      const ww2 = ppab[prev + iww];
      for (let a = p + 1; a <= nCvt + 2; a++) {
        const iaw = abIndex(a, p, nCvt);
        const aw = pab[prev + iaw];
        const aw2 = ppab[prev + iaw];
        for (let b = a; b <= nCvt + 2; b++) {
          const idx = abIndex(a, b, nCvt);
          const ibw = abIndex(b, p, nCvt);
          const bw = pab[prev + ibw];
          const bw2 = ppab[prev + ibw];
          if (ww !== 0) {
            ppab[cur + idx] = ppab[prev + idx] + (aw * bw * ww2) / (ww * ww) - (aw * bw2 + bw * aw2) / ww;
          } else {
            ppab[cur + idx] = ppab[prev + idx];
          }
        }
      }
    }
  }

  /** GEMMA's CalcPPPab (third-order products). */
  private projectPPP(): void {
    const { nCvt, nIndex, pab, ppab, pppab } = this;
    for (let p = 1; p <= nCvt + 1; p++) {
      const prev = (p - 1) * nIndex;
      const cur = p * nIndex;
      const iww = abIndex(p, p, nCvt);
      const ww = pab[prev + iww];
      const ww2 = ppab[prev + iww];
      const ww3 = pppab[prev + iww];
      for (let a = p + 1; a <= nCvt + 2; a++) {
        const iaw = abIndex(a, p, nCvt);
        const aw = pab[prev + iaw];
        const aw2 = ppab[prev + iaw];
        const aw3 = pppab[prev + iaw];
        for (let b = a; b <= nCvt + 2; b++) {
          const idx = abIndex(a, b, nCvt);
          const ibw = abIndex(b, p, nCvt);
          const bw = pab[prev + ibw];
          const bw2 = ppab[prev + ibw];
          const bw3 = pppab[prev + ibw];
          if (ww !== 0) {
            let v = pppab[prev + idx] - (aw * bw * ww2 * ww2) / (ww * ww * ww);
            v -= (aw * bw3 + bw * aw3 + aw2 * bw2) / ww;
            v += (aw * bw2 * ww2 + bw * aw2 * ww2 + aw * bw * ww3) / (ww * ww);
            pppab[cur + idx] = v;
          } else {
            pppab[cur + idx] = pppab[prev + idx];
          }
        }
      }
    }
  }

  /** Fills the P table at lambda; returns log|H|. */
  private computeP(lambda: number): number {
    const logDetH = this.setWeights(lambda);
    this.firstRows(1);
    this.projectP(this.pab);
    return logDetH;
  }

  /** Projected quadratic forms at lambda (fills P only): used by the Wald and score tests. */
  projections(lambda: number): { pyy: number; pxx: number; pxy: number; pxYY: number } {
    this.computeP(lambda);
    const { nCvt, nIndex, pab } = this;
    const row = nCvt * nIndex;
    return {
      pyy: pab[row + abIndex(nCvt + 2, nCvt + 2, nCvt)],
      pxx: pab[row + abIndex(nCvt + 1, nCvt + 1, nCvt)],
      pxy: pab[row + abIndex(nCvt + 2, nCvt + 1, nCvt)],
      pxYY: pab[(nCvt + 1) * nIndex + abIndex(nCvt + 2, nCvt + 2, nCvt)],
    };
  }

  private get yyIndex(): number {
    return this.fixedEffects * this.nIndex + abIndex(this.nCvt + 2, this.nCvt + 2, this.nCvt);
  }

  /** GEMMA's LogL_f: profiled ML log-likelihood. */
  logL(lambda: number): number {
    const logDetH = this.computeP(lambda);
    let pyy = this.pab[this.yyIndex];
    if (pyy === 0) pyy = 1e-8; // GEMMA's guard against round-off
    const n = this.n;
    const c = 0.5 * n * (Math.log(n) - LOG_2PI - 1);
    return c - 0.5 * logDetH - 0.5 * n * Math.log(pyy);
  }

  /** GEMMA's LogRL_f: profiled REML log-likelihood. */
  logRL(lambda: number): number {
    const logDetH = this.computeP(lambda);
    if (!this.iabValid) {
      this.firstRows(0);
      this.projectP(this.iab);
      this.iabValid = true;
    }
    const { nCvt, nIndex, pab, iab } = this;
    const nc = this.fixedEffects;
    let logDetHiW = 0;
    for (let i = 0; i < nc; i++) {
      const idx = i * nIndex + abIndex(i + 1, i + 1, nCvt);
      logDetHiW += Math.log(pab[idx]) - Math.log(iab[idx]);
    }
    let pyy = pab[this.yyIndex];
    if (pyy === 0) pyy = 1e-8;
    const df = this.n - nc;
    const c = 0.5 * df * (Math.log(df) - LOG_2PI - 1);
    return c - 0.5 * logDetH - 0.5 * logDetHiW - 0.5 * df * Math.log(pyy);
  }

  /** Log-likelihood of the given kind. */
  logLikelihood(kind: LikelihoodKind, lambda: number): number {
    return kind === 'R' ? this.logRL(lambda) : this.logL(lambda);
  }

  /** First derivative in lambda (GEMMA's LogL_dev1 / LogRL_dev1). */
  derivative1(kind: LikelihoodKind, lambda: number): number {
    this.evaluateDerivatives(kind, lambda, false);
    return this.lastDev1;
  }

  /** First and second derivatives in lambda (GEMMA's *_dev12); read lastDev1 / lastDev2. */
  derivatives12(kind: LikelihoodKind, lambda: number): void {
    this.evaluateDerivatives(kind, lambda, true);
  }

  lastDev1 = 0;
  lastDev2 = 0;

  /**
   * First derivative at lambda from row 0 of the P and PP tables summed elsewhere (the GPU's grid phase,
   * src/stats/grid-slopes.ts) and the traces sum_i w_i, sum_i w_i^2: the projections and the formula in float64.
   */
  derivative1FromRows(
    kind: LikelihoodKind,
    lambda: number,
    pRow0: Float64Array,
    ppRow0: Float64Array,
    traceHi: number,
    traceHiHi: number,
  ): number {
    this.pab.set(pRow0.subarray(0, this.nIndex));
    this.ppab.set(ppRow0.subarray(0, this.nIndex));
    this.projectP(this.pab);
    this.projectPP();
    this.finishDerivatives(kind, lambda, false, traceHi, traceHiHi);
    return this.lastDev1;
  }

  private evaluateDerivatives(kind: LikelihoodKind, lambda: number, second: boolean): void {
    const { n, weights, weights2, pab } = this;
    this.setWeights(lambda);
    let traceHi = 0;
    let traceHiHi = 0;
    for (let i = 0; i < n; i++) {
      traceHi += weights[i];
      traceHiHi += weights2[i];
    }
    this.firstRows(second ? 3 : 2);
    this.projectP(pab);
    this.projectPP();
    if (second) this.projectPPP();
    this.finishDerivatives(kind, lambda, second, traceHi, traceHiHi);
  }

  /** The derivatives from projected tables and the traces (GEMMA's formulas). */
  private finishDerivatives(
    kind: LikelihoodKind,
    lambda: number,
    second: boolean,
    traceHi: number,
    traceHiHi: number,
  ): void {
    const { n, nCvt, nIndex, pab, ppab, pppab } = this;
    const nc = this.fixedEffects;
    const yy = this.yyIndex;
    const pyy = pab[yy];
    const ppyy = ppab[yy];
    const yPKPy = (pyy - ppyy) / lambda;
    if (kind === 'L') {
      const traceHiK = (n - traceHi) / lambda;
      this.lastDev1 = -0.5 * traceHiK + (0.5 * n * yPKPy) / pyy;
      if (second) {
        const yPKPKPy = (pyy + pppab[yy] - 2 * ppyy) / (lambda * lambda);
        const traceHiKHiK = (n + traceHiHi - 2 * traceHi) / (lambda * lambda);
        this.lastDev2 = 0.5 * traceHiKHiK - (0.5 * n * (2 * yPKPKPy * pyy - yPKPy * yPKPy)) / (pyy * pyy);
      }
      return;
    }
    const df = n - nc;
    let traceP = traceHi;
    let tracePP = traceHiHi;
    for (let i = 0; i < nc; i++) {
      const idx = i * nIndex + abIndex(i + 1, i + 1, nCvt);
      const psww = pab[idx];
      const ps2ww = ppab[idx];
      traceP -= ps2ww / psww;
      if (second) tracePP += (ps2ww * ps2ww) / (psww * psww) - (2 * pppab[idx]) / psww;
    }
    const tracePK = (df - traceP) / lambda;
    this.lastDev1 = -0.5 * tracePK + (0.5 * df * yPKPy) / pyy;
    if (second) {
      const tracePKPK = (df + tracePP - 2 * traceP) / (lambda * lambda);
      const yPKPKPy = (pyy + pppab[yy] - 2 * ppyy) / (lambda * lambda);
      this.lastDev2 = 0.5 * tracePKPK - (0.5 * df * (2 * yPKPKPy * pyy - yPKPy * yPKPy)) / (pyy * pyy);
    }
  }
}
