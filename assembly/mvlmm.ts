// The O(n) sums of one iteration of the multivariate LMM's EM (src/stats/mvlmm/em.ts, GEMMA's MphEM) and of its
// Wald statistic (wald.ts), in flat memory with f64x2 lanes over individuals. The d x d and dc x dc work (joint
// diagonalisation, inverting Q, the updates of Vg, Ve and B) stays in TypeScript (src/engines/wasm/mv-kernel.ts):
// it is independent of n. Every sum over individuals k weighs by w_lk = 1 / (delta_k dl_l + 1), and dl changes
// every iteration, so these passes are the whole per-iteration cost that grows with n.
//
// Workspace descriptor: f64 slots at `desc`, laid out by MvSlot (layout.ts). Rows are `stride` doubles apart,
// stride = n rounded up to even; the pad column is zero in X, Y and the eigenvalues, and mvSums sets its weight
// to zero, so that it adds nothing to any sum and no loop needs a scalar tail.
//
// Each exported kernel reads its descriptor once and passes the values on as arguments of a function that does the
// work: V8 computes a value that is used only inside a loop's body at that use, so an address converted from an
// f64 slot was converted again on every step of the innermost loop (a branchy truncation each; mvSums took 1.7x
// its time). The working functions are large, or called from two places, so that Binaryen does not inline them
// back into their kernel.
import { MvSlot } from './layout';
import { at, madd } from './vec';

// @ts-ignore: decorator
@inline function slot(desc: usize, k: i32): f64 { return load<f64>(at(desc, k)); }
// @ts-ignore: decorator
@inline function ptr(desc: usize, k: i32): usize { return <usize>slot(desc, k); }
// @ts-ignore: decorator
@inline function hsum(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/** Mantissa bits of an f64, and 1.0's bits: a product is kept in [1, 2) with its binary exponent counted apart. */
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;

/**
 * out[r * outStep] = sum over the stride of rows[r][k] * v[k] for `count` rows `stride` doubles apart (the pad adds
 * zero). Four rows at a time share the loads of v and give four independent chains of multiply-adds (one chain
 * alone waits on the adder's latency); a single row splits into two chains.
 */
function dotRows(rows: usize, count: i32, v: usize, stride: i32, out: usize, outStep: i32): void {
  const rowBytes = (<usize>stride) << 3;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const r0 = rows + <usize>r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    for (let k = 0; k < stride; k += 2) {
      const kb = (<usize>k) << 3;
      const x = v128.load(v + kb);
      s0 = madd(v128.load(r0 + kb), x, s0);
      s1 = madd(v128.load(r1 + kb), x, s1);
      s2 = madd(v128.load(r2 + kb), x, s2);
      s3 = madd(v128.load(r3 + kb), x, s3);
    }
    store<f64>(at(out, r * outStep), hsum(s0));
    store<f64>(at(out, (r + 1) * outStep), hsum(s1));
    store<f64>(at(out, (r + 2) * outStep), hsum(s2));
    store<f64>(at(out, (r + 3) * outStep), hsum(s3));
  }
  // Two rows at a time after the groups, as above: four chains, where one row's two would wait on the adder.
  for (; r + 2 <= count; r += 2) {
    const ra = rows + <usize>r * rowBytes, rb = ra + rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
    let k = 0;
    for (; k + 4 <= stride; k += 4) {
      const kb = (<usize>k) << 3;
      const x0 = v128.load(v + kb), x1 = v128.load(v + kb, 16);
      s0 = madd(v128.load(ra + kb), x0, s0);
      s1 = madd(v128.load(ra + kb, 16), x1, s1);
      t0 = madd(v128.load(rb + kb), x0, t0);
      t1 = madd(v128.load(rb + kb, 16), x1, t1);
    }
    if (k < stride) {
      const kb = (<usize>k) << 3;
      const x0 = v128.load(v + kb);
      s0 = madd(v128.load(ra + kb), x0, s0);
      t0 = madd(v128.load(rb + kb), x0, t0);
    }
    store<f64>(at(out, r * outStep), hsum(f64x2.add(s0, s1)));
    store<f64>(at(out, (r + 1) * outStep), hsum(f64x2.add(t0, t1)));
  }
  for (; r < count; r++) {
    const row = rows + <usize>r * rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let k = 0;
    for (; k + 4 <= stride; k += 4) {
      const kb = (<usize>k) << 3;
      s0 = madd(v128.load(row + kb), v128.load(v + kb), s0);
      s1 = madd(v128.load(row + kb, 16), v128.load(v + kb, 16), s1);
    }
    if (k < stride) s0 = madd(v128.load(row + ((<usize>k) << 3)), v128.load(v + ((<usize>k) << 3)), s0);
    store<f64>(at(out, r * outStep), hsum(f64x2.add(s0, s1)));
  }
}

