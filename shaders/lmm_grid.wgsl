// lmm_grid: the weighted sums of the per-SNP likelihood at the lambda grid, in double-single arithmetic.
//   sums[(j * cols + k) * q + t] = sum_{i < n} (x_j[i] * other_k[i]) * weights[i * q + t]
// for every SNP j of a rotated block, each of its cols = c + 2 product columns k (GEMMA's CalcUab for the
// SNP: k < c: x * w_k, k == c: x * x, k == c + 1: x * y) and every weight column t (the host puts
// 1 / (lambda_g d_i + 1) and its square there). This is the grid phase of src/stats/likelihood.ts and of
// assembly/lmm.ts + lmm-grid.ts: one product of the grid weights with each SNP's product columns. The
// CPU finishes in float64 (covariate-only sums, projections, brackets, Brent/Newton, p-values).
//
// Bind group 0:
//   @binding(0) uniform             params: GridParams
//   @binding(1) storage, read       rotated: array<vec2f>  m x n, SNP-major (hi, lo): rotate_gemm's output,
//                                                          read where it lies (no round trip)
//   @binding(2) storage, read       others: array<vec2f>   (c + 1) x n, column-major (hi, lo): the rotated
//                                                          covariates w_1..w_c, then the rotated phenotype y
//   @binding(3) storage, read       weights: array<vec4f>  n x q, row-major, packed (hi, lo, hiBig, hiSmall)
//   @binding(4) storage, read_write sums: array<vec2f>     m x cols x q (hi, lo), overwritten
// Dispatch: (min(G, 65535), ceil(G / 65535), 1) workgroups of 64 invocations, G = ceil(m * cols * q / 64);
// invocation `id` (flattened over x and y) owns output id. 64 invocations fit compatibility-mode defaults.
// Error: about 2^-44 * sum_i |x_i other_i w_it| (products in double-single, compensated sum).

//!include ds_arith.wgsl

struct GridParams {
  m: u32,          // SNPs in the block
  n: u32,          // individuals
  cols: u32,       // product columns per SNP: c + 2
  q: u32,          // weight columns
  rowStride: u32,  // invocations per row of workgroups (65535 * 64 or less): flattens the 2-D dispatch
  opaqueZero: u32, // runtime 0: the reassociation guard of ds_arith (opaque())
  pad0: u32,
  pad1: u32,
}

const WG: u32 = 64u;
// Terms summed between renormalisations: keeps the unnormalised low part within RENORM ulps of hi.
const RENORM: u32 = 16u;

@group(0) @binding(0) var<uniform> params: GridParams;
@group(0) @binding(1) var<storage, read> rotated: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> others: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> sums: array<vec2<f32>>;

// Product of two double-single values (both split on the GPU), renormalised; lo * lo' is below 2^-48.
fn dsMul(a: vec2<f32>, b: vec2<f32>, z: u32) -> vec2<f32> {
  let pe = twoProd(a.x, b.x, z);
  return renormalize(vec2<f32>(pe.x, pe.y + (a.x * b.y + a.y * b.x)), z);
}

// A double-single value packed as an operand of packedProduct (Dekker split of hi done here).
fn packOperand(a: vec2<f32>, z: u32) -> vec4<f32> {
  let s = dekkerSplit(a.x, z);
  return vec4<f32>(a.x, a.y, s.x, s.y);
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let z = params.opaqueZero;
  let id = gid.y * params.rowStride + gid.x;
  let q = params.q;
  let cols = params.cols;
  let n = params.n;
  if (id >= params.m * cols * q) {
    return;
  }
  let t = id % q;
  let jk = id / q;
  let k = jk % cols;
  let j = jk / cols;
  let c = cols - 2u;
  let xBase = j * n;
  // Column k's partner: covariate k (k < c), x itself (k == c), y (k == c + 1, stored after the covariates).
  var otherBase = 0u;
  if (k < c) {
    otherBase = k * n;
  } else if (k > c) {
    otherBase = c * n;
  }
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = 0u; i < n; i++) {
    let x = rotated[xBase + i];
    var other = x;
    if (k != c) {
      other = others[otherBase + i];
    }
    let p = packOperand(dsMul(x, other, z), z);
    acc = dot2Step(acc, packedProduct(p, weights[i * q + t], z), z);
    if (i % RENORM == RENORM - 1u) {
      acc = renormalize(acc, z);
    }
  }
  sums[id] = renormalize(acc, z);
}
