/**
 * GEMMA's .assoc.txt layout: header and row text for -lmm 1/2/3/4 and -lm 1/2/3/4, tab separated,
 * af as %.3f and statistics as %.6e (nan where GEMMA prints nan).
 */
import type { SnpResultBlock } from '../stats/results.js';
import { formatExponential, formatFixed } from './number-format.js';
import type { SnpAnnotation } from './plink.js';

export type AnalysisKind = 'lmm' | 'lm';

const LMM_COLUMNS: Record<number, string[]> = {
  1: ['beta', 'se', 'logl_H1', 'l_remle', 'p_wald'],
  2: ['logl_H1', 'l_mle', 'p_lrt'],
  3: ['beta', 'se', 'p_score'],
  4: ['beta', 'se', 'logl_H1', 'l_remle', 'l_mle', 'p_wald', 'p_lrt', 'p_score'],
};
const LM_COLUMNS: Record<number, string[]> = {
  1: ['beta', 'se', 'p_wald'],
  2: ['p_lrt'],
  3: ['beta', 'se', 'p_score'],
  4: ['beta', 'se', 'p_wald', 'p_lrt', 'p_score'],
};

/** The header line (with newline). */
export function assocHeader(kind: AnalysisKind, mode: number): string {
  const prefix = kind === 'lmm' ? ['chr', 'rs', 'ps', 'n_miss', 'allele1', 'allele0', 'af'] : ['chr', 'rs', 'ps', 'n_mis', 'n_obs', 'allele1', 'allele0', 'af'];
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

/** One row (without newline) for SNP j of a result block. */
export function assocRow(kind: AnalysisKind, mode: number, a: SnpAnnotation, nMiss: number, af: number, results: SnpResultBlock, j: number, nAnalysed: number): string {
  const columns = (kind === 'lmm' ? LMM_COLUMNS : LM_COLUMNS)[mode];
  const freq = formatFixed(af, 3);
  const head =
    kind === 'lmm'
      ? [a.chr, a.rs, a.pos, String(nMiss), a.allele1, a.allele0, freq]
      : [a.chr, a.rs, a.pos, String(nMiss), String(nAnalysed - nMiss), a.allele1, a.allele0, freq];
  for (const c of columns) head.push(formatExponential(results[STAT_FIELD[c]][j], 6));
  return head.join('\t');
}

/** The p-value column that ranks SNPs for a mode: Wald for 1 and 4, LRT for 2, score for 3. */
export function primaryPValue(mode: number): keyof SnpResultBlock {
  return mode === 2 ? 'pLrt' : mode === 3 ? 'pScore' : 'pWald';
}

/** The p-value fields a mode writes. */
export function pValueFields(kind: AnalysisKind, mode: number): (keyof SnpResultBlock)[] {
  return (kind === 'lmm' ? LMM_COLUMNS : LM_COLUMNS)[mode].filter((c) => c.startsWith('p_')).map((c) => STAT_FIELD[c]);
}
