// lmm_refine: the per-SNP optimisation of lambda on the GPU, one (SNP, likelihood kind) per invocation, in
// double-single arithmetic. After lmm_grid has summed each SNP's product columns at the grid lambdas, this
// kernel (1) turns those sums into the derivative d logL / d lambda at every grid point (GEMMA's CalcPab /
// CalcPPab projections and LogL_dev1 / LogRL_dev1, as src/stats/likelihood.ts derivative1FromRows), (2) finds
// the grid cells where it changes sign (GEMMA's brackets), and (3) with exactly one bracket runs a safeguarded
// Newton iteration (in log lambda) on the derivative inside it: each step sums w, w^2, w^3 (w_i = 1 / (lambda d_i + 1)) times
// every product column over the n individuals, projects (P, PP, PPP) and applies GEMMA's first and second
// derivative formulas; a step leaving the bracket is replaced by bisection. The CPU then polishes the lambda
// with one float64 Newton step and computes the likelihood, the statistics and the p-values
// (src/engines/webgpu/lmm-finish.ts).
//
// Bind group 0:
//   @binding(0) uniform             params: RefineParams
//   @binding(1) storage, read       rotated: array<vec2f>  m x n, SNP-major (hi, lo): rotate_gemm's output
//   @binding(2) storage, read       gridSums: array<vec2f> lmm_grid's output for the same m SNPs
//   @binding(3) storage, read       plan: array<vec2f>     the plan's constants (hi, lo), one buffer because
//                                                          compatibility mode allows 4 storage buffers:
//     [0, (c + 1) n)                 covariates w_1..w_c, then y, column-major
//     [eigenOffset, + n)             eigenvalues
//     [covOffset, + q (nIndex + 1))  per weight column t: the covariate-only product sums (SNP columns 0),
//                                    then the trace sum_i weight_t(i)
//     [gridOffset, + G)              the grid lambdas
//   @binding(4) storage, read_write results: array<vec4f> 2 per item (m x kinds): (lambda, lo), (hi, fLo, status)
// Status: 0 converged, 1 no bracket holding a maximum (the CPU compares the ends), 2 several of them, 3 a sign
// change below lambda = 1e-3 (rounding-noise regime), 4 a non-finite value, 5 too many covariates for the kernel's
// tables, 6 still running (after the last step: not converged). 2..6: the CPU optimises in float64.
// Dispatch: phase 0 once, then phase 1 once per Newton step (at most REFINE_STEPS in lmm-refine.ts), each over
// (min(G, 65535), ceil(G / 65535), 1) workgroups of 64, G = ceil(m * kinds / 64). One step per dispatch keeps an
// invocation's loop iterations at about n (c + 2)(c + 3) / 2: Mesa's llvmpipe stops every loop of an invocation
// after 65535 iterations in all (its loop limiter), which a whole Newton iteration would exceed at n = 130.

//!include ds_arith.wgsl

struct RefineParams {
  m: u32,          // SNPs in the block
  n: u32,          // individuals
  nCvt: u32,       // covariates c
  q: u32,          // weight columns of lmm_grid
  g: u32,          // grid points G
  kinds: u32,      // likelihood kinds per SNP (1 or 2)
  kind0: u32,      // 0 REML, 1 ML: the kind of item 0 of a SNP
  kind1: u32,      // the kind of item 1 of a SNP (kinds == 2)
  rowStride: u32,  // invocations per row of workgroups
  eigenOffset: u32,
  covOffset: u32,
  gridOffset: u32,
  phase: u32,      // 0: brackets and starting points; 1: one Newton step of every item still running
  opaqueZero: u32, // runtime 0: the reassociation guard of ds_arith (opaque())
  pad0: u32,
  pad1: u32,
}

// Tables sized for c <= MAX_CVT covariates: c + 2 vectors, (c + 2)(c + 3) / 2 product columns, two rows of each of P,
// PP, PPP. src/engines/webgpu/lmm-refine.ts sets MAX_CVT to the plan's c (at least 4) before compiling; the other
// sizes follow. WGSL guarantees 8192 bytes of private variables to an invocation: 6 MAX_INDEX + 4 MAX_VEC pairs of
// f32 (48 MAX_INDEX + 32 MAX_VEC bytes) and a few scalars, which holds c <= 15.
const MAX_CVT: u32 = 4u;
const MAX_VEC: u32 = MAX_CVT + 2u;
const MAX_INDEX: u32 = (MAX_VEC * (MAX_VEC + 1u)) / 2u;
const MAX_ROWS: u32 = 2u * MAX_INDEX;
// Newton stops when a step moves lambda by less than this fraction: the double-single iterates settle at about
// 1e-8 relative (measured on llvmpipe), and one float64 Newton step on the CPU takes 1e-7 to about 1e-14.
const STEP_TOL: f32 = 1e-7;
const NOISE_LAMBDA: f32 = 1e-3;
// Status of an item still iterating.
const RUNNING: f32 = 6.0;
const RENORM: u32 = 16u;

