/**
 * Decoding of one biallelic .pgen variant record (format of plink-ng's pgenlib_misc.h) into ALT
 * dosages: the hard-call track (2-bit, 1-bit + difflist, difflist from a common value, all hom ref,
 * or LD-compressed as a difflist against the previous non-LD record, possibly inverted), the phase
 * track skipped, then the dosage track (list, unconditional or bitarray; uint16 in 1/16384 units)
 * overriding the hard calls of the samples it lists.
 */

/** Why a record could not be decoded; the caller adds file and variant. */
export class PgenDecodeError extends Error {}

/** Hard-call codes: 0 hom REF, 1 het, 2 hom ALT, 3 missing (one byte per sample). */
export type Genotypes = Uint8Array;

const DIFFLIST_GROUP = 64;
const DOSAGE_ONE = 16384;
const DOSAGE_MISSING = 65535;

/** A read position in one record, with bounds checks that name what ran out. */
export class RecordCursor {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  take(length: number, what: string): number {
    const start = this.at;
    if (start + length > this.bytes.length) throw new PgenDecodeError(`record ends inside its ${what}`);
    this.at += length;
    return start;
  }

  /** pgenlib's variable-length integer: 7 bits a byte, low bits first, high bit = more follow. */
  vint(what: string): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.bytes[this.take(1, what)];
      value += (byte & 127) * 2 ** shift;
      if (byte < 128) return value;
    }
    throw new PgenDecodeError(`malformed variable-length integer in its ${what}`);
  }
}

/** Bytes of a sample index in difflists: enough for nSamples (pgenlib's BytesToRepresentNzU32). */
function sampleIdBytes(nSamples: number): number {
  return 1 + Math.floor(Math.floor(Math.log2(nSamples)) / 8);
}

/**
 * Reads a difflist (or, when `codes` is null, a sample-ID deltalist) into samples[0..length) and
 * codes[0..length); returns the length. Layout: vint length; group start IDs; group segment sizes
 * (skipped); 2-bit codes (difflists only); per group, vint deltas after its first ID.
 */
function readDifflist(
  cursor: RecordCursor,
  nSamples: number,
  samples: Int32Array,
  codes: Uint8Array | null,
): number {
  const length = cursor.vint('difflist length');
  if (length === 0) return 0;
  if (length > nSamples) throw new PgenDecodeError(`difflist of ${length} entries for ${nSamples} samples`);
  const groups = Math.ceil(length / DIFFLIST_GROUP);
  const idBytes = sampleIdBytes(nSamples);
  const starts = cursor.take(groups * idBytes, 'difflist group starts');
  cursor.take(groups - 1, 'difflist group sizes');
  const packed = codes ? cursor.take(Math.ceil(length / 4), 'difflist genotypes') : 0;
  const bytes = cursor.bytes;
  let sample = 0;
  for (let e = 0; e < length; e++) {
    if (e % DIFFLIST_GROUP === 0) {
      const g = e / DIFFLIST_GROUP;
      sample = 0;
      for (let k = idBytes - 1; k >= 0; k--) sample = sample * 256 + bytes[starts + g * idBytes + k];
    } else sample += cursor.vint('difflist sample deltas');
    if (sample >= nSamples) throw new PgenDecodeError(`difflist names sample ${sample + 1} of ${nSamples}`);
    samples[e] = sample;
    if (codes) codes[e] = (bytes[packed + (e >> 2)] >> ((e & 3) * 2)) & 3;
  }
  return length;
}

/** Reusable per-reader buffers (one sample index and code per sample), so records allocate nothing. */
export class DifflistScratch {
  readonly samples: Int32Array;
  readonly codes: Uint8Array;
  constructor(nSamples: number) {
    this.samples = new Int32Array(nSamples);
    this.codes = new Uint8Array(nSamples);
  }
}

/**
 * Decodes the hard-call track of a non-LD record into `out`. vrtype bits 0-2: 0 two-bit calls,
 * 1 one-bit calls + difflist, 4/6/7 difflist from common value 0/2/3, 5 all hom REF.
 */
