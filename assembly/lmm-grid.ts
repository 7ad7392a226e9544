// The grid phase's weighted sums as one small matrix product, summed over i in order (bitwise as the TS oracle's
// loops): out[r*ldOut + q] = sum_i p_r[i] * weights[i*qPad + q] for the SNP's virtual product columns r (stored as
// interleaved pairs: column 2k+l at pairs + (k*2n + 2i + l)*8) and the plan's weight matrix (n x qPad row-major,
// qPad even). SIMD runs across weight columns: a pair of product columns times eight weight columns per sweep.

// @ts-ignore: decorator
@inline function at(base: usize, idx: i32): usize { return base + ((<usize>idx) << 3); }

// @ts-ignore: decorator
@inline function acc(s: v128, x: v128, w: v128): v128 { return f64x2.add(s, f64x2.mul(x, w)); }

/** out (2*nPairs x ldOut) = virtual columns (nPairs interleaved pairs of length n) times weights (n x qPad). */
export function gridProduct(pairs: usize, nPairs: i32, n: i32, weights: usize, qPad: i32, out: usize, ldOut: i32): void {
  const rowBytes = (<usize>qPad) << 3;
  for (let k = 0; k < nPairs; k++) {
    const pa = pairs + ((<usize>(k * 2 * n)) << 3);
    const o0 = at(out, 2 * k * ldOut);
    const o1 = at(out, (2 * k + 1) * ldOut);
    let q = 0;
    for (; q + 7 < qPad; q += 8) {
      const z = f64x2.splat(0.0);
      let s0 = z, s1 = z, s2 = z, s3 = z, t0 = z, t1 = z, t2 = z, t3 = z;
      let wrow = at(weights, q);
      for (let i = 0; i < n; i++) {
        const x = v128.load64_splat(pa + ((<usize>i) << 4));
        const y = v128.load64_splat(pa + ((<usize>i) << 4), 8);
        const w0 = v128.load(wrow), w1 = v128.load(wrow, 16), w2 = v128.load(wrow, 32), w3 = v128.load(wrow, 48);
        s0 = acc(s0, x, w0); s1 = acc(s1, x, w1); s2 = acc(s2, x, w2); s3 = acc(s3, x, w3);
        t0 = acc(t0, y, w0); t1 = acc(t1, y, w1); t2 = acc(t2, y, w2); t3 = acc(t3, y, w3);
        wrow += rowBytes;
      }
      v128.store(at(o0, q), s0); v128.store(at(o0, q), s1, 16); v128.store(at(o0, q), s2, 32); v128.store(at(o0, q), s3, 48);
      v128.store(at(o1, q), t0); v128.store(at(o1, q), t1, 16); v128.store(at(o1, q), t2, 32); v128.store(at(o1, q), t3, 48);
    }
    for (; q < qPad; q += 2) {
      let s = f64x2.splat(0.0), t = f64x2.splat(0.0);
      let wrow = at(weights, q);
      for (let i = 0; i < n; i++) {
        const w = v128.load(wrow);
        s = acc(s, v128.load64_splat(pa + ((<usize>i) << 4)), w);
        t = acc(t, v128.load64_splat(pa + ((<usize>i) << 4), 8), w);
        wrow += rowBytes;
      }
      v128.store(at(o0, q), s);
      v128.store(at(o1, q), t);
    }
  }
}
