/**
 * What every report output is drawn from: the plotted test, sorted p-values and lambda_GC per test,
 * the genome layout and the top hits, computed once from an AssocTable.
 */
import { PLOT_TESTS, type AssocTable, type PlotTest } from './assoc-table.js';
import { layoutGenome, type GenomeLayout } from './chromosome-layout.js';
import { clumpLoci, type Locus } from './loci.js';
import { genomicControlFromSorted } from './normal-quantile.js';
import { resolveThresholds, type Thresholds } from './thresholds.js';
import type { ThresholdSpec } from '../model/settings.js';

export interface TestStatistics {
  test: PlotTest;
  /** Rows with a finite p-value. */
  snps: number;
  lambdaGC: number;
  /** Finite p-values, ascending. */
  sortedP: Float64Array;
}

export interface ScanResults {
  table: AssocTable;
  /** The test the plots show, and why it is not the requested one (if so). */
  test: PlotTest;
  testNote?: string;
  /** p of the plotted test per row. */
  p: Float64Array;
  tests: TestStatistics[];
  layout: GenomeLayout;
  /** Row indices of the smallest plotted p-values, ascending p (at most `topCount`). */
  topRows: Uint32Array;
  /** The genome-wide and suggestive lines, as p-values. */
  thresholds: Thresholds;
  /** SNPs of the plotted test at or below each line. */
  hits: { genomeWide: number; suggestive: number };
  /** Independent loci among the SNPs at or below the less strict line, most significant first. */
  loci: Locus[];
}

/** The lines requested (--gwas-line, --suggestive-line); absent ones take the defaults. */
export interface LineOptions {
  gwas?: ThresholdSpec;
  suggestive?: ThresholdSpec;
}

/** At most this many of the smallest p-values are clumped (a locus holds the rest of a huge peak). */
export const MAX_CLUMPED_ROWS = 20_000;

/** Number of values at or below x in an ascending array. */
export function countAtOrBelow(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Picks the test to plot: the requested one if the file has it, else Wald, LRT, score in that order. */
export function choosePlotTest(table: AssocTable, requested?: PlotTest): { test: PlotTest; note?: string } {
  if (requested && table.p[requested]) return { test: requested };
  const test = PLOT_TESTS.find((t) => table.p[t])!;
  return requested ? { test, note: `p_${requested} is not in ${table.path}: plotting p_${test}` } : { test };
}

/** Finite values of p, ascending. */
export function sortedFinite(p: Float64Array): Float64Array {
  let n = 0;
  for (let k = 0; k < p.length; k++) if (!Number.isNaN(p[k])) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let k = 0; k < p.length; k++) if (!Number.isNaN(p[k])) out[n++] = p[k];
  return out.sort();
}

/**
 * Indices of the `count` smallest finite values of p, ascending by value (ties in row order);
 * sortedP is p's finite values ascending, so one pass finds the cut-off.
 */
export function smallestRows(p: Float64Array, sortedP: Float64Array, count: number): Uint32Array {
  if (sortedP.length === 0 || count === 0) return new Uint32Array(0);
  const cutoff = sortedP[Math.min(count, sortedP.length) - 1];
  const rows: number[] = [];
  for (let k = 0; k < p.length; k++) if (p[k] <= cutoff) rows.push(k);
  rows.sort((a, b) => p[a] - p[b] || a - b);
  return Uint32Array.from(rows.slice(0, count));
}

/** Everything the plots, the summary and the page need. */
export function analyseScan(
  table: AssocTable,
  requested?: PlotTest,
  topCount = 500,
  lines: LineOptions = {},
): ScanResults {
  const { test, note } = choosePlotTest(table, requested);
  const p = table.p[test]!;
  const tests = PLOT_TESTS.filter((t) => table.p[t]).map((t) => {
    const sortedP = sortedFinite(table.p[t]!);
    return { test: t, snps: sortedP.length, lambdaGC: genomicControlFromSorted(sortedP), sortedP };
  });
  const sortedP = tests.find((t) => t.test === test)!.sortedP;
  const thresholds = resolveThresholds(sortedP.length, lines.gwas, lines.suggestive);
  const hits = {
    genomeWide: countAtOrBelow(sortedP, thresholds.genomeWide),
    suggestive: countAtOrBelow(sortedP, thresholds.suggestive),
  };
  const candidates = Math.min(
    countAtOrBelow(sortedP, Math.max(thresholds.genomeWide, thresholds.suggestive)),
    MAX_CLUMPED_ROWS,
  );
  return {
    table,
    test,
    testNote: note,
    p,
    tests,
    layout: layoutGenome(table.chromosomes, table.chrIndex, table.pos, p),
    topRows: smallestRows(p, sortedP, topCount),
    thresholds,
    hits,
    loci: clumpLoci(smallestRows(p, sortedP, candidates), table.chrIndex, table.pos, p),
  };
}

/** -log10 p, with p = 0 (underflow in the file) shown at 1e-300 rather than at infinity. */
export function minusLog10(p: number): number {
  return -Math.log10(Math.max(p, 1e-300));
}
