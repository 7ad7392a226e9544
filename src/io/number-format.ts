/**
 * printf-style number formatting that matches glibc (what GEMMA's iostreams print): %.Ne, %.Nf and
 * %g as strings. JavaScript rounds exact decimal ties up; glibc rounds them to even.
 *
 * Two paths give the same text. The fast one is decimal-rounding.ts (shared with the byte writers of
 * number-bytes.ts): a provably exact rounding of a scaled double. Values it cannot decide (near or at
 * an exact tie, extreme magnitudes, 16+ digits) go to the exact path here, which finds ties from the
 * exact decimal expansion and keeps the even neighbour. The exact %e and %g are exported as the byte
 * writers' fallback (and the reference the tests compare the fast path against).
 */
import { roundedExponent, roundFixed, roundSignificant } from './decimal-rounding.js';

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return null;
}

/** '0' repeated k times, for the zeros around short digit strings. */
const ZEROS: readonly string[] = Array.from({ length: 64 }, (_, k) => '0'.repeat(k));

function zeros(k: number): string {
  return k < ZEROS.length ? ZEROS[k] : '0'.repeat(k);
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
    return len === 1
      ? `${sign}${s}${exponentText(exponent)}`
      : `${sign}${s[0]}.${s.slice(1)}${exponentText(exponent)}`;
  }
  if (exponent < 0) return `${sign}0.${zeros(-exponent - 1)}${s}`;
  if (len <= exponent + 1) return `${sign}${s}${zeros(exponent + 1 - len)}`;
  return `${sign}${s.slice(0, exponent + 1)}.${s.slice(exponent + 1)}`;
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
    if (lastKept % 2 === 0)
      s = `${exactMantissa.slice(0, digits === 0 ? dot : dot + 1 + digits)}e${exact.split('e')[1]}`;
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
