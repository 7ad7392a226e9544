/**
 * Small SVG charts for the examples (densities per group, scatter plots coloured by group), and
 * PNG rasterisation with @resvg/resvg-js. Plain strings: no DOM, no plotting library.
 */
import { Resvg } from '@resvg/resvg-js';

export interface Series {
  label: string;
  colour: string;
  x: Float64Array | number[];
  /** For scatter plots; densities use x only. */
  y?: Float64Array | number[];
}

export interface Line {
  /** Two end points [x0, y0, x1, y1] in data units. */
  points: [number, number, number, number];
  colour: string;
  /** Legend text; an empty label draws the line without a legend entry. */
  label: string;
  dashed?: boolean;
}

export interface ChartText {
  title: string;
  xLabel: string;
  yLabel: string;
}

/** Colour-blind-safe palette (Okabe & Ito). */
export const PALETTE = ['#E69F00', '#0072B2', '#009E73', '#CC79A7', '#D55E00', '#56B4E9'];

const WIDTH = 790;
const HEIGHT = 460;
const PLOT = { left: 72, right: 560, top: 48, bottom: 396 };
const FONT = 'DejaVu Sans, Arial, sans-serif';

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step)
    out.push(Math.abs(t) < 1e-12 * step ? 0 : t);
  return out;
}

const fmt = (v: number) => String(Number(v.toPrecision(6)));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function extent(values: Iterable<number>, pad: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo || 1;
  return [lo - pad * span, hi + pad * span];
}

/** Frame, ticks, labels and legend around a plot body drawn by `body(sx, sy)`. */
function chart(
  text: ChartText,
  xRange: [number, number],
  yRange: [number, number],
  legend: { label: string; colour: string; kind: 'dot' | 'line' | 'dash' }[],
  body: (sx: (v: number) => number, sy: (v: number) => number) => string,
): string {
  const sx = (v: number) =>
    PLOT.left + ((v - xRange[0]) / (xRange[1] - xRange[0])) * (PLOT.right - PLOT.left);
  const sy = (v: number) =>
    PLOT.bottom - ((v - yRange[0]) / (yRange[1] - yRange[0])) * (PLOT.bottom - PLOT.top);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="${FONT}">`,
  );
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="28" font-size="16" font-weight="bold" text-anchor="middle">${esc(text.title)}</text>`,
  );
  for (const t of ticks(xRange[0], xRange[1])) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${x}" y="${PLOT.bottom + 18}" font-size="12" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(yRange[0], yRange[1])) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}" stroke="#e6e6e6"/>`);
    parts.push(
      `<text x="${PLOT.left - 8}" y="${(Number(y) + 4).toFixed(1)}" font-size="12" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<g clip-path="url(#plot)"><clipPath id="plot"><rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}"/></clipPath>${body(sx, sy)}</g>`,
  );
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#333"/>`,
  );
  parts.push(
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 44}" font-size="14" text-anchor="middle">${esc(text.xLabel)}</text>`,
  );
  const yMid = (PLOT.top + PLOT.bottom) / 2;
  parts.push(
    `<text x="20" y="${yMid}" font-size="14" text-anchor="middle" transform="rotate(-90 20 ${yMid})">${esc(text.yLabel)}</text>`,
  );
  legend.forEach((item, k) => {
    const y = PLOT.top + 14 + k * 24;
    const x = PLOT.right + 18;
    if (item.kind === 'dot') parts.push(`<circle cx="${x + 10}" cy="${y}" r="5" fill="${item.colour}"/>`);
    else
      parts.push(
        `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${item.colour}" stroke-width="3"${item.kind === 'dash' ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    parts.push(`<text x="${x + 30}" y="${y + 5}" font-size="13">${esc(item.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Gaussian kernel density at `grid`, Silverman's bandwidth. */
function density(values: ArrayLike<number>, grid: Float64Array): Float64Array {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (values[i] - mean) ** 2 / (n - 1);
  const h = 1.06 * Math.sqrt(variance) * n ** -0.2;
  const out = new Float64Array(grid.length);
  const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
  grid.forEach((g, k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(-0.5 * ((g - values[i]) / h) ** 2);
    out[k] = s * norm;
  });
  return out;
}

/** One density curve per series, on a shared axis. */
export function densityChart(series: Series[], text: ChartText): string {
  const [lo, hi] = extent(
    series.flatMap((s) => Array.from(s.x)),
    0.15,
  );
  const grid = Float64Array.from({ length: 240 }, (_, k) => lo + ((hi - lo) * k) / 239);
  const curves = series.map((s) => density(s.x, grid));
  let top = 0;
  for (const c of curves) for (const v of c) top = Math.max(top, v);
  return chart(
    text,
    [lo, hi],
    [0, top * 1.08],
    series.map((s) => ({ label: s.label, colour: s.colour, kind: 'line' as const })),
    (sx, sy) =>
      curves
        .map((c, k) => {
          const d = Array.from(
            grid,
            (g, j) => `${j === 0 ? 'M' : 'L'}${sx(g).toFixed(1)},${sy(c[j]).toFixed(1)}`,
          ).join(' ');
          return `<path d="${d} L${sx(hi).toFixed(1)},${sy(0).toFixed(1)} L${sx(lo).toFixed(1)},${sy(0).toFixed(1)} Z" fill="${series[k].colour}" fill-opacity="0.18" stroke="${series[k].colour}" stroke-width="2.5"/>`;
        })
        .join('\n'),
  );
}

/** Points coloured by series, plus optional straight lines (fitted slopes). */
export function scatterChart(series: Series[], lines: Line[], text: ChartText): string {
  const xRange = extent(
    series.flatMap((s) => Array.from(s.x)),
    0.05,
  );
  const yRange = extent(
    series.flatMap((s) => Array.from(s.y ?? [])),
    0.08,
  );
  const legend = [
    ...series.map((s) => ({ label: s.label, colour: s.colour, kind: 'dot' as const })),
    ...lines
      .filter((l) => l.label !== '')
      .map((l) => ({
        label: l.label,
        colour: l.colour,
        kind: (l.dashed ? 'dash' : 'line') as 'dash' | 'line',
      })),
  ];
  return chart(text, xRange, yRange, legend, (sx, sy) => {
    const dots = series.flatMap((s) =>
      Array.from(
        s.x,
        (x, i) =>
          `<circle cx="${sx(x).toFixed(1)}" cy="${sy(s.y![i]).toFixed(1)}" r="3.5" fill="${s.colour}" fill-opacity="0.8"/>`,
      ),
    );
    const segs = lines.map(
      (l) =>
        `<line x1="${sx(l.points[0]).toFixed(1)}" y1="${sy(l.points[1]).toFixed(1)}" x2="${sx(l.points[2]).toFixed(1)}" y2="${sy(l.points[3]).toFixed(1)}" stroke="${l.colour}" stroke-width="2.5"${l.dashed ? ' stroke-dasharray="8 5"' : ''}/>`,
    );
    return [...dots, ...segs].join('\n');
  });
}

/** PNG bytes of an SVG (system fonts; DejaVu on Debian). */
export function svgToPng(svg: string): Uint8Array {
  return new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: 1.5 },
  })
    .render()
    .asPng();
}
