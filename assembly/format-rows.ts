// A matrix's values as C's "%.10g" text (the kinship files' format), for the matrix writer's rows on the engine's
// workers (src/engines/wasm/text-worker.ts). Each value is scaled to 10 digits by one exact power of ten (one
// correctly rounded product, at most half an ulp off) and rounded only when that product is further from a .5 than
// its error, so the digits are the exact decimal rounding, as printf's; any value this cannot decide (a product
// too close to a tie, a decimal exponent outside -13..9, nan, inf, subnormals) stops the call, and the caller
// formats it (src/io/number-bytes.ts writeGeneral10) and calls again after it.

// 10^k for k = 0..22, every one exact in a double.
const SCALE: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
]);

// "00".."99" as ASCII pairs (one u16 each, the tens digit first in memory).
const PAIRS: usize = memory.data<u16>([
  0x3030, 0x3130, 0x3230, 0x3330, 0x3430, 0x3530, 0x3630, 0x3730, 0x3830, 0x3930, 0x3031, 0x3131, 0x3231, 0x3331,
  0x3431, 0x3531, 0x3631, 0x3731, 0x3831, 0x3931, 0x3032, 0x3132, 0x3232, 0x3332, 0x3432, 0x3532, 0x3632, 0x3732,
  0x3832, 0x3932, 0x3033, 0x3133, 0x3233, 0x3333, 0x3433, 0x3533, 0x3633, 0x3733, 0x3833, 0x3933, 0x3034, 0x3134,
  0x3234, 0x3334, 0x3434, 0x3534, 0x3634, 0x3734, 0x3834, 0x3934, 0x3035, 0x3135, 0x3235, 0x3335, 0x3435, 0x3535,
  0x3635, 0x3735, 0x3835, 0x3935, 0x3036, 0x3136, 0x3236, 0x3336, 0x3436, 0x3536, 0x3636, 0x3736, 0x3836, 0x3936,
  0x3037, 0x3137, 0x3237, 0x3337, 0x3437, 0x3537, 0x3637, 0x3737, 0x3837, 0x3937, 0x3038, 0x3138, 0x3238, 0x3338,
  0x3438, 0x3538, 0x3638, 0x3738, 0x3838, 0x3938, 0x3039, 0x3139, 0x3239, 0x3339, 0x3439, 0x3539, 0x3639, 0x3739,
  0x3839, 0x3939,
]);

const ZEROS: u64 = 0x3030303030303030;
// Twice the largest relative error of one correctly rounded double operation (2^-52).
const SCALE_ERROR: f64 = 2.220446049250313e-16;
const LOG10_2: f64 = 0.3010299956639812;

// @ts-ignore: decorator
@inline function pair(k: u32): u64 {
  return <u64>load<u16>(PAIRS + (<usize>k << 1));
}

/**
 * Writes values[0, count) of a row-major matrix of `cols` columns, the first of them in column `col`, as "%.10g"
 * each followed by a tab, or by a line feed after a row's last column, at out. Returns how many it wrote: fewer than
 * count when it stopped before a value it cannot decide. The end of the text is stored at `endAt` (u32, an offset
 * from out). Up to 16 bytes past that end may be overwritten.
 */
export function formatGeneral10(values: usize, count: i32, cols: i32, col: i32, out: usize, endAt: usize): i32 {
  let at = out;
  let k = 0;
  // The last value's decimal exponent: a kinship's values mostly share a few, and the product that makes it right
  // (in [10^9, 10^10)) is the one the guess below would make.
  let last = -1;
  for (; k < count; k++) {
    const x = load<f64>(values + (<usize>k << 3));
    const bits = reinterpret<u64>(x);
    const biased = <i32>((bits >> 52) & 0x7ff);
    let pos = at;
    if (bits << 1 == 0) {
      // Zero, and "-0" for its negative.
      if (bits != 0) store<u8>(pos++, 45);
      store<u8>(pos++, 48);
    } else {
      if (biased == 0 || biased == 0x7ff) break;
      const ax = abs(x);
      let e = last;
      let t = ax * load<f64>(SCALE + (<usize>(9 - e) << 3));
      if (!(t >= 1e9 && t < 1e10)) {
        // floor(log10(ax)) or one less.
        e = <i32>floor(<f64>(biased - 1023) * LOG10_2);
        if (e < -13 || e > 9) break;
        t = ax * load<f64>(SCALE + (<usize>(9 - e) << 3));
        if (t >= 1e10) {
          if (e == 9) break;
          e++;
          t = ax * load<f64>(SCALE + (<usize>(9 - e) << 3));
        }
        if (!(t >= 1e9 && t < 1e10)) break;
        last = e;
      }
      const f = floor(t);
      const off = t - f - 0.5; // exact: t < 2^53
      if (abs(off) <= t * SCALE_ERROR) break;
      const d = off > 0 ? f + 1 : f;
      if (d == 1e10) break; // rounded up to the next power of ten
      if (bits >> 63) store<u8>(pos++, 45);
      // The 10 digits: the leading two, then eight as one u64 (the first digit in its lowest byte). d * 1e-8 is off
      // d / 10^8 by a few ulps, so its integer part may be one off where d is a multiple of 10^8: corrected.
      let lead = <i32>(d * 1e-8);
      let rest = <i32>(d - <f64>lead * 1e8);
      if (rest < 0) {
        lead--;
        rest += 100000000;
      } else if (rest >= 100000000) {
        lead++;
        rest -= 100000000;
      }
      const low = <u32>rest;
      const high4 = low / 10000;
      const low4 = low - high4 * 10000;
      const h1 = high4 / 100;
      const l1 = low4 / 100;
      const eight =
        pair(h1) | (pair(high4 - h1 * 100) << 16) | (pair(l1) << 32) | (pair(low4 - l1 * 100) << 48);
      const leadPair = <u32>pair(<u32>lead);
      // Trailing zeros of the 10 digits (the first is never a zero).
      const digitValues = eight - ZEROS;
      const trailing = digitValues != 0 ? <i32>(clz(digitValues) >> 3) : 8 + (leadPair >> 8 == 48 ? 1 : 0);
      const len = 10 - trailing;
      if (e < -4) {
        // d.ddde-XX
        store<u8>(pos, <u8>leadPair);
        store<u8>(pos + 1, 46);
        store<u8>(pos + 2, <u8>(leadPair >> 8));
        store<u64>(pos + 3, eight);
        pos += len == 1 ? 1 : len + 1;
        store<u16>(pos, 0x2d65); // "e-"
        store<u16>(pos + 2, <u16>pair(<u32>-e));
        pos += 4;
      } else if (e < 0) {
        // 0.0..0ddd: -e - 1 zeros after the point.
        store<u64>(pos, 0x3030303030302e30);
        pos += <usize>(1 - e);
        store<u16>(pos, <u16>leadPair);
        store<u64>(pos + 2, eight);
        pos += len;
      } else {
        // The e + 1 whole digits, the point, and what is left of the fraction once its trailing zeros go.
        const whole = e + 1;
        store<u16>(pos + 1, <u16>leadPair);
        store<u64>(pos + 3, eight);
        for (let i = 0; i < whole; i++) store<u8>(pos + i, load<u8>(pos + i + 1));
        store<u8>(pos + whole, 46);
        pos += len > whole ? len + 1 : whole;
      }
    }
    col++;
    if (col == cols) {
      store<u8>(pos++, 10);
      col = 0;
    } else store<u8>(pos++, 9);
    at = pos;
  }
  store<u32>(endAt, <u32>(at - out));
  return k;
}
