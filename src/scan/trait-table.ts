/**
 * NAME.traits.tsv of a --traits run: one row per trait with its analysed n, null model, best SNP
 * and the number of SNPs below 5e-8 and 1e-5 (counted over every SNP, even with --keep-p).
 */
import type { AnalysisKind } from '../io/assoc-format.js';
import { formatExponential, formatGeneral } from '../io/number-format.js';
import type { BlockTraitStats } from './block-format.js';
import type { NullModel } from '../model/plan.js';

export interface TraitRow {
  column: number;
  n: number;
  nullModel?: NullModel;
  stats: BlockTraitStats;
}

/** Sums block statistics and keeps the overall best SNP. */
export function mergeTraitStats(blocks: BlockTraitStats[]): BlockTraitStats {
  const total: BlockTraitStats = { tested: 0, below5e8: 0, below1e5: 0 };
  for (const b of blocks) {
    total.tested += b.tested;
    total.below5e8 += b.below5e8;
    total.below1e5 += b.below1e5;
    if (b.best && (!total.best || b.best.p < total.best.p)) total.best = b.best;
  }
  return total;
}

/** The table text (header + one line per trait). */
export function formatTraitTable(rows: TraitRow[], kind: AnalysisKind, mode: number): string {
  const e = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'NA' : formatExponential(x, 6));
  const g = (x: number | undefined) => (x === undefined ? 'NA' : formatGeneral(x, 6));
  const header = [
    'trait',
    'n_analysed',
    'vg',
    've',
    'pve',
    'lambda',
    'snps_tested',
    'best_rs',
    'best_chr',
    'best_ps',
    'best_p_wald',
    'best_p_lrt',
    'best_p_score',
    'n_p_below_5e-8',
    'n_p_below_1e-5',
  ];
  const lines = [header.join('\t')];
  const has = (test: 'wald' | 'lrt' | 'score') =>
    mode === 4 ||
    (test === 'wald' && mode === 1) ||
    (test === 'lrt' && (mode === 2 || mode === 9)) ||
    (test === 'score' && mode === 3);
  for (const r of rows) {
    const m = kind === 'lmm' ? r.nullModel : undefined;
    const best = r.stats.best;
    lines.push(
      [
        String(r.column),
        String(r.n),
        g(m?.reml.vg),
        g(m?.reml.ve),
        g(m?.pve),
        g(m?.reml.lambda),
        String(r.stats.tested),
        best?.rs ?? 'NA',
        best?.chr ?? 'NA',
        best?.ps ?? 'NA',
        has('wald') ? e(best?.pWald) : 'NA',
        has('lrt') ? e(best?.pLrt) : 'NA',
        has('score') ? e(best?.pScore) : 'NA',
        String(r.stats.below5e8),
        String(r.stats.below1e5),
      ].join('\t'),
    );
  }
  return lines.join('\n') + '\n';
}