/**
 * dotRows against two vectors at once: out1[r * outStep] = rows[r] . v1 and out2[r * outStep] = rows[r] . v2. Each
 * row's load serves both products (the multi-row dot products are bound by their loads), and every sum is taken in
 * the order dotRows takes it (the same lanes, chains and final additions), so the results are its bits.
 */
function dotRows2(
  rows: usize,
  count: i32,
  v1: usize,
  v2: usize,
  stride: i32,
  out1: usize,
  out2: usize,
  outStep: i32,
): void {
  const rowBytes = (<usize>stride) << 3;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const r0 = rows + <usize>r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    let t0 = f64x2.splat(0), t1 = f64x2.splat(0), t2 = f64x2.splat(0), t3 = f64x2.splat(0);
    for (let k = 0; k < stride; k += 2) {
      const kb = (<usize>k) << 3;
      const x = v128.load(v1 + kb), y = v128.load(v2 + kb);
      const a0 = v128.load(r0 + kb), a1 = v128.load(r1 + kb), a2 = v128.load(r2 + kb), a3 = v128.load(r3 + kb);
      s0 = madd(a0, x, s0);
      t0 = madd(a0, y, t0);
      s1 = madd(a1, x, s1);
      t1 = madd(a1, y, t1);
      s2 = madd(a2, x, s2);
      t2 = madd(a2, y, t2);
      s3 = madd(a3, x, s3);
      t3 = madd(a3, y, t3);
    }
    store<f64>(at(out1, r * outStep), hsum(s0));
    store<f64>(at(out1, (r + 1) * outStep), hsum(s1));
    store<f64>(at(out1, (r + 2) * outStep), hsum(s2));
    store<f64>(at(out1, (r + 3) * outStep), hsum(s3));
    store<f64>(at(out2, r * outStep), hsum(t0));
    store<f64>(at(out2, (r + 1) * outStep), hsum(t1));
    store<f64>(at(out2, (r + 2) * outStep), hsum(t2));
    store<f64>(at(out2, (r + 3) * outStep), hsum(t3));
  }
  for (; r + 2 <= count; r += 2) {
    const ra = rows + <usize>r * rowBytes, rb = ra + rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
    let p0 = f64x2.splat(0), p1 = f64x2.splat(0), q0 = f64x2.splat(0), q1 = f64x2.splat(0);
    let k = 0;
    for (; k + 4 <= stride; k += 4) {
      const kb = (<usize>k) << 3;
      const x0 = v128.load(v1 + kb), x1 = v128.load(v1 + kb, 16), y0 = v128.load(v2 + kb), y1 = v128.load(v2 + kb, 16);
      const a0 = v128.load(ra + kb), a1 = v128.load(ra + kb, 16), b0 = v128.load(rb + kb), b1 = v128.load(rb + kb, 16);
      s0 = madd(a0, x0, s0);
      s1 = madd(a1, x1, s1);
      t0 = madd(a0, y0, t0);
      t1 = madd(a1, y1, t1);
      p0 = madd(b0, x0, p0);
      p1 = madd(b1, x1, p1);
      q0 = madd(b0, y0, q0);
      q1 = madd(b1, y1, q1);
    }
    if (k < stride) {
      const kb = (<usize>k) << 3;
      const x0 = v128.load(v1 + kb), y0 = v128.load(v2 + kb), a0 = v128.load(ra + kb), b0 = v128.load(rb + kb);
      s0 = madd(a0, x0, s0);
      t0 = madd(a0, y0, t0);
      p0 = madd(b0, x0, p0);
      q0 = madd(b0, y0, q0);
    }
    store<f64>(at(out1, r * outStep), hsum(f64x2.add(s0, s1)));
    store<f64>(at(out2, r * outStep), hsum(f64x2.add(t0, t1)));
    store<f64>(at(out1, (r + 1) * outStep), hsum(f64x2.add(p0, p1)));
    store<f64>(at(out2, (r + 1) * outStep), hsum(f64x2.add(q0, q1)));
  }
  for (; r < count; r++) {
    const row = rows + <usize>r * rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
    let k = 0;
    for (; k + 4 <= stride; k += 4) {
      const kb = (<usize>k) << 3;
      const a0 = v128.load(row + kb), a1 = v128.load(row + kb, 16);
      s0 = madd(a0, v128.load(v1 + kb), s0);
      s1 = madd(a1, v128.load(v1 + kb, 16), s1);
      t0 = madd(a0, v128.load(v2 + kb), t0);
      t1 = madd(a1, v128.load(v2 + kb, 16), t1);
    }
    if (k < stride) {
      const kb = (<usize>k) << 3;
      const a0 = v128.load(row + kb);
      s0 = madd(a0, v128.load(v1 + kb), s0);
      t0 = madd(a0, v128.load(v2 + kb), t0);
    }
    store<f64>(at(out1, r * outStep), hsum(f64x2.add(s0, s1)));
    store<f64>(at(out2, r * outStep), hsum(f64x2.add(t0, t1)));
  }
}

