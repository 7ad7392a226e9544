/**
 * Gathers a kinship block's SNPs as hard calls (0, 1, 2 or missing) for the exact -gk 1 path
 * (src/linalg/hard-calls.ts), beside the float buffer that any other block takes.
 */
import { MISSING_CODE, type HardCallBlock } from '../linalg/hard-calls.js';

/**
 * The largest share of missing calls a block takes the exact path with. Each missing call adds O(n) terms to
 * the tile's limbs (f64x2, assembly/kinship-int.ts kinshipMissLimbs): at n = 4,000 the exact path is 3.1x the
 * float one at 1 % missing, 1.6x at 2 %, 1.0x at 5 % (bench/kernels.ts, bench/RESULTS.md issue 21, kin5).
 */
const EXACT_MAX_MISSING_SHARE = 0.02;

// The smallest nonzero mean the missing-call correction's fixed-point limbs hold exactly (2^-20).
const MIN_EXACT_MEAN = 2 ** -20;

/** Codes, means and missing calls of up to `capacity` SNPs of n individuals; reused block after block. */
export class HardCallBuffer {
  private readonly codes: Uint8Array;
  private readonly means: Float64Array;
  /** Missing calls in SNP order: individual, SNP (the block's index). */
  private missing: number[] = [];
  private filled = 0;
  /** False once a SNP of the block was not all hard calls (or had no observed call). */
  private hard = true;

  constructor(
    readonly n: number,
    readonly capacity: number,
    /** Blocks with a larger share of missing calls go to the float path (tests raise it). */
    readonly maxMissingShare = EXACT_MAX_MISSING_SHARE,
  ) {
    this.codes = new Uint8Array(n * capacity);
    this.means = new Float64Array(capacity);
  }

  /** Whether every SNP pushed since the last take() was all hard calls (the block may still take the exact path). */
  get gathering(): boolean {
    return this.hard;
  }

  /**
   * Writes SNPs [from, to) of the block, pushed while gathering, as dosages into out (SNP-major, n a SNP, from
   * out's start): the calls 0, 1, 2 and NaN for a missing one. What a block that leaves the exact path needs of
   * the SNPs it took as codes only; a -0 read as 0 centres to the same value (a SNP in the kinship is
   * polymorphic, so its mean is not 0). Valid until the next push() after take().
   */
  decode(out: Float64Array, from: number, to: number): void {
    const { n, codes, capacity } = this;
    for (let s = from; s < to; s++) {
      const row = out.subarray(s * n, (s + 1) * n);
      for (let i = 0; i < n; i++) {
        const code = codes[i * capacity + s]!;
        row[i] = code === MISSING_CODE ? NaN : code;
      }
    }
  }

  /**
   * Records the next SNP from its dosages (NaN = missing); its mean is the one prepareKinshipSnp centres by
   * (the integer sum of the observed calls over their count, in float64).
   */
  push(dosages: Float64Array): void {
    const s = this.filled++;
    if (!this.hard) return;
    const { n, codes, capacity } = this;
    const before = this.missing.length;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const g = dosages[i]!;
      let code: number;
      if (Number.isNaN(g)) {
        code = MISSING_CODE;
        this.missing.push(i, s);
      } else if (g === 0 || g === 1 || g === 2) {
        code = g;
        sum += g;
      } else {
        this.hard = false;
        return;
      }
      codes[i * capacity + s] = code;
    }
    const observed = n - (this.missing.length - before) / 2;
    const mean = sum / observed;
    // No observed call, or a mean below 2^-20 (n above a million): not exact in the fold's fixed-point limbs.
    if (observed === 0 || (mean > 0 && mean < MIN_EXACT_MEAN)) this.hard = false;
    // Past the block's share of missing calls already: no more codes to gather for it.
    if (this.missing.length / 2 > this.maxMissingShare * n * capacity) this.hard = false;
    this.means[s] = mean;
  }

  /**
   * The buffered block if every SNP was hard calls and at most maxMissingShare of them are missing, else
   * undefined; either way the buffer is emptied.
   */
  take(): HardCallBlock | undefined {
    const { n, capacity, filled: b } = this;
    const hard = this.hard && b > 0 && this.missing.length / 2 <= this.maxMissingShare * n * b;
    const missing = this.missing;
    this.filled = 0;
    this.hard = true;
    this.missing = [];
    if (!hard) return undefined;
    // Rows of b codes (a short block's rows are compacted to stride b).
    const codes = b === capacity ? this.codes : new Uint8Array(n * b);
    if (b !== capacity)
      for (let i = 0; i < n; i++) codes.set(this.codes.subarray(i * capacity, i * capacity + b), i * b);
    // Missing calls by individual: a counting sort that keeps each individual's SNPs ascending.
    const missStart = new Int32Array(n + 1);
    for (let k = 0; k < missing.length; k += 2) missStart[missing[k]! + 1]!++;
    for (let i = 0; i < n; i++) missStart[i + 1]! += missStart[i]!;
    const next = missStart.slice(0, n);
    const missSnp = new Int32Array(missing.length / 2);
    for (let k = 0; k < missing.length; k += 2) missSnp[next[missing[k]!]!++] = missing[k + 1]!;
    return { b, codes, means: this.means.subarray(0, b), missStart, missSnp };
  }
}
