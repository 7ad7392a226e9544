// kinship_syrk: kinship += X^T X over one chunk of SNPs, in double-single arithmetic.
//   kinshipPanel[(i - rowBegin) * n + k] += sum_{j < m} snpBlock[j * n + i] * snpBlock[j * n + k]
// for rows rowBegin <= i < rowBegin + rowCount (one row panel of the n x n matrix). Only tiles that
// touch the upper triangle (i <= k) are computed; the host mirrors them when it reads back.
//
// Bind group 0:
//   @binding(0) uniform             params: SyrkParams
//   @binding(1) storage, read       snpBlock: array<vec4f>      m x n, SNP-major, packed (hi, lo, hiBig, hiSmall)
//   @binding(2) storage, read_write kinshipPanel: array<vec2f>  rowCount x n, row-major (hi, lo), the running sum
// Dispatch: (ceil(n / 32), ceil(rowCount / 32), 1) workgroups of 8 x 8 invocations; each invocation
// owns a 4 x 4 block of entries (rows lid.y + 8r, columns lid.x + 8c).

//!include ds_arith.wgsl

struct SyrkParams {
  m: u32,        // SNPs in this chunk
  n: u32,        // individuals
  rowBegin: u32, // first kinship row held by kinshipPanel
  rowCount: u32, // kinship rows held by kinshipPanel
  opaqueZero: u32, // runtime 0: the reassociation guard of ds_arith (opaque())
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

const TILE: u32 = 32u;
const TK: u32 = 16u;
const WG: u32 = 8u;

@group(0) @binding(0) var<uniform> params: SyrkParams;
@group(0) @binding(1) var<storage, read> snpBlock: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> kinshipPanel: array<vec2<f32>>;

var<workgroup> tileRows: array<vec4<f32>, 512>; // [TK SNPs][TILE individuals i]
var<workgroup> tileCols: array<vec4<f32>, 512>; // [TK SNPs][TILE individuals k]

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let z = params.opaqueZero;
  let row0 = params.rowBegin + wid.y * TILE;
  let col0 = wid.x * TILE;
  // Whole tile below the diagonal: its entries are mirrors of computed ones. Workgroup-uniform exit.
  if (row0 > col0 + TILE - 1u) {
    return;
  }
  let rowEnd = params.rowBegin + params.rowCount;
  let flat = lid.y * WG + lid.x;
  var acc: array<vec2<f32>, 16>;
  for (var q = 0u; q < 16u; q++) {
    acc[q] = vec2<f32>(0.0, 0.0);
  }

  for (var j0 = 0u; j0 < params.m; j0 += TK) {
    for (var t = 0u; t < 8u; t++) {
      let e = flat + t * 64u;
      let s = e / TILE;
      let c = e % TILE;
      let gSnp = j0 + s;
      var vr = vec4<f32>(0.0);
      var vc = vec4<f32>(0.0);
      if (gSnp < params.m) {
        if (row0 + c < rowEnd) {
          vr = snpBlock[gSnp * params.n + row0 + c];
        }
        if (col0 + c < params.n) {
          vc = snpBlock[gSnp * params.n + col0 + c];
        }
      }
      tileRows[e] = vr;
      tileCols[e] = vc;
    }
    workgroupBarrier();

    for (var kk = 0u; kk < TK; kk++) {
      var xk: array<vec4<f32>, 4>;
      for (var c = 0u; c < 4u; c++) {
        xk[c] = tileCols[kk * TILE + lid.x + WG * c];
      }
      for (var r = 0u; r < 4u; r++) {
        let xi = tileRows[kk * TILE + lid.y + WG * r];
        for (var c = 0u; c < 4u; c++) {
          acc[r * 4u + c] = dot2Step(acc[r * 4u + c], packedProduct(xi, xk[c], z), z);
        }
      }
    }
    for (var q = 0u; q < 16u; q++) {
      acc[q] = renormalize(acc[q], z);
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < 4u; r++) {
    let gRow = row0 + lid.y + WG * r;
    for (var c = 0u; c < 4u; c++) {
      let gCol = col0 + lid.x + WG * c;
      if (gRow < rowEnd && gCol < params.n) {
        let idx = (gRow - params.rowBegin) * params.n + gCol;
        kinshipPanel[idx] = dsAdd(kinshipPanel[idx], acc[r * 4u + c], z);
      }
    }
  }
}
