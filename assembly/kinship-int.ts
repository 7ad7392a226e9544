// The exact -gk 1 kinship of hard calls (see src/linalg/hard-calls.ts for the algebra): the integer product
// P = X X^T by i16 dot products on packed genotypes, then each entry's centring and missing-call corrections
// in double-double, folded into the running sum. Same operations, same order as the TS functions there.

import { madd } from './vec';

// Missing calls in `codes` (individual-major n x b bytes).
const MISSING: u8 = 3;
const SPLITTER: f64 = 134217729.0;

// Two calls share a 16-bit lane: x + SHIFT_BASE y on the row side, SHIFT_BASE x + y on the column side, so the
// product (x + B y)(B u + v) = x v + B (x u + y v) + B^2 y u holds the dot product of the two pairs at B^1.
const LANE_SHIFT: i32 = 13;
const SHIFT_BASE: i32 = 1 << LANE_SHIFT;
// Quads (4 SNPs) per extraction: an i32 lane gains at most 16 at B^1 and 8 at B^0 a quad, so after 256 quads both
// stay below B and (sum >> 13) & (B - 1) is the exact dot product, whatever the wrapped bits above B^2.
const QUADS_PER_CHUNK: i32 = 256;

/**
 * Packs individuals [i0, i1) (i0 a multiple of 4) of `codes` (n x b bytes) into 4-individual panels of two 16-bit
 * lanes per individual and quad of SNPs s = 4k..4k+3: at rowPacked (x_s + B x_{s+1}, x_{s+2} + B x_{s+3}), at
 * colPacked (B x_s + x_{s+1}, B x_{s+2} + x_{s+3}), B = 2^13; panel q at + q*quads*16, individual i & 3 at
 * + 4 (i & 3) of each quad's 16 bytes. Missing calls, SNPs past b and individuals past n are 0; rows [i0, i1) of
 * panels past n up to i1 are zeroed too (i1 may exceed n up to a multiple of 8).
 */
export function packHardCalls(i0: i32, i1: i32, n: i32, b: i32, codes: usize, rowPacked: usize, colPacked: usize): void {
  const quads = (b + 3) >> 2;
  const panelBytes = (<usize>quads) << 4;
  const first = (<usize>(i0 >> 2)) * panelBytes, bytes = (<usize>((i1 - i0 + 3) >> 2)) * panelBytes;
  memory.fill(rowPacked + first, 0, bytes);
  memory.fill(colPacked + first, 0, bytes);
  const end = min(i1, n);
  for (let i = i0; i < end; i++) {
    const src = codes + <usize>i * <usize>b;
    const at = first + ((<usize>(i - i0)) >> 2) * panelBytes + ((<usize>(i & 3)) << 2);
    // Every code stored (missing as 0) without a branch: the calls are random, so branches would mispredict.
    let s = 0;
    for (; s + 4 <= b; s += 4) {
      const x0 = call(src, s), x1 = call(src, s + 1), x2 = call(src, s + 2), x3 = call(src, s + 3);
      const o = at + ((<usize>(s >> 2)) << 4);
      store<u32>(rowPacked + o, (x0 + (x1 << <u32>LANE_SHIFT)) | ((x2 + (x3 << <u32>LANE_SHIFT)) << 16));
      store<u32>(colPacked + o, ((x0 << <u32>LANE_SHIFT) + x1) | (((x2 << <u32>LANE_SHIFT) + x3) << 16));
    }
    // The last quad's calls past b stay 0.
    for (; s < b; s++) {
      const x = call(src, s);
      const o = at + ((<usize>(s >> 2)) << 4) + ((<usize>((s >> 1) & 1)) << 1);
      const odd = (s & 1) != 0;
      store<u16>(rowPacked + o, load<u16>(rowPacked + o) + <u16>select<u32>(x << <u32>LANE_SHIFT, x, odd));
      store<u16>(colPacked + o, load<u16>(colPacked + o) + <u16>select<u32>(x, x << <u32>LANE_SHIFT, odd));
    }
  }
}

// The call of SNP s at src as 0, 1 or 2 (a missing call as 0).
// @ts-ignore: decorator
@inline function call(src: usize, s: i32): u32 {
  const g = load<u8>(src + <usize>s);
  return select<u32>(0, g, g == MISSING);
}

/**
 * P (int32, row stride ldp) = the exact products of rows [r0, r0 + 4*rowPanels) with columns
 * [c0, c0 + 8*colPanels) over the packed block (r0, c0 multiples of 4 and 8 in individuals): a 4 x 8 tile of
 * i32x4 sums, a row's splat lanes against 4 columns' by i32x4.dot_i16x8_s (16 multiply-adds of calls), the dot
 * products taken out of bits 13-25 every QUADS_PER_CHUNK quads.
 */
