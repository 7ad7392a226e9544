/**
 * printf-style number formatting that matches glibc (what GEMMA's iostreams print): %.Ne, %.Nf and
 * %g. JavaScript rounds exact decimal ties up; glibc rounds them to even.
 *
 * Two paths give the same text. The fast one scales |x| by a power of ten in double arithmetic (one
 * correctly rounded operation, so the scaled value is off by at most half an ulp) and rounds it to an
 * integer itself; it is only taken when the fractional part is further from .5 than that error, so
 * the rounding is provably the exact decimal rounding. Values it cannot decide (near or at an exact
 * tie, extreme magnitudes, 16+ digits) go to the exact path, which finds ties from the exact decimal
 * expansion and keeps the even neighbour. The exact path is exported (exact*) as the reference the
 * tests compare the fast path against.
 */

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return null;
}

/** 10^k for k = 0..22, every one exact in a double. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** '0' repeated k times, for the zeros around short digit strings. */
const ZEROS: readonly string[] = Array.from({ length: 64 }, (_, k) => '0'.repeat(k));
/** Twice the largest relative error of one correctly rounded double operation (2^-52). */
const SCALE_ERROR = 2 ** -52;
/** Most significant digits the fast path handles (the scaled value stays far below 2^53). */
const FAST_MAX_DIGITS = 15;

function zeros(k: number): string {
  return k < ZEROS.length ? ZEROS[k] : '0'.repeat(k);
}

/**
 * Rounds the double t >= 1 (ax scaled by a power of ten, so exact up to half an ulp) to the nearest
 * integer when that is certain: -1 when t is too close to a .5 for its rounding error to be excluded.
 */
function roundScaled(t: number): number {
  const f = Math.floor(t);
  const frac = t - f; // exact: t < 2^53
  const off = frac - 0.5; // exact
  if (Math.abs(off) <= t * SCALE_ERROR) return -1;
  return off > 0 ? f + 1 : f;
}

/** Exponent X (decimal, after rounding) of the last roundSignificant() that succeeded. */
let roundedExponent = 0;

/**
 * |x| (finite, > 0) rounded to `sig` significant digits (1..15): the integer d in [10^(sig-1), 10^sig)
 * with |x| ~ d * 10^(X - sig + 1), X in roundedExponent; -1 when the fast path cannot be sure.
 */
function roundSignificant(ax: number, sig: number): number {
  if (sig > FAST_MAX_DIGITS || !(ax < Infinity)) return -1; // nan and inf too
  const lo = POW10[sig - 1];
  const hi = POW10[sig];
  let e = Math.floor(Math.log10(ax));
  // log10 may be one off next to a power of ten: the bounds below (exact, and rounding is monotonic) correct it.
  for (let tries = 0; tries < 3; tries++) {
    const k = sig - 1 - e;
    let t: number;
    if (k >= 0) {
      if (k > 22) return -1;
      t = ax * POW10[k];
    } else {
      if (k < -22) return -1;
      t = ax / POW10[-k];
    }
    if (t < lo) {
      e--;
      continue;
    }
    if (t > hi) {
      e++;
      continue;
    }
    let d = roundScaled(t);
    if (d < 0) return -1;
    if (d >= hi) {
      d = lo; // 9.99..95 rounded up to 10.0..0
      e++;
    }
    roundedExponent = e;
    return d;
  }
  return -1;
}

/** |x| * 10^digits rounded to an integer (< 10^15), or -1 when the fast path cannot be sure. */
function roundFixed(ax: number, digits: number): number {
  if (digits > 22) return -1;
  const t = ax * POW10[digits];
  if (!(t < 1e15)) return -1;
  if (t < 1) {
    // Nothing of it reaches the integer part: 0 unless above a half (t exact to half an ulp of itself).
    if (t === 0) return 0;
    if (Math.abs(t - 0.5) <= SCALE_ERROR) return -1;
    return t > 0.5 ? 1 : 0;
  }
  return roundScaled(t);
}

/** C's "%.{digits}f". */
export function formatFixed(x: number, digits: number): string {
  const bad = nonFinite(x);
  if (bad !== null) return bad;
  const ax = Math.abs(x);
  const d = roundFixed(ax, digits);
  const s = d < 0 ? fixedDigits(ax, digits) : fixedText(d, digits);
  return x < 0 || Object.is(x, -0) ? `-${s}` : s;
}

