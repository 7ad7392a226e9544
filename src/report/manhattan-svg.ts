/**
 * The static Manhattan plot (SVG, rasterised to PNG elsewhere): -log10 p of the plotted test along
 * the genome, chromosomes in alternating colours, the genome-wide and suggestive lines (--gwas-line,
 * --suggestive-line), the lead SNP of each independent locus ringed and labelled (label-placement.ts
 * keeps labels off the lines and each other). Points that would land on the same spot are drawn once.
 */
import { genomeX } from './chromosome-layout.js';
import { genomeAxis } from './genome-axis.js';
import { legendBox, placeLabels, type LabelBox, type LabelRequest } from './label-placement.js';
import { minusLog10, type ScanResults } from './scan-results.js';
import {
  MINUS_LOG10_P,
  escapeXml,
  formatP,
  niceTicks,
  r1,
  superscript,
  svgDocument,
  textWidth,
  tickLabel,
  withCommas,
} from './svg-kit.js';

/** Loci labelled at most (the most significant first); the report's table lists every hit. */
export const MAX_LABELS = 12;
const LABEL_FONT = 12;
const RING_RADIUS = 5.5;
export const CHROMOSOME_COLOURS = ['#1f4e79', '#7aa6d6'];
export const SIGNIFICANT_COLOUR = '#c62828';
export const TEST_LABEL: Record<string, string> = {
  wald: 'Wald test',
  lrt: 'likelihood-ratio test',
  score: 'score test',
};

const WIDTH = 1100;
const HEIGHT = 480;
const M = { left: 72, right: 24, top: 46, bottom: 62 };
const POINT_RADIUS = 2.3;
const TICK_FONT = 14;
const AXIS_FONT = 16;

/** Upper end of the -log10 p axis: room above the top hit and always above both lines. */
export function yAxisMax(results: ScanResults): number {
  const best = results.topRows.length ? minusLog10(results.p[results.topRows[0]]) : 0;
  const { genomeWide, suggestive } = results.thresholds;
  return Math.max(best, minusLog10(Math.min(genomeWide, suggestive)) + 0.5) * 1.12;
}

/** A threshold p as legend text: 5e-8 -> "5×10⁻⁸", 7.14e-6 -> "7.14×10⁻⁶". */
export function lineP(p: number): string {
  const [mantissa, exponent] = p.toExponential(2).split('e');
  const m = mantissa.replace(/\.?0+$/, '');
  return `${m === '1' ? '' : `${m}\u00d7`}10${superscript(String(Number(exponent)))}`;
}

/** The Manhattan plot as an SVG document. */
export function manhattanSvg(results: ScanResults, title: string): string {
  const { layout, table, p } = results;
  const plotW = WIDTH - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const yMax = yAxisMax(results);
  const xOf = (g: number) => M.left + (g / layout.total) * plotW;
  const yOf = (lp: number) => M.top + plotH - (Math.min(lp, yMax) / yMax) * plotH;
  const body: string[] = [];

  // Title and frame.
  body.push(
    `<text x="${M.left}" y="28" font-size="18" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
  );
  const yTicks = niceTicks(0, yMax, 6);
  for (const t of yTicks) {
    const y = r1(yOf(t));
    body.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#ececec" stroke-width="1"/>`,
    );
    body.push(`<line x1="${M.left - 5}" x2="${M.left}" y1="${y}" y2="${y}" stroke="#444"/>`);
    body.push(
      `<text x="${M.left - 9}" y="${y}" font-size="${TICK_FONT}" text-anchor="end" dominant-baseline="central" fill="#222">${tickLabel(t)}</text>`,
    );
  }
  body.push(
    `<text transform="translate(22 ${r1(M.top + plotH / 2)}) rotate(-90)" font-size="${AXIS_FONT}" text-anchor="middle" fill="#222">${MINUS_LOG10_P}</text>`,
  );

  // Points: one per (colour, cell) so a million SNPs give a file of reasonable size.
  const cell = 0.8;
  const cols = Math.ceil(plotW / cell) + 2;
  const seen = new Set<number>();
  const layers: string[][] = [[], [], []];
  const gwLine = minusLog10(results.thresholds.genomeWide);
  for (let k = 0; k < p.length; k++) {
    if (Number.isNaN(p[k])) continue;
    const order = layout.orderOfTableIndex[table.chrIndex[k]];
    const span = layout.chromosomes[order];
    const lp = minusLog10(p[k]);
    const x = xOf(genomeX(span, table.pos[k]));
    const y = yOf(lp);
    const colour = lp >= gwLine ? 2 : order % 2;
    const key = (Math.floor((y - M.top) / cell) * cols + Math.floor((x - M.left) / cell)) * 3 + colour;
    if (seen.has(key)) continue;
    seen.add(key);
    layers[colour].push(`<circle cx="${r1(x)}" cy="${r1(y)}" r="${POINT_RADIUS}"/>`);
  }
  layers.forEach((circles, c) => {
    const fill = c === 2 ? SIGNIFICANT_COLOUR : CHROMOSOME_COLOURS[c];
    body.push(`<g fill="${fill}" fill-opacity="0.85">`);
    // The layer's lines as one (svgDocument joins the body's lines with the same newline).
    if (circles.length) body.push(circles.join('\n'));
    body.push('</g>');
  });

  // Threshold lines, each legend above its line at the right end (else the left end) clear of the
  // labelled points and the other legend, or dropped. The legends are obstacles for the hit labels.
  const area = { x0: M.left, y0: M.top, x1: M.left + plotW, y1: M.top + plotH };
  const requests = labelRequests(results, xOf, yOf);
  const halo = 'stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"';
  const { thresholds } = results;
  const lines = [
    {
      p: thresholds.genomeWide,
      stroke: '#c62828',
      text: '#c62828',
      dash: '6 4',
      width: 1.2,
      name: 'genome-wide',
    },
    {
      p: thresholds.suggestive,
      stroke: '#5b7fa6',
      text: '#3d5f86',
      dash: '2 3',
      width: 1.1,
      name: 'suggestive',
    },
  ];
  const legends: LabelBox[] = [];
  const lineYs: number[] = [];
  for (const line of lines) {
    const y = yOf(minusLog10(line.p));
    lineYs.push(y);
    body.push(
      `<line class="threshold" data-line="${line.name}" x1="${M.left}" x2="${M.left + plotW}" y1="${r1(y)}" y2="${r1(y)}" stroke="${line.stroke}" stroke-width="${line.width}" stroke-dasharray="${line.dash}"/>`,
    );
    const text = `p = ${lineP(line.p)}`;
    const box = legendBox(textWidth(text, 12), y, area, requests, legends, RING_RADIUS);
    if (!box) continue;
    legends.push(box);
    body.push(
      `<text class="line-legend" x="${r1(box.x1)}" y="${r1(y - 5)}" font-size="12" text-anchor="end" fill="${line.text}" ${halo}>${text}</text>`,
    );
  }

  body.push(
    ...genomeAxis(layout, xOf, { left: M.left, top: M.top, width: plotW, height: plotH }, HEIGHT - 14),
  );

  body.push(...hitLabels(requests, area, lineYs, legends, halo));
  body.push(
    `<rect class="plot-area" x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="none"/>`,
  );
  body.push(
    `<text x="${WIDTH - M.right}" y="28" font-size="13" text-anchor="end" fill="#555">${withCommas(results.tests.find((t) => t.test === results.test)!.snps)} SNPs</text>`,
  );
  return svgDocument(WIDTH, HEIGHT, body);
}

