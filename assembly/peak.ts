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

/**
 * An exact integer GEMM's inner loops, for measuring whether the kinship could use them: C (mPanels*4 x
 * nPanels*8, i32, row stride nPanels*8) += A B over 2*pairs SNPs of 16-bit genotypes, on operands already packed as
 * an integer kernel would pack them: A panel i at pa + i*pairs*16 holds, per SNP pair, the pair of each of its 4
 * rows (i16 x 2 each); B panel j at pb + j*pairs*32 holds, per pair, the pair of each of its 8 columns. Each step
 * splats a row's pair and takes i32x4.dot_i16x8_s against 4 columns' pairs: 8 multiply-adds an instruction.
 */
export function i16Gemm(mPanels: i32, nPanels: i32, pairs: i32, pa: usize, pb: usize, c: usize): void {
  const ldc = (<usize>nPanels) << 5;
  for (let j = 0; j < nPanels; j++) {
    for (let i = 0; i < mPanels; i++) {
      let a = pa + <usize>(i * pairs) * 16, b = pb + <usize>(j * pairs) * 32;
      let c00 = i32x4.splat(0), c01 = i32x4.splat(0), c10 = i32x4.splat(0), c11 = i32x4.splat(0);
      let c20 = i32x4.splat(0), c21 = i32x4.splat(0), c30 = i32x4.splat(0), c31 = i32x4.splat(0);
      for (let p = 0; p < pairs; p++) {
        const b0 = v128.load(b), b1 = v128.load(b, 16);
        let s = v128.load32_splat(a);
        c00 = i32x4.add(c00, i32x4.dot_i16x8_s(s, b0)); c01 = i32x4.add(c01, i32x4.dot_i16x8_s(s, b1));
        s = v128.load32_splat(a, 4);
        c10 = i32x4.add(c10, i32x4.dot_i16x8_s(s, b0)); c11 = i32x4.add(c11, i32x4.dot_i16x8_s(s, b1));
        s = v128.load32_splat(a, 8);
        c20 = i32x4.add(c20, i32x4.dot_i16x8_s(s, b0)); c21 = i32x4.add(c21, i32x4.dot_i16x8_s(s, b1));
        s = v128.load32_splat(a, 12);
        c30 = i32x4.add(c30, i32x4.dot_i16x8_s(s, b0)); c31 = i32x4.add(c31, i32x4.dot_i16x8_s(s, b1));
        a += 16; b += 32;
      }
      let t = c + <usize>i * 4 * ldc + ((<usize>j) << 5);
      v128.store(t, i32x4.add(v128.load(t), c00)); v128.store(t, i32x4.add(v128.load(t, 16), c01), 16); t += ldc;
      v128.store(t, i32x4.add(v128.load(t), c10)); v128.store(t, i32x4.add(v128.load(t, 16), c11), 16); t += ldc;
      v128.store(t, i32x4.add(v128.load(t), c20)); v128.store(t, i32x4.add(v128.load(t, 16), c21), 16); t += ldc;
      v128.store(t, i32x4.add(v128.load(t), c30)); v128.store(t, i32x4.add(v128.load(t, 16), c31), 16);
    }
  }
}
