/**
 * Settings and constants shared by every layer (stats, engines, scan, fit, cluster), defined once.
 */

/** GEMMA's lambda search: nRegion log-spaced regions of [lMin, lMax]. */
export interface LambdaSearch {
  lMin: number;
  lMax: number;
  nRegion: number;
  /**
   * How each SNP's brackets are refined: GEMMA's Brent then Newton (absent: GEMMA's numbers, step for step), or
   * 'newton', the safeguarded Newton search of src/stats/lambda-newton.ts (--lambda-newton: the optimum to about
   * 1e-10 where GEMMA stops within 1e-5, in fewer evaluations). Null models always use GEMMA's search.
   */
  snpMethod?: 'newton';
}

/** GEMMA's defaults: [1e-5, 1e5] in 10 log-spaced regions. */
export const DEFAULT_LAMBDA_SEARCH: LambdaSearch = { lMin: 1e-5, lMax: 1e5, nRegion: 10 };

/** The nRegion + 1 grid points of a search, lMin * exp(i * ln(lMax / lMin) / nRegion) as GEMMA computes them. */
export function lambdaGrid(search: LambdaSearch): Float64Array {
  const { lMin, lMax, nRegion } = search;
  const interval = Math.log(lMax / lMin) / nRegion;
  const grid = new Float64Array(nRegion + 1);
  for (let i = 0; i <= nRegion; i++) grid[i] = lMin * Math.exp(interval * i);
  return grid;
}

/** Eigenvalues of K below this are set to 0 (GEMMA's EigenDecomp_Zeroed). */
export const ZERO_EIGENVALUE = 1e-10;

/** GEMMA's SNP filters over the analysed individuals. */
export interface SnpFilterSettings {
  /** Minimum allele frequency (-maf, default 0.01); -1 disables the maf and hwe filters as in GEMMA. */
  maf: number;
  /** Maximum missing rate (-miss, default 0.05). */
  miss: number;
  /** Minimum HWE exact p (-hwe, default 0 = off). */
  hwe: number;
  /** Maximum r2 with the covariates (-r2, default 0.9999). */
  r2: number;
}

export const DEFAULT_FILTERS: SnpFilterSettings = { maf: 0.01, miss: 0.05, hwe: 0, r2: 0.9999 };

/** A plot line (--gwas-line, --suggestive-line) as given: a p-value, or Bonferroni (alpha / SNPs tested). */
export type ThresholdSpec = { kind: 'p'; p: number } | { kind: 'bonferroni'; alpha: number };

/** Sample and SNP selection flags (--keep, --remove, --extract, --exclude, --chr, --from-bp, --to-bp, -snps). */
export interface SelectionFlags {
  keep?: string;
  remove?: string;
  extract?: string;
  exclude?: string;
  /** --chr LIST: 1-22, X, ranges (1-5,7,X). */
  chr?: string;
  fromBp?: number;
  toBp?: number;
  /** GEMMA -snps FILE: analyse only these SNPs (kinship and tests). */
  snps?: string;
}
