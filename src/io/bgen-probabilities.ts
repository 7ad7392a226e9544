/**
 * Decoding of one BGEN variant's (already decompressed) genotype probabilities into the expected
 * count of the variant's second allele per sample (NaN = missing), for the two BGEN layouts.
 * Layout 1 (v1.1): three uint16 probabilities per sample (AA, AB, BB) scaled by 32768, all zero when
 * missing. Layout 2 (v1.2/1.3): ploidy/missingness bytes then B-bit probabilities, the last one of
 * each sample implied. Spec: https://www.well.ox.ac.uk/~gav/bgen_format/spec/latest.html
 */

/** Why a probability block could not be decoded; the caller adds file and variant. */
export class BgenDecodeError extends Error {}

/**
 * The samples to decode: out[k] gets sample rows[k]'s dosage (a --keep subset, ascending), or every
 * sample in file order when rows is null.
 */
export type SampleRows = Int32Array | null;

/** Decodes layout 1 (6 bytes per sample) into dosages of the second allele of the samples `rows` lists. */
export function decodeLayout1(data: Uint8Array, nSamples: number, out: Float64Array, rows: SampleRows): void {
  if (data.length < 6 * nSamples)
    throw new BgenDecodeError(`probability block has ${data.length} bytes, needs ${6 * nSamples}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = rows ? rows.length : nSamples;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k] : k;
    const aa = view.getUint16(6 * i, true);
    const ab = view.getUint16(6 * i + 2, true);
    const bb = view.getUint16(6 * i + 4, true);
    out[k] = aa + ab + bb === 0 ? NaN : (ab + 2 * bb) / 32768;
  }
}

/**
 * Decodes layout 2 for a biallelic variant into dosages of the second allele. Any ploidy (1..63) and
 * bit depth (1..32); phased data store P(first allele) per haplotype, unphased data store P(k copies
 * of the second allele) for k = 0..ploidy-1 (the ploidy-copies probability is implied). Either way a
 * biallelic sample of ploidy P has P stored values. Unphased diploids at 8 or 16 bits (fixed width)
 * decode only the samples `rows` lists; other blocks, whose samples start at bit offsets that depend
 * on every earlier sample's ploidy, decode all into `all` (length nSamples) and gather.
 */
export function decodeLayout2(
  data: Uint8Array,
  nSamples: number,
  out: Float64Array,
  rows: SampleRows,
  all: Float64Array | null,
): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 10 + nSamples)
    throw new BgenDecodeError(`probability block of ${data.length} bytes is shorter than its header`);
  const n = view.getUint32(0, true);
  if (n !== nSamples)
    throw new BgenDecodeError(`probability block is for ${n} samples, the header says ${nSamples}`);
  const alleles = view.getUint16(4, true);
  if (alleles !== 2) throw new BgenDecodeError(`probability block has ${alleles} alleles, expected 2`);
  const ploidyBytes = 8;
  const phased = data[8 + nSamples];
  const bits = data[9 + nSamples];
  if (phased > 1) throw new BgenDecodeError(`phased flag ${phased} is neither 0 nor 1`);
  if (bits < 1 || bits > 32) throw new BgenDecodeError(`bit depth ${bits} is outside 1..32`);
  const first = 10 + nSamples;
  let totalValues = 0;
  let diploid = 0;
  for (let i = 0; i < nSamples; i++) {
    const ploidy = data[ploidyBytes + i] & 63;
    totalValues += ploidy;
    if (ploidy === 2) diploid++;
  }
  const needed = first + Math.ceil((totalValues * bits) / 8);
  if (data.length < needed)
    throw new BgenDecodeError(`probability block has ${data.length} bytes, needs ${needed}`);
  if (phased === 0 && diploid === nSamples && (bits === 8 || bits === 16)) {
    decodeUnphasedDiploid(data, nSamples, bits, out, rows);
    return;
  }
  if (rows) {
    decodeLayout2(data, nSamples, all!, null, null);
    for (let k = 0; k < rows.length; k++) out[k] = all![rows[k]];
    return;
  }
  // Divide (not multiply by 1/max) so that a stored maximum is exactly 1 and hard calls stay integers.
  const max = 2 ** bits - 1;
  let bit = first * 8;
  for (let i = 0; i < nSamples; i++) {
    const code = data[ploidyBytes + i];
    const ploidy = code & 63;
    let dosage: number;
    if (phased === 1) {
      // Haplotype h stores P(first allele); the second allele's expected count is the sum of complements.
      dosage = ploidy;
      for (let h = 0; h < ploidy; h++, bit += bits) dosage -= readValue(data, bit, bits) / max;
    } else {
      let stored = 0;
      dosage = 0;
      for (let k = 0; k < ploidy; k++, bit += bits) {
        const p = readValue(data, bit, bits) / max;
        stored += p;
        dosage += k * p;
      }
      dosage += ploidy * (1 - stored);
    }
    out[i] = (code & 128) !== 0 || ploidy === 0 ? NaN : dosage;
  }
}

// v / 255 for every 8-bit value: the quotient the general loop computes, looked up instead of divided.
const EIGHT_BIT_PROBABILITY = Float64Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * Layout 2 when every sample is an unphased diploid stored at 8 or 16 bits (UK Biobank's and plink2's
 * files): the general loop's sums in the same order, so the same doubles, with byte reads.
 */
function decodeUnphasedDiploid(
  data: Uint8Array,
  nSamples: number,
  bits: number,
  out: Float64Array,
  rows: SampleRows,
): void {
  const first = 10 + nSamples;
  const count = rows ? rows.length : nSamples;
  if (bits === 8) {
    const table = EIGHT_BIT_PROBABILITY;
    for (let k = 0; k < count; k++) {
      const i = rows ? rows[k] : k;
      const p0 = table[data[first + 2 * i]];
      const p1 = table[data[first + 2 * i + 1]];
      // P(0 copies) = p0, P(1) = p1, P(2) implied: expected count p1 + 2 (1 - p0 - p1).
      out[k] = (data[8 + i] & 128) !== 0 ? NaN : p1 + 2 * (1 - (p0 + p1));
    }
    return;
  }
  const max = 65535;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k] : k;
    const at = first + 4 * i;
    const p0 = (data[at] | (data[at + 1] << 8)) / max;
    const p1 = (data[at + 2] | (data[at + 3] << 8)) / max;
    out[k] = (data[8 + i] & 128) !== 0 ? NaN : p1 + 2 * (1 - (p0 + p1));
  }
}

/** The `bits`-bit unsigned value starting at bit offset `bit` (little-endian bit order). */
function readValue(data: Uint8Array, bit: number, bits: number): number {
  const byte = bit >>> 3;
  const shift = bit & 7;
  if (shift === 0) {
    // Whole-byte depths (8, 16, 24, 32) are the common case and need no shifting.
    if (bits === 8) return data[byte];
    if (bits === 16) return data[byte] | (data[byte + 1] << 8);
  }
  // Up to 32 + 7 bits span five bytes; accumulate in a double (exact below 2^53).
  let value = 0;
  let weight = 1;
  const last = (bit + bits - 1) >>> 3;
  for (let b = byte; b <= last; b++, weight *= 256) value += data[b] * weight;
  return Math.floor(value / 2 ** shift) % 2 ** bits;
}
