/**
 * The static Manhattan plot (SVG, rasterised to PNG elsewhere): -log10 p of the plotted test along
 * the genome, chromosomes in alternating colours, genome-wide (5e-8) and suggestive (1e-5) lines,
 * the top hit ringed and labelled. Points that would land on the same spot are drawn once.
 */
import { genomeX, isSpecialChromosome } from './chromosome-layout.js';
import { minusLog10, type ScanResults } from './scan-results.js';
import { MINUS_LOG10_P, escapeXml, formatP, niceTicks, positionUnit, r1, superscript, svgDocument, textWidth, tickLabel, withCommas } from './svg-kit.js';

export const GENOME_WIDE = 5e-8;
export const SUGGESTIVE = 1e-5;
export const CHROMOSOME_COLOURS = ['#1f4e79', '#7aa6d6'];
export const SIGNIFICANT_COLOUR = '#c62828';
export const TEST_LABEL: Record<string, string> = { wald: 'Wald test', lrt: 'likelihood-ratio test', score: 'score test' };

const WIDTH = 1100;
const HEIGHT = 480;
const M = { left: 72, right: 24, top: 46, bottom: 62 };
const POINT_RADIUS = 2.3;
const TICK_FONT = 14;
const AXIS_FONT = 16;

/** Upper end of the -log10 p axis: room above the top hit and always above the genome-wide line. */
export function yAxisMax(results: ScanResults): number {
  const best = results.topRows.length ? minusLog10(results.p[results.topRows[0]]) : 0;
  return Math.max(best, minusLog10(GENOME_WIDE) + 0.5) * 1.12;
}

