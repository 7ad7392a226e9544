// The core's f64x2 multiply-add peak as this module's own code reaches it: a loop of independent register
// multiply-adds with no memory traffic, the yardstick bench/kernels.ts divides every kernel's rate by.
import { madd } from './vec';

/**
 * Runs `iters` rounds of 12 independent f64x2 multiply-adds (fused in the relaxed build) and returns a value
 * depending on all of them (so none is optimised away). Flops: iters * 12 * 4.
 */
export function fmaPeak(iters: i32, seed: f64): f64 {
  const a = f64x2.splat(1.0 - 1e-9), b = f64x2.splat(seed * 1e-12);
  let c0 = f64x2.splat(seed), c1 = f64x2.splat(seed + 1), c2 = f64x2.splat(seed + 2), c3 = f64x2.splat(seed + 3);
  let c4 = f64x2.splat(seed + 4), c5 = f64x2.splat(seed + 5), c6 = f64x2.splat(seed + 6), c7 = f64x2.splat(seed + 7);
  let c8 = f64x2.splat(seed + 8), c9 = f64x2.splat(seed + 9), c10 = f64x2.splat(seed + 10), c11 = f64x2.splat(seed + 11);
  for (let i = 0; i < iters; i++) {
    c0 = madd(c0, a, b); c1 = madd(c1, a, b); c2 = madd(c2, a, b); c3 = madd(c3, a, b);
    c4 = madd(c4, a, b); c5 = madd(c5, a, b); c6 = madd(c6, a, b); c7 = madd(c7, a, b);
    c8 = madd(c8, a, b); c9 = madd(c9, a, b); c10 = madd(c10, a, b); c11 = madd(c11, a, b);
  }
  const s = f64x2.add(f64x2.add(f64x2.add(c0, c1), f64x2.add(c2, c3)), f64x2.add(f64x2.add(c4, c5), f64x2.add(c6, c7)));
  const t = f64x2.add(f64x2.add(c8, c9), f64x2.add(c10, c11));
  const u = f64x2.add(s, t);
  return f64x2.extract_lane(u, 0) + f64x2.extract_lane(u, 1);
}