/** The integer d (= value * 10^digits) written with `digits` digits after the point. */
function fixedText(d: number, digits: number): string {
  const s = String(d);
  if (digits === 0) return s;
  if (s.length <= digits) return `0.${zeros(digits - s.length)}${s}`;
  const cut = s.length - digits;
  return `${s.slice(0, cut)}.${s.slice(cut)}`;
}

/** C's "%.{digits}e" (exponent at least two digits). */
export function formatExponential(x: number, digits: number): string {
  const bad = nonFinite(x);
  if (bad !== null) return bad;
  const ax = Math.abs(x);
  const d = ax === 0 ? -1 : roundSignificant(ax, digits + 1);
  if (d < 0) return exactExponential(x, digits);
  const s = String(d);
  const mantissa = digits === 0 ? s : `${s[0]}.${s.slice(1)}`;
  return `${x < 0 ? '-' : ''}${mantissa}${exponentText(roundedExponent)}`;
}

/** "e+05", "e-300": C's exponent, at least two digits. */
function exponentText(exponent: number): string {
  const abs = exponent < 0 ? -exponent : exponent;
  return `${exponent < 0 ? 'e-' : 'e+'}${abs < 10 ? '0' : ''}${abs}`;
}

/** C's "%.{precision}g" (the default of an ostream with that precision). */
export function formatGeneral(x: number, precision = 6): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  const ax = x < 0 ? -x : x;
  let d = roundSignificant(ax, p); // -1 also for nan and inf
  if (d < 0) return exactGeneral(x, precision);
  const exponent = roundedExponent;
  // %g drops trailing zeros: strip them from the integer before it becomes text.
  let len = p;
  while (len > 1 && d % 10 === 0) {
    d /= 10;
    len--;
  }
  const s = String(d);
  const sign = x < 0 ? '-' : '';
  if (exponent < -4 || exponent >= p) {
    return len === 1 ? `${sign}${s}${exponentText(exponent)}` : `${sign}${s[0]}.${s.slice(1)}${exponentText(exponent)}`;
  }
  if (exponent < 0) return `${sign}0.${zeros(-exponent - 1)}${s}`;
  if (len <= exponent + 1) return `${sign}${s}${zeros(exponent + 1 - len)}`;
  return `${sign}${s.slice(0, exponent + 1)}.${s.slice(exponent + 1)}`;
}

/** Most bytes writeGeneral() writes for one value at `precision`: sign, "0.000" or "e-308", and the digits. */
export function generalMaxBytes(precision: number): number {
  return Math.max(precision, 17) + 8;
}

/**
 * Writes C's "%.{precision}g" of x as ASCII bytes at out[pos] and returns the position after it: the
 * same text as formatGeneral(x, precision), without making a string. `out` needs generalMaxBytes() free.
 */
export function writeGeneral(out: Uint8Array, pos: number, x: number, precision = 6): number {
  if (x === 0) {
    if (Object.is(x, -0)) out[pos++] = 45;
    out[pos++] = 48;
    return pos;
  }
  const p = precision === 0 ? 1 : precision;
  const ax = x < 0 ? -x : x;
  let d = roundSignificant(ax, p);
  if (d < 0) {
    const s = exactGeneral(x, precision);
    for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
    return pos;
  }
  const exponent = roundedExponent;
  let len = p; // %g drops trailing zeros
  for (let q = Math.floor(d / 10); len > 1 && d - q * 10 === 0; q = Math.floor(d / 10)) {
    d = q;
    len--;
  }
  if (x < 0) out[pos++] = 45;
  if (exponent < -4 || exponent >= p) {
    pos = writeDigits(out, pos, d, len, 1);
    out[pos++] = 101;
    let abs = exponent;
    if (exponent < 0) {
      out[pos++] = 45;
      abs = -exponent;
    } else out[pos++] = 43;
    if (abs >= 100) {
      out[pos++] = 48 + ((abs / 100) | 0);
      abs %= 100;
    }
    out[pos++] = 48 + ((abs / 10) | 0);
    out[pos++] = 48 + (abs % 10);
    return pos;
  }
  if (exponent < 0) {
    out[pos++] = 48;
    out[pos++] = 46;
    for (let k = exponent + 1; k < 0; k++) out[pos++] = 48;
    return writeDigits(out, pos, d, len, len);
  }
  const whole = exponent + 1;
  if (len > whole) return writeDigits(out, pos, d, len, whole);
  pos = writeDigits(out, pos, d, len, len);
  for (let k = len; k < whole; k++) out[pos++] = 48;
  return pos;
}

/**
 * Writes the `len` digits of the integer d (< 10^15) at out[pos], with a decimal point after the first
 * `point` of them when point < len; returns the position after the last.
 */
