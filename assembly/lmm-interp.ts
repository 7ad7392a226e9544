// Chebyshev tables of a plan's SNP-independent weighted sums, so that a Brent or Newton evaluation at a SNP's own
// lambda sums only the SNP's c+2 product columns over the individuals (instead of all (c+2)(c+3)/2 + 1).
//
// The plan's virtual columns p_v (covariate and phenotype products, and the column of ones) enter the likelihood as
// S_vk(lambda) = sum_i p_vi / (lambda d_i + 1)^k, k = 1..3, and log|H| = sum_i log(lambda d_i + 1). As functions of
// t = ln(lambda) their singularities lie at t = -ln(d_i) + i*pi (d_i > 0): a distance pi from the real axis whatever
// the spectrum, so on each region a Chebyshev series in t converges geometrically. The regions are halves of GEMMA's
// grid regions (half a decade of lambda): a Chebyshev error is relative to the largest value in the region, and
// w^3 falls 30-fold across half a decade (1000-fold across a decade). DEGREE 16 then stays within about 1e-13 of
// the local value (of sum_i |p_vi| w_i^k), near the rounding error of the direct sums themselves. The table is
// verified against direct sums at points between the nodes when it is built; the engine falls back to direct sums
// where it fails, and for lambdas outside [lMin, lMax] (Newton may step there).
//
// Function layout (F functions, F a multiple of 8): [0, G) S_v1, [G, 2G) S_v2, [2G, 3G) S_v3, 3G log|H|, padding;
// G = 2 * covPairCount(c) (the plan's virtual columns, PAD columns included as zeros). Table: regions x
// (DEGREE + 1) x F f64, coefficient-major within a region so one evaluation reads one contiguous run (5 KiB at c = 3).

export const DEGREE: i32 = 16;
/** Table regions per region of GEMMA's lambda grid. */
export const SUBREGIONS: i32 = 2;
const NODES: i32 = DEGREE + 1;
/** Accepted error of the table at the check points, relative to sum_i |p_vi| w_i^k (or sum_i |log(lambda d_i + 1)|). */
const CHECK_TOLERANCE: f64 = 1e-12;

// @ts-ignore: decorator
@inline function at(base: usize, idx: i32): usize { return base + ((<usize>idx) << 3); }

/** Functions per table for G plan virtual columns: 3G sums and log|H|, padded to a multiple of 8. */
export function interpFunctionCount(g: i32): i32 {
  return (3 * g + 1 + 7) & ~7;
}

/** Bytes of the table for `regions` grid regions. */
export function interpTableBytes(g: i32, regions: i32): i32 {
  return regions * NODES * interpFunctionCount(g) * 8;
}

/** Bytes of the scratch interpBuild needs (node values, their absolute scales, the cosine matrix). */
export function interpScratchBytes(g: i32): i32 {
  return (2 * NODES * interpFunctionCount(g) + NODES * NODES) * 8;
}

/**
 * All F functions at lambda, directly: out[f] = the sums (in i order), and when absOut != 0, absOut[f] = the same
 * sums of absolute values (the scale the error is judged against). pairs: G/2 interleaved pairs of length n.
 */
function directValues(lambda: f64, n: i32, d: usize, pairs: usize, g: i32, out: usize, absOut: usize): void {
  const f = interpFunctionCount(g);
  memory.fill(out, 0, (<usize>f) << 3);
  if (absOut != 0) memory.fill(absOut, 0, (<usize>f) << 3);
  const stride = (<usize>(2 * n)) << 3;
  for (let k = 0; k < g; k += 2) {
    const pa = pairs + <usize>(k >> 1) * stride;
    const z = f64x2.splat(0.0);
    let s1 = z, s2 = z, s3 = z, a1 = z, a2 = z, a3 = z;
    for (let i = 0; i < n; i++) {
      const w = 1.0 / (lambda * load<f64>(at(d, i)) + 1.0);
      const w1 = f64x2.splat(w), w2 = f64x2.splat(w * w), w3 = f64x2.splat(w * w * w);
      const x = v128.load(pa + ((<usize>i) << 4));
      s1 = f64x2.add(s1, f64x2.mul(w1, x)); s2 = f64x2.add(s2, f64x2.mul(w2, x)); s3 = f64x2.add(s3, f64x2.mul(w3, x));
      const ax = f64x2.abs(x);
      a1 = f64x2.add(a1, f64x2.mul(f64x2.abs(w1), ax)); a2 = f64x2.add(a2, f64x2.mul(w2, ax)); a3 = f64x2.add(a3, f64x2.mul(f64x2.abs(w3), ax));
    }
    v128.store(at(out, k), s1); v128.store(at(out, g + k), s2); v128.store(at(out, 2 * g + k), s3);
    if (absOut != 0) { v128.store(at(absOut, k), a1); v128.store(at(absOut, g + k), a2); v128.store(at(absOut, 2 * g + k), a3); }
  }
  let logDet = 0.0, logScale = 0.0;
  for (let i = 0; i < n; i++) {
    // log1p: accurate for small lambda d_i, where log(lambda d_i + 1) has lost digits.
    const v = Math.log1p(lambda * load<f64>(at(d, i)));
    logDet += v;
    logScale += Math.abs(v);
  }
  store<f64>(at(out, 3 * g), logDet);
  if (absOut != 0) store<f64>(at(absOut, 3 * g), logScale + 1e-300);
}

/**
 * Evaluates functions [0, count) (count a multiple of 8) of the table at lambda (Clenshaw in t, eight functions per
 * step); lambda must lie in [lMin, lMax]. logMin = ln(lMin), width = ln(lMax / lMin) / regions.
 */
