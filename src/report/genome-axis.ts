/**
 * The x axis of a genome-wide figure (the Manhattan plot, the traits' hit map): chromosome names
 * (thinned when they would overlap, small contigs unnamed) or, for one chromosome, positions in
 * bp / kb / Mb; also the left and bottom frame lines.
 */
import { genomeX, isSpecialChromosome, type GenomeLayout } from './chromosome-layout.js';
import { escapeXml, niceTicks, positionUnit, r1, textWidth, tickLabel } from './svg-kit.js';

const TICK_FONT = 14;
const AXIS_FONT = 16;

/** SVG elements of the axis below `frame` (plot area in SVG units); the axis title's baseline at titleY. */
export function genomeAxis(
  layout: GenomeLayout,
  xOf: (g: number) => number,
  frame: { left: number; top: number; width: number; height: number },
  titleY: number,
): string[] {
  const out: string[] = [];
  // x axis: chromosome names (thinned when they would overlap) or, for one chromosome, positions.
  const axisY = frame.top + frame.height;
  out.push(
    `<line x1="${frame.left}" x2="${frame.left + frame.width}" y1="${axisY}" y2="${axisY}" stroke="#444"/>`,
  );
  out.push(`<line x1="${frame.left}" x2="${frame.left}" y1="${frame.top}" y2="${axisY}" stroke="#444"/>`);
  if (layout.chromosomes.length === 1) {
    const span = layout.chromosomes[0];
    const { unit, divisor } = positionUnit(span.maxPos - span.minPos);
    const lo = span.minPos;
    const hi = span.minPos + span.width;
    let lastRight = -Infinity;
    for (const t of niceTicks(lo / divisor, hi / divisor, 8)) {
      const x = xOf(genomeX(span, t * divisor));
      if (x < frame.left - 0.5 || x > frame.left + frame.width + 0.5) continue;
      const label = tickLabel(t);
      const w = textWidth(label, TICK_FONT);
      out.push(`<line x1="${r1(x)}" x2="${r1(x)}" y1="${axisY}" y2="${axisY + 5}" stroke="#444"/>`);
      if (x - w / 2 < lastRight + 8) continue;
      lastRight = x + w / 2;
      out.push(
        `<text x="${r1(x)}" y="${axisY + 22}" font-size="${TICK_FONT}" text-anchor="middle" fill="#222">${label}</text>`,
      );
    }
    out.push(
      `<text x="${r1(frame.left + frame.width / 2)}" y="${titleY}" font-size="${AXIS_FONT}" text-anchor="middle" fill="#222">Position on chromosome ${escapeXml(span.name)} (${unit})</text>`,
    );
  } else {
    let lastRight = -Infinity;
    for (const span of layout.chromosomes) {
      const centre = xOf(span.start + span.width / 2);
      const label = span.name.replace(/^chr/i, '');
      const w = textWidth(label, TICK_FONT);
      // A label far wider than its chromosome (a small contig) would name a crowd, not a band.
      if (w > 3 * (span.width / layout.total) * frame.width && !isSpecialChromosome(span.name)) continue;
      if (centre - w / 2 < lastRight + 4) continue;
      lastRight = centre + w / 2;
      out.push(`<line x1="${r1(centre)}" x2="${r1(centre)}" y1="${axisY}" y2="${axisY + 4}" stroke="#444"/>`);
      out.push(
        `<text x="${r1(centre)}" y="${axisY + 21}" font-size="${TICK_FONT}" text-anchor="middle" fill="#222">${escapeXml(label)}</text>`,
      );
    }
    out.push(
      `<text x="${r1(frame.left + frame.width / 2)}" y="${titleY}" font-size="${AXIS_FONT}" text-anchor="middle" fill="#222">Chromosome</text>`,
    );
  }

  return out;
}
