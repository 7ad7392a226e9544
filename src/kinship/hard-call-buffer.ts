/**
 * Gathers a kinship block's SNPs as hard calls (0, 1, 2 or missing) for the exact -gk 1 path
 * (src/linalg/hard-calls.ts), beside the float buffer that any other block takes.
 */
import { MISSING_CODE, type HardCallBlock } from '../linalg/hard-calls.js';
import { bedSampleMasks, countBedCalls, type BedCallCounts } from '../io/bed-codes.js';

// A .bed 2-bit code's hard call: 00 -> 2, 01 -> missing, 10 -> 1, 11 -> 0.
const BED_TO_CODE = Uint8Array.of(2, MISSING_CODE, 1, 0);

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const LANES = 0x01010101;

/**
 * The hard-call codes of four .bed codes in the low two bits of a word's four bytes (the rest ignored), each in
 * its byte: high bit h and low bit l of a code give the code not-h, l xor h (00 -> 2, 01 -> 3, 10 -> 1, 11 -> 0).
 */
function hardCalls(word: number): number {
  const l = word & LANES;
  const h = (word >>> 1) & LANES;
  return ((h ^ LANES) << 1) | (l ^ h);
}

/** Where the staged byte q of SNP slot s is: four slots' bytes of one column side by side. */
function stagedIndex(s: number, q: number, per: number): number {
  return (s >> 2) * 4 * per + 4 * q + (s & 3);
}

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
  /**
   * Missing calls in SNP order, missingLength values: individual, SNP (the block's index). Typed and reused: a
   * JS array grown by push() to the block's 50,000 pairs (n = 1,500, 1 % missing) cost 4 times the scan.
   */
  private missing = new Int32Array(1024);
  private missingLength = 0;
  private filled = 0;
  /** False once a SNP of the block was not all hard calls (or had no observed call). */
  private hard = true;
  /**
   * SNPs pushed as .bed bytes: kept SNP-major (bedBytes, ceil(n / 4) a SNP at its slot) and written into
   * `codes` when the block is read, a byte column at a time, instead of n scattered stores a SNP.
   */
  private bedBytes: Uint8Array | undefined;
  private bedMasks: Uint8Array | undefined;
  private readonly bedPending: Uint8Array;
  private bedCount = 0;
  private readonly bedCounts: BedCallCounts = { missing: 0, one: 0, two: 0 };
  /** SNPs pushed by pushCalls() in one group of four slots: their codes (slot & 3 by n), which slots, which group. */
  private callRows: Uint8Array | undefined;
  private callsStaged = 0;
  private callsGroup = 0;
  /** `codes` as 32-bit words (writeCallRows). */
  private codeWords: Uint32Array | undefined;

  constructor(
    readonly n: number,
    readonly capacity: number,
    /** Blocks with a larger share of missing calls go to the float path (tests raise it). */
    readonly maxMissingShare = EXACT_MAX_MISSING_SHARE,
  ) {
    this.codes = new Uint8Array(n * capacity);
    this.means = new Float64Array(capacity);
    this.bedPending = new Uint8Array(capacity);
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
    this.writeBedCodes();
    this.writeCallRows();
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
    this.writeCallRows();
    const { n, codes, capacity } = this;
    const before = this.missingLength;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const g = dosages[i]!;
      // One branch, taken for a missing call or a value other than 0, 1, 2 only (-0 is 0): a branch on the call
      // itself mispredicts on random genotypes.
      let code = g | 0;
      if (code !== g || code >>> 0 > 2) {
        if (!Number.isNaN(g)) {
          this.hard = false;
          return;
        }
        code = MISSING_CODE;
        this.addMissing(i, s);
      } else sum += code;
      codes[i * capacity + s] = code;
    }
    this.pushed(s, n - (this.missingLength - before) / 2, sum);
  }

  /**
   * push() for a SNP of hard calls given as CallCodes codes of the n individuals at calls[offset..], with its
   * missing calls and the sum of the others: the same codes, missing calls and mean.
   */
  pushCalls(calls: Uint8Array, offset: number, missing: number, sum: number): void {
    const s = this.filled++;
    if (!this.hard) return;
    const { n } = this;
    for (let at = calls.indexOf(MISSING_CODE, offset); at >= 0 && at < offset + n;) {
      this.addMissing(at - offset, s);
      at = calls.indexOf(MISSING_CODE, at + 1);
    }
    // Staged SNP-major, and written into `codes` four SNPs a word when the four came so: one store an individual
    // for four SNPs (n = 1,500, 5,000 SNPs: 12-18 ms against 50 for a store a code, warm).
    this.callRows ??= new Uint8Array(4 * n);
    this.callRows.set(calls.subarray(offset, offset + n), (s & 3) * n);
    this.callsStaged |= 1 << (s & 3);
    this.callsGroup = s >> 2;
    if ((s & 3) === 3) this.writeCallRows();
    this.pushed(s, n - missing, sum);
  }

  /** Writes the SNPs staged by pushCalls() into `codes`. */
  private writeCallRows(): void {
    const staged = this.callsStaged;
    if (staged === 0) return;
    this.callsStaged = 0;
    const group = this.callsGroup;
    const { n, codes, capacity } = this;
    const rows = this.callRows!;
    if (staged === 15 && capacity % 4 === 0 && LITTLE_ENDIAN) {
      this.codeWords ??= new Uint32Array(codes.buffer, codes.byteOffset, codes.length >> 2);
      const words = this.codeWords;
      const rowWords = capacity >> 2;
      for (let i = 0; i < n; i++)
        words[i * rowWords + group] =
          rows[i] | (rows[n + i] << 8) | (rows[2 * n + i] << 16) | (rows[3 * n + i] << 24);
      return;
    }
    for (let t = 0; t < 4; t++) {
      if (!((staged >> t) & 1)) continue;
      const s = 4 * group + t;
      for (let i = 0; i < n; i++) codes[i * capacity + s] = rows[t * n + i];
    }
  }

  /** The checks of a pushed SNP s (observed calls, their sum) that may end the block's exact path, and its mean. */
  private pushed(s: number, observed: number, sum: number): void {
    const mean = sum / observed;
    // No observed call, or a mean below 2^-20 (n above a million): not exact in the fold's fixed-point limbs.
    if (observed === 0 || (mean > 0 && mean < MIN_EXACT_MEAN)) this.hard = false;
    // Past the block's share of missing calls already: no more codes to gather for it.
    if (this.missingLength / 2 > this.maxMissingShare * this.n * this.capacity) this.hard = false;
    this.means[s] = mean;
  }

  /**
   * push() for a SNP given as .bed bytes of the n individuals at bytes[offset..] (BedCodes): the same codes,
   * missing calls and mean (the calls' integer sum over their count).
   */
  pushBed(bytes: Uint8Array, offset: number): void {
    const s = this.filled++;
    if (!this.hard) return;
    this.writeCallRows();
    const { n } = this;
    const per = (n + 3) >> 2;
    this.bedMasks ??= bedSampleMasks(n);
    this.bedBytes ??= new Uint8Array(per * 4 * Math.ceil(this.capacity / 4));
    const counts = this.bedCounts;
    countBedCalls(bytes, offset, this.bedMasks, counts);
    if (counts.missing > 0) this.pushMissingBed(bytes, offset, s);
    // Four SNPs' bytes of a column side by side (stagedIndex): one 32-bit word to writeBedCodes.
    const staged = this.bedBytes;
    const at = stagedIndex(s, 0, per);
    for (let q = 0; q < per; q++) staged[at + 4 * q] = bytes[offset + q];
    this.bedPending[s] = 1;
    this.bedCount++;
    this.pushed(s, n - counts.missing, counts.one + 2 * counts.two);
  }

  /** Appends the missing call of individual i at SNP s. */
  private addMissing(i: number, s: number): void {
    if (this.missingLength + 2 > this.missing.length) {
      const grown = new Int32Array(2 * this.missing.length);
      grown.set(this.missing);
      this.missing = grown;
    }
    this.missing[this.missingLength++] = i;
    this.missing[this.missingLength++] = s;
  }

  /** Records SNP s's missing calls (code 01) from its .bed bytes, individuals ascending, bytes without any skipped. */
  private pushMissingBed(bytes: Uint8Array, offset: number, s: number): void {
    const { n } = this;
    const per = (n + 3) >> 2;
    for (let q = 0; q < per; q++) {
      const byte = bytes[offset + q];
      // Bit 2t set where the code at position t is 01 (low bit set, high bit clear).
      const ones = byte & ~(byte >> 1) & 0x55;
      if (ones === 0) continue;
      for (let t = 0; t < 4; t++) {
        const i = (q << 2) + t;
        if ((ones >> (t << 1)) & 1 && i < n) this.addMissing(i, s);
      }
    }
  }

  /**
   * Writes the SNPs pushed as .bed bytes into `codes`: four SNPs' codes of one individual as one 32-bit word where
   * the four were all pushed so (and rows of `capacity` codes keep words aligned), else code by code.
   */
  private writeBedCodes(): void {
    if (this.bedCount === 0) return;
    const { n, codes, capacity, bedPending, filled } = this;
    const staged = this.bedBytes!;
    const per = (n + 3) >> 2;
    // The leading groups of four slots all pushed as bytes go by words (a group can be part bytes, part dosages).
    let groups = 0;
    if (capacity % 4 === 0 && LITTLE_ENDIAN)
      while (
        4 * groups + 4 <= filled &&
        bedPending.subarray(4 * groups, 4 * groups + 4).every((p) => p === 1)
      )
        groups++;
    if (groups > 0) {
      const words = new Uint32Array(staged.buffer, staged.byteOffset, staged.length >> 2);
      const out = new Uint32Array(codes.buffer, codes.byteOffset, codes.length >> 2);
      const rowWords = capacity >> 2;
      // By column, then group: each individual's row written in order.
      for (let q = 0; q < per; q++) {
        const individuals = Math.min(4, n - (q << 2));
        for (let t = 0; t < individuals; t++) {
          const row = ((q << 2) + t) * rowWords;
          const shift = t << 1;
          for (let g = 0; g < groups; g++) out[row + g] = hardCalls(words[g * per + q] >>> shift);
        }
      }
    }
    const from = 4 * groups;
    for (let s = from; s < filled; s++) {
      if (!bedPending[s]) continue;
      for (let i = 0; i < n; i++)
        codes[i * capacity + s] = BED_TO_CODE[(staged[stagedIndex(s, i >> 2, per)] >> ((i & 3) << 1)) & 3];
    }
    bedPending.fill(0, 0, filled);
    this.bedCount = 0;
  }

  /**
   * The buffered block if every SNP was hard calls and at most maxMissingShare of them are missing, else
   * undefined; either way the buffer is emptied. The block views the buffer's arrays: valid until the next push().
   */
  take(): HardCallBlock | undefined {
    const { n, capacity, filled: b } = this;
    const pairs = this.missingLength;
    const hard = this.hard && b > 0 && pairs / 2 <= this.maxMissingShare * n * b;
    const missing = this.missing;
    // Written whether taken or not: a block declined here is decoded from its codes (decode()).
    this.writeBedCodes();
    this.writeCallRows();
    this.filled = 0;
    this.hard = true;
    this.missingLength = 0;
    if (!hard) return undefined;
    // Rows of b codes: a short block's rows are compacted to stride b in place (row i moves down to i * b, over
    // rows already moved), not into a fresh n x b array (n = 1,500: 700 page faults of the last block).
    const all = this.codes;
    if (b !== capacity) for (let i = 1; i < n; i++) all.copyWithin(i * b, i * capacity, i * capacity + b);
    const codes = all.subarray(0, n * b);
    // Missing calls by individual: a counting sort that keeps each individual's SNPs ascending.
    const missStart = new Int32Array(n + 1);
    for (let k = 0; k < pairs; k += 2) missStart[missing[k]! + 1]!++;
    for (let i = 0; i < n; i++) missStart[i + 1]! += missStart[i]!;
    const next = missStart.slice(0, n);
    const missSnp = new Int32Array(pairs / 2);
    for (let k = 0; k < pairs; k += 2) missSnp[next[missing[k]!]!++] = missing[k + 1]!;
    return { b, codes, means: this.means.subarray(0, b), missStart, missSnp };
  }
}
