// rotate_gemm: rotated genotypes U^T x for every SNP of a block, in double-single arithmetic.
//   rotated[j * n + k] (+)= sum_{i < kCount} eigvecPanel[i * n + k] * snpBlock[j * lda + kBegin + i]
// i.e. out = X * U restricted to one row panel of U (rows kBegin .. kBegin + kCount of U), so a
// large U can be split over several buffers and the panels summed with `accumulate`.
//
// Bind group 0:
//   @binding(0) uniform             params: RotateParams
//   @binding(1) storage, read       snpBlock: array<vec4f>     m x lda, SNP-major, packed (hi, lo, hiBig, hiSmall)
//   @binding(2) storage, read       eigvecPanel: array<vec4f>  kCount x n, row-major rows of U, packed likewise
//   @binding(3) storage, read_write rotated: array<vec2f>      m x n, SNP-major (hi, lo); overwritten when
//                                                              params.accumulate == 0, added to otherwise
// Dispatch: (ceil(n / 32), ceil(m / 32), 1) workgroups of 8 x 8 invocations; each invocation owns a
// 4 x 4 block of outputs (rows lid.y + 8r, columns lid.x + 8c). 64 invocations and 16 KiB of
// workgroup memory fit WebGPU compatibility-mode defaults.

//!include ds_arith.wgsl

struct RotateParams {
  m: u32,          // SNPs in this block chunk
  n: u32,          // individuals = columns of U = row length of rotated
  lda: u32,        // row length of snpBlock (n)
  kBegin: u32,     // first row of U held by eigvecPanel
  kCount: u32,     // rows of U held by eigvecPanel
  accumulate: u32, // 1: add to rotated, 0: overwrite
  opaqueZero: u32, // runtime 0: the reassociation guard of ds_arith (opaque())
  pad: u32,
}

const TILE: u32 = 32u;
const TK: u32 = 16u;
const WG: u32 = 8u;

@group(0) @binding(0) var<uniform> params: RotateParams;
@group(0) @binding(1) var<storage, read> snpBlock: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> eigvecPanel: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> rotated: array<vec2<f32>>;

var<workgroup> tileX: array<vec4<f32>, 512>; // [TILE SNPs][TK individuals]
var<workgroup> tileU: array<vec4<f32>, 512>; // [TK individuals][TILE eigenvectors]

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let z = params.opaqueZero;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let flat = lid.y * WG + lid.x;
  var acc: array<vec2<f32>, 16>;
  for (var q = 0u; q < 16u; q++) {
    acc[q] = vec2<f32>(0.0, 0.0);
  }

  for (var k0 = 0u; k0 < params.kCount; k0 += TK) {
    // Zero padding outside the matrix: a zero term adds exactly nothing to a double-single sum.
    for (var t = 0u; t < 8u; t++) {
      let e = flat + t * 64u;
      let r = e / TK;
      let c = e % TK;
      let gRow = row0 + r;
      let gK = k0 + c;
      var v = vec4<f32>(0.0);
      if (gRow < params.m && gK < params.kCount) {
        v = snpBlock[gRow * params.lda + params.kBegin + gK];
      }
      tileX[e] = v;
    }
    for (var t = 0u; t < 8u; t++) {
      let e = flat + t * 64u;
      let r = e / TILE;
      let c = e % TILE;
      let gK = k0 + r;
      let gCol = col0 + c;
      var v = vec4<f32>(0.0);
      if (gK < params.kCount && gCol < params.n) {
        v = eigvecPanel[gK * params.n + gCol];
      }
      tileU[e] = v;
    }
    workgroupBarrier();

    for (var kk = 0u; kk < TK; kk++) {
      var u: array<vec4<f32>, 4>;
      for (var c = 0u; c < 4u; c++) {
        u[c] = tileU[kk * TILE + lid.x + WG * c];
      }
      for (var r = 0u; r < 4u; r++) {
        let x = tileX[(lid.y + WG * r) * TK + kk];
        for (var c = 0u; c < 4u; c++) {
          acc[r * 4u + c] = dot2Step(acc[r * 4u + c], packedProduct(x, u[c], z), z);
        }
      }
    }
    // Renormalising once per tile keeps the unnormalised low part within TK ulps of the high part.
    for (var q = 0u; q < 16u; q++) {
      acc[q] = renormalize(acc[q], z);
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < 4u; r++) {
    let gRow = row0 + lid.y + WG * r;
    for (var c = 0u; c < 4u; c++) {
      let gCol = col0 + lid.x + WG * c;
      if (gRow < params.m && gCol < params.n) {
        let idx = gRow * params.n + gCol;
        var value = acc[r * 4u + c];
        if (params.accumulate != 0u) {
          value = dsAdd(rotated[idx], value, z);
        }
        rotated[idx] = value;
      }
    }
  }
}
