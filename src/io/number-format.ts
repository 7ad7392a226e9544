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

/** Digit string of |x| rounded to `digits` digits after the point with round-half-even on exact ties. */
function fixedDigits(ax: number, digits: number): string {
  const rounded = ax.toFixed(digits);
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
  const exact = ax.toExponential(Math.min(100, digits + 60));
  const [exactMantissa] = exact.split('e');
  const tail = exactMantissa.slice(exactMantissa.indexOf('.') + 1 + digits);
  if (digits > 0 && /^50*$/.test(tail)) {
    const lastKept = Number(exactMantissa[exactMantissa.indexOf('.') + digits]);
    if (lastKept % 2 === 0) s = `${exactMantissa.slice(0, exactMantissa.indexOf('.') + 1 + digits)}e${exact.split('e')[1]}`;
  }
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
  const e = formatExponential(x, p - 1);
  const exponent = Number(e.slice(e.indexOf('e') + 1));
  if (exponent < -4 || exponent >= p) {
    const [m, ex] = e.split('e');
    return `${m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m}e${ex}`;
  }
  const f = formatFixed(x, p - 1 - exponent);
  return f.includes('.') ? f.replace(/0+$/, '').replace(/\.$/, '') : f;
}
