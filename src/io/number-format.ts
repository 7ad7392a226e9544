/**
 * printf-style number formatting that matches glibc (what GEMMA's iostreams print): %.Ne, %.Nf and
 * %g. JavaScript rounds exact decimal ties up; glibc rounds them to even, so ties are detected from
 * the exact decimal expansion and corrected.
 */

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return null;
}

/**
 * Whether |x| may lie exactly halfway between two `sig`-significant-digit decimals. The 17-digit
 * form identifies a double, so an exact tie shows there as a 5 followed by zeros; anything else is
 * no tie and the fast JS rounding is already glibc's.
 */
function mayBeTie(ax: number, sig: number): boolean {
  if (sig >= 17) return true;
  const text = ax.toExponential(16); // 17 significant digits: "d.dddddddddddddddde±x"
  // Digit k (0-based, significant) sits at index k, or k + 1 after the point.
  const at = (k: number) => text.charCodeAt(k === 0 ? 0 : k + 1);
  if (at(sig) !== 53 /* '5' */) return false;
  for (let k = sig + 1; k < 17; k++) if (at(k) !== 48 /* '0' */) return false;
  return true;
}

/** Digit string of |x| rounded to `digits` digits after the point with round-half-even on exact ties. */
function fixedDigits(ax: number, digits: number): string {
  const rounded = ax.toFixed(digits);
  const magnitude = ax === 0 ? 0 : Math.floor(Math.log10(ax)) + 1;
  if (!mayBeTie(ax, Math.max(1, magnitude + digits))) return rounded;
  const exact = ax.toFixed(Math.min(100, digits + 60));
  const tail = exact.slice(exact.indexOf('.') + 1 + digits);
  if (!/^50*$/.test(tail)) return rounded;
  // Exact tie: JS rounded away from zero; glibc keeps the even neighbour.
  const truncated = exact.slice(0, exact.indexOf('.') + 1 + digits).replace(/\.$/, '');
  const lastDigit = Number(truncated.replace('.', '').slice(-1));
  return lastDigit % 2 === 0 ? truncated : rounded;
}

/** C's "%.{digits}f". */
export function formatFixed(x: number, digits: number): string {
  const bad = nonFinite(x);
  if (bad !== null) return bad;
  const s = fixedDigits(Math.abs(x), digits);
  return x < 0 || Object.is(x, -0) ? `-${s}` : s;
}

/** C's "%.{digits}e" (exponent at least two digits). */
export function formatExponential(x: number, digits: number): string {
  const bad = nonFinite(x);
  if (bad !== null) return bad;
  const ax = Math.abs(x);
  let s = ax.toExponential(digits);
  if (!mayBeTie(ax, digits + 1)) return finishExponential(s, x);
  const exact = ax.toExponential(Math.min(100, digits + 60));
  const [exactMantissa] = exact.split('e');
  const tail = exactMantissa.slice(exactMantissa.indexOf('.') + 1 + digits);
  if (digits > 0 && /^50*$/.test(tail)) {
    const lastKept = Number(exactMantissa[exactMantissa.indexOf('.') + digits]);
    if (lastKept % 2 === 0) s = `${exactMantissa.slice(0, exactMantissa.indexOf('.') + 1 + digits)}e${exact.split('e')[1]}`;
  }
  return finishExponential(s, x);
}

/** JS's "1.5e+3" as C's "1.5e+03", with the sign of x. */
function finishExponential(s: string, x: number): string {
  const [mantissa, exponent] = s.split('e');
  const expNum = Number(exponent);
  const expAbs = String(Math.abs(expNum)).padStart(2, '0');
  return `${x < 0 || Object.is(x, -0) ? '-' : ''}${mantissa}e${expNum < 0 ? '-' : '+'}${expAbs}`;
}

/** C's "%.{precision}g" (the default of an ostream with that precision). */
export function formatGeneral(x: number, precision = 6): string {
  const bad = nonFinite(x);
  if (bad !== null) return bad;
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  const ax = Math.abs(x);
  const sign = x < 0 ? '-' : '';
  // Fast path: no exact decimal tie, so JS's rounding is glibc's (kinship files have millions of values).
  const e = mayBeTie(ax, p) ? formatExponential(ax, p - 1) : ax.toExponential(p - 1);
  const cut = e.indexOf('e');
  const exponent = Number(e.slice(cut + 1));
  if (exponent < -4 || exponent >= p) {
    const mantissa = stripZeros(e.slice(0, cut));
    const abs = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  const fixed = mayBeTie(ax, p) ? formatFixed(ax, p - 1 - exponent) : ax.toFixed(p - 1 - exponent);
  return sign + stripZeros(fixed);
}

/** Drops trailing zeros after a decimal point, and the point itself if nothing follows. */
function stripZeros(text: string): string {
  if (text.indexOf('.') < 0) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  return text.slice(0, end);
}
