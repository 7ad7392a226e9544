/**
 * printf-style numbers written straight into a byte buffer as ASCII: the same text as the string
 * formatters of number-format.ts, from the same rounding (decimal-rounding.ts), without making a
 * string per number. Writing millions of rows this way leaves the garbage collector nothing to do.
 * Values the fast rounding cannot decide take the string formatters' exact path (rare).
 */
import {
  decimalExponentGuess,
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

/** 10^k for k = 0..14: the scales of writeGeneral10()'s fast path (every one exact in a double). */
const SCALE10: readonly number[] = Array.from({ length: 15 }, (_, k) => Number(`1e${k}`));
/** Decimal exponent (-4..9) of the last value writeGeneral10() scaled afresh: its first try for the next. */
let lastExponent = -2;
/** Twice the largest relative error of one correctly rounded double operation (2^-52), as in roundScaled(). */
const SCALE_ERROR = 2 ** -52;

/**
 * writeGeneral(out, pos, x, 10): C's "%.10g" of x, the kinship files' format, faster where it is written most.
 * For |x| whose "%.10g" is fixed-point (decimal exponent -4..9) it scales |x| to 10 digits in one correctly
 * rounded product, as roundSignificant() does, and keeps the result only when that product's error cannot reach
 * a .5; the 10 digits are then written in place, the point put in, and the trailing zeros dropped. Anything
 * else (zeros, exponents outside -4..9, a product too close to a tie or to a power of ten, nan, inf, subnormals)
 * takes writeGeneral(), so the bytes are always its bytes. `view` is a DataView of out's bytes (same offset), for
 * the digits four at a time. Past its end it may leave bytes (digits of the trailing zeros it drops), never past
 * generalMaxBytes(10).
 */
export function writeGeneral10(out: Uint8Array, view: DataView, pos: number, x: number): number {
  const ax = x < 0 ? -x : x;
  // First the last value's exponent: a kinship's values mostly share a few. Whichever way e is found, the product
  // in [10^9, 10^10) is what makes it right.
  let e = lastExponent;
  let t = ax * SCALE10[9 - e];
  if (!(t >= 1e9 && t < 1e10)) {
    // floor(log10(ax)) or one less (far below for subnormals; nan and inf give 1024 * log10(2)).
    e = decimalExponentGuess(ax);
    if (e < -5 || e > 9) return writeGeneral(out, pos, x, 10);
    t = ax * SCALE10[9 - e];
    if (t >= 1e10) {
      if (e === 9) return writeGeneral(out, pos, x, 10);
      e++;
      t = ax * SCALE10[9 - e];
    }
    if (e >= -4) lastExponent = e;
  }
  if (!(t >= 1e9 && t < 1e10) || e < -4) return writeGeneral(out, pos, x, 10);
  const f = Math.floor(t);
  const off = t - f - 0.5; // exact: t < 2^53
  if (Math.abs(off) <= t * SCALE_ERROR) return writeGeneral(out, pos, x, 10);
  const d = off > 0 ? f + 1 : f;
  if (d === 1e10) return writeGeneral(out, pos, x, 10); // rounded up to the next power of ten
  if (x < 0) out[pos++] = 45;
  // d in [10^9, 10^10): its 2 leading digits, then two int32s of 4 digits (the quotients are exact: d < 2^53, far
  // from their rounding).
  const lead = (d / 1e8) | 0;
  const rest = (d - lead * 1e8) | 0;
  const middle = (rest / 1e4) | 0;
  const last = rest - middle * 1e4;
  if (e < 0) {
    // "0.", then -e - 1 zeros, then the digits less their trailing zeros (the first is not a zero).
    out[pos++] = 48;
    out[pos++] = 46;
    for (let k = e + 1; k < 0; k++) out[pos++] = 48;
    writeTenDigits(out, view, pos, lead, middle, last);
    let end = pos + 10;
    while (out[end - 1] === 48) end--;
    return end;
  }
  writeTenDigits(out, view, pos + 1, lead, middle, last);
  // Written one byte on, the e + 1 whole digits moved back over that byte, and the point after them.
  const point = pos + e + 1;
  for (let k = pos; k < point; k++) out[k] = out[k + 1];
  out[point] = 46;
  // The fraction's trailing zeros go, and the point with them when nothing is left of it.
  let end = pos + 11;
  while (end > point + 1 && out[end - 1] === 48) end--;
  return end === point + 1 ? point : end;
}

/**
 * "0000".."9999" as ASCII, each as one little-endian 32-bit word: four digits per lookup and store. Built by
 * arithmetic, not 10,000 strings: every thread that formats builds it at load, the wasm engine's workers at the
 * first range of a kinship's text.
 */
const DIGIT_QUADS = new Uint32Array(10000);
for (let k = 0; k < 10000; k++) {
  const d0 = (k / 1000) | 0,
    d1 = ((k / 100) | 0) % 10,
    d2 = ((k / 10) | 0) % 10,
    d3 = k % 10;
  DIGIT_QUADS[k] = (48 + d0) | ((48 + d1) << 8) | ((48 + d2) << 16) | ((48 + d3) << 24);
}

/** Writes lead (2 digits), middle and last (4 digits each) at out[pos] (view: the same bytes). */
function writeTenDigits(
  out: Uint8Array,
  view: DataView,
  pos: number,
  lead: number,
  middle: number,
  last: number,
): void {
  out[pos] = 48 + ((lead / 10) | 0);
  out[pos + 1] = 48 + (lead % 10);
  view.setUint32(pos + 2, DIGIT_QUADS[middle], true);
  view.setUint32(pos + 6, DIGIT_QUADS[last], true);
}
