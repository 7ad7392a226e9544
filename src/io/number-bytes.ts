/**
 * printf-style numbers written straight into a byte buffer as ASCII: the same text as the string
 * formatters of number-format.ts, from the same rounding (decimal-rounding.ts), without making a
 * string per number. Writing millions of rows this way leaves the garbage collector nothing to do.
 * Values the fast rounding cannot decide take the string formatters' exact path (rare).
 */
import {
  roundedExponent,
  roundSignificant,
  writeDigits,
  writeExponent,
  writeLowDigits,
} from './decimal-rounding.js';
import { exactExponential, exactGeneral } from './number-format.js';

/** Writes the ASCII text s at out[pos]; returns the end. For the rare exact-path results. */
function writeAscii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

/** Most bytes writeExponentialOf() writes for one value: sign, "d.", the digits and "e-308". */
export function exponentialMaxBytes(digits: number): number {
  return digits + 8;
}

/**
 * Writes C's "%.{digits}e" of values[index] (digits 0..14 take the fast path) as ASCII at out[pos] and
 * returns the position after it: the same text as formatExponential(). `out` needs exponentialMaxBytes()
 * free. It reads the double itself (no number argument) because a double passed to a function V8
 * does not inline is boxed in a new heap object, and one per number of a many-traits scan kept the
 * garbage collector busy.
 */
export function writeExponentialOf(
  out: Uint8Array,
  pos: number,
  values: Float64Array,
  index: number,
  digits: number,
): number {
  const x = values[index];
  const ax = x < 0 ? -x : x;
  const d = ax > 0 ? roundSignificant(ax, digits + 1) : -1; // -1 also for nan and inf
  if (d < 0) {
    if (ax === 0) return writeZeroExponential(out, pos, Object.is(x, -0), digits);
    return writeAscii(out, pos, exactExponential(x, digits));
  }
  if (x < 0) out[pos++] = 45;
  if (digits === 0 || digits > 8) pos = writeDigits(out, pos, d, digits + 1, 1);
  else {
    // d < 10^9, an int32: its first digit, the point, then the rest two at a time (every %.6e of a row).
    pos += digits + 2;
    const first = writeLowDigits(out, pos, d, digits);
    out[pos - digits - 1] = 46;
    out[pos - digits - 2] = 48 + first;
  }
  return writeExponent(out, pos, roundedExponent);
}

/** "0.000000e+00" (or with a minus sign): C's %e of zero. */
function writeZeroExponential(out: Uint8Array, pos: number, negative: boolean, digits: number): number {
  if (negative) out[pos++] = 45;
  out[pos++] = 48;
  if (digits > 0) out[pos++] = 46;
  for (let k = 0; k < digits; k++) out[pos++] = 48;
  return writeExponent(out, pos, 0);
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
  if (d < 0) return writeAscii(out, pos, exactGeneral(x, precision));
  const exponent = roundedExponent;
  let len = p; // %g drops trailing zeros
  for (let q = Math.floor(d / 10); len > 1 && d - q * 10 === 0; q = Math.floor(d / 10)) {
    d = q;
    len--;
  }
  if (x < 0) out[pos++] = 45;
  if (exponent < -4 || exponent >= p) {
    pos = writeDigits(out, pos, d, len, 1);
    return writeExponent(out, pos, exponent);
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