export function interpEvaluate(table: usize, regions: i32, g: i32, logMin: f64, width: f64, lambda: f64, count: i32, out: usize): void {
  const f = interpFunctionCount(g);
  const u = (Math.log(lambda) - logMin) / width;
  let r = <i32>Math.floor(u);
  if (r < 0) r = 0;
  if (r > regions - 1) r = regions - 1;
  const t = 2.0 * (u - <f64>r) - 1.0;
  const tv = f64x2.splat(t);
  const t2 = f64x2.splat(2.0 * t);
  const base = table + ((<usize>(r * NODES * f)) << 3);
  const rowBytes = (<usize>f) << 3;
  for (let q = 0; q < count; q += 8) {
    const z = f64x2.splat(0.0);
    let b0 = z, b1 = z, b2 = z, b3 = z; // b_{k+1}
    let c0 = z, c1 = z, c2 = z, c3 = z; // b_{k+2}
    let p = base + <usize>DEGREE * rowBytes + ((<usize>q) << 3);
    for (let k = DEGREE; k >= 1; k--) {
      const n0 = f64x2.add(v128.load(p), f64x2.sub(f64x2.mul(t2, b0), c0));
      const n1 = f64x2.add(v128.load(p, 16), f64x2.sub(f64x2.mul(t2, b1), c1));
      const n2 = f64x2.add(v128.load(p, 32), f64x2.sub(f64x2.mul(t2, b2), c2));
      const n3 = f64x2.add(v128.load(p, 48), f64x2.sub(f64x2.mul(t2, b3), c3));
      c0 = b0; c1 = b1; c2 = b2; c3 = b3;
      b0 = n0; b1 = n1; b2 = n2; b3 = n3;
      p -= rowBytes;
    }
    v128.store(at(out, q), f64x2.add(v128.load(p), f64x2.sub(f64x2.mul(tv, b0), c0)));
    v128.store(at(out, q + 2), f64x2.add(v128.load(p, 16), f64x2.sub(f64x2.mul(tv, b1), c1)));
    v128.store(at(out, q + 4), f64x2.add(v128.load(p, 32), f64x2.sub(f64x2.mul(tv, b2), c2)));
    v128.store(at(out, q + 6), f64x2.add(v128.load(p, 48), f64x2.sub(f64x2.mul(tv, b3), c3)));
  }
}

/**
 * Builds the table (interpTableBytes) for eigenvalues d (n) and the plan's G/2 interleaved pairs over `regions`
 * equal regions of ln(lambda) from ln(lMin); scratch: interpScratchBytes. Returns false (the table must not be
 * used) when lMin is not positive or the table misses the direct sums by more than CHECK_TOLERANCE at the check
 * points (three per region, between the nodes).
 */
export function interpBuild(table: usize, n: i32, d: usize, pairs: usize, g: i32, lMin: f64, lMax: f64, regions: i32, scratch: usize): bool {
  if (!(lMin > 0) || !(lMax > lMin) || !isFinite(lMax)) return false;
  const f = interpFunctionCount(g);
  const values = scratch;
  const scales = values + ((<usize>(NODES * f)) << 3);
  const cosines = scales + ((<usize>(NODES * f)) << 3);
  for (let k = 0; k < NODES; k++) {
    for (let j = 0; j < NODES; j++) {
      store<f64>(at(cosines, k * NODES + j), Math.cos((Math.PI * <f64>k * (<f64>j + 0.5)) / <f64>NODES));
    }
  }
  const logMin = Math.log(lMin);
  const width = Math.log(lMax / lMin) / <f64>regions;
  for (let r = 0; r < regions; r++) {
    // Values at the Chebyshev nodes x_j = cos(pi (j + 1/2) / NODES) of the region.
    for (let j = 0; j < NODES; j++) {
      const x = load<f64>(at(cosines, NODES + j)); // k = 1 row: cos(pi (j + 1/2) / NODES)
      const lambda = Math.exp(logMin + (<f64>r + 0.5 * (x + 1.0)) * width);
      directValues(lambda, n, d, pairs, g, at(values, j * f), 0);
    }
    // c_k = (2 / NODES) sum_j f(x_j) cos(pi k (j + 1/2) / NODES), c_0 halved.
    const region = at(table, r * NODES * f);
    for (let k = 0; k < NODES; k++) {
      const scale = (k == 0 ? 1.0 : 2.0) / <f64>NODES;
      for (let q = 0; q < f; q++) {
        let sum = 0.0;
        for (let j = 0; j < NODES; j++) sum += load<f64>(at(values, j * f + q)) * load<f64>(at(cosines, k * NODES + j));
        store<f64>(at(region, k * f + q), sum * scale);
      }
    }
  }
  // Check points: in every region, off the nodes, near both ends and inside.
  const direct = values, approx = values + ((<usize>f) << 3);
  for (let r = 0; r < regions; r++) {
    for (let s = 0; s < 3; s++) {
      const u = s == 0 ? 0.013 : s == 1 ? 0.4871 : 0.9923;
      const lambda = Math.exp(logMin + (<f64>r + u) * width);
      if (!(lambda >= lMin && lambda <= lMax)) continue;
      directValues(lambda, n, d, pairs, g, direct, scales);
      interpEvaluate(table, regions, g, logMin, width, lambda, f, approx);
      for (let q = 0; q <= 3 * g; q++) {
        const err = Math.abs(load<f64>(at(approx, q)) - load<f64>(at(direct, q)));
        if (!(err <= CHECK_TOLERANCE * load<f64>(at(scales, q)) + 1e-300)) return false;
      }
    }
  }
  return true;
}
