/**
 * The two horizontal lines of a Manhattan plot and the hit counts that go with them: the
 * genome-wide line (--gwas-line, default 5e-8) and the suggestive line (--suggestive-line, default
 * 1e-5). Either may be `bonferroni`: 0.05 / the number of SNPs with a p-value for the plotted test,
 * which suits panels far smaller than a human genome (7,000 BXD markers: 7.1e-6).
 */
import { UsageError } from '../io/input-error.js';
import type { ThresholdSpec } from '../model/settings.js';
import { withCommas } from './svg-kit.js';

export const DEFAULT_GWAS_LINE: ThresholdSpec = { kind: 'p', p: 5e-8 };
export const DEFAULT_SUGGESTIVE_LINE: ThresholdSpec = { kind: 'p', p: 1e-5 };
export const BONFERRONI_ALPHA = 0.05;

/** The lines of one plot, as p-values, with how each was chosen (for the legend). */
export interface Thresholds {
  genomeWide: number;
  suggestive: number;
  /** "p = 5e-8" or "Bonferroni 0.05 / 7,142 SNPs", per line. */
  genomeWideNote: string;
  suggestiveNote: string;
}

/** Parses a --gwas-line / --suggestive-line value: a p in (0, 1) or "bonferroni". */
export function parseThreshold(flag: string, value: string): ThresholdSpec {
  if (value.trim().toLowerCase() === 'bonferroni') return { kind: 'bonferroni', alpha: BONFERRONI_ALPHA };
  const p = Number(value);
  if (value.trim() === '' || !(p > 0 && p < 1))
    throw new UsageError(`--${flag} ${value}: expected a p-value in (0, 1) or "bonferroni"`);
  return { kind: 'p', p };
}

function resolve(spec: ThresholdSpec, snpsTested: number): { p: number; note: string } {
  if (spec.kind === 'p') return { p: spec.p, note: `p = ${spec.p.toExponential()}` };
  const n = Math.max(snpsTested, 1);
  return { p: spec.alpha / n, note: `Bonferroni ${spec.alpha} / ${withCommas(n)} SNPs` };
}

/** The lines for a scan of `snpsTested` SNPs (defaults where a spec is absent). */
export function resolveThresholds(
  snpsTested: number,
  gwas?: ThresholdSpec,
  suggestive?: ThresholdSpec,
): Thresholds {
  const g = resolve(gwas ?? DEFAULT_GWAS_LINE, snpsTested);
  const s = resolve(suggestive ?? DEFAULT_SUGGESTIVE_LINE, snpsTested);
  return { genomeWide: g.p, suggestive: s.p, genomeWideNote: g.note, suggestiveNote: s.note };
}
