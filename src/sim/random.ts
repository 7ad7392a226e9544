/**
 * Seeded pseudo-random numbers for the simulator: xoshiro128** seeded through splitmix32.
 * Only 32-bit integer arithmetic (Math.imul, >>>) feeds the stream, so the bits are identical on
 * every platform; the transcendental helpers (log, cos) come from V8's fdlibm port, which is also
 * platform independent in Node.
 */

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_26 = 67108864;

/** A deterministic PRNG; the same seed gives the same sequence of every draw kind. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  // Box-Muller makes normals in pairs; the second one waits here.
  private spareNormal = 0;
  private hasSpareNormal = false;
  // Random bits handed out one at a time (Mendelian transmission needs only one bit each).
  private bitBuffer = 0;
  private bitsLeft = 0;

  /** Seed with any finite number (integer part and fraction both matter; -0 and 0 are the same). */
  constructor(seed: number) {
    // splitmix32 spreads a small seed over all 128 bits of state; it never yields an all-zero state
    // in practice, and we guard against it anyway because xoshiro would then emit only zeros.
    let x = (Math.floor(seed) ^ Math.round((seed - Math.floor(seed)) * TWO_POW_32)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    // State words are kept as signed int32 so V8 stores them as small integers, never as doubles.
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** One raw 32-bit draw as an unsigned integer in [0, 2^32). */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.uint32() >>> 5; // 27 bits
    const low = this.uint32() >>> 6; // 26 bits
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  /** Standard normal N(0, 1) by the Box-Muller transform. */
  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    // 1 - uniform() is in (0, 1], so the log is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    this.hasSpareNormal = true;
    return radius * Math.cos(angle);
  }

  /** Uniform integer in [0, max) for 1 <= max <= 2^32, without modulo bias. */
  int(max: number): number {
    if (!(max >= 1 && max <= TWO_POW_32) || !Number.isInteger(max)) {
      throw new RangeError(`Random.int: max must be an integer in [1, 2^32], got ${max}`);
    }
    // Reject the top sliver of the 32-bit range that does not split evenly into max buckets.
    const limit = TWO_POW_32 - (TWO_POW_32 % max);
    let draw = this.uint32();
    while (draw >= limit) draw = this.uint32();
    return draw % max;
  }

  /** One fair random bit (0 or 1), taken from a buffered 32-bit draw. */
  bit(): number {
    if (this.bitsLeft === 0) {
      this.bitBuffer = this.uint32() | 0;
      this.bitsLeft = 32;
    }
    const b = this.bitBuffer & 1;
    this.bitBuffer >>>= 1;
    this.bitsLeft--;
    return b;
  }

  /** Bernoulli(p) draw: 1 with probability p (p in [0, 1]), resolution 2^-32. */
  bernoulli(p: number): number {
    return this.uint32() < p * TWO_POW_32 ? 1 : 0;
  }

  /** Binomial(2, p): the number of copies of an allele with frequency p in a diploid (0, 1 or 2). */
  binomial2(p: number): number {
    const threshold = p * TWO_POW_32;
    return (this.uint32() < threshold ? 1 : 0) + (this.uint32() < threshold ? 1 : 0);
  }

  /** Gamma(shape, 1) by Marsaglia-Tsang; shape > 0. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`Random.gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) {
      // Gamma(a) = Gamma(a + 1) * U^(1/a) lifts the shape above 1 where the squeeze works.
      return this.gamma(shape + 1) * Math.pow(1 - this.uniform(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as a ratio of gammas; a, b > 0. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
