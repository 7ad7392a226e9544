/**
 * GEMMA's per-SNP quality filters over the analysed individuals (ReadFile_bed / ReadFile_geno):
 * missingness, allele frequency, polymorphism, Hardy-Weinberg, and r2 against the covariates.
 */
import { invertSmall } from '../linalg/small-dense.js';
import { hweExactP } from './hwe.js';
import type { SnpFilterSettings } from '../model/settings.js';
import { bedCode, bedSampleMasks, countBedCalls, type BedCallCounts } from '../io/bed-codes.js';
import { MISSING_CALL } from '../io/call-codes.js';

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
  /** evaluate()'s places (in analysedIndex) of a SNP's missing calls. */
  private readonly missingAt: Int32Array;
  private readonly wtx: Float64Array;
  /** The analysed individuals' bits in each byte of a .bed SNP (made at the first evaluateBed). */
  private bedMasks: Uint8Array | undefined;
  private readonly bedCounts: BedCallCounts = { missing: 0, one: 0, two: 0 };
  /** A SNP's imputed value by .bed code: 2, 2 af (missing), 1, 0. */
  private readonly bedValues = new Float64Array(4);
  /** The individuals not analysed (evaluateCalls takes their calls out of the counts over all). */
  private readonly skipped: Int32Array;
  /** A SNP's imputed value by CallCodes code: 0, 1, 2, 2 af (missing). */
  private readonly callValues = new Float64Array(4);

  constructor(
    private readonly settings: SnpFilterSettings,
    private readonly analysed: Uint8Array,
    private readonly covariates: Float64Array,
    private readonly nCvt: number,
    /** GEMMA's polymorphism test: 'plink' by genotype classes (hard calls), 'bimbam' by any differing dosage. */
    private readonly format: 'plink' | 'bimbam',
  ) {
    const idx: number[] = [];
    const skipped: number[] = [];
    analysed.forEach((a, i) => (a ? idx : skipped).push(i));
    this.skipped = Int32Array.from(skipped);
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
    this.missingAt = new Int32Array(n);
    this.wtx = new Float64Array(nCvt);
  }

  /** Summary and verdict for one SNP; `dosages` covers all individuals in file order (NaN = missing). */
  evaluate(dosages: Float64Array, offset = 0): SnpSummary {
    const { analysedIndex, imputed, missingAt, settings } = this;
    const n = analysedIndex.length;
    let nMiss = 0;
    let sum = 0;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    // Polymorphic (BIMBAM's test) = some observed dosage differs from another = min < max.
    let min = Infinity;
    let max = -Infinity;
    // The analysed dosages are gathered once: into imputed, whose missing ones the r2 test fills in below.
    for (let k = 0; k < n; k++) {
      const g = dosages[offset + analysedIndex[k]];
      imputed[k] = g;
      if (g !== g) {
        missingAt[nMiss++] = k;
        continue;
      }
      sum += g;
      min = g < min ? g : min;
      max = g > max ? g : max;
      // GEMMA's genotype classes: [0, 0.5], (0.5, 1.5), [1.5, 2]. Counted without a branch: hard calls in random
      // order mispredicted one on every other genotype (BIMBAM's SNP pass, n = 1,500: a third of its time here).
      n0 += Number(g <= 0.5) & Number(g >= 0);
      n1 += Number(g > 0.5) & Number(g < 1.5);
      n2 += Number(g >= 1.5) & Number(g <= 2);
    }
    const af = sum / (2 * (n - nMiss));
    const summary: SnpSummary = { nMiss, af, pass: false };
    if (!this.passesCounts(summary, n0, n1, n2, min < max)) return summary;
    if (this.nCvt !== 1) {
      for (let m = 0; m < nMiss; m++) imputed[missingAt[m]] = 2 * af;
      if (this.r2WithCovariates() > settings.r2) return summary;
    }
    summary.pass = true;
    return summary;
  }

  /**
   * evaluate() for a SNP of hard calls given as CallCodes codes of all individuals at codes[offset..], with their
   * counts over all individuals (missing, sum, 2s): the analysed individuals' counts are those less the others' (or
   * counted, where they are fewer), the same integers, so the same summary, and the r2 test's sums are evaluate()'s
   * term by term.
   */
  evaluateCalls(codes: Uint8Array, offset: number, missing: number, sum: number, twos: number): SnpSummary {
    const { analysedIndex, skipped, settings } = this;
    const n = analysedIndex.length;
    let nMiss = missing;
    if (skipped.length <= n)
      for (let k = 0; k < skipped.length; k++) {
        const code = codes[offset + skipped[k]];
        if (code === MISSING_CALL) nMiss--;
        else {
          sum -= code;
          twos -= code >> 1;
        }
      }
    else {
      // Fewer analysed individuals than others (BXD's -lm: 67 of 198): their calls counted instead.
      nMiss = 0;
      sum = 0;
      twos = 0;
      for (let k = 0; k < n; k++) {
        const code = codes[offset + analysedIndex[k]];
        if (code === MISSING_CALL) nMiss++;
        else {
          sum += code;
          twos += code >> 1;
        }
      }
    }
    const ones = sum - 2 * twos;
    const af = sum / (2 * (n - nMiss));
    const summary: SnpSummary = { nMiss, af, pass: false };
    const zeros = n - nMiss - ones - twos;
    // Two observed calls differ exactly when two classes have calls.
    const classes = (zeros > 0 ? 1 : 0) + (ones > 0 ? 1 : 0) + (twos > 0 ? 1 : 0);
    if (!this.passesCounts(summary, zeros, ones, twos, classes > 1)) return summary;
    if (this.nCvt !== 1) {
      const values = this.callValues;
      values[0] = 0;
      values[1] = 1;
      values[2] = 2;
      values[MISSING_CALL] = 2 * af;
      if (this.r2FromCalls(codes, offset, values) > settings.r2) return summary;
    }
    summary.pass = true;
    return summary;
  }

  /**
   * evaluate() for a SNP given as PLINK .bed codes of all individuals (BedCodes) at bytes[offset..]: the calls
   * counted by whole bytes, the same integer counts and sums, so the same summary.
   */
  evaluateBed(bytes: Uint8Array, offset: number): SnpSummary {
    const { analysedIndex, settings, bedCounts: counts } = this;
    const n = analysedIndex.length;
    this.bedMasks ??= bedSampleMasks(this.analysed.length, this.analysed);
    countBedCalls(bytes, offset, this.bedMasks, counts);
    const nMiss = counts.missing;
    const n0 = n - nMiss - counts.one - counts.two;
    // The dosages' sum, in any order: the integers are exact in float64.
    const af = (counts.one + 2 * counts.two) / (2 * (n - nMiss));
    const summary: SnpSummary = { nMiss, af, pass: false };
    // Two observed calls differ exactly when two classes have calls.
    const classes = (n0 > 0 ? 1 : 0) + (counts.one > 0 ? 1 : 0) + (counts.two > 0 ? 1 : 0);
    if (!this.passesCounts(summary, n0, counts.one, counts.two, classes > 1)) return summary;
    if (this.nCvt !== 1) {
      const values = this.bedValues;
      values[0] = 2;
      values[1] = 2 * af;
      values[2] = 1;
      values[3] = 0;
      if (this.r2FromBed(bytes, offset, values) > settings.r2) return summary;
    }
    summary.pass = true;
    return summary;
  }

  /** The missingness, frequency, polymorphism and Hardy-Weinberg rules, from the SNP's counts. */
  private passesCounts(
    summary: SnpSummary,
    n0: number,
    n1: number,
    n2: number,
    polymorphic: boolean,
  ): boolean {
    const { settings } = this;
    const n = this.analysedIndex.length;
    const { nMiss, af } = summary;
    if (nMiss / n > settings.miss) return false;
    if ((af < settings.maf || af > 1 - settings.maf) && settings.maf !== -1) return false;
    if (this.format === 'plink') {
      if (n0 + n1 === 0 || n1 + n2 === 0 || n2 + n0 === 0) return false;
    } else if (!polymorphic) return false;
    if (settings.hwe !== 0 && settings.maf !== -1 && hweExactP(n0, n2, n1) < settings.hwe) return false;
    return true;
  }

  /** x'W (W'W)^-1 W'x / x'x for the imputed SNP (nCvt > 1). */
  private r2WithCovariates(): number {
    const { imputed, covariates, nCvt, wtx } = this;
    const n = imputed.length;
    // x'x and the first three x'w_a in one pass (a third column's sum is dropped when nCvt = 2): each sum still
    // adds its terms in order of i, so the same bits as one loop per sum.
    const third = nCvt > 2 ? 2 * n : n;
    let xx = 0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = imputed[i];
      xx += x * x;
      s0 += covariates[i] * x;
      s1 += covariates[n + i] * x;
      s2 += covariates[third + i] * x;
    }
    wtx[0] = s0;
    wtx[1] = s1;
    if (nCvt > 2) wtx[2] = s2;
    return this.r2From(xx);
  }

  /**
   * r2WithCovariates() of the SNP at bytes[offset..] imputed as `values` (by .bed code) says, without the
   * imputed copy: the same sums, term by term in the same order.
   */
  private r2FromBed(bytes: Uint8Array, offset: number, values: Float64Array): number {
    const { analysedIndex, covariates, nCvt, wtx, imputed } = this;
    const n = analysedIndex.length;
    // The columns past the third (a fourth covariate and on) are summed from the imputed copy.
    if (nCvt > 3) for (let k = 0; k < n; k++) imputed[k] = values[bedCode(bytes, offset, analysedIndex[k])];
    const third = nCvt > 2 ? 2 * n : n;
    let xx = 0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let k = 0; k < n; k++) {
      const x = values[bedCode(bytes, offset, analysedIndex[k])];
      xx += x * x;
      s0 += covariates[k] * x;
      s1 += covariates[n + k] * x;
      s2 += covariates[third + k] * x;
    }
    wtx[0] = s0;
    wtx[1] = s1;
    if (nCvt > 2) wtx[2] = s2;
    return this.r2From(xx);
  }

  /** r2FromBed() of a SNP given as CallCodes codes at codes[offset..], imputed as `values` (by code). */
  private r2FromCalls(codes: Uint8Array, offset: number, values: Float64Array): number {
    const { analysedIndex, covariates, nCvt, wtx, imputed } = this;
    const n = analysedIndex.length;
    if (nCvt > 3) for (let k = 0; k < n; k++) imputed[k] = values[codes[offset + analysedIndex[k]]];
    const third = nCvt > 2 ? 2 * n : n;
    let xx = 0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let k = 0; k < n; k++) {
      const x = values[codes[offset + analysedIndex[k]]];
      xx += x * x;
      s0 += covariates[k] * x;
      s1 += covariates[n + k] * x;
      s2 += covariates[third + k] * x;
    }
    wtx[0] = s0;
    wtx[1] = s1;
    if (nCvt > 2) wtx[2] = s2;
    return this.r2From(xx);
  }

  /** x'W (W'W)^-1 W'x / x'x from x'x and x'w_a of the first three columns (the others summed here from `imputed`). */
  private r2From(xx: number): number {
    const { imputed, covariates, nCvt, wtx, wtwInverse } = this;
    const n = imputed.length;
    for (let a = 3; a < nCvt; a++) {
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
