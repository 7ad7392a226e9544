/**
 * Host side of double-single arithmetic: float64 -> packed f32 operands and (hi, lo) -> float64.
 * The packing matches shaders/ds_arith.wgsl: vec4f(hi, lo, hiBig, hiSmall).
 */

/**
 * Largest magnitude accepted: products of two packed values (kinship squares genotypes) must stay
 * finite in f32 (max 3.4e38) and Dekker's 4097 * hi must not overflow.
 */
export const MAX_DOUBLE_SINGLE_MAGNITUDE = 2 ** 50;

/**
 * Packs values[start .. start + count) into out[4 * (outStart + i) ..]: (hi, lo, hiBig, hiSmall),
 * hi = f32(v), lo = f32(v - hi), hiBig + hiSmall = hi (Dekker split, 12 bits each, exact products).
 * Throws RangeError on NaN, infinities or |v| > MAX_DOUBLE_SINGLE_MAGNITUDE.
 */
export function packDoubleSingle(
  values: Float64Array,
  start: number,
  count: number,
  out: Float32Array,
  outStart = 0,
): void {
  const fround = Math.fround;
  for (let i = 0; i < count; i++) {
    const v = values[start + i]!;
    if (!(Math.abs(v) <= MAX_DOUBLE_SINGLE_MAGNITUDE)) {
      throw new RangeError(
        `double-single packing: value ${v} at index ${start + i} is not finite or exceeds 2^50`,
      );
    }
    const hi = fround(v);
    // Each step below is one f32 operation whose exact result fits a float64, so fround rounds once,
    // exactly as the GPU would.
    const t = fround(4097 * hi);
    const hiBig = fround(t - fround(t - hi));
    const o = 4 * (outStart + i);
    out[o] = hi;
    out[o + 1] = fround(v - hi);
    out[o + 2] = hiBig;
    out[o + 3] = fround(hi - hiBig);
  }
}

/** out[outStart + i] = hi + lo for the (hi, lo) pairs pairs[2i], pairs[2i + 1]; exact in float64. */
export function unpackDoubleSingle(
  pairs: Float32Array,
  count: number,
  out: Float64Array,
  outStart = 0,
): void {
  for (let i = 0; i < count; i++) out[outStart + i] = pairs[2 * i]! + pairs[2 * i + 1]!;
}
