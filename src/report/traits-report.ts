/**
 * The summary report of a --traits run: NAME.traits.hits.svg/.png (the hit map), NAME.traits.summary.json
 * (per trait: lambda_GC, hits at each line, loci, best SNP) and NAME.traits.report.html (both, in one
 * self-contained page), each written atomically.
 */
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-file.js';
import type { PlotTest } from './assoc-table.js';
import { TEST_LABEL } from './manhattan-svg.js';
import { svgToPng } from './png.js';
import type { LineOptions } from './scan-results.js';
import { escapeXml, withCommas } from './svg-kit.js';
import { traitsHitsSvg } from './traits-hits-svg.js';
import { summariseTrait, type TraitInput, type TraitSummary } from './traits-summary.js';

export interface TraitsReportOptions {
  outDir: string;
  outPrefix: string;
  test?: PlotTest;
  lines?: LineOptions;
  /** The run's --keep-p, if any (its files lack the rows above it). */
  keepP?: number;
  /** Also NAME.traits.hits.png (default true; a scan asks with --png). */
  png?: boolean;
}

/** One trait as summary.json has it (no hit list: the assoc files hold those). */
function traitRecord(t: TraitSummary) {
  return {
    trait: t.column,
    assoc: basename(t.assoc),
    nAnalysed: t.nAnalysed,
    snpsTested: t.snpsTested,
    test: t.test,
    lambdaGC: t.lambdaGC,
    genomeWideLine: t.thresholds.genomeWide,
    suggestiveLine: t.thresholds.suggestive,
    hitsGenomeWide: t.genomeWide,
    hitsSuggestive: t.suggestive,
    loci: t.loci,
    best: t.best,
  };
}

const num = (x: number | null, digits = 3) => (x === null ? 'n/a' : x.toFixed(digits));
const count = (x: number | null) => (x === null ? 'n/a' : withCommas(x));

/** Reads every trait's assoc file (one at a time) and writes the summary outputs; returns their paths. */
export async function writeTraitsReport(
  inputs: TraitInput[],
  options: TraitsReportOptions,
): Promise<string[]> {
  const traits: TraitSummary[] = [];
  for (const input of inputs)
    traits.push(await summariseTrait(input, options.lines ?? {}, options.test, options.keepP));
  const name = options.outPrefix;
  const out = (suffix: string) => join(options.outDir, `${name}.${suffix}`);
  const test = traits[0]?.test ?? 'wald';
  const svg = traitsHitsSvg(
    traits,
    `${name}: hits of ${withCommas(traits.length)} traits by genome position (${TEST_LABEL[test]})`,
  );
  const notes: string[] = [];
  if (traits.some((t) => t.lambdaGC === null))
    notes.push(
      `lambda_GC is n/a where --keep-p ${options.keepP} left rows out of the file (the median needs every p-value)`,
    );
  if (traits.some((t) => t.genomeWide === null || t.suggestive === null))
    notes.push(`hit counts above --keep-p ${options.keepP} are n/a: those rows are not in the files`);
  const summary = { traits: traits.map(traitRecord), notes };
  writeFileAtomic(out('traits.hits.svg'), svg);
  if (options.png !== false) writeFileAtomic(out('traits.hits.png'), svgToPng(svg));
  writeFileAtomic(out('traits.summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileAtomic(out('traits.report.html'), traitsHtml(name, traits, svg, notes));
  const png = options.png === false ? [] : ['traits.hits.png'];
  return ['traits.hits.svg', ...png, 'traits.summary.json', 'traits.report.html'].map(out);
}

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0; color: #1d2733; background: #f4f6f8; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 2px; } h2 { font-size: 18px; margin: 0 0 10px; }
.sub, .hint { color: #5a6675; } .hint { font-size: 13px; }
section { background: #fff; border: 1px solid #dde3ea; border-radius: 8px; padding: 16px 18px; margin-bottom: 18px; }
section svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid #edf0f3; } th { background: #f7f9fb; position: sticky; top: 0; }
.table-wrap { max-height: 640px; overflow: auto; }
`;

function traitsHtml(name: string, traits: TraitSummary[], svg: string, notes: string[]): string {
  const first = traits[0]?.thresholds;
  const headers = [
    'trait',
    'n analysed',
    'SNPs tested',
    '\u03bbGC',
    'genome-wide hits',
    'suggestive hits',
    'loci',
    'best SNP',
    'chr:position',
    'best p',
  ];
  const rows = traits.map((t) => {
    const cells = [
      String(t.column),
      withCommas(t.nAnalysed),
      withCommas(t.snpsTested),
      num(t.lambdaGC),
      count(t.genomeWide),
      count(t.suggestive),
      count(t.loci),
      t.best?.rs ?? 'n/a',
      t.best ? `${t.best.chr}:${t.best.ps}` : 'n/a',
      t.best ? t.best.p.toExponential(2) : 'n/a',
    ];
    return `<tr>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`;
  });
  const lines = first
    ? `genome-wide line ${escapeXml(first.genomeWideNote)}, suggestive line ${escapeXml(first.suggestiveNote)}`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(name)}: lmmscan traits report</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeXml(name)}</h1>
<p class="sub">lmmscan --traits summary \u00b7 ${withCommas(traits.length)} traits \u00b7 ${lines}</p>
<section id="hit-map"><h2>Hits by genome position</h2>
<p class="hint">One row per trait, one mark per SNP at or below the suggestive line (red: at or below the genome-wide line). A column of marks is a SNP or region associated with many traits.</p>
${svg}</section>
<section id="traits"><h2>Traits</h2>
<p class="hint">\u03bbGC and hits of the plotted test per trait; loci are hits clumped by distance (500 kb).${notes.map((n) => ` ${escapeXml(n)}.`).join('')}</p>
<div class="table-wrap"><table id="trait-table"><thead><tr>${headers.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>
</section>
</main>
</body>
</html>
`;
}