/**
 * The pair products xx (pair-major, i <= j) and X X^T. `snpOnly` = 0 (once per block, after the covariate rows
 * are written): every pair, and the inverses of the eigenvalues (0 where one is 0); `snpOnly` = 1 (per SNP,
 * after X's last row is written): only the pairs with the SNP's row, as the others do not change.
 */
export function mvProducts(desc: usize, snpOnly: i32): void {
  const stride = <i32>slot(desc, MvSlot.stride);
  const c = <i32>slot(desc, MvSlot.c);
  const X = ptr(desc, MvSlot.X), xx = ptr(desc, MvSlot.xx), xxt = ptr(desc, MvSlot.xxt);
  if (snpOnly) {
    productsWithRow(X, xx, xxt, stride, c, c - 1);
    return;
  }
  const ev = ptr(desc, MvSlot.eigenvalues), iev = ptr(desc, MvSlot.inverseEigenvalues);
  const zero = f64x2.splat(0), one = f64x2.splat(1);
  for (let k = 0; k < stride; k += 2) {
    const e = v128.load(at(ev, k));
    const nonZero = f64x2.ne(e, zero);
    v128.store(at(iev, k), v128.bitselect(f64x2.div(one, e), zero, nonZero));
  }
  for (let j = 0; j < c; j++) productsWithRow(X, xx, xxt, stride, c, j);
}

/**
 * The pairs (i, j) for i <= j, into xx's pair-major rows and X X^T. Up to four pairs share a pass and row j's
 * loads: each pair's sum is its own chain of additions, in the order over k that one pair alone would take (a
 * single chain waits on the adder's latency every step).
 */
function productsWithRow(X: usize, xx: usize, xxt: usize, stride: i32, c: i32, j: i32): void {
  const xj = at(X, j * stride);
  let i = 0;
  for (; i + 4 <= j + 1; i += 4) {
    const x0 = at(X, i * stride), x1 = at(x0, stride), x2 = at(x1, stride), x3 = at(x2, stride);
    const o0 = at(xx, pairIndex(i, j, c) * stride), o1 = at(xx, pairIndex(i + 1, j, c) * stride);
    const o2 = at(xx, pairIndex(i + 2, j, c) * stride), o3 = at(xx, pairIndex(i + 3, j, c) * stride);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    for (let k = 0; k < stride; k += 2) {
      const kb = (<usize>k) << 3;
      const x = v128.load(xj + kb);
      const p0 = f64x2.mul(v128.load(x0 + kb), x), p1 = f64x2.mul(v128.load(x1 + kb), x);
      const p2 = f64x2.mul(v128.load(x2 + kb), x), p3 = f64x2.mul(v128.load(x3 + kb), x);
      v128.store(o0 + kb, p0);
      v128.store(o1 + kb, p1);
      v128.store(o2 + kb, p2);
      v128.store(o3 + kb, p3);
      s0 = f64x2.add(s0, p0);
      s1 = f64x2.add(s1, p1);
      s2 = f64x2.add(s2, p2);
      s3 = f64x2.add(s3, p3);
    }
    storeSymmetric(xxt, c, i, j, hsum(s0));
    storeSymmetric(xxt, c, i + 1, j, hsum(s1));
    storeSymmetric(xxt, c, i + 2, j, hsum(s2));
    storeSymmetric(xxt, c, i + 3, j, hsum(s3));
  }
  for (; i <= j; i++) {
    const xi = at(X, i * stride), out = at(xx, pairIndex(i, j, c) * stride);
    let s = f64x2.splat(0);
    for (let k = 0; k < stride; k += 2) {
      const kb = (<usize>k) << 3;
      const p = f64x2.mul(v128.load(xi + kb), v128.load(xj + kb));
      v128.store(out + kb, p);
      s = f64x2.add(s, p);
    }
    storeSymmetric(xxt, c, i, j, hsum(s));
  }
}

/** Index of pair (i, j), i <= j, among the c(c + 1)/2 pairs of c rows in pair-major order. */
// @ts-ignore: decorator
@inline function pairIndex(i: i32, j: i32, c: i32): i32 { return i * c - (i * (i - 1)) / 2 + (j - i); }

