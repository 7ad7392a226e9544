/**
 * PLINK 1 .bed bytes as a block carries them beside (or instead of) its dosages, and the counts of their calls
 * by whole bytes: the SNP pass's filters and the -gk 1 hard-call gathering read them without a float64 dosage
 * each. Each byte holds four samples' 2-bit codes, low bits first: 00 -> 2 copies of allele1, 01 -> missing,
 * 10 -> 1 copy, 11 -> 0 copies.
 */

/** A block's .bed bytes: SNP j's sample i is bits 2(i % 4) and up of bytes[offsets[j] + (i >> 2)]. */
export interface BedCodes {
  bytes: Uint8Array;
  /** Byte offset of each SNP of the block (ceil(nSamples / 4) bytes each; a last byte's spare bits are padding). */
  offsets: Int32Array;
}

// Counts packed 10 bits each: missing calls, then 1-copy calls, then 2-copy calls.
const N1_SHIFT = 10;
const N2_SHIFT = 20;
const FIELD = 1023;
/** Bytes summed into one packed count before it is unpacked: 4 calls a byte leave each field below 1,024. */
const BYTES_PER_FLUSH = 255;

/**
 * CALL_COUNTS[(mask << 8) | byte]: the packed counts of the byte's samples whose bit (1 << position) is set in
 * the 4-bit mask, so that padding and samples outside the analysed ones count nothing.
 */
const CALL_COUNTS = Int32Array.from({ length: 16 * 256 }, (_, key) => {
  const mask = key >> 8;
  let packed = 0;
  for (let t = 0; t < 4; t++) {
    if (!((mask >> t) & 1)) continue;
    const code = (key >> (2 * t)) & 3;
    if (code === 1) packed += 1;
    else if (code === 2) packed += 1 << N1_SHIFT;
    else if (code === 0) packed += 1 << N2_SHIFT;
  }
  return packed;
});

/** The calls of the samples that `masks` selects, as countBedCalls writes them. */
export interface BedCallCounts {
  missing: number;
  /** Calls of 1 and of 2 copies of allele1 (the calls of 0 are the selected samples less these and the missing). */
  one: number;
  two: number;
}

/**
 * The 4-bit sample masks of the bytes of one SNP of `nSamples` samples for the samples where `selected` is
 * nonzero (all of them when it is omitted): the padding of a last byte is never selected.
 */
export function bedSampleMasks(nSamples: number, selected?: Uint8Array): Uint8Array {
  const masks = new Uint8Array(Math.ceil(nSamples / 4));
  for (let i = 0; i < nSamples; i++) if (!selected || selected[i]) masks[i >> 2] |= 1 << (i & 3);
  return masks;
}

/** Counts the calls of one SNP at bytes[offset..] over the samples that `masks` selects, into `out`. */
export function countBedCalls(
  bytes: Uint8Array,
  offset: number,
  masks: Uint8Array,
  out: BedCallCounts,
): void {
  let missing = 0;
  let one = 0;
  let two = 0;
  const length = masks.length;
  for (let start = 0; start < length; start += BYTES_PER_FLUSH) {
    const end = Math.min(length, start + BYTES_PER_FLUSH);
    let packed = 0;
    for (let q = start; q < end; q++) packed += CALL_COUNTS[(masks[q] << 8) | bytes[offset + q]];
    missing += packed & FIELD;
    one += (packed >> N1_SHIFT) & FIELD;
    two += packed >> N2_SHIFT;
  }
  out.missing = missing;
  out.one = one;
  out.two = two;
}

/** Sample i's 2-bit code (0-3) of the SNP at bytes[offset..]. */
export function bedCode(bytes: Uint8Array, offset: number, i: number): number {
  return (bytes[offset + (i >> 2)] >> ((i & 3) << 1)) & 3;
}
