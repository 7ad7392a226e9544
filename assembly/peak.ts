// The core's f64x2 multiply-add peak as this module's own code reaches it: a loop of independent register
// multiply-adds with no memory traffic, the yardstick bench/kernels.ts divides every kernel's rate by.
import { madd } from './vec';

/**
 * Runs `iters` rounds of 12 independent f64x2 multiply-adds (fused in the relaxed build) and returns a value
 * depending on all of them (so none is optimised away). Flops: iters * 12 * 4.
 */
export function fmaPeak(iters: i32, seed: f64): f64 {
  const a = f64x2.splat(seed * 1e-12), b = f64x2.splat(1.0 - 1e-9);
  let c0 = f64x2.splat(seed), c1 = f64x2.splat(seed + 1), c2 = f64x2.splat(seed + 2), c3 = f64x2.splat(seed + 3);
  let c4 = f64x2.splat(seed + 4), c5 = f64x2.splat(seed + 5), c6 = f64x2.splat(seed + 6), c7 = f64x2.splat(seed + 7);
  let c8 = f64x2.splat(seed + 8), c9 = f64x2.splat(seed + 9), c10 = f64x2.splat(seed + 10), c11 = f64x2.splat(seed + 11);
  // Each step multiplies its accumulator (c = c*b + a): never loop-invariant, even unfused, and V8 fuses it in place.
  for (let i = 0; i < iters; i++) {
    c0 = madd(c0, b, a); c1 = madd(c1, b, a); c2 = madd(c2, b, a); c3 = madd(c3, b, a);
    c4 = madd(c4, b, a); c5 = madd(c5, b, a); c6 = madd(c6, b, a); c7 = madd(c7, b, a);
    c8 = madd(c8, b, a); c9 = madd(c9, b, a); c10 = madd(c10, b, a); c11 = madd(c11, b, a);
  }
  const s = f64x2.add(f64x2.add(f64x2.add(c0, c1), f64x2.add(c2, c3)), f64x2.add(f64x2.add(c4, c5), f64x2.add(c6, c7)));
  const t = f64x2.add(f64x2.add(c8, c9), f64x2.add(c10, c11));
  const u = f64x2.add(s, t);
  return f64x2.extract_lane(u, 0) + f64x2.extract_lane(u, 1);
}

/**
 * The integer counterpart, for exact genotype products: `iters` rounds of 12 independent i32x4 accumulators each
 * gaining i32x4.dot_i16x8_s (8 multiply-adds of 16-bit integers); with `i8` (relaxed build only) the relaxed
 * i8 x i7 dot with accumulate instead (16 multiply-adds). Multiply-adds: iters * 12 * (8 or 16).
 */
export function dotPeak(iters: i32, seed: i32, i8: bool): i32 {
  // Each product reads its own accumulator (as integers), so no product is loop-invariant.
  const b = i16x8.splat(<i16>((seed >> 2) & 3) + 1);
  let c0 = i32x4.splat(seed), c1 = i32x4.splat(seed + 1), c2 = i32x4.splat(seed + 2), c3 = i32x4.splat(seed + 3);
  let c4 = i32x4.splat(seed + 4), c5 = i32x4.splat(seed + 5), c6 = i32x4.splat(seed + 6), c7 = i32x4.splat(seed + 7);
  let c8 = i32x4.splat(seed + 8), c9 = i32x4.splat(seed + 9), c10 = i32x4.splat(seed + 10), c11 = i32x4.splat(seed + 11);
  if (ASC_FEATURE_RELAXED_SIMD && i8) {
    for (let i = 0; i < iters; i++) {
      c0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c0, b, c0); c1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c1, b, c1);
      c2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c2, b, c2); c3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c3, b, c3);
      c4 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c4, b, c4); c5 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c5, b, c5);
      c6 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c6, b, c6); c7 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c7, b, c7);
      c8 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c8, b, c8); c9 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c9, b, c9);
      c10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c10, b, c10); c11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c11, b, c11);
    }
  } else {
    for (let i = 0; i < iters; i++) {
      c0 = i32x4.add(c0, i32x4.dot_i16x8_s(c0, b)); c1 = i32x4.add(c1, i32x4.dot_i16x8_s(c1, b));
      c2 = i32x4.add(c2, i32x4.dot_i16x8_s(c2, b)); c3 = i32x4.add(c3, i32x4.dot_i16x8_s(c3, b));
      c4 = i32x4.add(c4, i32x4.dot_i16x8_s(c4, b)); c5 = i32x4.add(c5, i32x4.dot_i16x8_s(c5, b));
      c6 = i32x4.add(c6, i32x4.dot_i16x8_s(c6, b)); c7 = i32x4.add(c7, i32x4.dot_i16x8_s(c7, b));
      c8 = i32x4.add(c8, i32x4.dot_i16x8_s(c8, b)); c9 = i32x4.add(c9, i32x4.dot_i16x8_s(c9, b));
      c10 = i32x4.add(c10, i32x4.dot_i16x8_s(c10, b)); c11 = i32x4.add(c11, i32x4.dot_i16x8_s(c11, b));
    }
  }
  const s = i32x4.add(i32x4.add(i32x4.add(c0, c1), i32x4.add(c2, c3)), i32x4.add(i32x4.add(c4, c5), i32x4.add(c6, c7)));
  const u = i32x4.add(s, i32x4.add(i32x4.add(c8, c9), i32x4.add(c10, c11)));
  return i32x4.extract_lane(u, 0) + i32x4.extract_lane(u, 1) + i32x4.extract_lane(u, 2) + i32x4.extract_lane(u, 3);
}