/** The Manhattan plot as an SVG document. */
export function manhattanSvg(results: ScanResults, title: string): string {
  const { layout, table, p } = results;
  const plotW = WIDTH - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const yMax = yAxisMax(results);
  const single = layout.chromosomes.length === 1;
  const xOf = (g: number) => M.left + (g / layout.total) * plotW;
  const yOf = (lp: number) => M.top + plotH - (Math.min(lp, yMax) / yMax) * plotH;
  const body: string[] = [];

  // Title and frame.
  body.push(`<text x="${M.left}" y="28" font-size="18" font-weight="bold" fill="#222">${escapeXml(title)}</text>`);
  const yTicks = niceTicks(0, yMax, 6);
  for (const t of yTicks) {
    const y = r1(yOf(t));
    body.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#ececec" stroke-width="1"/>`);
    body.push(`<line x1="${M.left - 5}" x2="${M.left}" y1="${y}" y2="${y}" stroke="#444"/>`);
    body.push(`<text x="${M.left - 9}" y="${y}" font-size="${TICK_FONT}" text-anchor="end" dominant-baseline="central" fill="#222">${tickLabel(t)}</text>`);
  }
  body.push(`<text transform="translate(22 ${r1(M.top + plotH / 2)}) rotate(-90)" font-size="${AXIS_FONT}" text-anchor="middle" fill="#222">${MINUS_LOG10_P}</text>`);

  // Points: one per (colour, cell) so a million SNPs give a file of reasonable size.
  const cell = 0.8;
  const cols = Math.ceil(plotW / cell) + 2;
  const seen = new Set<number>();
  const layers: string[][] = [[], [], []];
  const gwLine = minusLog10(GENOME_WIDE);
  for (let k = 0; k < p.length; k++) {
    if (Number.isNaN(p[k])) continue;
    const order = layout.orderOfTableIndex[table.chrIndex[k]];
    const span = layout.chromosomes[order];
    const lp = minusLog10(p[k]);
    const x = xOf(genomeX(span, table.pos[k]));
    const y = yOf(lp);
    const colour = lp >= gwLine ? 2 : order % 2;
    const key = ((Math.floor((y - M.top) / cell) * cols + Math.floor((x - M.left) / cell)) * 3 + colour);
    if (seen.has(key)) continue;
    seen.add(key);
    layers[colour].push(`<circle cx="${r1(x)}" cy="${r1(y)}" r="${POINT_RADIUS}"/>`);
  }
  layers.forEach((circles, c) => {
    const fill = c === 2 ? SIGNIFICANT_COLOUR : CHROMOSOME_COLOURS[c];
    body.push(`<g fill="${fill}" fill-opacity="0.85">`, ...circles, '</g>');
  });

  // Threshold lines, labelled at the right end, the suggestive label dropped if it would collide.
  const gwY = yOf(gwLine);
  const sugY = yOf(minusLog10(SUGGESTIVE));
  body.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${r1(gwY)}" y2="${r1(gwY)}" stroke="#c62828" stroke-width="1.2" stroke-dasharray="6 4"/>`);
  body.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${r1(sugY)}" y2="${r1(sugY)}" stroke="#5b7fa6" stroke-width="1.1" stroke-dasharray="2 3"/>`);
  const halo = 'stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"';
  body.push(`<text x="${M.left + plotW - 4}" y="${r1(gwY - 5)}" font-size="12" text-anchor="end" fill="#c62828" ${halo}>p = 5\u00d710${superscript('-8')}</text>`);
  if (sugY - gwY > 16) body.push(`<text x="${M.left + plotW - 4}" y="${r1(sugY - 5)}" font-size="12" text-anchor="end" fill="#3d5f86" ${halo}>p = 1\u00d710${superscript('-5')}</text>`);

  // x axis: chromosome names (thinned when they would overlap) or, for one chromosome, positions.
  const axisY = M.top + plotH;
  body.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${axisY}" y2="${axisY}" stroke="#444"/>`);
  body.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${axisY}" stroke="#444"/>`);
  if (single) {
    const span = layout.chromosomes[0];
    const { unit, divisor } = positionUnit(span.maxPos - span.minPos);
    const lo = span.minPos;
    const hi = span.minPos + span.width;
    let lastRight = -Infinity;
    for (const t of niceTicks(lo / divisor, hi / divisor, 8)) {
      const x = xOf(genomeX(span, t * divisor));
      if (x < M.left - 0.5 || x > M.left + plotW + 0.5) continue;
      const label = tickLabel(t);
      const w = textWidth(label, TICK_FONT);
      body.push(`<line x1="${r1(x)}" x2="${r1(x)}" y1="${axisY}" y2="${axisY + 5}" stroke="#444"/>`);
      if (x - w / 2 < lastRight + 8) continue;
      lastRight = x + w / 2;
      body.push(`<text x="${r1(x)}" y="${axisY + 22}" font-size="${TICK_FONT}" text-anchor="middle" fill="#222">${label}</text>`);
    }
    body.push(`<text x="${r1(M.left + plotW / 2)}" y="${HEIGHT - 14}" font-size="${AXIS_FONT}" text-anchor="middle" fill="#222">Position on chromosome ${escapeXml(span.name)} (${unit})</text>`);
  } else {
    let lastRight = -Infinity;
    for (const span of layout.chromosomes) {
      const centre = xOf(span.start + span.width / 2);
      const label = span.name.replace(/^chr/i, '');
      const w = textWidth(label, TICK_FONT);
      // A label far wider than its chromosome (a small contig) would name a crowd, not a band.
      if (w > 3 * (span.width / layout.total) * plotW && !isSpecialChromosome(span.name)) continue;
      if (centre - w / 2 < lastRight + 4) continue;
      lastRight = centre + w / 2;
      body.push(`<line x1="${r1(centre)}" x2="${r1(centre)}" y1="${axisY}" y2="${axisY + 4}" stroke="#444"/>`);
      body.push(`<text x="${r1(centre)}" y="${axisY + 21}" font-size="${TICK_FONT}" text-anchor="middle" fill="#222">${escapeXml(label)}</text>`);
    }
    body.push(`<text x="${r1(M.left + plotW / 2)}" y="${HEIGHT - 14}" font-size="${AXIS_FONT}" text-anchor="middle" fill="#222">Chromosome</text>`);
  }

  // The top hit: ringed, labelled with its id and p, kept inside the frame.
  if (results.topRows.length) {
    const k = results.topRows[0];
    const span = layout.chromosomes[layout.orderOfTableIndex[table.chrIndex[k]]];
    const x = xOf(genomeX(span, table.pos[k]));
    const y = yOf(minusLog10(p[k]));
    const label = `${table.rs(k)}  (p = ${formatP(p[k])})`;
    const w = textWidth(label, 13);
    const anchorEnd = x + 8 + w > M.left + plotW;
    const tx = anchorEnd ? x - 8 : x + 8;
    const ty = Math.max(y - 8, M.top + 12);
    body.push(`<circle cx="${r1(x)}" cy="${r1(y)}" r="5.5" fill="none" stroke="#111" stroke-width="1.4"/>`);
    body.push(`<text x="${r1(tx)}" y="${r1(ty)}" font-size="13" font-weight="bold" text-anchor="${anchorEnd ? 'end' : 'start'}" fill="#111" ${halo}>${escapeXml(label)}</text>`);
  }
  body.push(`<text x="${WIDTH - M.right}" y="28" font-size="13" text-anchor="end" fill="#555">${withCommas(results.tests.find((t) => t.test === results.test)!.snps)} SNPs</text>`);
  return svgDocument(WIDTH, HEIGHT, body);
}
