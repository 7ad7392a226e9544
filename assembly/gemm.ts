// Packed, cache-blocked, register-blocked f64 GEMM on raw linear memory (BLIS loop order).
// C[i*ldc + j] += alpha * sum_p A(i,p) * B(p,j), with A(i,p) = A[i*rsA + p*csA] and
// B(p,j) = B[p*rsB + j*csB] (strides in elements), so transposes cost nothing but packing.

/** Rows of the register tile (A micro-panel height): 6 with fused multiply-adds (relaxed build), else 4. */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
/** Columns of the register tile (two f64x2 lanes pairs). */
export const NR: i32 = 4;
// MC*KC doubles of packed A stay in L2 (192 KiB); a KC x NR sliver of packed B (8 KiB) stays in L1.
const MC: i32 = 96;
const KC: i32 = 256;
const NC: i32 = 2048;

/** Bytes of scratch a gemm call needs at `work` (packed A, packed B, one edge tile). */
export function gemmWorkBytes(): usize {
  return (<usize>(MC * KC + KC * NC + MR * NR)) << 3;
}

// a*b + c; relaxed_madd fuses on x86 with FMA, so the relaxed build differs from the plain one in the last ulp.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

// Packs an mc x kc block of A into MR-row micro-panels [panel][p][r], zero-padding the last panel. Full panels of a
// row-major A (csA = 1: the back-transformation's strips of eigenvectors) go two p at a time, a pair of rows' two
// vectors swapped into two interleaved ones; of a column-major A (rsA = 1) each p's MR rows are one contiguous run.
// Both only move data, so the packed panels (and every result) are the bits of the element-by-element path.
function packA(mc: i32, kc: i32, a: usize, rsA: i32, csA: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    const top = a + ((<usize>(i0 * rsA)) << 3);
    if (rows == MR && csA == 1) {
      const stride = (<usize>rsA) << 3;
      let p = 0;
      for (; p + 2 <= kc; p += 2) {
        let src = top + ((<usize>p) << 3);
        for (let r = 0; r < MR; r += 2) {
          const x = v128.load(src), y = v128.load(src + stride);
          const out = dst + ((<usize>r) << 3);
          v128.store(out, i64x2.shuffle(x, y, 0, 2));
          v128.store(out + ((<usize>MR) << 3), i64x2.shuffle(x, y, 1, 3));
          src += stride << 1;
        }
        dst += (<usize>(2 * MR)) << 3;
      }
      if (p < kc) {
        for (let r = 0; r < MR; r++) store<f64>(dst + ((<usize>r) << 3), load<f64>(top + ((<usize>(r * rsA + p)) << 3)));
        dst += (<usize>MR) << 3;
      }
      continue;
    }
    if (rows == MR && rsA == 1) {
      for (let p = 0; p < kc; p++) {
        const src = top + ((<usize>(p * csA)) << 3);
        for (let r = 0; r < MR; r += 2) v128.store(dst + ((<usize>r) << 3), v128.load(src + ((<usize>r) << 3)));
        dst += (<usize>MR) << 3;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const src = a + ((<usize>(i0 * rsA + p * csA)) << 3);
      for (let r = 0; r < MR; r++) {
        store<f64>(dst, r < rows ? load<f64>(src + ((<usize>(r * rsA)) << 3)) : 0.0);
        dst += 8;
      }
    }
  }
}

// Packs a kc x nc block of B into NR-column micro-panels [panel][p][c], zero-padding the last panel.
function packB(kc: i32, nc: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    if (cols == NR && csB == 1) {
      for (let p = 0; p < kc; p++) {
        const src = b + ((<usize>(p * rsB + j0)) << 3);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
      }
      continue;
    }
    if (cols == NR && rsB == 1) {
      // B^T row-major (the back-transformation's reflectors as rows): two p at a time from each column, swapped.
      const stride = (<usize>csB) << 3;
      const src0 = b + ((<usize>(j0 * csB)) << 3);
      let p = 0;
      for (; p + 2 <= kc; p += 2) {
        const src = src0 + ((<usize>p) << 3);
        const u0 = v128.load(src), u1 = v128.load(src + stride);
        const u2 = v128.load(src + 2 * stride), u3 = v128.load(src + 3 * stride);
        v128.store(dst, i64x2.shuffle(u0, u1, 0, 2));
        v128.store(dst, i64x2.shuffle(u2, u3, 0, 2), 16);
        v128.store(dst, i64x2.shuffle(u0, u1, 1, 3), 32);
        v128.store(dst, i64x2.shuffle(u2, u3, 1, 3), 48);
        dst += 64;
      }
      if (p < kc) {
        for (let c = 0; c < NR; c++) store<f64>(dst + ((<usize>c) << 3), load<f64>(src0 + ((<usize>(c * csB + p)) << 3)));
        dst += 32;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const src = b + ((<usize>(p * rsB + j0 * csB)) << 3);
      for (let c = 0; c < NR; c++) {
        store<f64>(dst, c < cols ? load<f64>(src + ((<usize>(c * csB)) << 3)) : 0.0);
        dst += 8;
      }
    }
  }
}

