// Small SIMD vector helpers shared by the eigensolver kernels (flat memory, f64, no allocation).

/** Address of f64 element idx of the array at base. */
// @ts-ignore: decorator
@inline export function at(base: usize, idx: i32): usize { return base + ((<usize>idx) << 3); }

/** a*b + c per lane; relaxed_madd fuses on x86 with FMA (the relaxed build), the plain build rounds twice. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** Sum of x[i] * y[i] over len doubles. */
export function dot(x: usize, y: usize, len: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    acc0 = madd(v128.load(x), v128.load(y), acc0);
    acc1 = madd(v128.load(x, 16), v128.load(y, 16), acc1);
    x += 32; y += 32;
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < len; i++) { s += load<f64>(x) * load<f64>(y); x += 8; y += 8; }
  return s;
}

/** y += alpha * x over len doubles. */
export function axpy(alpha: f64, x: usize, y: usize, len: i32): void {
  const av = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    v128.store(y, madd(av, v128.load(x), v128.load(y)));
    x += 16; y += 16;
  }
  if (i < len) store<f64>(y, load<f64>(y) + alpha * load<f64>(x));
}

/** x *= alpha over len doubles. */
export function scal(alpha: f64, x: usize, len: i32): void {
  const av = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= len; i += 2) { v128.store(x, f64x2.mul(av, v128.load(x))); x += 16; }
  if (i < len) store<f64>(x, alpha * load<f64>(x));
}

/** (x, y) <- (c x + s y, c y - s x) elementwise over len doubles (a plane rotation of two rows). */
export function rot(x: usize, y: usize, c: f64, s: f64, len: i32): void {
  const cv = f64x2.splat(c), sv = f64x2.splat(s);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const xv = v128.load(x), yv = v128.load(y);
    v128.store(x, f64x2.add(f64x2.mul(cv, xv), f64x2.mul(sv, yv)));
    v128.store(y, f64x2.sub(f64x2.mul(cv, yv), f64x2.mul(sv, xv)));
    x += 16; y += 16;
  }
  if (k < len) {
    const xs = load<f64>(x), ys = load<f64>(y);
    store<f64>(x, c * xs + s * ys);
    store<f64>(y, c * ys - s * xs);
  }
}

/** Largest |x[i]| over len doubles (0 for len <= 0). */
export function maxAbsOf(x: usize, len: i32): f64 {
  let m = 0.0;
  for (let i = 0; i < len; i++) m = Math.max(m, Math.abs(load<f64>(at(x, i))));
  return m;
}

// Context blocks: 8-byte slots holding an i32 (sizes, pointers) or an f64, filled by a leader for its jobs' chunks.
/** Stores an i32 (a size, or a pointer's bits) in context slot `slot`. */
// @ts-ignore: decorator
@inline export function setSlot(ctx: usize, slot: i32, v: i32): void { store<i32>(ctx + ((<usize>slot) << 3), v); }
/** The i32 in context slot `slot`. */
// @ts-ignore: decorator
@inline export function slot(ctx: usize, slot: i32): i32 { return load<i32>(ctx + ((<usize>slot) << 3)); }
/** The pointer in context slot `slot` (read unsigned: memory may pass 2 GiB). */
// @ts-ignore: decorator
@inline export function ptrSlot(ctx: usize, slot: i32): usize { return <usize>load<u32>(ctx + ((<usize>slot) << 3)); }
/** Stores an f64 in context slot `slot`. */
// @ts-ignore: decorator
@inline export function setF(ctx: usize, slot: i32, v: f64): void { store<f64>(ctx + ((<usize>slot) << 3), v); }
/** The f64 in context slot `slot`. */
// @ts-ignore: decorator
@inline export function getF(ctx: usize, slot: i32): f64 { return load<f64>(ctx + ((<usize>slot) << 3)); }
/** Bytes of a context block (32 slots). */
export const CTX_BYTES: i32 = 256;

/** Per-thread pointer from a u32 table (one entry per team thread). */
// @ts-ignore: decorator
@inline export function threadPtr(table: usize, tid: i32): usize { return <usize>load<u32>(table + ((<usize>tid) << 2)); }
