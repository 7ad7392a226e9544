/**
 * NAME.report.html: one self-contained page (inline CSS, script and data; no network, no external
 * fonts) with the summary, the interactive Manhattan plot, the QQ plot and a sortable top-hits table.
 */
import type { PageData } from './page-data.js';
import { PAGE_SCRIPT } from './page-script.js';
import type { ReportSummary } from './summary.js';
import { TEST_LABEL } from './manhattan-svg.js';
import { escapeXml, withCommas } from './svg-kit.js';

/** Rows of the top-hits table. */
export const TABLE_ROWS = 500;

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0; color: #1d2733; background: #f4f6f8; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 2px; } h2 { font-size: 18px; margin: 0 0 10px; }
.sub { color: #5a6675; margin: 0 0 18px; word-break: break-all; }
section { background: #fff; border: 1px solid #dde3ea; border-radius: 8px; padding: 16px 18px; margin-bottom: 18px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 8px 24px; margin: 0; }
.facts div { border-left: 3px solid #7aa6d6; padding-left: 10px; } .facts dt { color: #5a6675; font-size: 13px; } .facts dd { margin: 0; font-weight: 600; }
.toolbar { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
.hint { color: #5a6675; font-size: 13px; } #view-label { font-weight: 600; }
button, select { font: inherit; font-size: 13px; padding: 3px 10px; border: 1px solid #b8c2cc; border-radius: 5px; background: #fff; cursor: pointer; }
#manhattan-wrap { position: relative; width: 100%; } #manhattan { display: block; }
#tooltip { position: absolute; pointer-events: none; background: rgba(255,255,255,0.97); border: 1px solid #8a96a3; border-radius: 5px; padding: 6px 9px; font-size: 13px; box-shadow: 0 2px 8px rgba(0,0,0,0.15); white-space: nowrap; }
.qq svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid #edf0f3; } th:nth-child(2), td:nth-child(2) { text-align: left; }
th { cursor: pointer; user-select: none; background: #f7f9fb; position: sticky; top: 0; } th[aria-sort="ascending"]::after { content: " \\25B2"; } th[aria-sort="descending"]::after { content: " \\25BC"; }
.table-wrap { max-height: 520px; overflow: auto; }
`;

/** 0.2712 -> "0.27", 0.001 -> "0.001", 2.345e-5 -> "2.3e-5". */
function shortP(p: number): string {
  const two = Number(p.toPrecision(2));
  return p >= 1e-3 ? String(two) : two.toExponential();
}

function fact(label: string, value: string): string {
  return `<div><dt>${escapeXml(label)}</dt><dd>${escapeXml(value)}</dd></div>`;
}

function g(x: unknown): string {
  return typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : 'n/a';
}

function summaryFacts(s: ReportSummary): string {
  const facts = [
    fact('Individuals analysed', s.nAnalysed === null ? 'n/a' : withCommas(s.nAnalysed)),
    fact('SNPs tested', withCommas(s.snpsTested)),
  ];
  for (const [test, t] of Object.entries(s.tests))
    facts.push(
      fact(
        `\u03bbGC, ${TEST_LABEL[test]} (${t.column})`,
        t.lambdaGC === null ? 'n/a' : t.lambdaGC.toFixed(4),
      ),
    );
  const nm = s.nullModel;
  if (nm) {
    if (nm.pve !== undefined) facts.push(fact('PVE (null model)', `${g(nm.pve)} \u00b1 ${g(nm.pveSe)}`));
    if (nm.vg !== undefined) facts.push(fact('vg / ve (null model)', `${g(nm.vg)} / ${g(nm.ve)}`));
    if (nm.remlLogLikelihood !== undefined)
      facts.push(fact('REML log-likelihood (null)', g(nm.remlLogLikelihood)));
  }
  const { genomeWide, suggestive } = s.thresholds;
  const lociBelow = (p: number) => s.loci.filter((l) => l.p <= p).length;
  const hits = (line: { p: number; snps: number }) =>
    `${withCommas(line.snps)} SNPs in ${withCommas(lociBelow(line.p))} loci`;
  facts.push(fact(`Genome-wide line (${genomeWide.rule})`, hits(genomeWide)));
  facts.push(fact(`Suggestive line (${suggestive.rule})`, hits(suggestive)));
  if (s.topHits.length)
    facts.push(
      fact(
        'Top hit',
        `${s.topHits[0].rs} (chr ${s.topHits[0].chr}:${s.topHits[0].ps}), p = ${s.topHits[0].p.toExponential(2)}`,
      ),
    );
  if (s.engine) facts.push(fact('Engine', s.engine));
  const total = s.totalSeconds;
  if (total > 0) facts.push(fact('Computation time', `${total.toFixed(total < 10 ? 2 : 1)} s`));
  return `<dl class="facts">${facts.join('')}</dl>${s.notes.map((n) => `<p class="hint">${escapeXml(n)}</p>`).join('')}`;
}

/** The whole page. qqSvgText is the QQ figure, inlined. */
export function reportHtml(name: string, summary: ReportSummary, page: PageData, qqSvgText: string): string {
  const data = JSON.stringify({ name, test: summary.plottedTest, topCount: TABLE_ROWS, page }).replace(
    /</g,
    '\\u003c',
  );
  const testName = TEST_LABEL[summary.plottedTest];
  // Every test the file has (GEMMA's -lmm 4: Wald, LRT, score), as the page script fills them.
  const testHeaders = Object.keys(summary.tests).map((t) => `p (${TEST_LABEL[t]})`);
  const headers = ['#', 'SNP', 'chr', 'position', 'allele1', 'allele0', 'af', 'beta', 'se', ...testHeaders];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(name)}: lmmscan report</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeXml(name)}</h1>
<p class="sub">lmmscan association report \u00b7 ${escapeXml(summary.analysis === 'lmm' ? 'linear mixed model' : 'linear model')}, ${escapeXml(testName)} \u00b7 ${escapeXml(summary.assoc)}</p>
<section id="summary"><h2>Summary</h2>${summaryFacts(summary)}</section>
<section id="manhattan-section"><h2>Manhattan plot</h2>
<div class="toolbar"><span id="view-label">All chromosomes</span><select id="chromosome-select" aria-label="Chromosome"><option value="-1">All chromosomes</option></select><button id="reset" type="button">Show all chromosomes</button>
<span class="hint">Hover a point for its SNP; click a chromosome to zoom in (Esc to zoom out). Points with p &gt; ${shortP(page.detailCutoff)} are drawn binned.</span></div>
<div id="manhattan-wrap"><canvas id="manhattan" height="430"></canvas><div id="tooltip" role="tooltip" hidden></div></div>
</section>
<section class="qq"><h2>QQ plot</h2>${qqSvgText.replace(/^<\?xml[^>]*>\s*/, '')}</section>
<section><h2>Top hits</h2><p class="hint">The ${Math.min(TABLE_ROWS, page.detail.n)} smallest p-values of the ${escapeXml(testName)}, with every test the scan computed; allele1 is the allele counted (beta is per copy of it); click a column to sort.</p>
<div class="table-wrap"><table id="hits"><thead><tr>${headers.map((h, i) => `<th scope="col" aria-sort="${i === 0 ? 'ascending' : 'none'}">${escapeXml(h)}</th>`).join('')}</tr></thead><tbody></tbody></table></div>
</section>
</main>
<script type="application/json" id="lmmscan-data">${data}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
