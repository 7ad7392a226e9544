/**
 * GEMMA's per-SNP quality filters over the analysed individuals (ReadFile_bed / ReadFile_geno):
 * missingness, allele frequency, polymorphism, Hardy-Weinberg, and r2 against the covariates.
 */
import { invertSmall } from '../linalg/small-dense.js';
import { hweExactP } from './hwe.js';
import type { SnpFilterSettings } from '../model/settings.js';

export interface SnpSummary {
  /** Missing calls among analysed individuals. */
  nMiss: number;
  /** Frequency of allele1 among analysed individuals' non-missing calls (GEMMA's "af"). */
  af: number;
  pass: boolean;
}

/** Evaluates the filters for SNPs given as dosages of all individuals; reuses scratch buffers. */
export class SnpFilter {
  private readonly wtwInverse: Float64Array;
  private readonly analysedIndex: Int32Array;
  private readonly imputed: Float64Array;
  private readonly wtx: Float64Array;

  constructor(
    private readonly settings: SnpFilterSettings,
    analysed: Uint8Array,
    private readonly covariates: Float64Array,
    private readonly nCvt: number,
    /** GEMMA's polymorphism test: 'plink' by genotype classes (hard calls), 'bimbam' by any differing dosage. */
    private readonly format: 'plink' | 'bimbam',
  ) {
    const idx: number[] = [];
    analysed.forEach((a, i) => a && idx.push(i));
    this.analysedIndex = Int32Array.from(idx);
    const n = idx.length;
    const wtw = new Float64Array(nCvt * nCvt);
    for (let a = 0; a < nCvt; a++)
      for (let b = 0; b < nCvt; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += covariates[a * n + i] * covariates[b * n + i];
        wtw[a * nCvt + b] = s;
      }
    this.wtwInverse = nCvt > 1 ? invertSmall(wtw, nCvt) : new Float64Array(1);
    this.imputed = new Float64Array(n);
    this.wtx = new Float64Array(nCvt);
  }

  /** Summary and verdict for one SNP; `dosages` covers all individuals in file order (NaN = missing). */
  evaluate(dosages: Float64Array, offset = 0): SnpSummary {
    const { analysedIndex, imputed, settings } = this;
    const n = analysedIndex.length;
    let nMiss = 0;
    let sum = 0;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    // Polymorphic (BIMBAM's test) = some observed dosage differs from another = min < max.
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < n; k++) {
      const g = dosages[offset + analysedIndex[k]];
      if (g !== g) {
        nMiss++;
        continue;
      }
      sum += g;
      if (g < min) min = g;
      if (g > max) max = g;
      // GEMMA's genotype classes: [0, 0.5], (0.5, 1.5), [1.5, 2].
      if (g <= 0.5) {
        if (g >= 0) n0++;
      } else if (g < 1.5) n1++;
      else if (g <= 2) n2++;
    }
    const polymorphic = min < max;
    const af = sum / (2 * (n - nMiss));
    const summary: SnpSummary = { nMiss, af, pass: false };
    if (nMiss / n > settings.miss) return summary;
    if ((af < settings.maf || af > 1 - settings.maf) && settings.maf !== -1) return summary;
    if (this.format === 'plink') {
      if (n0 + n1 === 0 || n1 + n2 === 0 || n2 + n0 === 0) return summary;
    } else if (!polymorphic) return summary;
    if (settings.hwe !== 0 && settings.maf !== -1 && hweExactP(n0, n2, n1) < settings.hwe) return summary;
    if (this.nCvt !== 1) {
      for (let k = 0; k < n; k++) {
        const g = dosages[offset + analysedIndex[k]];
        imputed[k] = Number.isNaN(g) ? 2 * af : g;
      }
      if (this.r2WithCovariates() > settings.r2) return summary;
    }
    summary.pass = true;
    return summary;
  }

  /** x'W (W'W)^-1 W'x / x'x for the imputed SNP. */
  private r2WithCovariates(): number {
    const { imputed, covariates, nCvt, wtx, wtwInverse } = this;
    const n = imputed.length;
    let xx = 0;
    for (let i = 0; i < n; i++) xx += imputed[i] * imputed[i];
    for (let a = 0; a < nCvt; a++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += covariates[a * n + i] * imputed[i];
      wtx[a] = s;
    }
    let vw = 0;
    for (let a = 0; a < nCvt; a++) {
      let s = 0;
      for (let b = 0; b < nCvt; b++) s += wtwInverse[a * nCvt + b] * wtx[b];
      vw += s * wtx[a];
    }
    return vw / xx;
  }
}
