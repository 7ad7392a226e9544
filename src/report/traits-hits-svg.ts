/**
 * The hit map of a --traits run (the picture eQTL studies draw by hand): x is the genome position
 * of a SNP, y the trait, one mark per SNP at or below a trait's suggestive line (red and larger at
 * or below its genome-wide line). Marks that would land on the same spot are drawn once; a row per
 * trait, chromosomes shaded alternately so a column of marks (a hotspot) reads at a glance.
 */
import { genomeX, layoutGenome, type GenomeLayout } from './chromosome-layout.js';
import { genomeAxis } from './genome-axis.js';
import { CHROMOSOME_COLOURS, SIGNIFICANT_COLOUR } from './manhattan-svg.js';
import { escapeXml, niceTicks, r1, svgDocument, textWidth, withCommas } from './svg-kit.js';
import type { TraitSummary } from './traits-summary.js';

const WIDTH = 1100;
const M = { left: 84, right: 24, top: 58, bottom: 62 };

/** The genome layout over every trait file's chromosome extents (files cut by --keep-p differ). */
export function traitsLayout(traits: TraitSummary[]): GenomeLayout {
  const extents = new Map<string, [number, number]>();
  for (const t of traits) {
    for (const [name, [lo, hi]] of t.extents) {
      const e = extents.get(name);
      extents.set(name, e ? [Math.min(e[0], lo), Math.max(e[1], hi)] : [lo, hi]);
    }
  }
  const names = [...extents.keys()];
  // Two rows per chromosome (its ends) are all layoutGenome needs.
  const chrIndex = new Uint16Array(names.length * 2);
  const pos = new Float64Array(names.length * 2);
  names.forEach((name, c) => {
    chrIndex[2 * c] = chrIndex[2 * c + 1] = c;
    pos[2 * c] = extents.get(name)![0];
    pos[2 * c + 1] = extents.get(name)![1];
  });
  return layoutGenome(names, chrIndex, pos, new Float64Array(pos.length).fill(0.5));
}

/** Height of a trait's row: 16 units for a few traits, down to a fraction of a unit for thousands. */
function plotHeight(traits: number): number {
  return Math.min(Math.max(traits * 16, 160), 900);
}

/** The hit map as an SVG document; traits in the given order, top to bottom. */
export function traitsHitsSvg(traits: TraitSummary[], title: string): string {
  const layout = traitsLayout(traits);
  const plotW = WIDTH - M.left - M.right;
  const plotH = plotHeight(traits.length);
  const height = M.top + plotH + M.bottom;
  const rowH = plotH / Math.max(traits.length, 1);
  const xOf = (g: number) => M.left + (g / layout.total) * plotW;
  const yOf = (row: number) => M.top + (row + 0.5) * rowH;
  const body: string[] = [];
  body.push(
    `<text x="${M.left}" y="26" font-size="18" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
  );
  // Alternate chromosome shading.
  layout.chromosomes.forEach((span, c) => {
    if (c % 2 === 0) return;
    body.push(
      `<rect x="${r1(xOf(span.start))}" y="${M.top}" width="${r1((span.width / layout.total) * plotW)}" height="${plotH}" fill="#f1f4f8"/>`,
    );
  });
  // Trait rows: every label when they fit, else the rows of round column numbers (50, 100, ...).
  let ticks = traits.map((_, k) => k);
  if (rowH < 14) {
    const steps = niceTicks(0, traits[traits.length - 1].column, 8);
    const step = steps.length > 1 ? steps[1] - steps[0] : 1;
    ticks = ticks.filter((k) => traits[k].column % step === 0);
    if (ticks.length < 2) ticks = niceTicks(0, traits.length - 1, 8).filter((k) => Number.isInteger(k));
  }
  for (const k of ticks) {
    const y = r1(yOf(k));
    if (rowH >= 6)
      body.push(
        `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#e4e8ee" stroke-width="0.8"/>`,
      );
    body.push(`<line x1="${M.left - 5}" x2="${M.left}" y1="${y}" y2="${y}" stroke="#444"/>`);
    body.push(
      `<text x="${M.left - 9}" y="${y}" font-size="${rowH >= 14 ? 12 : 13}" text-anchor="end" dominant-baseline="central" fill="#222">${traits[k].column}</text>`,
    );
  }
  body.push(
    `<text transform="translate(20 ${r1(M.top + plotH / 2)}) rotate(-90)" font-size="16" text-anchor="middle" fill="#222">Trait (phenotype column)</text>`,
  );
  // Marks: suggestive hits first, genome-wide ones on top; one per (kind, cell).
  const radius = Math.max(2.2, Math.min(3.2, rowH * 0.35));
  const seen = new Set<string>();
  const layers: string[][] = [[], []];
  const spanOf = new Map(layout.chromosomes.map((c) => [c.name, c]));
  traits.forEach((t, row) => {
    for (const h of t.hits) {
      const span = spanOf.get(h.chr)!;
      const strong = h.p <= t.thresholds.genomeWide ? 1 : 0;
      const x = xOf(genomeX(span, h.pos));
      const y = yOf(row);
      const key = `${strong}:${Math.round(x / 1.5)}:${Math.round(y / 1.5)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      layers[strong].push(`<circle cx="${r1(x)}" cy="${r1(y)}" r="${r1(strong ? radius : radius * 0.8)}"/>`);
    }
  });
  body.push(
    `<g class="suggestive-hits" fill="${CHROMOSOME_COLOURS[0]}" fill-opacity="0.8">`,
    ...layers[0],
    '</g>',
  );
  body.push(
    `<g class="genome-wide-hits" fill="${SIGNIFICANT_COLOUR}" fill-opacity="0.9">`,
    ...layers[1],
    '</g>',
  );
  body.push(
    ...genomeAxis(layout, xOf, { left: M.left, top: M.top, width: plotW, height: plotH }, height - 14),
  );
  body.push(
    `<rect class="plot-area" x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="none"/>`,
  );
  // Legend, above the plot on the right.
  const first = traits[0]?.thresholds;
  const gw = first ? first.genomeWideNote : '';
  const sug = first ? first.suggestiveNote : '';
  const legendY = 46;
  const sugText = `suggestive (${sug})`;
  const gwText = `genome-wide (${gw})`;
  const sugX = M.left + plotW - textWidth(sugText, 12);
  const gwX = sugX - 24 - textWidth(gwText, 12);
  body.push(
    `<circle cx="${r1(gwX - 8)}" cy="${legendY - 4}" r="3.2" fill="${SIGNIFICANT_COLOUR}"/><text x="${r1(gwX)}" y="${legendY}" font-size="12" fill="#333">${escapeXml(gwText)}</text>`,
  );
  body.push(
    `<circle cx="${r1(sugX - 8)}" cy="${legendY - 4}" r="2.4" fill="${CHROMOSOME_COLOURS[0]}"/><text x="${r1(sugX)}" y="${legendY}" font-size="12" fill="#333">${escapeXml(sugText)}</text>`,
  );
  const total = traits.reduce((a, t) => a + t.hits.length, 0);
  body.push(
    `<text x="${M.left}" y="${legendY}" font-size="12" fill="#555">${withCommas(traits.length)} traits, ${withCommas(total)} hit SNPs</text>`,
  );
  return svgDocument(WIDTH, height, body);
}
