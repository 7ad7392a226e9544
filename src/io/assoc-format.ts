/**
 * GEMMA's .assoc.txt layout for -lmm 1/2/3/4 and -lm 1/2/3/4, tab separated, af as %.3f and
 * statistics as %.6e (nan where GEMMA prints nan): the header and a SNP's columns as text (once per
 * SNP), the statistics written as bytes (once per SNP and trait, so no string each).
 */
import type { SnpResultBlock, MvResultBlock } from '../model/results.js';
import { exponentialMaxBytes, writeExponentialOf } from './number-bytes.js';
import { formatFixed } from './number-format.js';
import type { SnpAnnotation } from './plink.js';

/** 'mvlmm': GEMMA's multivariate LMM (-n K1 K2 ... -lmm), d beta and d(d+1)/2 Vbeta columns. */
export type AnalysisKind = 'lmm' | 'lm' | 'mvlmm';

const LMM_COLUMNS: Record<number, string[]> = {
  1: ['beta', 'se', 'logl_H1', 'l_remle', 'p_wald'],
  2: ['logl_H1', 'l_mle', 'p_lrt'],
  3: ['beta', 'se', 'p_score'],
  4: ['beta', 'se', 'logl_H1', 'l_remle', 'l_mle', 'p_wald', 'p_lrt', 'p_score'],
  // GEMMA 0.98.5's -lmm 9: the score test's beta and se, then the likelihood ratio test without logl_H1.
  9: ['beta', 'se', 'l_mle', 'p_lrt'],
};
const LM_COLUMNS: Record<number, string[]> = {
  1: ['beta', 'se', 'p_wald'],
  2: ['p_lrt'],
  3: ['beta', 'se', 'p_score'],
  4: ['beta', 'se', 'p_wald', 'p_lrt', 'p_score'],
};

const MVLMM_P_COLUMNS: Record<number, string[]> = {
  1: ['p_wald'],
  2: ['p_lrt'],
  3: ['p_score'],
  4: ['p_wald', 'p_lrt', 'p_score'],
};

/** GEMMA's mvLMM statistics columns for d traits: beta_i, Vbeta_i_j (i <= j), then the mode's p-values. */
function mvlmmColumns(mode: number, traits: number): string[] {
  const names: string[] = [];
  for (let i = 1; i <= traits; i++) names.push(`beta_${i}`);
  for (let i = 1; i <= traits; i++) for (let j = i; j <= traits; j++) names.push(`Vbeta_${i}_${j}`);
  return [...names, ...MVLMM_P_COLUMNS[mode]];
}

/** The header line (with newline); `traits` is d of a multivariate LMM. */
export function assocHeader(kind: AnalysisKind, mode: number, traits = 1): string {
  if (kind === 'mvlmm')
    return (
      ['chr', 'rs', 'ps', 'n_miss', 'allele1', 'allele0', 'af', ...mvlmmColumns(mode, traits)].join('\t') +
      '\n'
    );
  const prefix =
    kind === 'lmm'
      ? ['chr', 'rs', 'ps', 'n_miss', 'allele1', 'allele0', 'af']
      : ['chr', 'rs', 'ps', 'n_mis', 'n_obs', 'allele1', 'allele0', 'af'];
  return [...prefix, ...(kind === 'lmm' ? LMM_COLUMNS : LM_COLUMNS)[mode]].join('\t') + '\n';
}

const STAT_FIELD: Record<string, keyof SnpResultBlock> = {
  beta: 'beta',
  se: 'se',
  logl_H1: 'logLikH1',
  l_remle: 'lambdaRemle',
  l_mle: 'lambdaMle',
  p_wald: 'pWald',
  p_lrt: 'pLrt',
  p_score: 'pScore',
};

/** The SNP's columns of a row, up to and including af and its tab (the same for every trait of a SNP). */
export function assocRowPrefix(
  kind: AnalysisKind,
  a: SnpAnnotation,
  nMiss: number,
  af: number,
  nAnalysed: number,
): string {
  const freq = formatFixed(af, 3);
  return kind !== 'lm'
    ? `${a.chr}\t${a.rs}\t${a.pos}\t${nMiss}\t${a.allele1}\t${a.allele0}\t${freq}\t`
    : `${a.chr}\t${a.rs}\t${a.pos}\t${nMiss}\t${nAnalysed - nMiss}\t${a.allele1}\t${a.allele0}\t${freq}\t`;
}

/** The statistics a mode writes, in column order: one array (by SNP of the block) per column. */
export function statisticColumns(kind: AnalysisKind, mode: number, results: SnpResultBlock): Float64Array[] {
  if (kind === 'mvlmm')
    return [
      ...(results as MvResultBlock).effects,
      ...MVLMM_P_COLUMNS[mode].map((c) => results[STAT_FIELD[c]]),
    ];
  return (kind === 'lmm' ? LMM_COLUMNS : LM_COLUMNS)[mode].map((c) => results[STAT_FIELD[c]]);
}

/** Most bytes writeAssocStatistics() writes for a row of a mode (its statistics, tabs and newline). */
export function assocStatisticsMaxBytes(kind: AnalysisKind, mode: number, traits = 1): number {
  if (kind === 'mvlmm') return mvlmmColumns(mode, traits).length * (exponentialMaxBytes(6) + 1);
  return (kind === 'lmm' ? LMM_COLUMNS : LM_COLUMNS)[mode].length * (exponentialMaxBytes(6) + 1);
}

/**
 * Writes the statistics columns of SNP j's row (each %.6e, tab separated) and the row's newline at
 * out[pos]; returns the end. `columns` from statisticColumns(); out needs assocStatisticsMaxBytes() free.
 */
export function writeAssocStatistics(
  out: Uint8Array,
  pos: number,
  columns: Float64Array[],
  j: number,
): number {
  pos = writeExponentialOf(out, pos, columns[0], j, 6);
  for (let c = 1; c < columns.length; c++) {
    out[pos++] = 9;
    pos = writeExponentialOf(out, pos, columns[c], j, 6);
  }
  out[pos++] = 10;
  return pos;
}

/** The p-value column that ranks SNPs for a mode: Wald for 1 and 4, LRT for 2 and 9, score for 3. */
export function primaryPValue(mode: number): keyof SnpResultBlock {
  return mode === 2 || mode === 9 ? 'pLrt' : mode === 3 ? 'pScore' : 'pWald';
}

/** The p-value fields a mode writes. */
export function pValueFields(kind: AnalysisKind, mode: number): (keyof SnpResultBlock)[] {
  if (kind === 'mvlmm') return MVLMM_P_COLUMNS[mode].map((c) => STAT_FIELD[c]);
  return (kind === 'lmm' ? LMM_COLUMNS : LM_COLUMNS)[mode]
    .filter((c) => c.startsWith('p_'))
    .map((c) => STAT_FIELD[c]);
}