/** Adds dl_l sum_k w_lk to Sigma_uu[l, l] and dl_l sum_k delta_k w_lk to Sigma_ee[l, l] (moments' two d x d). */
// @ts-ignore: decorator
@inline function addDiagonal(moments: usize, d: i32, l: i32, dll: f64, su: f64, se: f64): void {
  const u = at(moments, l * d + l), e = at(moments, d * d + l * d + l);
  store<f64>(u, load<f64>(u) + dll * su);
  store<f64>(e, load<f64>(e) + dll * se);
}

// @ts-ignore: decorator
@inline function storeSymmetric(m: usize, c: i32, i: i32, j: i32, v: f64): void {
  store<f64>(at(m, i * c + j), v);
  store<f64>(at(m, j * c + i), v);
}

/**
 * The sums an iteration needs at the joint basis (dl, UltVehi) in the descriptor: w, UltVehi Y and w UltVehi Y
 * (rows), log |H| = sum log(delta_k dl_l + 1), y'H^{-1}y, the Q sums sum_k x_ik x_jk w_lk (qSums[t d + l] for pair
 * t) and X'H^{-1}y (xHiy[j d + l]). `snpOnly` = 1: the descriptor's w, UltVehi Y and w UltVehi Y are already the
 * rows at this basis, and the sums without the SNP's row (X's last) already in place (a block's SNPs all start at
 * the null's basis): only the Q sums of the pairs with the SNP's row and its entries of X'H^{-1}y, each the bits
 * that the whole pass gives it.
 */
export function mvSums(desc: usize, snpOnly: i32): void {
  sums(
    desc, <i32>slot(desc, MvSlot.n), <i32>slot(desc, MvSlot.stride), <i32>slot(desc, MvSlot.d),
    <i32>slot(desc, MvSlot.c), ptr(desc, MvSlot.eigenvalues), ptr(desc, MvSlot.X), ptr(desc, MvSlot.Y),
    ptr(desc, MvSlot.xx), ptr(desc, MvSlot.w), ptr(desc, MvSlot.yT), ptr(desc, MvSlot.yw), ptr(desc, MvSlot.dl),
    ptr(desc, MvSlot.ultVehi), ptr(desc, MvSlot.qSums), ptr(desc, MvSlot.xHiy), ptr(desc, MvSlot.wSums), snpOnly,
  );
}

/** mvSums on the descriptor's values; log |H| and y'H^{-1}y go to its slots. */
function sums(
  desc: usize, n: i32, stride: i32, d: i32, c: i32, ev: usize, X: usize, Y: usize, xx: usize, w: usize,
  yT: usize, yw: usize, dl: usize, ultVehi: usize, qSums: usize, xHiy: usize, wSums: usize, snpOnly: i32,
): void {
  if (snpOnly) {
    snpSums(stride, d, c, X, xx, w, yw, qSums, xHiy);
    return;
  }
  const pairs = (c * (c + 1)) / 2;
  const one = f64x2.splat(1);
  const mantissa = i64x2.splat(MANTISSA), oneBits = i64x2.splat(ONE_BITS), bias = i64x2.splat(1023);
  let logSum: f64 = 0;
  let yHy = f64x2.splat(0);
  for (let l = 0; l < d; l++) {
    const dll = f64x2.splat(load<f64>(at(dl, l)));
    const wl = at(w, l * stride), yTl = at(yT, l * stride), ywl = at(yw, l * stride);
    const u = at(ultVehi, l * d);
    // log |H| from running products per lane, renormalised to [1, 2) every step (exactly: a power of two), the
    // exponents summed as integers; one logarithm per lane at the end.
    let product = one;
    let exponents = i64x2.splat(0);
    let su = f64x2.splat(0), se = f64x2.splat(0);
    for (let k = 0; k < stride; k += 2) {
      const e = v128.load(at(ev, k));
      const h = madd(e, dll, one);
      let wk = f64x2.div(one, h);
      // The pad's h is 1 (its eigenvalue is 0); its weight must add nothing to the sums of w.
      if (k + 2 > n) wk = f64x2.replace_lane(wk, 1, 0);
      su = f64x2.add(su, wk);
      se = madd(e, wk, se);
      product = f64x2.mul(product, h);
      exponents = i64x2.add(exponents, i64x2.sub(i64x2.shr_u(product, 52), bias));
      product = v128.or(v128.and(product, mantissa), oneBits);
      let y = f64x2.splat(0);
      for (let a = 0; a < d; a++) y = madd(f64x2.splat(load<f64>(at(u, a))), v128.load(at(Y, a * stride + k)), y);
      const yWeighted = f64x2.mul(y, wk);
      v128.store(at(wl, k), wk);
      v128.store(at(yTl, k), y);
      v128.store(at(ywl, k), yWeighted);
      yHy = madd(y, yWeighted, yHy);
    }
    logSum += Math.log(f64x2.extract_lane(product, 0)) + Math.log(f64x2.extract_lane(product, 1));
    logSum += <f64>(i64x2.extract_lane(exponents, 0) + i64x2.extract_lane(exponents, 1)) * Math.LN2;
    store<f64>(at(wSums, l), hsum(su));
    store<f64>(at(wSums, d + l), hsum(se));
  }
  // The multi-row dot products two traits at a time (each row's load serves both; the same sums).
  let l = 0;
  for (; l + 2 <= d; l += 2) {
    dotRows2(xx, pairs, at(w, l * stride), at(w, (l + 1) * stride), stride, at(qSums, l), at(qSums, l + 1), d);
    dotRows2(X, c, at(yw, l * stride), at(yw, (l + 1) * stride), stride, at(xHiy, l), at(xHiy, l + 1), d);
  }
  if (l < d) {
    dotRows(xx, pairs, at(w, l * stride), stride, at(qSums, l), d);
    dotRows(X, c, at(yw, l * stride), stride, at(xHiy, l), d);
  }
  store<f64>(at(desc, MvSlot.logDetH), logSum);
  store<f64>(at(desc, MvSlot.yHy), hsum(yHy));
}

