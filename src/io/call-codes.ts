/**
 * A text genotype file's hard calls as one byte each (GenotypeBlock.calls), which the reader writes as it parses:
 * the SNP filters, the kinship and the recording read these and their counts instead of the float64 dosages.
 */

/** A genotype's byte code in CallCodes (the hard calls 0, 1, 2 are themselves). */
export const MISSING_CALL = 3;

/** Byte codes of a block's SNPs that are all hard calls (GenotypeBlock.calls). */
export interface CallCodes {
  /** count x nSamples, SNP-major: 0, 1, 2 or MISSING_CALL, for the SNPs with counts. */
  codes: Uint8Array;
  /**
   * Three a SNP, over all samples: missing calls, the sum of the other calls, and calls of 2; -1 missing calls for
   * a SNP with some other value (its codes mean nothing: read its dosages).
   */
  counts: Int32Array;
}

/** The dosages of the n codes at codes[from..], written to out[at, at + n): the calls, NaN for a missing one. */
export function decodeCalls(codes: Uint8Array, from: number, n: number, out: Float64Array, at: number): void {
  for (let i = 0; i < n; i++) {
    const code = codes[from + i];
    out[at + i] = code === MISSING_CALL ? NaN : code;
  }
}

/**
 * The codes of the n hard calls at dosages[from..] (0, 1, 2 or NaN), written to codes[at, at + n), and their counts
 * (as CallCodes.counts) to counts[countAt, countAt + 3): for a row parsed without its codes that turned out all hard
 * calls (a reader writes them as it parses where it expects hard calls: at 2 ns a value, this loop costs more).
 */
export function encodeCalls(
  dosages: Float64Array,
  from: number,
  n: number,
  codes: Uint8Array,
  at: number,
  counts: Int32Array,
  countAt: number,
): void {
  let missing = 0;
  let sum = 0;
  let twos = 0;
  for (let i = 0; i < n; i++) {
    const value = dosages[from + i];
    if (value === value) {
      codes[at + i] = value;
      sum += value;
      twos += value >> 1;
    } else {
      codes[at + i] = MISSING_CALL;
      missing++;
    }
  }
  counts[countAt] = missing;
  counts[countAt + 1] = sum;
  counts[countAt + 2] = twos;
}
