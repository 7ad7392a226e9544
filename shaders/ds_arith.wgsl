// ds_arith: double-single (float-float) arithmetic shared by the double-single kernels.
// Not a kernel: no entry point and no bindings; loadShader() splices it in where a kernel says
// `//!include ds_arith.wgsl`, so the start-up self-test exercises exactly the code the kernels run.
//
// A double-single value is vec2f(hi, lo) with value hi + lo. A packed operand is
// vec4f(hi, lo, hiBig, hiSmall) where hiBig + hiSmall == hi is Dekker's split of hi (each part at
// most 12 significant bits), computed once on the CPU so that hiBig * hiBig' etc. are exact in f32.
//
// WGSL lets compilers reassociate and contract float expressions (gpuweb#2076); on Mesa llvmpipe
// the textbook TwoSum error term folds to 0. Every intermediate whose rounding matters therefore
// passes through opaque(), an XOR of its bits with a runtime zero `z` read from a uniform: float
// algebra cannot see through integer ops, and the value is unchanged. (Multiplying by a runtime 1.0
// is not enough: Mesa factors the common `* one` out of `x * one - y * one` and then cancels, which
// zeroed the error term of a TwoSum fed by another TwoSum.) selfTestDoubleSingle() checks per adapter.

// The value x, hidden from the optimiser (z is always 0).
fn opaque(x: f32, z: u32) -> f32 {
  return bitcast<f32>(bitcast<u32>(x) ^ z);
}

// Knuth's TwoSum: s + err == a + b exactly, s == fl(a + b).
fn twoSum(a: f32, b: f32, z: u32) -> vec2<f32> {
  let s = opaque(a + b, z);
  let bVirtual = opaque(s - a, z);
  let aVirtual = opaque(s - bVirtual, z);
  return vec2<f32>(s, opaque(a - aVirtual, z) + opaque(b - bVirtual, z));
}

// Dekker's split with factor 2^12 + 1: hi has at most 12 significant bits and hi + lo == a.
fn dekkerSplit(a: f32, z: u32) -> vec2<f32> {
  let t = opaque(4097.0 * a, z);
  let hi = opaque(t - opaque(t - a, z), z);
  return vec2<f32>(hi, opaque(a - hi, z));
}

// Dekker's TwoProd from pre-split factors: p + err == a * b exactly (barring underflow).
// Each partial product of 12-bit halves is exact; the order of the corrections keeps every sum exact.
fn twoProdSplit(a: f32, aSplit: vec2<f32>, b: f32, bSplit: vec2<f32>, z: u32) -> vec2<f32> {
  let p = opaque(a * b, z);
  let e1 = opaque(aSplit.x * bSplit.x - p, z);
  let e2 = opaque(e1 + aSplit.x * bSplit.y, z);
  let e3 = opaque(e2 + aSplit.y * bSplit.x, z);
  return vec2<f32>(p, e3 + aSplit.y * bSplit.y);
}

// TwoProd splitting both factors on the GPU.
fn twoProd(a: f32, b: f32, z: u32) -> vec2<f32> {
  return twoProdSplit(a, dekkerSplit(a, z), b, dekkerSplit(b, z), z);
}

// Product of two packed double-single operands as an unnormalised double-single (lo * lo' dropped:
// it is below 2^-48 relative).
fn packedProduct(a: vec4<f32>, b: vec4<f32>, z: u32) -> vec2<f32> {
  let pe = twoProdSplit(a.x, a.zw, b.x, b.zw, z);
  return vec2<f32>(pe.x, pe.y + (a.x * b.y + a.y * b.x));
}

// One step of compensated dot product (Ogita-Rump-Oishi Dot2): the hi parts are summed with
// TwoSum, every rounding error and low part goes into acc.y, which is renormalised per tile.
fn dot2Step(acc: vec2<f32>, term: vec2<f32>, z: u32) -> vec2<f32> {
  let s = twoSum(acc.x, term.x, z);
  return vec2<f32>(s.x, acc.y + (s.y + term.y));
}

// Renormalise so that |lo| <= ulp(hi) / 2 (TwoSum, not FastTwoSum: hi may have cancelled below lo).
fn renormalize(acc: vec2<f32>, z: u32) -> vec2<f32> {
  return twoSum(acc.x, acc.y, z);
}

// Sum of two double-single values, renormalised.
fn dsAdd(a: vec2<f32>, b: vec2<f32>, z: u32) -> vec2<f32> {
  let s = twoSum(a.x, b.x, z);
  return twoSum(s.x, s.y + (a.y + b.y), z);
}