/**
 * The Q sums of the SNP's pairs (i, c - 1) and the SNP's entries of X'H^{-1}y, in the order of summation that
 * dotRows / dotRows2 take for that row in the whole pass: a row in a group of four has one chain over k, a row
 * after the last group two (k = 0, 1 mod 4 and k = 2, 3 mod 4). One row's chain alone would wait on the adder's
 * latency every step, so the sums of one style run several at a time (jobs: pair i and trait l, then the SNP's row
 * against yw for trait l); the last group repeats its last job, which only writes the same value again.
 */
function snpSums(
  stride: i32, d: i32, c: i32, X: usize, xx: usize, w: usize, yw: usize, qSums: usize, xHiy: usize,
): void {
  const pairs = (c * (c + 1)) / 2;
  const jobs = (c + 1) * d;
  for (let grouped = 0; grouped < 2; grouped++) {
    const width = grouped ? 4 : 2;
    let found = 0;
    let j = 0;
    // Jobs of this style, `width` at a time.
    let r0: usize = 0, v0: usize = 0, o0: usize = 0, r1: usize = 0, v1: usize = 0, o1: usize = 0;
    let r2: usize = 0, v2: usize = 0, o2: usize = 0, r3: usize = 0, v3: usize = 0, o3: usize = 0;
    for (; j < jobs; j++) {
      let row: usize, vec: usize, out: usize, isGrouped: bool;
      if (j < c * d) {
        const t = pairIndex(j / d, c - 1, c), l = j % d;
        row = at(xx, t * stride);
        vec = at(w, l * stride);
        out = at(qSums, t * d + l);
        isGrouped = t < (pairs & ~3);
      } else {
        const l = j - c * d;
        row = at(X, (c - 1) * stride);
        vec = at(yw, l * stride);
        out = at(xHiy, (c - 1) * d + l);
        isGrouped = c - 1 < (c & ~3);
      }
      if (<i32>isGrouped != grouped) continue;
      if (found == 0) { r0 = row; v0 = vec; o0 = out; }
      else if (found == 1) { r1 = row; v1 = vec; o1 = out; }
      else if (found == 2) { r2 = row; v2 = vec; o2 = out; }
      else { r3 = row; v3 = vec; o3 = out; }
      found++;
      if (found == width) {
        if (grouped) dotsOneChain(r0, v0, o0, r1, v1, o1, r2, v2, o2, r3, v3, o3, stride);
        else dotsTwoChains(r0, v0, o0, r1, v1, o1, stride);
        found = 0;
      }
    }
    if (found == 0) continue;
    // Pad with the last job found.
    if (found == 1) { r1 = r0; v1 = v0; o1 = o0; }
    if (found <= 2) { r2 = r1; v2 = v1; o2 = o1; }
    if (found <= 3) { r3 = r2; v3 = v2; o3 = o2; }
    if (grouped) dotsOneChain(r0, v0, o0, r1, v1, o1, r2, v2, o2, r3, v3, o3, stride);
    else dotsTwoChains(r0, v0, o0, r1, v1, o1, stride);
  }
}

/** Four dot products of rows and vectors of `stride` doubles, each one chain as dotRows's groups of four take it. */
function dotsOneChain(
  r0: usize, v0: usize, o0: usize, r1: usize, v1: usize, o1: usize, r2: usize, v2: usize, o2: usize,
  r3: usize, v3: usize, o3: usize, stride: i32,
): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  for (let k = 0; k < stride; k += 2) {
    const kb = (<usize>k) << 3;
    s0 = madd(v128.load(r0 + kb), v128.load(v0 + kb), s0);
    s1 = madd(v128.load(r1 + kb), v128.load(v1 + kb), s1);
    s2 = madd(v128.load(r2 + kb), v128.load(v2 + kb), s2);
    s3 = madd(v128.load(r3 + kb), v128.load(v3 + kb), s3);
  }
  store<f64>(o0, hsum(s0));
  store<f64>(o1, hsum(s1));
  store<f64>(o2, hsum(s2));
  store<f64>(o3, hsum(s3));
}

