// ds_selftest: evaluates the ds_arith primitives on pairs of f32 so the host can check, per adapter,
// that the compiler kept TwoSum and TwoProd error-free (see selfTestDoubleSingle).
//   results[2i] = (twoSum(a_i, b_i), twoProd(a_i, b_i)), results[2i + 1] = (packedProduct(packed a_i, packed b_i), dsAdd(twoSum(a_i, b_i), twoProd(a_i, b_i)))
//
// Bind group 0:
//   @binding(0) uniform             params: SelfTestParams
//   @binding(1) storage, read       pairs: array<vec2f>       count pairs (a, b)
//   @binding(2) storage, read       packed: array<vec4f>      2 * count packed operands (a_i, b_i interleaved)
//   @binding(3) storage, read_write results: array<vec4f>     count x 2: (twoSum.s, twoSum.err, twoProd.p, twoProd.err),
//                                                             (packedProduct.hi, .lo, chained dsAdd.hi, .lo)
// Dispatch: (ceil(count / 64), 1, 1) workgroups of 64 invocations, one pair each.

//!include ds_arith.wgsl

struct SelfTestParams {
  count: u32,
  opaqueZero: u32, // runtime 0: the reassociation guard of ds_arith (opaque())
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> params: SelfTestParams;
@group(0) @binding(1) var<storage, read> pairs: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> packed: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> results: array<vec4<f32>>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.count) {
    return;
  }
  let z = params.opaqueZero;
  let ab = pairs[i];
  let s = twoSum(ab.x, ab.y, z);
  let p = twoProd(ab.x, ab.y, z);
  results[2u * i] = vec4<f32>(s.x, s.y, p.x, p.y);
  let q = packedProduct(packed[2u * i], packed[2u * i + 1u], z);
  // A TwoSum fed by another TwoSum's output: the case Mesa broke when the guard was `* one`.
  let chained = dsAdd(s, p, z);
  results[2u * i + 1u] = vec4<f32>(q.x, q.y, chained.x, chained.y);
}