@group(0) @binding(0) var<uniform> params: RefineParams;
@group(0) @binding(1) var<storage, read> rotated: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> gridSums: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> plan: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> results: array<vec4<f32>>;

var<private> pab: array<vec2<f32>, MAX_ROWS>;
var<private> ppab: array<vec2<f32>, MAX_ROWS>;
var<private> pppab: array<vec2<f32>, MAX_ROWS>;
var<private> vecs: array<vec2<f32>, MAX_VEC>;
// Per row r of the projection: its diagonal (r + 1, r + 1), or (y, y) for the last row (keepRow).
var<private> keptP: array<vec2<f32>, MAX_VEC>;
var<private> keptPP: array<vec2<f32>, MAX_VEC>;
var<private> keptPPP: array<vec2<f32>, MAX_VEC>;
var<private> z: u32;
var<private> cols: u32;
var<private> nIndex: u32;

fn dsMul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let pe = twoProd(a.x, b.x, z);
  return renormalize(vec2<f32>(pe.x, pe.y + (a.x * b.y + a.y * b.x)), z);
}

fn dsSub(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return dsAdd(a, -b, z);
}

// a / b: f32 quotient, then one correction from the exact-enough remainder a - q b.
fn dsDiv(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let q1 = a.x / b.x;
  let r = dsSub(a, dsMul(b, vec2<f32>(q1, 0.0)));
  return twoSum(q1, r.x / b.x, z);
}

fn dsScale(a: vec2<f32>, s: f32) -> vec2<f32> {
  return dsMul(a, vec2<f32>(s, 0.0));
}

// Compensated accumulation: the hi parts through TwoSum, errors and lo parts into .y (renormalised by callers).
fn accumulate(acc: vec2<f32>, term: vec2<f32>) -> vec2<f32> {
  let s = twoSum(acc.x, term.x, z);
  return vec2<f32>(s.x, acc.y + (s.y + term.y));
}

// GEMMA's GetabIndex (1-based a, b): column of the pair among the (c + 2)(c + 3) / 2.
fn abIndex(a: u32, b: u32) -> u32 {
  let lo = min(a, b);
  let hi = max(a, b);
  return ((2u * cols - lo + 2u) * (lo - 1u)) / 2u + hi - lo;
}

// Row r of the projected tables (at slot r % 2): keeps the entries derivatives() reads, the diagonal (r + 1, r + 1)
// of rows 0..c and (y, y) of the last row, c + 1.
fn keepRow(r: u32, levels: u32) {
  let base = (r & 1u) * nIndex;
  var idx = base + abIndex(r + 1u, r + 1u);
  if (r == cols - 1u) {
    idx = base + abIndex(cols, cols);
  }
  keptP[r] = pab[idx];
  if (levels >= 2u) {
    keptPP[r] = ppab[idx];
  }
  if (levels >= 3u) {
    keptPPP[r] = pppab[idx];
  }
}