export function decodeHardCalls(
  cursor: RecordCursor,
  vrtype: number,
  nSamples: number,
  out: Genotypes,
  scratch: DifflistScratch,
): void {
  const main = vrtype & 7;
  const bytes = cursor.bytes;
  if (main === 0) {
    const at = cursor.take(Math.ceil(nSamples / 4), '2-bit genotypes');
    for (let i = 0; i < nSamples; i++) out[i] = (bytes[at + (i >> 2)] >> ((i & 3) * 2)) & 3;
    return;
  }
  if (main === 1) {
    // One byte: low 2 bits = (set value - unset value), next 2 = unset value; then one bit a sample.
    const at = cursor.take(1 + Math.ceil(nSamples / 8), '1-bit genotypes');
    const unset = (bytes[at] >> 2) & 3;
    const step = bytes[at] & 3;
    for (let i = 0; i < nSamples; i++) out[i] = unset + step * ((bytes[at + 1 + (i >> 3)] >> (i & 7)) & 1);
  } else if (main === 5) {
    out.fill(0, 0, nSamples);
    return;
  } else if (main === 4 || main === 6 || main === 7) out.fill(main & 3, 0, nSamples);
  else throw new PgenDecodeError(`record type ${vrtype} is LD-compressed, not a base record`);
  applyDifflist(cursor, nSamples, out, scratch);
}

/** Applies a difflist of (sample, code) pairs to `out` (the LD records' and patches' format). */
export function applyDifflist(
  cursor: RecordCursor,
  nSamples: number,
  out: Genotypes,
  scratch: DifflistScratch,
): void {
  const length = readDifflist(cursor, nSamples, scratch.samples, scratch.codes);
  for (let e = 0; e < length; e++) out[scratch.samples[e]] = scratch.codes[e];
}

/** Swaps hom REF and hom ALT (vrtype 3: the LD base had the other allele as REF). */
export function invertHardCalls(out: Genotypes, nSamples: number): void {
  for (let i = 0; i < nSamples; i++) if (out[i] === 0 || out[i] === 2) out[i] = 2 - out[i];
}

/** Skips the hard-call phase track (vrtype bit 4): 1 + hets bits, then phase bits if explicitly present. */
export function skipPhase(cursor: RecordCursor, calls: Genotypes, nSamples: number): void {
  let hets = 0;
  for (let i = 0; i < nSamples; i++) if (calls[i] === 1) hets++;
  const first = cursor.take(1 + (hets >> 3), 'phase track');
  if ((cursor.bytes[first] & 1) === 0) return;
  let present = -1;
  for (let k = 0; k <= hets >> 3; k++)
    for (let byte = cursor.bytes[first + k]; byte; byte &= byte - 1) present++;
  cursor.take(Math.ceil(present / 8), 'phase track');
}

/**
 * Writes ALT dosages into `out`: the hard calls (NaN for missing), overridden by the dosage track of
 * vrtype bits 5-6 when present (01 sample list, 10 every sample with 65535 missing, 11 bitarray).
 */
export function writeDosages(
  cursor: RecordCursor,
  vrtype: number,
  calls: Genotypes,
  nSamples: number,
  out: Float64Array,
  scratch: DifflistScratch,
): void {
  for (let i = 0; i < nSamples; i++) out[i] = calls[i] === 3 ? NaN : calls[i];
  const kind = (vrtype >> 5) & 3;
  if (kind === 0) return;
  const bytes = cursor.bytes;
  const value = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  if (kind === 2) {
    const at = cursor.take(2 * nSamples, 'dosages');
    for (let i = 0; i < nSamples; i++) {
      const d = value(at + 2 * i);
      out[i] = d === DOSAGE_MISSING ? NaN : d / DOSAGE_ONE;
    }
    return;
  }
  const samples = scratch.samples;
  let count = 0;
  if (kind === 1) count = readDifflist(cursor, nSamples, samples, null);
  else {
    const at = cursor.take(Math.ceil(nSamples / 8), 'dosage bitarray');
    for (let i = 0; i < nSamples; i++) if ((bytes[at + (i >> 3)] >> (i & 7)) & 1) samples[count++] = i;
  }
  const at = cursor.take(2 * count, 'dosages');
  for (let k = 0; k < count; k++) out[samples[k]] = value(at + 2 * k) / DOSAGE_ONE;
}
