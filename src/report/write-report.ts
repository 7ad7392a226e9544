/**
 * Writes the look-before-you-read outputs of a scan from its .assoc.txt, each atomically:
 * NAME.manhattan.svg/.png, NAME.qq.svg/.png, NAME.summary.json and NAME.report.html.
 */
import { join } from 'node:path';
import { writeFilesAtomic } from '../io/atomic-file.js';
import type { RunSummary } from '../io/log-format.js';
import { VERSION } from '../version.js';
import { readAssocTable, readNeighbourLog, type PlotTest } from './assoc-table.js';
import { reportHtml } from './html-report.js';
import { TEST_LABEL, manhattanSvg } from './manhattan-svg.js';
import { buildPageData } from './page-data.js';
import { svgToPng } from './png.js';
import { qqBand, qqSvg } from './qq.js';
import { analyseScan, type LineOptions } from './scan-results.js';
import { buildSummary, type ReportSummary } from './summary.js';
import { TABLE_ROWS } from './html-report.js';
import { mark } from '../io/timeline.js';

export interface ReportOptions {
  outDir: string;
  outPrefix: string;
  /** Test to plot (default: Wald, else what the file has). */
  test?: PlotTest;
  /** The scan's own record, when the report follows a scan (else facts come from NAME.log.txt beside the file). */
  run?: RunSummary;
  /** Seconds the scan took before the report (added to the report's own time in summary.json). */
  elapsedSeconds?: number;
  /** --gwas-line / --suggestive-line (defaults 5e-8 and 1e-5). */
  lines?: LineOptions;
  /** Also the PNG copies of the two figures (default true: `lmmscan plot`; a scan asks with --png). */
  png?: boolean;
  /** Awaited before the report's files are written: the .assoc.txt they show, written meanwhile. */
  before?: Promise<unknown>;
}

export interface ReportResult {
  outputs: string[];
  summary: ReportSummary;
  /** lambda_GC per test present, for the log. */
  genomicControl: { test: string; lambda: number }[];
}

/** Reads assocPath (streamed into typed arrays) and writes every report output. */
export async function writeReport(assocPath: string, options: ReportOptions): Promise<ReportResult> {
  const t0 = performance.now();
  const out = (suffix: string) => join(options.outDir, `${options.outPrefix}.${suffix}`);
  mark('report: modules loaded');
  const table = await readAssocTable(assocPath);
  mark('report: assoc read back');
  const results = analyseScan(table, options.test, TABLE_ROWS, options.lines);
  const t1 = performance.now();
  mark('report: lambda_GC and loci');
  const name = options.outPrefix;
  const plotted = results.tests.find((t) => t.test === results.test)!;
  const lambda = Number.isFinite(plotted.lambdaGC) ? `, \u03bbGC = ${plotted.lambdaGC.toFixed(3)}` : '';
  const manhattan = manhattanSvg(results, `${name}: ${TEST_LABEL[results.test]}${lambda}`);
  // The 95% band (240 beta quantiles by bisection) serves both QQ plots, the figure's and the page's.
  const band = qqBand(plotted.snps);
  const qq = qqSvg(plotted, `${name}: QQ plot, ${TEST_LABEL[results.test]}`, band);
  // Written together at the end, synced at once.
  const files: [string, string | Uint8Array][] = [];
  const write = (suffix: string, content: string | Uint8Array) => files.push([out(suffix), content]);
  write('manhattan.svg', manhattan);
  if (options.png !== false) write('manhattan.png', svgToPng(manhattan));
  write('qq.svg', qq);
  if (options.png !== false) write('qq.png', svgToPng(qq));
  const t2 = performance.now();
  mark('report: figures');
  const page = buildPageData(results);
  const facts = options.run ? {} : readNeighbourLog(assocPath);
  const timings = [
    { step: 'reading the assoc file and lambda_GC', seconds: (t1 - t0) / 1000 },
    {
      step: options.png === false ? 'static plots (SVG)' : 'static plots (SVG, PNG)',
      seconds: (t2 - t1) / 1000,
    },
  ];
  const summary = buildSummary(results, `lmmscan ${VERSION}`, options.run, facts, timings);
  summary.totalSeconds = (options.elapsedSeconds ?? 0) + (performance.now() - t0) / 1000;
  // The page shows the QQ plot across its full width (the square one is the paper figure).
  const wideQq = qqSvg(plotted, `QQ plot, ${TEST_LABEL[results.test]}`, band, {
    width: 1100,
    height: 460,
  });
  const html = reportHtml(name, summary, page, wideQq);
  summary.timings.push({ step: 'report page', seconds: (performance.now() - t2) / 1000 });
  summary.totalSeconds = (options.elapsedSeconds ?? 0) + (performance.now() - t0) / 1000;
  write('summary.json', JSON.stringify(summary, null, 2) + '\n');
  write('report.html', html);
  mark('report: page');
  await options.before;
  await writeFilesAtomic(files);
  return {
    outputs: files.map(([path]) => path),
    summary,
    genomicControl: results.tests.map((t) => ({ test: t.test, lambda: t.lambdaGC })),
  };
}