// The relaxed build's register tile: 6 x 4 of C in 12 f64x2 accumulators. A chain of multiply-adds into one accumulator waits
// the FMA latency (4 cycles) per step, and the core retires two f64x2 FMAs a cycle, so at least 8 independent
// accumulators are needed to fill it; 12 leave slack for the loads (8 per step: 2 of B, 6 splats of A) and still
// fit, with the two B vectors and one A splat, in the 15 SIMD registers V8 allocates on x64.
// Writes C += alpha*acc, through `edge` when the tile is partial.
function micro6(kc: i32, pa: usize, pb: usize, alpha: f64, c: usize, ldc: i32, rows: i32, cols: i32, edge: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let c40 = f64x2.splat(0), c41 = f64x2.splat(0), c50 = f64x2.splat(0), c51 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load64_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load64_splat(pa, 8);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load64_splat(pa, 16);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load64_splat(pa, 24);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load64_splat(pa, 32);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    a = v128.load64_splat(pa, 40);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    pa += 48; pb += 32;
  }
  const al = f64x2.splat(alpha);
  // The store path never fuses, so full and edge tiles round identically (thread splits stay bitwise equal).
  if (rows == 6 && cols == NR) {
    const ld = (<usize>ldc) << 3;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c00)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c01)), 16);
    c += ld;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c10)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c11)), 16);
    c += ld;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c20)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c21)), 16);
    c += ld;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c30)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c31)), 16);
    c += ld;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c40)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c41)), 16);
    c += ld;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c50)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c51)), 16);
    return;
  }
  v128.store(edge, c00, 0); v128.store(edge, c01, 16);
  v128.store(edge, c10, 32); v128.store(edge, c11, 48);
  v128.store(edge, c20, 64); v128.store(edge, c21, 80);
  v128.store(edge, c30, 96); v128.store(edge, c31, 112);
  v128.store(edge, c40, 128); v128.store(edge, c41, 144);
  v128.store(edge, c50, 160); v128.store(edge, c51, 176);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const dst = c + ((<usize>(r * ldc + q)) << 3);
      store<f64>(dst, load<f64>(dst) + alpha * load<f64>(edge + ((<usize>(r * NR + q)) << 3)));
    }
  }
}

// The plain SIMD build's 4 x 4 tile: 8 accumulators. Its multiply and add need a temporary register each step, so
// the 12 accumulators of the 6 x 4 tile would not fit (V8 spills them and runs at about half speed).
function micro4(kc: i32, pa: usize, pb: usize, alpha: f64, c: usize, ldc: i32, rows: i32, cols: i32, edge: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load64_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load64_splat(pa, 8);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load64_splat(pa, 16);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load64_splat(pa, 24);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += 32; pb += 32;
  }
  const al = f64x2.splat(alpha);
  // The store path never fuses, so full and edge tiles round identically (thread splits stay bitwise equal).
  if (rows == 4 && cols == NR) {
    const ld = (<usize>ldc) << 3;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c00)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c01)), 16);
    c += ld;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c10)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c11)), 16);
    c += ld;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c20)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c21)), 16);
    c += ld;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c30)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c31)), 16);
    return;
  }
  v128.store(edge, c00, 0); v128.store(edge, c01, 16);
  v128.store(edge, c10, 32); v128.store(edge, c11, 48);
  v128.store(edge, c20, 64); v128.store(edge, c21, 80);
  v128.store(edge, c30, 96); v128.store(edge, c31, 112);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const dst = c + ((<usize>(r * ldc + q)) << 3);
      store<f64>(dst, load<f64>(dst) + alpha * load<f64>(edge + ((<usize>(r * NR + q)) << 3)));
    }
  }
}


/**
 * C (m x n, row stride ldc) += alpha * A (m x k) * B (k x n); strides in elements; `work` holds gemmWorkBytes().
 * Each C element sums p in the same order whatever m-range a caller takes, so row splits are bitwise stable.
 */
export function gemm(
  m: i32, n: i32, k: i32, alpha: f64,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, work: usize,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const packedA = work;
  const packedB = work + ((<usize>(MC * KC)) << 3);
  const edge = packedB + ((<usize>(KC * NC)) << 3);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(kc, nc, b + ((<usize>(pc * rsB + jc * csB)) << 3), rsB, csB, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(mc, kc, a + ((<usize>(ic * rsA + pc * csA)) << 3), rsA, csA, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packedB + ((<usize>(jr * kc)) << 3);
          const cols = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const pa = packedA + ((<usize>(ir * kc)) << 3);
            const cp = c + ((<usize>((ic + ir) * ldc + jc + jr)) << 3);
            if (MR == 6) micro6(kc, pa, pb, alpha, cp, ldc, min(MR, mc - ir), cols, edge);
            else micro4(kc, pa, pb, alpha, cp, ldc, min(MR, mc - ir), cols, edge);
          }
        }
      }
    }
  }
}

/** Sets `count` f64 at ptr to zero. */
export function zeroF64(ptr: usize, count: i32): void {
  memory.fill(ptr, 0, (<usize>count) << 3);
}