// GEMMA's CalcPab, CalcPPab (levels >= 2) and CalcPPPab (levels 3): rows 1..c + 1 from row 0, each row from the one
// before only, so two rows of each table are held (row p at slot p % 2) and the entries that derivatives() reads are
// kept as each row is made (keepRow). The arithmetic is GEMMA's, entry for entry.
fn project(levels: u32) {
  keepRow(0u, levels);
  for (var p = 1u; p <= cols - 1u; p++) {
    let prev = ((p - 1u) & 1u) * nIndex;
    let cur = (p & 1u) * nIndex;
    let iww = prev + abIndex(p, p);
    let ww = pab[iww];
    let ww2 = ppab[iww];
    let ww3 = pppab[iww];
    for (var a = p + 1u; a <= cols; a++) {
      let iaw = prev + abIndex(a, p);
      let aw = pab[iaw];
      let aw2 = ppab[iaw];
      let aw3 = pppab[iaw];
      for (var b = a; b <= cols; b++) {
        let idx = abIndex(a, b);
        let ibw = prev + abIndex(b, p);
        let bw = pab[ibw];
        if (ww.x == 0.0) {
          pab[cur + idx] = pab[prev + idx];
          ppab[cur + idx] = ppab[prev + idx];
          pppab[cur + idx] = pppab[prev + idx];
          continue;
        }
        pab[cur + idx] = dsSub(pab[prev + idx], dsDiv(dsMul(aw, bw), ww));
        if (levels < 2u) {
          continue;
        }
        let bw2 = ppab[ibw];
        let t1 = dsDiv(dsMul(dsMul(aw, bw), ww2), dsMul(ww, ww));
        let t2 = dsDiv(dsAdd(dsMul(aw, bw2), dsMul(bw, aw2), z), ww);
        ppab[cur + idx] = dsSub(dsAdd(ppab[prev + idx], t1, z), t2);
        if (levels < 3u) {
          continue;
        }
        let bw3 = pppab[ibw];
        let wwSq = dsMul(ww, ww);
        var v = dsSub(pppab[prev + idx], dsDiv(dsMul(dsMul(aw, bw), dsMul(ww2, ww2)), dsMul(wwSq, ww)));
        let s3 = dsAdd(dsAdd(dsMul(aw, bw3), dsMul(bw, aw3), z), dsMul(aw2, bw2), z);
        v = dsSub(v, dsDiv(s3, ww));
        let s2 = dsAdd(dsAdd(dsMul(dsMul(aw, bw2), ww2), dsMul(dsMul(bw, aw2), ww2), z), dsMul(dsMul(aw, bw), ww3), z);
        pppab[cur + idx] = dsAdd(v, dsDiv(s2, wwSq), z);
      }
    }
    keepRow(p, levels);
  }
}

// GEMMA's derivative formulas from the projected tables (finishDerivatives in src/stats/likelihood.ts):
// returns (d1, d2) as two double-single values packed in a vec4 (d2 only when `second`).
fn derivatives(kind: u32, lambda: vec2<f32>, second: bool, trHi: vec2<f32>, trHiHi: vec2<f32>) -> vec4<f32> {
  let nc = cols - 1u; // fixed effects with the SNP
  let pyy = keptP[nc];
  let ppyy = keptPP[nc];
  let nF = f32(params.n);
  let yPKPy = dsDiv(dsSub(pyy, ppyy), lambda);
  var lamSq = vec2<f32>(0.0, 0.0);
  var yPKPKPy = vec2<f32>(0.0, 0.0);
  if (second) {
    lamSq = dsMul(lambda, lambda);
    yPKPKPy = dsDiv(dsSub(dsAdd(pyy, keptPPP[nc], z), dsScale(ppyy, 2.0)), lamSq);
  }
  var dfF = nF;
  var traceK = dsDiv(dsSub(vec2<f32>(nF, 0.0), trHi), lambda);
  var traceKK = vec2<f32>(0.0, 0.0);
  if (second) {
    traceKK = dsDiv(dsSub(dsAdd(vec2<f32>(nF, 0.0), trHiHi, z), dsScale(trHi, 2.0)), lamSq);
  }
  if (kind == 0u) {
    dfF = f32(params.n - nc);
    var traceP = trHi;
    var tracePP = trHiHi;
    for (var i = 0u; i < nc; i++) {
      let psww = keptP[i];
      let ps2ww = keptPP[i];
      let ratio = dsDiv(ps2ww, psww);
      traceP = dsSub(traceP, ratio);
      if (second) {
        tracePP = dsSub(dsAdd(tracePP, dsMul(ratio, ratio), z), dsDiv(dsScale(keptPPP[i], 2.0), psww));
      }
    }
    traceK = dsDiv(dsSub(vec2<f32>(dfF, 0.0), traceP), lambda);
    if (second) {
      traceKK = dsDiv(dsSub(dsAdd(vec2<f32>(dfF, 0.0), tracePP, z), dsScale(traceP, 2.0)), lamSq);
    }
  }
  let d1 = dsAdd(dsScale(traceK, -0.5), dsDiv(dsScale(yPKPy, 0.5 * dfF), pyy), z);
  var d2 = vec2<f32>(0.0, 0.0);
  if (second) {
    let inner = dsSub(dsScale(dsMul(yPKPKPy, pyy), 2.0), dsMul(yPKPy, yPKPy));
    d2 = dsSub(dsScale(traceKK, 0.5), dsDiv(dsScale(inner, 0.5 * dfF), dsMul(pyy, pyy)));
  }
  return vec4<f32>(d1, d2);
}

// The vector of 1-based index a (covariate a, the SNP at c + 1, y at c + 2) for individual i.
fn loadVectors(j: u32, i: u32) {
  let n = params.n;
  let c = cols - 2u;
  for (var a = 0u; a < c; a++) {
    vecs[a] = plan[a * n + i];
  }
  vecs[c] = rotated[j * n + i];
  vecs[c + 1u] = plan[c * n + i];
}