function writeDigits(out: Uint8Array, pos: number, d: number, len: number, point: number): number {
  const high = Math.floor(d / 1e8);
  let low = (d - high * 1e8) | 0; // the last 8 digits
  let rest = high | 0; // the first 7 at most
  const end = pos + len + (point < len ? 1 : 0);
  let at = end;
  for (let k = len - 1; k >= 0; k--) {
    if (k === point - 1 && point < len) out[--at] = 46;
    let digit: number;
    if (k >= len - 8) {
      const q = (low / 10) | 0;
      digit = low - q * 10;
      low = q;
    } else {
      const q = (rest / 10) | 0;
      digit = rest - q * 10;
      rest = q;
    }
    out[--at] = 48 + digit;
  }
  return end;
}

// ---------------------------------------------------------------------------------------------
// The exact path: JS rounding, corrected where the exact decimal expansion shows a tie.

/**
 * Whether |x| may lie exactly halfway between two `sig`-significant-digit decimals. The 17-digit
 * form identifies a double, so an exact tie shows there as a 5 followed by zeros; anything else is
 * no tie and the JS rounding is already glibc's.
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
  // From 1e21 JS's toFixed switches to exponent notation; such a double is an integer, all of whose digits C prints.
  if (ax >= 1e21) return digits > 0 ? `${BigInt(ax)}.${zeros(digits)}` : `${BigInt(ax)}`;
  const rounded = ax.toFixed(digits);
  const magnitude = ax === 0 ? 0 : Math.floor(Math.log10(ax)) + 1;
  // The rounding digit is significant digit number magnitude + digits (0-based); before the first (< 0), no tie.
  const sig = magnitude + digits;
  if (sig < 0 || !mayBeTie(ax, sig)) return rounded;
  const exact = ax.toFixed(Math.min(100, digits + 60));
  const tail = exact.slice(exact.indexOf('.') + 1 + digits);
  if (!/^50*$/.test(tail)) return rounded;
  // Exact tie: JS rounded away from zero; glibc keeps the even neighbour.
  const truncated = exact.slice(0, exact.indexOf('.') + 1 + digits).replace(/\.$/, '');
  const lastDigit = Number(truncated.replace('.', '').slice(-1));
  return lastDigit % 2 === 0 ? truncated : rounded;
}

/** "%.{digits}f" by the exact path only (the reference for the fast path). */
export function exactFixed(x: number, digits: number): string {
  const bad = nonFinite(x);
  if (bad !== null) return bad;
  const s = fixedDigits(Math.abs(x), digits);
  return x < 0 || Object.is(x, -0) ? `-${s}` : s;
}

/** "%.{digits}e" by the exact path only (the reference for the fast path). */
export function exactExponential(x: number, digits: number): string {
  const bad = nonFinite(x);
  if (bad !== null) return bad;
  const ax = Math.abs(x);
  let s = ax.toExponential(digits);
  if (!mayBeTie(ax, digits + 1)) return finishExponential(s, x);
  const exact = ax.toExponential(Math.min(100, digits + 60));
  const [exactMantissa] = exact.split('e');
  const tail = exactMantissa.slice(exactMantissa.indexOf('.') + 1 + digits);
  if (/^50*$/.test(tail)) {
    // Exact tie: JS rounded away from zero; glibc keeps the even neighbour (the truncation, same exponent).
    const dot = exactMantissa.indexOf('.');
    const lastKept = Number(exactMantissa[digits === 0 ? dot - 1 : dot + digits]);
    if (lastKept % 2 === 0) s = `${exactMantissa.slice(0, digits === 0 ? dot : dot + 1 + digits)}e${exact.split('e')[1]}`;
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

/** "%.{precision}g" by the exact path only (the reference for the fast path). */
export function exactGeneral(x: number, precision = 6): string {
  const bad = nonFinite(x);
  if (bad !== null) return bad;
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  const ax = Math.abs(x);
  const sign = x < 0 ? '-' : '';
  const tie = mayBeTie(ax, p);
  const e = tie ? exactExponential(ax, p - 1) : ax.toExponential(p - 1);
  const cut = e.indexOf('e');
  const exponent = Number(e.slice(cut + 1));
  if (exponent < -4 || exponent >= p) {
    const mantissa = stripZeros(e.slice(0, cut));
    const abs = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  const fixed = tie ? fixedDigits(ax, p - 1 - exponent) : ax.toFixed(p - 1 - exponent);
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
