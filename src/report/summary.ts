/** NAME.summary.json: counts, lambda_GC per test, the null model, engine, timings and the top hits. */
import type { RunSummary } from '../io/log-format.js';
import type { LogFacts, PlotTest } from './assoc-table.js';
import type { ScanResults } from './scan-results.js';

export interface TopHit {
  rank: number;
  rs: string;
  chr: string;
  ps: number;
  /** GEMMA's allele1 (the counted allele) and allele0; '' when the file has none. */
  allele1: string;
  allele0: string;
  af: number | null;
  beta: number | null;
  se: number | null;
  /** p of the plotted test, and every test's p for this SNP. */
  p: number;
  pValues: Partial<Record<PlotTest, number | null>>;
}

export interface ReportSummary {
  tool: string;
  assoc: string;
  analysis: 'lmm' | 'lm';
  plottedTest: PlotTest;
  nAnalysed: number | null;
  /** Rows of the assoc file (SNPs tested). */
  snpsTested: number;
  tests: Partial<Record<PlotTest, { column: string; snps: number; lambdaGC: number | null }>>;
  lambdaGC: Partial<Record<PlotTest, number | null>>;
  nullModel: Record<string, number | number[]> | null;
  engine: string | null;
  /** The scan's steps (a breakdown may overlap its parent step) and the report's. */
  timings: { step: string; seconds: number }[];
  /** Wall time of the scan (when the report follows one) plus the report. */
  totalSeconds: number;
  topHits: TopHit[];
  /** The plot lines (p), how each was chosen, and SNPs of the plotted test at or below each. */
  thresholds: {
    genomeWide: { p: number; rule: string; snps: number };
    suggestive: { p: number; rule: string; snps: number };
  };
  /** Independent loci (distance clumping, loci.ts) at or below the less strict line, leads first by p. */
  loci: { rs: string; chr: string; ps: number; p: number; snps: number; start: number; end: number }[];
  notes: string[];
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The summary object; `run` is the scan's own record when the report follows a scan. */
export function buildSummary(
  results: ScanResults,
  tool: string,
  run: RunSummary | undefined,
  facts: LogFacts,
  timings: { step: string; seconds: number }[],
): ReportSummary {
  const { table } = results;
  const tests: ReportSummary['tests'] = {};
  const lambdaGC: ReportSummary['lambdaGC'] = {};
  for (const t of results.tests) {
    tests[t.test] = { column: `p_${t.test}`, snps: t.snps, lambdaGC: finiteOrNull(t.lambdaGC) };
    lambdaGC[t.test] = finiteOrNull(t.lambdaGC);
  }
  const nm = run?.nullModel;
  const nullModel = nm
    ? {
        remlLogLikelihood: nm.reml.logLikelihood,
        mleLogLikelihood: nm.mle.logLikelihood,
        lambdaReml: nm.reml.lambda,
        lambdaMle: nm.mle.lambda,
        pve: nm.pve,
        pveSe: nm.pveSe,
        vg: nm.reml.vg,
        ve: nm.reml.ve,
        beta: Array.from(nm.reml.beta),
        betaSe: Array.from(nm.reml.se),
      }
    : (facts.nullModel ?? null);
  const topHits = Array.from(results.topRows.subarray(0, 10), (k, j) => ({
    rank: j + 1,
    rs: table.rs(k),
    chr: table.chromosomes[table.chrIndex[k]],
    ps: table.pos[k],
    allele1: table.allele1(k),
    allele0: table.allele0(k),
    af: finiteOrNull(table.af[k]),
    beta: finiteOrNull(table.beta[k]),
    se: finiteOrNull(table.se[k]),
    p: results.p[k],
    pValues: Object.fromEntries(results.tests.map((t) => [t.test, finiteOrNull(table.p[t.test]![k])])),
  }));
  return {
    tool,
    assoc: table.path,
    analysis: table.kind,
    plottedTest: results.test,
    nAnalysed: run?.nAnalysed ?? facts.nAnalysed ?? table.maxObserved ?? null,
    snpsTested: table.rows,
    tests,
    lambdaGC,
    nullModel,
    engine: run?.engine ?? facts.engine ?? null,
    timings: [...(run?.timings ?? []).map((t) => ({ step: t.label, seconds: t.minutes * 60 })), ...timings],
    totalSeconds: timings.reduce((a, t) => a + t.seconds, 0),
    topHits,
    thresholds: {
      genomeWide: {
        p: results.thresholds.genomeWide,
        rule: results.thresholds.genomeWideNote,
        snps: results.hits.genomeWide,
      },
      suggestive: {
        p: results.thresholds.suggestive,
        rule: results.thresholds.suggestiveNote,
        snps: results.hits.suggestive,
      },
    },
    loci: results.loci.map((l) => ({
      rs: table.rs(l.lead),
      chr: table.chromosomes[table.chrIndex[l.lead]],
      ps: table.pos[l.lead],
      p: results.p[l.lead],
      snps: l.snps,
      start: l.start,
      end: l.end,
    })),
    notes: results.testNote ? [results.testNote] : [],
  };
}