// Row 0 of P, PP, PPP at lambda by one pass over the individuals; returns the traces (sum w, sum w^2).
fn sumRows(j: u32, lambda: vec2<f32>) -> vec4<f32> {
  for (var col = 0u; col < nIndex; col++) {
    pab[col] = vec2<f32>(0.0, 0.0);
    ppab[col] = vec2<f32>(0.0, 0.0);
    pppab[col] = vec2<f32>(0.0, 0.0);
  }
  var tr1 = vec2<f32>(0.0, 0.0);
  var tr2 = vec2<f32>(0.0, 0.0);
  for (var i = 0u; i < params.n; i++) {
    let v = dsAdd(dsMul(lambda, plan[params.eigenOffset + i]), vec2<f32>(1.0, 0.0), z);
    let w = dsDiv(vec2<f32>(1.0, 0.0), v);
    let w2 = dsMul(w, w);
    let w3 = dsMul(w2, w);
    tr1 = accumulate(tr1, w);
    tr2 = accumulate(tr2, w2);
    loadVectors(j, i);
    var col = 0u;
    for (var a = 1u; a <= cols; a++) {
      for (var b = a; b <= cols; b++) {
        let p = dsMul(vecs[a - 1u], vecs[b - 1u]);
        pab[col] = accumulate(pab[col], dsMul(w, p));
        ppab[col] = accumulate(ppab[col], dsMul(w2, p));
        pppab[col] = accumulate(pppab[col], dsMul(w3, p));
        col++;
      }
    }
    if (i % RENORM == RENORM - 1u) {
      for (var k = 0u; k < nIndex; k++) {
        pab[k] = renormalize(pab[k], z);
        ppab[k] = renormalize(ppab[k], z);
        pppab[k] = renormalize(pppab[k], z);
      }
      tr1 = renormalize(tr1, z);
      tr2 = renormalize(tr2, z);
    }
  }
  for (var k = 0u; k < nIndex; k++) {
    pab[k] = renormalize(pab[k], z);
    ppab[k] = renormalize(ppab[k], z);
    pppab[k] = renormalize(pppab[k], z);
  }
  return vec4<f32>(renormalize(tr1, z), renormalize(tr2, z));
}

// The derivative at grid point t from lmm_grid's sums of SNP j and the covSums covariate-only sums.
fn gridSlope(kind: u32, j: u32, t: u32) -> vec2<f32> {
  let q = params.q;
  let g = params.g;
  let stride = nIndex + 1u;
  for (var col = 0u; col < nIndex; col++) {
    pab[col] = plan[params.covOffset + t * stride + col];
    ppab[col] = plan[params.covOffset + (g + t) * stride + col];
  }
  let c = cols - 2u;
  for (var k = 0u; k < cols; k++) {
    let col = abIndex(c + 1u, k + 1u);
    pab[col] = gridSums[(j * cols + k) * q + t];
    ppab[col] = gridSums[(j * cols + k) * q + g + t];
  }
  project(2u);
  let d = derivatives(kind, plan[params.gridOffset + t], false, plan[params.covOffset + t * stride + nIndex], plan[params.covOffset + (g + t) * stride + nIndex]);
  return d.xy;
}

fn finite(x: f32) -> bool {
  // NaN fails the first test, +-Inf the second (no isNan/isInf in WGSL).
  return x == x && abs(x) <= 3.0e38;
}

// An item's state between dispatches: results[2 id] = (x, lo), results[2 id + 1] = (hi, fLo, status).
fn store(id: u32, x: vec2<f32>, lo: vec2<f32>, hi: vec2<f32>, fLo: f32, status: f32) {
  results[2u * id] = vec4<f32>(x, lo);
  results[2u * id + 1u] = vec4<f32>(hi, fLo, status);
}

fn stop(id: u32, status: f32) {
  store(id, vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), 0.0, status);
}