/** Two dot products, each two chains as dotRows takes a row after its groups of four. */
function dotsTwoChains(r0: usize, v0: usize, o0: usize, r1: usize, v1: usize, o1: usize, stride: i32): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= stride; k += 4) {
    const kb = (<usize>k) << 3;
    s0 = madd(v128.load(r0 + kb), v128.load(v0 + kb), s0);
    s1 = madd(v128.load(r0 + kb, 16), v128.load(v0 + kb, 16), s1);
    t0 = madd(v128.load(r1 + kb), v128.load(v1 + kb), t0);
    t1 = madd(v128.load(r1 + kb, 16), v128.load(v1 + kb, 16), t1);
  }
  if (k < stride) {
    const kb = (<usize>k) << 3;
    s0 = madd(v128.load(r0 + kb), v128.load(v0 + kb), s0);
    t0 = madd(v128.load(r1 + kb), v128.load(v1 + kb), t0);
  }
  store<f64>(o0, hsum(f64x2.add(s0, s1)));
  store<f64>(o1, hsum(f64x2.add(t0, t1)));
}

/**
 * out (d rows) = bT (d x c) X. Four individuals a step share each coefficient's load, and two traits each load of
 * X; every entry sums over j in the same order as one at a time would.
 */
function multiplyBX(bT: usize, X: usize, d: i32, c: i32, stride: i32, out: usize): void {
  const rowBytes = (<usize>stride) << 3;
  let l = 0;
  for (; l + 2 <= d; l += 2) {
    const o0 = at(out, l * stride), o1 = at(o0, stride), b0 = at(bT, l * c), b1 = at(b0, c);
    let k = 0;
    for (; k + 4 <= stride; k += 4) {
      const kb = (<usize>k) << 3;
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
      let row = X + kb;
      for (let j = 0; j < c; j++, row += rowBytes) {
        const x0 = v128.load(row), x1 = v128.load(row, 16);
        const c0 = f64x2.splat(load<f64>(at(b0, j))), c1 = f64x2.splat(load<f64>(at(b1, j)));
        s0 = madd(c0, x0, s0);
        s1 = madd(c0, x1, s1);
        t0 = madd(c1, x0, t0);
        t1 = madd(c1, x1, t1);
      }
      v128.store(o0 + kb, s0);
      v128.store(o0 + kb, s1, 16);
      v128.store(o1 + kb, t0);
      v128.store(o1 + kb, t1, 16);
    }
    if (k < stride) {
      let s = f64x2.splat(0), t = f64x2.splat(0);
      for (let j = 0; j < c; j++) {
        const x = v128.load(at(X, j * stride + k));
        s = madd(f64x2.splat(load<f64>(at(b0, j))), x, s);
        t = madd(f64x2.splat(load<f64>(at(b1, j))), x, t);
      }
      v128.store(at(o0, k), s);
      v128.store(at(o1, k), t);
    }
  }
  if (l < d) {
    const o = at(out, l * stride), b = at(bT, l * c);
    let k = 0;
    for (; k + 4 <= stride; k += 4) {
      const kb = (<usize>k) << 3;
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
      let row = X + kb;
      for (let j = 0; j < c; j++, row += rowBytes) {
        const coef = f64x2.splat(load<f64>(at(b, j)));
        s0 = madd(coef, v128.load(row), s0);
        s1 = madd(coef, v128.load(row, 16), s1);
      }
      v128.store(o + kb, s0);
      v128.store(o + kb, s1, 16);
    }
    if (k < stride) {
      let s = f64x2.splat(0);
      for (let j = 0; j < c; j++) s = madd(f64x2.splat(load<f64>(at(b, j))), v128.load(at(X, j * stride + k)), s);
      v128.store(at(o, k), s);
    }
  }
}

/**
 * ML's conditional means: U from the current B X, then B refitted by least squares of Y - U on X (bT, bxT
 * rewritten), then E = Y - BX - U.
 */
