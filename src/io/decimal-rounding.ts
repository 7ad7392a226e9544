/**
 * The fast, provably exact decimal rounding that both printf-style writers share: the string
 * formatters (number-format.ts) and the byte writers (number-bytes.ts). One implementation, so that
 * a string and the bytes written for the same value cannot disagree. Also the byte writers' digits.
 *
 * |x| is scaled by a power of ten in double arithmetic (one correctly rounded operation, so the
 * scaled value is off by at most half an ulp) and rounded to an integer here; the result is only
 * given when the fractional part is further from .5 than that error, so the rounding is provably the
 * exact decimal rounding. Otherwise these return -1 and the caller takes the exact path.
 */

/** 10^k for k = 0..22, every one exact in a double. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Twice the largest relative error of one correctly rounded double operation (2^-52). */
const SCALE_ERROR = 2 ** -52;
/** Most significant digits the fast path handles (the scaled value stays far below 2^53). */
const FAST_MAX_DIGITS = 15;

/** A double's bits, for its binary exponent: cheaper than Math.log10 as a first guess of the decimal one. */
const BITS = new Float64Array(1);
const BITS_WORDS = new Uint32Array(BITS.buffer);
/** Index of the word holding the sign and exponent (1 on little-endian machines). */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * floor(log10(ax)) or one less, for finite ax > 0 (far below for subnormals, which the callers send
 * to the exact path): the binary exponent times log10(2), as log10 of the mantissa is in [0, 0.302).
 */
export function decimalExponentGuess(ax: number): number {
  BITS[0] = ax;
  return Math.floor((((BITS_WORDS[HIGH_WORD] >>> 20) & 0x7ff) - 1023) * 0.3010299956639812);
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

/**
 * Decimal exponent X (after rounding) of the last roundSignificant() that succeeded: a module
 * variable rather than a returned object, so that formatting a million numbers allocates nothing.
 */
export let roundedExponent = 0;

/**
 * |x| (finite, > 0) rounded to `sig` significant digits (1..15): the integer d in [10^(sig-1), 10^sig)
 * with |x| ~ d * 10^(X - sig + 1), X in roundedExponent; -1 when the fast path cannot be sure.
 */
export function roundSignificant(ax: number, sig: number): number {
  if (sig > FAST_MAX_DIGITS || !(ax < Infinity)) return -1; // nan and inf too
  const lo = POW10[sig - 1];
  const hi = POW10[sig];
  let e = decimalExponentGuess(ax);
  // The guess may be one low: the bounds below (exact, and rounding is monotonic) correct it.
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

/** |x| * 10^digits rounded to an integer (<= 10^15), or -1 when the fast path cannot be sure. */
export function roundFixed(ax: number, digits: number): number {
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

/** "00".."99" as ASCII digit pairs: two digits per division when writing an integer. */
const DIGIT_PAIRS = Uint8Array.from(
  { length: 200 },
  (_, k) => 48 + (k & 1 ? (k >> 1) % 10 : ((k >> 1) / 10) | 0),
);

/**
 * Writes the last `width` digits of the int32 v (zero-padded) ending just before out[end], two at a
 * time; returns v without them.
 */
export function writeLowDigits(out: Uint8Array, end: number, v: number, width: number): number {
  for (; width >= 2; width -= 2) {
    const q = (v / 100) | 0;
    const pair = (v - q * 100) << 1;
    out[--end] = DIGIT_PAIRS[pair + 1];
    out[--end] = DIGIT_PAIRS[pair];
    v = q;
  }
  if (width === 1) {
    const q = (v / 10) | 0;
    out[end - 1] = 48 + v - q * 10;
    v = q;
  }
  return v;
}

/** Writes the integer v (< 10^16 and < 10^width) as exactly `width` digits, zero-padded, ending just before out[end]. */
function writeWidth(out: Uint8Array, end: number, v: number, width: number): void {
  if (width > 9) {
    const high = Math.floor(v / 1e8); // exact: v < 2^53
    writeLowDigits(out, end, v - high * 1e8, 8);
    writeLowDigits(out, end - 8, high, width - 8); // high < 10^8: an int32
  } else writeLowDigits(out, end, v, width);
}

/**
 * Writes the `len` digits of the integer d (< 10^15, zero-padded on the left to `len`) as ASCII at
 * out[pos], with a decimal point after the first `point` of them when point < len; returns the
 * position after the last. Up to 9 digits (every %.6e) it is int32 arithmetic only.
 */
export function writeDigits(out: Uint8Array, pos: number, d: number, len: number, point: number): number {
  if (point >= len) {
    writeWidth(out, pos + len, d, len);
    return pos + len;
  }
  const end = pos + len + 1;
  const fraction = len - point;
  let whole: number;
  if (len <= 9) whole = writeLowDigits(out, end, d, fraction);
  else {
    const scale = POW10[fraction];
    whole = Math.floor(d / scale); // exact: d < 10^15, so the quotient is never within its rounding error of an integer
    writeWidth(out, end, d - whole * scale, fraction);
  }
  out[end - fraction - 1] = 46;
  writeWidth(out, end - fraction - 1, whole, point);
  return end;
}

/** Writes C's exponent "e+05", "e-300" (sign and at least two digits) at out[pos]; returns the end. */
export function writeExponent(out: Uint8Array, pos: number, exponent: number): number {
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
  out[pos++] = DIGIT_PAIRS[abs << 1];
  out[pos++] = DIGIT_PAIRS[(abs << 1) + 1];
  return pos;
}
