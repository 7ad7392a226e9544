/**
 * QQ plot: observed vs expected -log10 p (expected (i - 0.5) / n for the i-th smallest), the 95%
 * band of the i-th uniform order statistic (Beta(i, n - i + 1) quantiles), lambda_GC printed.
 */
import { incompleteBeta, logGamma } from '../stats/distributions.js';
import { minusLog10, type TestStatistics } from './scan-results.js';
import { MINUS_LOG10_P, escapeXml, niceTicks, r1, svgDocument, tickLabel, withCommas } from './svg-kit.js';

/** The bisection's steps from [-745, 0] in log x. */
const BISECTION_STEPS = 64;

/**
 * q-quantile of Beta(a, b), by bisection on log x (keeps relative accuracy for tiny quantiles). The
 * comparisons whose outcome is known are not evaluated: below a bracket [low, high] around the root,
 * verified with a margin above incompleteBeta's rounding error, every midpoint compares as `low` does,
 * and above it as `high` does (the distribution function is increasing). So the same 64 steps give
 * the same double as evaluating each, for about half the incomplete beta functions.
 */
export function betaQuantile(q: number, a: number, b: number): number {
  const { low, high } = quantileBracket(q, a, b);
  let lo = -745;
  let hi = 0;
  for (let k = 0; k < BISECTION_STEPS; k++) {
    const mid = (lo + hi) / 2;
    if (mid < low || (mid <= high && incompleteBeta(Math.exp(mid), a, b) < q)) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * A bound on the absolute error of incompleteBeta(e^t, a, b) that varies with t: the rounding of the terms
 * a t and b log(1 - e^t) of its log prefactor and of its continued fraction. Its log 1/B(a, b) is the same
 * double at every t (a constant factor, which keeps the order of values) except across the switch between
 * its two continued fractions, where `straddles` adds that term's rounding.
 */
function incompleteBetaError(t: number, a: number, b: number, straddles: boolean): number {
  const x = Math.exp(t);
  let terms = Math.abs(a * t) + Math.abs(b * Math.log1p(-x)) + 16 * Math.sqrt(a + b) + a + b;
  if (straddles) terms += Math.abs(logGamma(a + b)) + Math.abs(logGamma(a)) + Math.abs(logGamma(b));
  return 1e-13 + terms * 2 ** -49;
}

/**
 * [low, high] in log x with incompleteBeta(e^low) < q - margin and incompleteBeta(e^high) >= q + margin,
 * the margin four times the error bound: found by safeguarded Newton steps and checked by evaluating both
 * ends. When the check fails (never seen), the whole line: every comparison is evaluated.
 */
function quantileBracket(q: number, a: number, b: number): { low: number; high: number } {
  const logInverseBeta = logGamma(a + b) - logGamma(a) - logGamma(b);
  // d/dt incompleteBeta(e^t) = x^a (1 - x)^(b - 1) / B(a, b).
  const slope = (t: number) => Math.exp(logInverseBeta + a * t + (b - 1) * Math.log1p(-Math.exp(t)));
  // Newton steps on log F (log(1 - F) for an upper quantile), nearly straight in log x, from the mean;
  // a step out of the bracket the values so far give is a bisection.
  const lower = q < 0.5;
  let lo = -745;
  let hi = 0;
  let t = Math.log(a / (a + b));
  for (let k = 0; k < 200; k++) {
    const f = incompleteBeta(Math.exp(t), a, b);
    if (f < q) lo = t;
    else hi = t;
    let next = lower
      ? t - ((Math.log(f) - Math.log(q)) * f) / slope(t)
      : t + ((Math.log1p(-f) - Math.log1p(-q)) * (1 - f)) / slope(t);
    if (Math.abs(next - t) < 1e-8 * Math.max(1, Math.abs(t))) {
      t = next;
      break;
    }
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    t = next;
  }
  const rate = slope(t);
  if (!(rate > 0 && Number.isFinite(rate))) return { low: -Infinity, high: Infinity };
  // Where incompleteBeta switches between its two continued fractions.
  const switchT = Math.log((a + 1) / (a + b + 2));
  let width = 0;
  for (let attempt = 0; attempt < 4; attempt++) {
    // Ends about four margins from q: clear of it even where Newton's root is a little off.
    let margin = 4 * incompleteBetaError(t, a, b, false);
    width = Math.max(width * 8, (4 * margin) / rate);
    if (t - width < switchT && t + width > switchT) {
      margin = 4 * incompleteBetaError(t, a, b, true);
      width = Math.max(width, (4 * margin) / rate);
    }
    const low = t - width;
    const high = t + width;
    if (
      incompleteBeta(Math.exp(low), a, b) < q - margin &&
      incompleteBeta(Math.exp(high), a, b) >= q + margin
    )
      return { low, high };
  }
  return { low: -Infinity, high: Infinity };
}

/** The 95% band as -log10 p at about `points` log-spaced ranks: x expected, lower and upper observed. */
export function qqBand(
  n: number,
  points = 120,
): { x: Float64Array; lower: Float64Array; upper: Float64Array } {
  const ranks: number[] = [];
  for (let k = 0; k < points; k++) {
    const i = Math.round(Math.exp((Math.log(n) * k) / (points - 1)));
    if (i >= 1 && i <= n && i !== ranks[ranks.length - 1]) ranks.push(i);
  }
  const x = new Float64Array(ranks.length);
  const lower = new Float64Array(ranks.length);
  const upper = new Float64Array(ranks.length);
  ranks.forEach((i, k) => {
    x[k] = -Math.log10((i - 0.5) / n);
    // A larger p quantile is a lower -log10 p: 0.975 gives the band's lower edge.
    lower[k] = -Math.log10(betaQuantile(0.975, i, n - i + 1));
    upper[k] = -Math.log10(betaQuantile(0.025, i, n - i + 1));
  });
  return { x, lower, upper };
}

/**
 * QQ points (expected, observed -log10 p), most significant first, thinned so that no two kept
 * points are within `resolution` of each other in both coordinates (axis units).
 */
export function qqPoints(
  sortedP: Float64Array,
  resolution: number,
): { expected: Float64Array; observed: Float64Array } {
  const n = sortedP.length;
  const ex: number[] = [];
  const ob: number[] = [];
  let lastX = Infinity;
  let lastY = Infinity;
  for (let i = 0; i < n; i++) {
    const x = -Math.log10((i + 0.5) / n);
    const y = minusLog10(sortedP[i]);
    if (Math.abs(lastX - x) < resolution && Math.abs(lastY - y) < resolution && i !== n - 1) continue;
    ex.push(x);
    ob.push(y);
    lastX = x;
    lastY = y;
  }
  return { expected: Float64Array.from(ex), observed: Float64Array.from(ob) };
}

const SIZE = 600;
const M = { left: 72, right: 24, top: 46, bottom: 62 };

/** The QQ plot as an SVG document, square (600 x 600) unless a size is given. */
export function qqSvg(
  stats: TestStatistics,
  title: string,
  band = qqBand(stats.snps),
  size = { width: SIZE, height: SIZE },
): string {
  const n = stats.snps;
  const plotW = size.width - M.left - M.right;
  const plotH = size.height - M.top - M.bottom;
  const xMax = Math.max(-Math.log10(0.5 / Math.max(n, 1)), 1) * 1.05;
  const yMax = Math.max(n ? minusLog10(stats.sortedP[0]) : 0, xMax, ...band.upper) * 1.08;
  const xOf = (v: number) => M.left + (v / xMax) * plotW;
  const yOf = (v: number) => M.top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const body: string[] = [];
  body.push(
    `<text x="${M.left}" y="28" font-size="18" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
  );
  const xTicks = niceTicks(0, xMax, 6);
  const yTicks = niceTicks(0, yMax, 6);
  for (const t of yTicks) {
    const y = r1(yOf(t));
    body.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#ececec"/>`);
    body.push(`<line x1="${M.left - 5}" x2="${M.left}" y1="${y}" y2="${y}" stroke="#444"/>`);
    body.push(
      `<text x="${M.left - 9}" y="${y}" font-size="14" text-anchor="end" dominant-baseline="central" fill="#222">${tickLabel(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = r1(xOf(t));
    body.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + plotH}" stroke="#ececec"/>`);
    body.push(`<line x1="${x}" x2="${x}" y1="${M.top + plotH}" y2="${M.top + plotH + 5}" stroke="#444"/>`);
    body.push(
      `<text x="${x}" y="${M.top + plotH + 22}" font-size="14" text-anchor="middle" fill="#222">${tickLabel(t)}</text>`,
    );
  }
  // Band polygon: upper edge left to right, lower edge back.
  if (band.x.length > 1) {
    const pts: string[] = [];
    for (let k = 0; k < band.x.length; k++) pts.push(`${r1(xOf(band.x[k]))},${r1(yOf(band.upper[k]))}`);
    for (let k = band.x.length - 1; k >= 0; k--) pts.push(`${r1(xOf(band.x[k]))},${r1(yOf(band.lower[k]))}`);
    body.push(`<polygon points="${pts.join(' ')}" fill="#d3d9e0" fill-opacity="0.8" stroke="none"/>`);
  }
  const diagEnd = Math.min(xMax, yMax);
  body.push(
    `<line x1="${xOf(0)}" y1="${yOf(0)}" x2="${r1(xOf(diagEnd))}" y2="${r1(yOf(diagEnd))}" stroke="#c62828" stroke-width="1.2"/>`,
  );
  const { expected, observed } = qqPoints(stats.sortedP, (0.6 * xMax) / plotW);
  body.push('<g fill="#1f4e79" fill-opacity="0.85">');
  for (let k = expected.length - 1; k >= 0; k--)
    body.push(`<circle cx="${r1(xOf(expected[k]))}" cy="${r1(yOf(observed[k]))}" r="2.4"/>`);
  body.push('</g>');
  body.push(
    `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#444"/>`,
  );
  body.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#444"/>`);
  body.push(
    `<text x="${r1(M.left + plotW / 2)}" y="${size.height - 14}" font-size="16" text-anchor="middle" fill="#222">Expected ${MINUS_LOG10_P}</text>`,
  );
  body.push(
    `<text transform="translate(22 ${r1(M.top + plotH / 2)}) rotate(-90)" font-size="16" text-anchor="middle" fill="#222">Observed ${MINUS_LOG10_P}</text>`,
  );
  const halo = 'stroke="#ffffff" stroke-width="3" paint-order="stroke"';
  // Bottom right, below the diagonal: points only go there under strong deflation, while an
  // inflated scan fills the top left.
  const right = M.left + plotW - 12;
  body.push(
    `<text x="${right}" y="${M.top + plotH - 40}" font-size="17" font-weight="bold" text-anchor="end" fill="#111" ${halo}>\u03bb<tspan font-size="12" dy="4">GC</tspan><tspan dy="-4"> = ${stats.lambdaGC.toFixed(3)}</tspan></text>`,
  );
  body.push(
    `<text x="${right}" y="${M.top + plotH - 16}" font-size="13" text-anchor="end" fill="#333" ${halo}>${withCommas(n)} SNPs; grey band: 95% interval under the null</text>`,
  );
  return svgDocument(size.width, size.height, body);
}