function meansForML(
  stride: i32, d: i32, c: i32, ev: usize, X: usize, w: usize, yT: usize, bxT: usize, uT: usize, eT: usize,
  dl: usize, bT: usize, xxti: usize, scratch: usize,
): void {
  // Conditional mean of U: (Y - BX) scaled by delta dl / (delta dl + 1) = delta dl w.
  for (let l = 0; l < d; l++) {
    const dll = f64x2.splat(load<f64>(at(dl, l)));
    const o = l * stride;
    for (let k = 0; k < stride; k += 2) {
      const r = f64x2.sub(v128.load(at(yT, o + k)), v128.load(at(bxT, o + k)));
      const s = f64x2.mul(f64x2.mul(v128.load(at(ev, k)), dll), v128.load(at(w, o + k)));
      v128.store(at(uT, o + k), f64x2.mul(r, s));
    }
  }
  // B from the least squares of Y - U on X: bT[l, j] = sum_a ((Y - U)_l . x_a) (X X^T)^{-1}[a, j].
  const yx = scratch;
  for (let l = 0; l < d; l++) {
    const o = l * stride;
    for (let k = 0; k < stride; k += 2) {
      v128.store(at(bxT, o + k), f64x2.sub(v128.load(at(yT, o + k)), v128.load(at(uT, o + k))));
    }
    dotRows(X, c, at(bxT, o), stride, yx, 1);
    for (let j = 0; j < c; j++) {
      let s: f64 = 0;
      for (let a = 0; a < c; a++) s += load<f64>(at(yx, a)) * load<f64>(at(xxti, a * c + j));
      store<f64>(at(bT, l * c + j), s);
    }
  }
  multiplyBX(bT, X, d, c, stride, bxT);
  for (let i = 0; i < d * stride; i += 2) {
    const e = f64x2.sub(f64x2.sub(v128.load(at(yT, i)), v128.load(at(bxT, i))), v128.load(at(uT, i)));
    v128.store(at(eT, i), e);
  }
}

/**
 * The rest of an iteration after mvSums: the conditional means of U and E in the joint basis, their second
 * moments with the conditional covariances (GEMMA's CalcSigma; `reml` adds the uncertainty of B through Qi),
 * into `moments`. `fromB`: form UltVehi B X from bT first (REML, and ML's first iteration; later ML iterations
 * reuse the previous one's, as GEMMA). ML then refits B by least squares of Y - U on X (bT, and bxT, rewritten).
 */
export function mvMoments(desc: usize, reml: i32, fromB: i32): void {
  moments(
    <i32>slot(desc, MvSlot.stride), <i32>slot(desc, MvSlot.d), <i32>slot(desc, MvSlot.c),
    ptr(desc, MvSlot.eigenvalues), ptr(desc, MvSlot.inverseEigenvalues), ptr(desc, MvSlot.X), ptr(desc, MvSlot.xx),
    ptr(desc, MvSlot.w), ptr(desc, MvSlot.yT), ptr(desc, MvSlot.bxT), ptr(desc, MvSlot.uT), ptr(desc, MvSlot.eT),
    ptr(desc, MvSlot.dl), ptr(desc, MvSlot.qi), ptr(desc, MvSlot.bT), ptr(desc, MvSlot.xxti),
    ptr(desc, MvSlot.moments), ptr(desc, MvSlot.scratch), ptr(desc, MvSlot.wSums), reml, fromB,
  );
}