// Phase 0: the grid slopes, the bracket and the starting point.
fn bracket(id: u32, j: u32, kind: u32) {
  // Brackets: grid cells where the derivative changes sign (GEMMA's test slope_t * slope_t+1 <= 0). Only those
  // going from + to - hold a maximum; a root in any other is a minimum, never better than its neighbours (a
  // maximum or an end of the search), so it need not be refined.
  var brackets = 0u;
  var maxima = 0u;
  var cell = 0u;
  var noisy = false;
  var prev = gridSlope(kind, j, 0u);
  var fa = prev;
  var fb = prev;
  if (!finite(prev.x)) {
    stop(id, 4.0);
    return;
  }
  for (var t = 1u; t < params.g; t++) {
    let s = gridSlope(kind, j, t);
    if (!finite(s.x)) {
      stop(id, 4.0);
      return;
    }
    if (prev.x * s.x <= 0.0) {
      brackets++;
      if (plan[params.gridOffset + t - 1u].x < NOISE_LAMBDA) {
        noisy = true;
      }
      if (prev.x >= 0.0 && s.x <= 0.0 && (prev.x != 0.0 || s.x != 0.0)) {
        maxima++;
        cell = t - 1u;
        fa = prev;
        fb = s;
      }
    }
    prev = s;
  }
  if (noisy) {
    stop(id, 3.0);
  } else if (maxima == 0u) {
    stop(id, 1.0);
  } else if (maxima > 1u) {
    stop(id, 2.0);
  } else {
    // Start where the grid slopes interpolate to 0 in log lambda.
    let lo = plan[params.gridOffset + cell];
    let hi = plan[params.gridOffset + cell + 1u];
    var u = 0.5;
    if (fa.x != fb.x) {
      u = clamp(fa.x / (fa.x - fb.x), 0.05, 0.95);
    }
    let x = vec2<f32>(exp(log(lo.x) + u * (log(hi.x) - log(lo.x))), 0.0);
    store(id, x, lo, hi, fa.x, RUNNING);
  }
}

// Phase 1: one safeguarded Newton step in the bracket [lo, hi] (a step leaving it becomes bisection).
fn newtonStep(id: u32, j: u32, kind: u32) {
  let a = results[2u * id];
  let b = results[2u * id + 1u];
  if (b.w != RUNNING) {
    return;
  }
  let x = a.xy;
  var lo = a.zw;
  var hi = b.xy;
  var fLo = b.z;
  let tr = sumRows(j, x);
  project(3u);
  let d = derivatives(kind, x, true, tr.xy, tr.zw);
  let d1 = d.xy;
  let d2 = d.zw;
  if (!finite(d1.x) || !finite(d2.x)) {
    stop(id, 4.0);
    return;
  }
  if (d1.x == 0.0) {
    store(id, x, lo, hi, fLo, 0.0);
    return;
  }
  // Keep the bracket: the end whose slope has d1's sign moves to x.
  if ((d1.x > 0.0) == (fLo > 0.0)) {
    lo = x;
    fLo = d1.x;
  } else {
    hi = x;
  }
  // Newton in u = log lambda (the likelihood is far closer to quadratic there than in lambda, across a cell that
  // spans a decade): du = -d1 / (lambda d2 + d1); lambda' = lambda exp(du), exp by its series once du is small.
  let du = dsDiv(-d1, dsAdd(dsMul(x, d2), d1, z));
  var growth = vec2<f32>(exp(du.x), 0.0);
  if (abs(du.x) < 1e-3) {
    let du2 = dsMul(du, du);
    let series = dsAdd(du, dsMul(du2, dsAdd(vec2<f32>(0.5, 0.0), dsScale(du, 1.0 / 6.0), z)), z);
    growth = dsAdd(vec2<f32>(1.0, 0.0), dsAdd(series, dsScale(dsMul(du2, du2), 1.0 / 24.0), z), z);
  }
  var next = dsMul(x, growth);
  if (!(next.x > lo.x && next.x < hi.x) || !finite(next.x)) {
    // Bisection: in log lambda while the bracket is wide, arithmetically once it is narrow.
    if (hi.x > 1.01 * lo.x) {
      next = vec2<f32>(sqrt(lo.x) * sqrt(hi.x), 0.0);
    } else {
      next = dsScale(dsAdd(lo, hi, z), 0.5);
    }
  }
  let moved = dsSub(next, x);
  var status = RUNNING;
  if (abs(moved.x) <= STEP_TOL * next.x || dsSub(hi, lo).x <= STEP_TOL * next.x) {
    status = 0.0;
  }
  store(id, next, lo, hi, fLo, status);
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  z = params.opaqueZero;
  let id = gid.y * params.rowStride + gid.x;
  if (id >= params.m * params.kinds) {
    return;
  }
  let j = id / params.kinds;
  var kind = params.kind0;
  if (id % params.kinds == 1u) {
    kind = params.kind1;
  }
  if (params.nCvt > MAX_CVT) {
    stop(id, 5.0);
    return;
  }
  cols = params.nCvt + 2u;
  nIndex = (cols * (cols + 1u)) / 2u;
  if (params.phase == 0u) {
    bracket(id, j, kind);
  } else {
    newtonStep(id, j, kind);
  }
}
