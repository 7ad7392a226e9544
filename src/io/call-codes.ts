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