export function kinshipIntTile(
  rowPanels: i32, colPanels: i32, rowPacked: usize, colPacked: usize, quads: i32, r0: i32, c0: i32, p: usize, ldp: i32,
): void {
  const panelBytes = (<usize>quads) << 4;
  const ld = (<usize>ldp) << 2;
  const mask = i32x4.splat(SHIFT_BASE - 1);
  for (let j = 0; j < colPanels; j++) {
    const pb = colPacked + (<usize>((c0 >> 2) + 2 * j)) * panelBytes;
    for (let i = 0; i < rowPanels; i++) {
      const pa = rowPacked + (<usize>((r0 >> 2) + i)) * panelBytes;
      const t = p + (<usize>(4 * i)) * ld + ((<usize>j) << 5);
      for (let k0 = 0; k0 < quads; k0 += QUADS_PER_CHUNK) {
        const k1 = min(quads, k0 + QUADS_PER_CHUNK);
        let a = pa + ((<usize>k0) << 4), b = pb + ((<usize>k0) << 4);
        let c00 = i32x4.splat(0), c01 = i32x4.splat(0), c10 = i32x4.splat(0), c11 = i32x4.splat(0);
        let c20 = i32x4.splat(0), c21 = i32x4.splat(0), c30 = i32x4.splat(0), c31 = i32x4.splat(0);
        for (let q = k0; q < k1; q++) {
          const b0 = v128.load(b), b1 = v128.load(b + panelBytes);
          let s = v128.load32_splat(a);
          c00 = i32x4.add(c00, i32x4.dot_i16x8_s(s, b0)); c01 = i32x4.add(c01, i32x4.dot_i16x8_s(s, b1));
          s = v128.load32_splat(a, 4);
          c10 = i32x4.add(c10, i32x4.dot_i16x8_s(s, b0)); c11 = i32x4.add(c11, i32x4.dot_i16x8_s(s, b1));
          s = v128.load32_splat(a, 8);
          c20 = i32x4.add(c20, i32x4.dot_i16x8_s(s, b0)); c21 = i32x4.add(c21, i32x4.dot_i16x8_s(s, b1));
          s = v128.load32_splat(a, 12);
          c30 = i32x4.add(c30, i32x4.dot_i16x8_s(s, b0)); c31 = i32x4.add(c31, i32x4.dot_i16x8_s(s, b1));
          a += 16; b += 16;
        }
        c00 = v128.and(i32x4.shr_u(c00, LANE_SHIFT), mask); c01 = v128.and(i32x4.shr_u(c01, LANE_SHIFT), mask);
        c10 = v128.and(i32x4.shr_u(c10, LANE_SHIFT), mask); c11 = v128.and(i32x4.shr_u(c11, LANE_SHIFT), mask);
        c20 = v128.and(i32x4.shr_u(c20, LANE_SHIFT), mask); c21 = v128.and(i32x4.shr_u(c21, LANE_SHIFT), mask);
        c30 = v128.and(i32x4.shr_u(c30, LANE_SHIFT), mask); c31 = v128.and(i32x4.shr_u(c31, LANE_SHIFT), mask);
        if (k0 == 0) {
          storeRow(t, c00, c01);
          storeRow(t + ld, c10, c11);
          storeRow(t + 2 * ld, c20, c21);
          storeRow(t + 3 * ld, c30, c31);
        } else {
          addRow(t, c00, c01);
          addRow(t + ld, c10, c11);
          addRow(t + 2 * ld, c20, c21);
          addRow(t + 3 * ld, c30, c31);
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function storeRow(t: usize, c0: v128, c1: v128): void {
  v128.store(t, c0);
  v128.store(t, c1, 16);
}

// @ts-ignore: decorator
@inline function addRow(t: usize, c0: v128, c1: v128): void {
  v128.store(t, i32x4.add(v128.load(t), c0));
  v128.store(t, i32x4.add(v128.load(t, 16), c1), 16);
}

// a*b = p + twoProductLow(a, b, p) exactly, by Veltkamp splitting (no FMA, so the same bits as the TS code).
// @ts-ignore: decorator
@inline function twoProductLow(a: f64, b: f64, p: f64): f64 {
  let t = SPLITTER * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b), bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

// The missing-call correction of one entry: terms mu_s x_is as exact integer sums of two fixed-point limbs of
// mu_s, the pairs both missing in double-double; as addMissingCross() and missingCorrection() in TS.
let limbHi: f64 = 0, limbLo: f64 = 0, crossHi: f64 = 0, crossLo: f64 = 0;

// @ts-ignore: decorator
@inline function addMissingCross(i: i32, j: i32, b: i32, codes: usize, means: usize, start: usize, snp: usize): void {
  const k1 = load<i32>(start + ((<usize>(j + 1)) << 2));
  const row = codes + <usize>i * <usize>b;
  for (let k = load<i32>(start + ((<usize>j) << 2)); k < k1; k++) {
    const s = load<i32>(snp + ((<usize>k) << 2));
    const code = load<u8>(row + <usize>s);
    const mu = load<f64>(means + ((<usize>s) << 3));
    const scaled = mu * 34359738368.0;
    const high = Math.floor(scaled);
    const x = <f64>select<u8>(0, code, code == MISSING);
    limbHi += x * high;
    limbLo += x * ((scaled - high) * 137438953472.0);
    if (code == MISSING) addHalfSquare(mu);
  }
}

// mu^2 / 2 into (crossHi, crossLo): a two-sum of its rounded value, the product's rounding error carried in lo.
// @ts-ignore: decorator
@inline function addHalfSquare(mu: f64): void {
  const p = mu * mu;
  const v = 0.5 * p;
  const t = crossHi + v;
  const bb = t - crossHi;
  crossLo += (crossHi - (t - bb)) + (v - bb) + 0.5 * twoProductLow(mu, mu, p);
  crossHi = t;
}

// @ts-ignore: decorator
@inline function missingCorrection(
  i: i32, j: i32, missI: bool, b: i32, codes: usize, means: usize, start: usize, snp: usize,
): void {
  limbHi = 0;
  limbLo = 0;
  crossHi = 0;
  crossLo = 0;
  addMissingCross(i, j, b, codes, means, start, snp);
  if (missI) addMissingCross(j, i, b, codes, means, start, snp);
  limbsToCorrection(limbHi, limbLo, crossHi, crossLo);
}

// E = the limbs' exact value (TwoSum) plus the pairs' double-double (cHi, cLo), into crossHi, crossLo.
// @ts-ignore: decorator
@inline function limbsToCorrection(lHi: f64, lLo: f64, cHi: f64, cLo: f64): void {
  const ea = lHi * 2.9103830456733704e-11, eb = lLo * 2.117582368135751e-22;
  const e1 = ea + eb;
  const e1b = e1 - ea;
  const e1l = (ea - (e1 - e1b)) + (eb - e1b);
  const e2 = e1 + cHi;
  const e2b = e2 - e1;
  crossLo = (e1 - (e2 - e2b)) + (cHi - e2b) + (e1l + cLo);
  crossHi = e2;
}

/**
 * Entries (i, j) and (i, j + 1) on f64x2 lanes: (hi, lo) at byte offset o += P - W_i - W_j + (e, eLo) in
 * double-double, P the two int32 products at `products`, W_i = (a, al) splat; the scalar fold's operations lane
 * for lane (E = 0 passes zeros).
 */
@inline
function foldPairLanes(
  av: v128, alv: v128, wHi: usize, wLo: usize, j: i32, products: usize, e: v128, eLo: v128,
  hi: usize, lo: usize, o: usize,
): void {
  const c = v128.load(wHi + ((<usize>j) << 3));
  const us = f64x2.add(av, c);
  const ub = f64x2.sub(us, av);
  const ul = f64x2.add(f64x2.add(f64x2.sub(av, f64x2.sub(us, ub)), f64x2.sub(c, ub)),
    f64x2.add(alv, v128.load(wLo + ((<usize>j) << 3))));
  const product = f64x2.convert_low_i32x4_s(v128.load64_zero(products));
  const x = f64x2.sub(product, us);
  const xb = f64x2.sub(x, product);
  const ex = f64x2.add(f64x2.sub(product, f64x2.sub(x, xb)), f64x2.sub(f64x2.neg(us), xb));
  const y = f64x2.add(x, e);
  const yb = f64x2.sub(y, x);
  const ey = f64x2.add(f64x2.sub(x, f64x2.sub(y, yb)), f64x2.sub(e, yb));
  const low = f64x2.add(f64x2.sub(f64x2.add(ex, ey), ul), eLo);
  const h0 = v128.load(hi + o);
  const sum = f64x2.add(h0, y);
  const sb = f64x2.sub(sum, h0);
  const err = f64x2.add(f64x2.add(f64x2.sub(h0, f64x2.sub(sum, sb)), f64x2.sub(y, sb)),
    f64x2.add(low, v128.load(lo + o)));
  const h = f64x2.add(sum, err);
  v128.store(hi + o, h);
  v128.store(lo + o, f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.sub(err, f64x2.sub(h, sum)))));
}

/**
 * The upper-triangle entries (row r0 + r <= column c0 + q) of a rows x cols tile: (hi, lo) += P - W_r - W_q +
 * E in double-double, P the tile's exact products (int32, stride ldp), W (wHi, wLo) per individual, E the
 * missing-call correction from the CSR lists (missStart, missSnp); hi and lo at the tile's corner, stride ldk. With
 * the tile's limbs (zHi nonzero: kinshipMissLimbs), an entry whose bit is set in colMask finds its whole correction
 * in z. bits and bitWords are not read (the declared signature keeps them).
 */
export function kinshipHardFold(
  rows: i32, cols: i32, p: usize, ldp: i32, r0: i32, c0: i32,
  b: i32, codes: usize, means: usize, missStart: usize, missSnp: usize, wHi: usize, wLo: usize,
  hi: usize, lo: usize, ldk: i32, zHi: usize, zLo: usize, colMask: usize, words: i32, bits: usize, bitWords: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const i = r0 + r;
    const a = load<f64>(wHi + ((<usize>i) << 3)), al = load<f64>(wLo + ((<usize>i) << 3));
    const missI = load<i32>(missStart + ((<usize>(i + 1)) << 2)) > load<i32>(missStart + ((<usize>i) << 2));
    const av = f64x2.splat(a), alv = f64x2.splat(al), zero = f64x2.splat(0);
    for (let q = max(0, i - c0); q < cols; q++) {
      const j = c0 + q;
      // Two columns without missing calls beside a row without: the same operations on f64x2 lanes (E = 0).
      if (!missI && q + 1 < cols &&
          load<i32>(missStart + ((<usize>(j + 2)) << 2)) == load<i32>(missStart + ((<usize>j) << 2))) {
        foldPairLanes(av, alv, wHi, wLo, j, p + ((<usize>(r * ldp + q)) << 2), zero, zero, hi, lo,
          (<usize>(r * ldk + q)) << 3);
        q++;
        continue;
      }
      // Two columns with the tile's limbs: limbsToCorrection (no mu_s^2 / 2 pairs) and the fold below op for op on
      // f64x2 lanes; a lane whose column shares a missing SNP with i takes the correction kinshipMissLimbs left in
      // z (the same operations with its pairs).
      const at = (<usize>(r * ldp + q)) << 3;
      if (zHi != 0 && q + 1 < cols) {
        const maskAt = colMask + ((<usize>(q * words + (r >> 6))) << 3);
        const shift = <u64>(r & 63);
        const ea = f64x2.mul(v128.load(zHi + at), f64x2.splat(2.9103830456733704e-11));
        const eb = f64x2.mul(v128.load(zLo + at), f64x2.splat(2.117582368135751e-22));
        const e1 = f64x2.add(ea, eb);
        const e1b = f64x2.sub(e1, ea);
        const e1l = f64x2.add(f64x2.sub(ea, f64x2.sub(e1, e1b)), f64x2.sub(eb, e1b));
        let e = f64x2.add(e1, zero);
        const e2b = f64x2.sub(e, e1);
        let eLo = f64x2.add(f64x2.add(f64x2.sub(e1, f64x2.sub(e, e2b)), f64x2.sub(zero, e2b)), f64x2.add(e1l, zero));
        if (((load<u64>(maskAt) >> shift) & 1) != 0) {
          e = f64x2.replace_lane(e, 0, load<f64>(zHi + at));
          eLo = f64x2.replace_lane(eLo, 0, load<f64>(zLo + at));
        }
        if (((load<u64>(maskAt + ((<usize>words) << 3)) >> shift) & 1) != 0) {
          e = f64x2.replace_lane(e, 1, load<f64>(zHi + at, 8));
          eLo = f64x2.replace_lane(eLo, 1, load<f64>(zLo + at, 8));
        }
        foldPairLanes(av, alv, wHi, wLo, j, p + ((<usize>(r * ldp + q)) << 2), e, eLo, hi, lo,
          (<usize>(r * ldk + q)) << 3);
        q++;
        continue;
      }
      // The limbs from kinshipMissLimbs where i and j share no missing call, else the correction it left in z; the
      // lists walked as in TS without the tile's limbs.
      if (zHi != 0) {
        if (((load<u64>(colMask + ((<usize>(q * words + (r >> 6))) << 3)) >> (<u64>(r & 63))) & 1) != 0) {
          crossHi = load<f64>(zHi + at);
          crossLo = load<f64>(zLo + at);
        } else limbsToCorrection(load<f64>(zHi + at), load<f64>(zLo + at), 0, 0);
      } else {
        missingCorrection(i, j, missI, b, codes, means, missStart, missSnp);
      }
      const e = crossHi;
      const c = load<f64>(wHi + ((<usize>j) << 3));
      const us = a + c;
      const ub = us - a;
      const ul = (a - (us - ub)) + (c - ub) + (al + load<f64>(wLo + ((<usize>j) << 3)));
      const product = <f64>load<i32>(p + ((<usize>(r * ldp + q)) << 2));
      const x = product - us;
      const xb = x - product;
      const ex = (product - (x - xb)) + (-us - xb);
      const y = x + e;
      const yb = y - x;
      const ey = (x - (y - yb)) + (e - yb);
      const low = ex + ey - ul + crossLo;
      const o = (<usize>(r * ldk + q)) << 3;
      const h0 = load<f64>(hi + o);
      const s = h0 + y;
      const sb = s - h0;
      const err = (h0 - (s - sb)) + (y - sb) + (low + load<f64>(lo + o));
      const h = s + err;
      store<f64>(hi + o, h);
      store<f64>(lo + o, <f64>(<f32>(err - (h - s))));
    }
  }
}

/**
 * W_i for individuals [i0, i1) into wHi, wLo: hardCallWeights() of src/linalg/hard-calls.ts op for op (cHi, cLo
 * the double-double sum of the squared means).
 */
export function hardCallWeights(
  i0: i32, i1: i32, b: i32, codes: usize, means: usize, missStart: usize, missSnp: usize,
  cHi: f64, cLo: f64, wHi: usize, wLo: usize,
): void {
  let i = i0;
  // Two individuals on the f64x2 lanes: the same operations lane for lane, two chains at once (each is a chain of
  // dependent adds, so one alone waits on every add's latency).
  for (; i + 1 < i1; i += 2) {
    let h = f64x2.splat(0), l = f64x2.splat(0);
    const row0 = codes + <usize>i * <usize>b, row1 = row0 + <usize>b;
    for (let s = 0; s < b; s++) {
      const c0 = load<u8>(row0 + <usize>s), c1 = load<u8>(row1 + <usize>s);
      const x = f64x2.replace_lane(f64x2.splat(<f64>select<u8>(0, c0, c0 == MISSING)), 1,
        <f64>select<u8>(0, c1, c1 == MISSING));
      const v = f64x2.mul(x, f64x2.splat(load<f64>(means + ((<usize>s) << 3))));
      const t = f64x2.add(h, v);
      const bb = f64x2.sub(t, h);
      l = f64x2.add(l, f64x2.add(f64x2.sub(h, f64x2.sub(t, bb)), f64x2.sub(v, bb)));
      h = t;
    }
    finishWeight(i, f64x2.extract_lane(h, 0), f64x2.extract_lane(l, 0), means, missStart, missSnp, cHi, cLo, wHi, wLo);
    finishWeight(i + 1, f64x2.extract_lane(h, 1), f64x2.extract_lane(l, 1), means, missStart, missSnp, cHi, cLo, wHi,
      wLo);
  }
  for (; i < i1; i++) {
    let h: f64 = 0, l: f64 = 0;
    const row = codes + <usize>i * <usize>b;
    // Every SNP, missing calls as 0 (adding 0 changes neither word): no branch on the random calls.
    for (let s = 0; s < b; s++) {
      const code = load<u8>(row + <usize>s);
      const v = <f64>select<u8>(0, code, code == MISSING) * load<f64>(means + ((<usize>s) << 3));
      const t = h + v;
      const bb = t - h;
      l += (h - (t - bb)) + (v - bb);
      h = t;
    }
    finishWeight(i, h, l, means, missStart, missSnp, cHi, cLo, wHi, wLo);
  }
}

// W_i from (h, l), the sum over its calls: its missing calls' mu_s^2 and -(cHi, cLo) / 2 added, then renormalised.
// @ts-ignore: decorator
@inline function finishWeight(
  i: i32, h: f64, l: f64, means: usize, missStart: usize, missSnp: usize, cHi: f64, cLo: f64, wHi: usize, wLo: usize,
): void {
  const halfHi = -0.5 * cHi, halfLo = -0.5 * cLo;
  const k1 = load<i32>(missStart + ((<usize>(i + 1)) << 2));
  for (let k = load<i32>(missStart + ((<usize>i) << 2)); k < k1; k++) {
    const mu = load<f64>(means + ((<usize>load<i32>(missSnp + ((<usize>k) << 2))) << 3));
    const v = mu * mu;
    const t = h + v;
    const bb = t - h;
    l += (h - (t - bb)) + (v - bb) + twoProductLow(mu, mu, v);
    h = t;
  }
  const t = h + halfHi;
  const bb = t - h;
  l += (h - (t - bb)) + (halfHi - bb) + halfLo;
  const w = t + l;
  const bh = w - t;
  store<f64>(wHi + ((<usize>i) << 3), w);
  store<f64>(wLo + ((<usize>i) << 3), (t - (w - bh)) + (l - bh));
}

/**
 * xT (SNP-major b x nPad bytes) = the calls of individuals [i0, i1) of `codes` (n x b), missing calls and
 * individuals past n as 0: the columns kinshipMissLimbs reads 8 individuals at a time. bits and bitWords are not
 * read (the declared signature keeps them).
 */
export function transposeHardCalls(
  i0: i32, i1: i32, n: i32, b: i32, nPad: i32, codes: usize, xT: usize, bits: usize, bitWords: i32,
): void {
  // Eight individuals of n at a time (i0 a multiple of 8 within them): one 8-byte store per SNP, not eight stores a
  // row of xT apart.
  let i = i0;
  for (; i + 8 <= min(i1, n); i += 8) {
    const src = codes + <usize>i * <usize>b;
    for (let s = 0; s < b; s++) {
      let word: u64 = 0;
      for (let t = 0; t < 8; t++) {
        const g = load<u8>(src + <usize>t * <usize>b + <usize>s);
        word |= (<u64>select<u8>(0, g, g == MISSING)) << (<u64>(t << 3));
      }
      store<u64>(xT + <usize>s * <usize>nPad + <usize>i, word);
    }
  }
  for (; i < i1; i++) {
    const src = codes + <usize>i * <usize>b;
    for (let s = 0; s < b; s++) {
      const g = i < n ? load<u8>(src + <usize>s) : <u8>0;
      store<u8>(xT + <usize>s * <usize>nPad + <usize>i, select<u8>(0, g, g == MISSING));
    }
  }
}

// The 8 entries at (th, tl) (+= ld apart down a column where `down`, else 8 consecutive along a row: loaded and
// added to) get the sum over the SNPs k in [k0, k1) of the CSR list of x[s][at .. at + 8] times the limbs
// (hi_s, lo_s): exact integer sums below 2^53 (as the scalar limbs), so in any order. The sums live in locals:
// module globals would go through memory at every SNP.
// @ts-ignore: decorator
@inline function addLimbs(
  k0: i32, k1: i32, snp: usize, xT: usize, nPad: i32, at: i32, limbs: usize, b: i32, th: usize, tl: usize, ld: usize,
  down: bool,
): void {
  let h0 = f64x2.splat(0), h1 = h0, h2 = h0, h3 = h0, l0 = h0, l1 = h0, l2 = h0, l3 = h0;
  if (!down) {
    h0 = v128.load(th); h1 = v128.load(th, 16); h2 = v128.load(th, 32); h3 = v128.load(th, 48);
    l0 = v128.load(tl); l1 = v128.load(tl, 16); l2 = v128.load(tl, 32); l3 = v128.load(tl, 48);
  }
  for (let k = k0; k < k1; k++) {
    const s = load<i32>(snp + ((<usize>k) << 2));
    // Calls 0 to 2: the signed conversion (one instruction on x86, the unsigned one takes more) gives the same.
    const w = v128.load8x8_u(xT + <usize>s * <usize>nPad + <usize>at);
    const lowHalf = i32x4.extend_low_i16x8_u(w), highHalf = i32x4.extend_high_i16x8_u(w);
    const x0 = f64x2.convert_low_i32x4_s(lowHalf);
    const x1 = f64x2.convert_low_i32x4_s(v128.shuffle<i32>(lowHalf, lowHalf, 2, 3, 0, 1));
    const x2 = f64x2.convert_low_i32x4_s(highHalf);
    const x3 = f64x2.convert_low_i32x4_s(v128.shuffle<i32>(highHalf, highHalf, 2, 3, 0, 1));
    const h = v128.load64_splat(limbs + ((<usize>s) << 3));
    const l = v128.load64_splat(limbs + ((<usize>(b + s)) << 3));
    // Products and sums are integers below 2^53, so fused (relaxed build) or not they are the same exact values.
    h0 = madd(x0, h, h0); l0 = madd(x0, l, l0);
    h1 = madd(x1, h, h1); l1 = madd(x1, l, l1);
    h2 = madd(x2, h, h2); l2 = madd(x2, l, l2);
    h3 = madd(x3, h, h3); l3 = madd(x3, l, l3);
  }
  if (down) {
    storeDown(th, ld, h0, h1, h2, h3);
    storeDown(tl, ld, l0, l1, l2, l3);
  } else {
    v128.store(th, h0); v128.store(th, h1, 16); v128.store(th, h2, 32); v128.store(th, h3, 48);
    v128.store(tl, l0); v128.store(tl, l1, 16); v128.store(tl, l2, 32); v128.store(tl, l3, 48);
  }
}

// The 8 lanes of v0..v3 down a column from t, ld bytes apart.
// @ts-ignore: decorator
@inline function storeDown(t: usize, ld: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  store<f64>(t, f64x2.extract_lane(v0, 0)); store<f64>(t + ld, f64x2.extract_lane(v0, 1));
  store<f64>(t + 2 * ld, f64x2.extract_lane(v1, 0)); store<f64>(t + 3 * ld, f64x2.extract_lane(v1, 1));
  store<f64>(t + 4 * ld, f64x2.extract_lane(v2, 0)); store<f64>(t + 5 * ld, f64x2.extract_lane(v2, 1));
  store<f64>(t + 6 * ld, f64x2.extract_lane(v3, 0)); store<f64>(t + 7 * ld, f64x2.extract_lane(v3, 1));
}

/**
 * The missing-call limbs of a tile (rows r0.., columns c0.., r0 and c0 multiples of 8): (zHi, zLo) (row-major,
 * stride ldz >= cols rounded up to 8, rows rounded up to 8) = sum_{s: j missing} x_is (hi_s, lo_s) + sum_{s: i
 * missing} x_js (hi_s, lo_s), with `limbs` = the b hi_s then the b lo_s (mu_s 2^72 = hi_s 2^37 + lo_s), 8
 * individuals per f64x2 quartet; and colMask (cols x words u64) bit r set where row r and column q share a
 * missing call (their mu_s^2 / 2 pairs go through the lists). rowMask: b x words u64 of scratch.
 */
export function kinshipMissLimbs(
  rows: i32, cols: i32, r0: i32, c0: i32, b: i32, nPad: i32, xT: usize, limbs: usize,
  missStart: usize, missSnp: usize, zHi: usize, zLo: usize, ldz: i32, rowMask: usize, colMask: usize, words: i32,
): void {
  memory.fill(rowMask, 0, (<usize>(b * words)) << 3);
  for (let r = 0; r < rows; r++) {
    const i = r0 + r;
    const k1 = load<i32>(missStart + ((<usize>(i + 1)) << 2));
    const bit = (<u64>1) << (<u64>(r & 63));
    for (let k = load<i32>(missStart + ((<usize>i) << 2)); k < k1; k++) {
      const m = rowMask + ((<usize>(load<i32>(missSnp + ((<usize>k) << 2)) * words + (r >> 6))) << 3);
      store<u64>(m, load<u64>(m) | bit);
    }
  }
  const ld = (<usize>ldz) << 3;
  // Columns j's missing calls against 8 rows at a time, stored down the column (it initialises z).
  for (let q = 0; q < cols; q++) {
    const j = c0 + q;
    const k0 = load<i32>(missStart + ((<usize>j) << 2)), k1 = load<i32>(missStart + ((<usize>(j + 1)) << 2));
    for (let w = 0; w < words; w++) {
      let m: u64 = 0;
      for (let k = k0; k < k1; k++) m |= load<u64>(rowMask + ((<usize>(load<i32>(missSnp + ((<usize>k) << 2)) * words + w)) << 3));
      store<u64>(colMask + ((<usize>(q * words + w)) << 3), m);
    }
    for (let r = 0; r < rows; r += 8) {
      const th = zHi + <usize>r * ld + ((<usize>q) << 3), tl = zLo + <usize>r * ld + ((<usize>q) << 3);
      addLimbs(k0, k1, missSnp, xT, nPad, r0 + r, limbs, b, th, tl, ld, true);
    }
  }
  // Rows i's missing calls against 8 columns at a time, added along the row.
  for (let r = 0; r < rows; r++) {
    const i = r0 + r;
    const k0 = load<i32>(missStart + ((<usize>i) << 2)), k1 = load<i32>(missStart + ((<usize>(i + 1)) << 2));
    if (k0 == k1) continue;
    for (let q = 0; q < cols; q += 8) {
      const th = zHi + <usize>r * ld + ((<usize>q) << 3), tl = zLo + <usize>r * ld + ((<usize>q) << 3);
      addLimbs(k0, k1, missSnp, xT, nPad, c0 + q, limbs, b, th, tl, ld, false);
    }
  }
  // Entries whose row and column share a missing call: their mu_s^2 / 2 pairs chained as the TS fold chains them
  // (the shared SNPs ascending, twice over, from 0), column by column for all its rows at once (j's missing SNPs
  // ascending, the rows missing at each from rowMask), then the entry's whole correction (limbsToCorrection) in
  // place of its limbs. The column's nonzero row-mask words are listed first without a branch (as a branch per
  // word, random, they cost more than the chains).
  const chainHi = rowMask + ((<usize>(b * words)) << 3), chainLo = chainHi + ((<usize>rows) << 3);
  const list = chainLo + ((<usize>rows) << 3);
  // addHalfSquare(mu_s)'s terms that depend on mu_s alone, per SNP: v = mu_s^2 / 2 and the square's rounding error
  // / 2. mu_s from its limbs: (hi_s + lo_s 2^-37) 2^-35, every step exact (mu_s 2^35 is a double, hi_s its floor).
  const halves = list + ((<usize>(b * words)) << 4);
  for (let s = 0; s < b; s++) {
    const mu = (load<f64>(limbs + ((<usize>s) << 3)) + load<f64>(limbs + ((<usize>(b + s)) << 3)) * 7.275957614183426e-12) *
      2.9103830456733704e-11;
    const p = mu * mu;
    store<f64>(halves + ((<usize>s) << 4), 0.5 * p);
    store<f64>(halves + ((<usize>s) << 4), 0.5 * twoProductLow(mu, mu, p), 8);
  }
  for (let q = 0; q < cols; q++) {
    const j = c0 + q;
    const k0 = load<i32>(missStart + ((<usize>j) << 2)), k1 = load<i32>(missStart + ((<usize>(j + 1)) << 2));
    let any: u64 = 0;
    for (let w = 0; w < words; w++) {
      let m = load<u64>(colMask + ((<usize>(q * words + w)) << 3));
      any |= m;
      while (m != 0) {
        const r = (w << 6) + <i32>ctz(m);
        store<f64>(chainHi + ((<usize>r) << 3), 0);
        store<f64>(chainLo + ((<usize>r) << 3), 0);
        m &= m - 1;
      }
    }
    if (any == 0) continue;
    // (mask word, SNP s, word w) of each nonzero word, j's SNPs ascending: 16 bytes an entry.
    let length: usize = 0;
    for (let k = k0; k < k1; k++) {
      const s = load<i32>(missSnp + ((<usize>k) << 2));
      for (let w = 0; w < words; w++) {
        const m = load<u64>(rowMask + ((<usize>(s * words + w)) << 3));
        const at = list + (length << 4);
        store<u64>(at, m);
        store<i32>(at, s, 8);
        store<i32>(at, w, 12);
        length += <usize>(m != 0);
      }
    }
    for (let pass = 0; pass < 2; pass++) {
      for (let e: usize = 0; e < length; e++) {
        const at = list + (e << 4);
        let m = load<u64>(at);
        const s = load<i32>(at, 8), base = load<i32>(at, 12) << 6;
        const v = load<f64>(halves + ((<usize>s) << 4)), low = load<f64>(halves + ((<usize>s) << 4), 8);
        do {
          const r = base + <i32>ctz(m);
          m &= m - 1;
          // The rest of addHalfSquare(mu_s) on the entry's chain.
          const ch = load<f64>(chainHi + ((<usize>r) << 3));
          let cl = load<f64>(chainLo + ((<usize>r) << 3));
          const t = ch + v;
          const bb = t - ch;
          cl += (ch - (t - bb)) + (v - bb) + low;
          store<f64>(chainHi + ((<usize>r) << 3), t);
          store<f64>(chainLo + ((<usize>r) << 3), cl);
        } while (m != 0);
      }
    }
    for (let w = 0; w < words; w++) {
      let m = load<u64>(colMask + ((<usize>(q * words + w)) << 3));
      while (m != 0) {
        const r = (w << 6) + <i32>ctz(m);
        m &= m - 1;
        const th = zHi + <usize>r * ld + ((<usize>q) << 3), tl = zLo + <usize>r * ld + ((<usize>q) << 3);
        limbsToCorrection(load<f64>(th), load<f64>(tl), load<f64>(chainHi + ((<usize>r) << 3)),
          load<f64>(chainLo + ((<usize>r) << 3)));
        store<f64>(th, crossHi);
        store<f64>(tl, crossLo);
      }
    }
  }
}