type HitLabelRequest = LabelRequest & { text: string };

/** The lead SNP of each locus (at most MAX_LABELS): its point, and its label's text and size. */
function labelRequests(
  results: ScanResults,
  xOf: (g: number) => number,
  yOf: (lp: number) => number,
): HitLabelRequest[] {
  const { layout, table, p } = results;
  return results.loci.slice(0, MAX_LABELS).map((l) => {
    const k = l.lead;
    const span = layout.chromosomes[layout.orderOfTableIndex[table.chrIndex[k]]];
    const text = `${table.rs(k)} (p = ${formatP(p[k])})`;
    // Bold DejaVu Sans is wider than the regular digits textWidth assumes.
    return {
      x: xOf(genomeX(span, table.pos[k])),
      y: yOf(minusLog10(p[k])),
      w: textWidth(text, LABEL_FONT) * 1.1,
      h: LABEL_FONT + 3,
      text,
    };
  });
}

/**
 * The lead SNP of each locus (at most MAX_LABELS), ringed and labelled with its id and p; labels
 * placed by placeLabels inside `area`, clear of the lines, the legends and each other.
 */
function hitLabels(
  requests: HitLabelRequest[],
  area: LabelBox,
  lineYs: number[],
  legends: LabelBox[],
  halo: string,
): string[] {
  const boxes = placeLabels(requests, area, lineYs, legends, RING_RADIUS);
  const out: string[] = [];
  requests.forEach((r, j) => {
    const box = boxes[j];
    if (!box) return;
    out.push(
      `<circle class="hit-ring" cx="${r1(r.x)}" cy="${r1(r.y)}" r="${RING_RADIUS}" fill="none" stroke="#111" stroke-width="1.4"/>`,
    );
    if (box.leader) {
      const ly = box.y1 < r.y ? box.y1 : box.y0;
      const lx = Math.max(box.x0, Math.min(r.x, box.x1));
      out.push(
        `<line class="leader" x1="${r1(r.x)}" y1="${r1(r.y + (ly < r.y ? -RING_RADIUS : RING_RADIUS))}" x2="${r1(lx)}" y2="${r1(ly)}" stroke="#555" stroke-width="0.8"/>`,
      );
    }
    // Anchored at the box side facing the point, so the slack of the width estimate falls on the far
    // side; the baseline 3 px above the box bottom leaves room for descenders.
    const centre = (box.x0 + box.x1) / 2;
    const [anchor, tx] =
      box.x1 <= r.x ? ['end', box.x1] : box.x0 >= r.x ? ['start', box.x0] : ['middle', centre];
    out.push(
      `<text class="hit-label" x="${r1(tx)}" y="${r1(box.y1 - 3)}" font-size="${LABEL_FONT}" font-weight="bold" text-anchor="${anchor}" fill="#111" ${halo}>${escapeXml(r.text)}</text>`,
    );
  });
  return out;
}
