/** Small helpers shared by the SVG figures: escaping, axis ticks, number labels, text width. */

export const FONT_FAMILY = 'DejaVu Sans';
export const MINUS_LOG10_P = '\u2212log\u2081\u2080(p)';

/** Escapes text for SVG / HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Rendered width of text in DejaVu Sans, from its digit width (0.636 em), a safe bound for axis labels. */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.64;
}

/** Round tick values covering [lo, hi], about `target` of them, on a 1-2-5 grid. */
export function niceTicks(lo: number, hi: number, target: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(target, 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

/** A tick label without floating-point noise (0.30000000000000004 -> "0.3"). */
export function tickLabel(v: number): string {
  return String(Number(v.toPrecision(10)));
}

/** p-value text: 1.23e-10 style below 1e-3, plain decimals above. */
export function formatP(p: number): string {
  if (Number.isNaN(p)) return 'nan';
  if (p === 0) return '0';
  if (p < 1e-3)
    return p
      .toExponential(2)
      .replace('e', '\u00d710^')
      .replace(/\^([+-]?)(\d+)$/, (_, s: string, d: string) => superscript(`${s === '-' ? '-' : ''}${d}`));
  return p.toPrecision(3);
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '\u207b',
  '0': '\u2070',
  '1': '\u00b9',
  '2': '\u00b2',
  '3': '\u00b3',
  '4': '\u2074',
  '5': '\u2075',
  '6': '\u2076',
  '7': '\u2077',
  '8': '\u2078',
  '9': '\u2079',
};

/** Unicode superscript digits (for 10⁻⁸ in labels, which render without baseline-shift support). */
export function superscript(text: string): string {
  return [...text].map((c) => SUPERSCRIPT[c] ?? c).join('');
}

/**
 * Thousands separators: 1850000 -> "1,850,000", as toLocaleString('en-US') writes it. The digits are grouped
 * here: the first toLocaleString call of a process loads ICU's locale data, a tenth of a small run's time.
 */
export function withCommas(n: number): string {
  const r = Math.round(n);
  if (!Number.isSafeInteger(r) || Object.is(r, -0)) return r.toLocaleString('en-US');
  const digits = String(Math.abs(r));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let k = out.length; k < digits.length; k += 3) out += `,${digits.slice(k, k + 3)}`;
  return r < 0 ? `-${out}` : out;
}

/** Base-pair axis unit for a span: bp, kb or Mb, with its divisor. */
export function positionUnit(span: number): { unit: string; divisor: number } {
  if (span >= 5e6) return { unit: 'Mb', divisor: 1e6 };
  if (span >= 5e3) return { unit: 'kb', divisor: 1e3 };
  return { unit: 'bp', divisor: 1 };
}

/** An <svg> document with a white background and the report font: its lines, then body's, each ended by a newline. */
export function svgDocument(width: number, height: number, body: string[]): string {
  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">\n` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>\n`;
  // One join of the body (no copy of it spread into another array: a Manhattan plot has thousands of lines).
  return body.length ? `${head}${body.join('\n')}\n</svg>\n` : `${head}</svg>\n`;
}

/**
 * Rounds a coordinate to 0.1 units (keeps large SVGs small), written as Number.prototype.toString() writes
 * the rounded value: below 1e14 tenths (15 digits, which a double keeps) that is the whole part and the
 * tenth digit, written here from integers (a double's shortest digits cost more to find).
 */
export function r1(v: number): string {
  const tenths = Math.round(v * 10);
  const size = Math.abs(tenths);
  if (!(size < 1e14)) return (tenths / 10).toString();
  const whole = Math.floor(size / 10);
  const tenth = size - whole * 10;
  const text = tenth === 0 ? String(whole) : `${whole}.${tenth}`;
  return tenths < 0 ? `-${text}` : text;
}