/** mvMoments on the descriptor's values. */
function moments(
  stride: i32, d: i32, c: i32, ev: usize, iev: usize, X: usize, xx: usize, w: usize, yT: usize, bxT: usize,
  uT: usize, eT: usize, dl: usize, qi: usize, bT: usize, xxti: usize, moments: usize, scratch: usize,
  wSums: usize, reml: i32, fromB: i32,
): void {
  const dc = d * c, dd = d * d;
  const pairs = (c * (c + 1)) / 2;
  if (fromB) multiplyBX(bT, X, d, c, stride, bxT);
  if (reml) {
    // B X is final: the conditional means of U, (Y - BX) delta dl w as below, and of E, Y - BX - U, in one pass.
    for (let l = 0; l < d; l++) {
      const dll = f64x2.splat(load<f64>(at(dl, l)));
      const o = l * stride;
      for (let k = 0; k < stride; k += 2) {
        const r = f64x2.sub(v128.load(at(yT, o + k)), v128.load(at(bxT, o + k)));
        const u = f64x2.mul(r, f64x2.mul(f64x2.mul(v128.load(at(ev, k)), dll), v128.load(at(w, o + k))));
        v128.store(at(uT, o + k), u);
        v128.store(at(eT, o + k), f64x2.sub(r, u));
      }
    }
  } else {
    meansForML(stride, d, c, ev, X, w, yT, bxT, uT, eT, dl, bT, xxti, scratch);
  }
  // Second moments: sum_k u u^T / delta_k and sum_k e e^T (the pad's u, e and 1/delta are zero).
  for (let l1 = 0; l1 < d; l1++) {
    for (let l2 = l1; l2 < d; l2++) {
      const u1 = at(uT, l1 * stride), u2 = at(uT, l2 * stride), e1 = at(eT, l1 * stride), e2 = at(eT, l2 * stride);
      let g = f64x2.splat(0), e = f64x2.splat(0), g2 = f64x2.splat(0), e2s = f64x2.splat(0);
      let k = 0;
      for (; k + 4 <= stride; k += 4) {
        const kb = (<usize>k) << 3;
        g = madd(f64x2.mul(v128.load(u1 + kb), v128.load(u2 + kb)), v128.load(at(iev, k)), g);
        e = madd(v128.load(e1 + kb), v128.load(e2 + kb), e);
        g2 = madd(f64x2.mul(v128.load(u1 + kb, 16), v128.load(u2 + kb, 16)), v128.load(at(iev, k), 16), g2);
        e2s = madd(v128.load(e1 + kb, 16), v128.load(e2 + kb, 16), e2s);
      }
      if (k < stride) {
        const kb = (<usize>k) << 3;
        g = madd(f64x2.mul(v128.load(u1 + kb), v128.load(u2 + kb)), v128.load(at(iev, k)), g);
        e = madd(v128.load(e1 + kb), v128.load(e2 + kb), e);
      }
      const gs = hsum(f64x2.add(g, g2)), es = hsum(f64x2.add(e, e2s));
      store<f64>(at(moments, l1 * d + l2), gs);
      store<f64>(at(moments, l2 * d + l1), gs);
      store<f64>(at(moments, dd + l1 * d + l2), es);
      store<f64>(at(moments, dd + l2 * d + l1), es);
    }
  }
  // Conditional covariances: diagonal terms dl_l sum_k w_lk (U) and dl_l sum_k delta_k w_lk (E), the sums mvSums
  // took in its pass over w.
  for (let l = 0; l < d; l++) {
    addDiagonal(moments, d, l, load<f64>(at(dl, l)), load<f64>(at(wSums, l)), load<f64>(at(wSums, d + l)));
  }
  if (!reml) return;
  // REML: sum_k w_l1k w_l2k x_k^T Qi[l1, l2] x_k (times delta_k dl_l1 dl_l2 for U), the quadratic form as
  // sum over pairs i <= j of the symmetrised block entries a[i, j] times x_ik x_jk; summed over k first,
  // sum_t a[t] (sum_k w_l1k w_l2k xx_tk), so that the sums over k are multi-row dot products. The rows of U and
  // E are free now: they hold w_l1 w_l2 and delta w_l1 w_l2.
  const traitPairs = (d * (d + 1)) / 2;
  const a = scratch, sums0 = at(scratch, traitPairs * pairs), sums1 = at(sums0, pairs);
  const ww = uT, evww = eT;
  let tp = 0;
  for (let l1 = 0; l1 < d; l1++) {
    for (let l2 = l1; l2 < d; l2++, tp++) {
      let t = 0;
      for (let i = 0; i < c; i++) {
        for (let j = i; j < c; j++, t++) {
          const v = load<f64>(at(qi, (i * d + l1) * dc + j * d + l2));
          store<f64>(at(a, tp * pairs + t), i == j ? v : v + load<f64>(at(qi, (j * d + l1) * dc + i * d + l2)));
        }
      }
    }
  }
  tp = 0;
  for (let l1 = 0; l1 < d; l1++) {
    for (let l2 = l1; l2 < d; l2++, tp++) {
      const w1 = at(w, l1 * stride), w2 = at(w, l2 * stride), coef = at(a, tp * pairs);
      for (let k = 0; k < stride; k += 2) {
        const p = f64x2.mul(v128.load(at(w1, k)), v128.load(at(w2, k)));
        v128.store(at(ww, k), p);
        v128.store(at(evww, k), f64x2.mul(v128.load(at(ev, k)), p));
      }
      dotRows2(xx, pairs, ww, evww, stride, sums0, sums1, 1);
      let se: f64 = 0, su: f64 = 0;
      for (let t = 0; t < pairs; t++) {
        const ct = load<f64>(at(coef, t));
        se += ct * load<f64>(at(sums0, t));
        su += ct * load<f64>(at(sums1, t));
      }
      const u = load<f64>(at(dl, l1)) * load<f64>(at(dl, l2)) * su;
      store<f64>(at(moments, l1 * d + l2), load<f64>(at(moments, l1 * d + l2)) + u);
      store<f64>(at(moments, dd + l1 * d + l2), load<f64>(at(moments, dd + l1 * d + l2)) + se);
      if (l2 != l1) {
        store<f64>(at(moments, l2 * d + l1), load<f64>(at(moments, l2 * d + l1)) + u);
        store<f64>(at(moments, dd + l2 * d + l1), load<f64>(at(moments, dd + l2 * d + l1)) + se);
      }
    }
  }
}
