/**
 * The header of a plink2 .pgen: storage mode, counts, and per variant its record type ('vrtype') and
 * where its record starts, read from the fixed-width layout (modes 0x02-0x04) or the per-vblock
 * tables of the variable-width mode 0x10. Format as documented in plink-ng's pgenlib_misc.h.
 */
import { FileWindow } from './file-window.js';
import { InputError } from './input-error.js';

/** Variants per vblock of a mode-0x10 header. */
const VBLOCK_SIZE = 65536;

/** What the reader needs of a .pgen header; record v spans [recordStart[v], recordStart[v + 1]). */
export interface PgenHeader {
  mode: number;
  nVariants: number;
  nSamples: number;
  /** Record type per variant (bits 0-2 main track, 3 multiallelic, 4 phase, 5-6 dosage, 7 dosage phase). */
  vrtypes: Uint8Array;
  recordStart: Float64Array;
  /** ALT allele count + 1 per variant when the header stores it, else null (all biallelic). */
  alleleCounts: Uint8Array | null;
}

/** Variant and sample counts that the .pvar and .psam give. */
export interface PgenCounts {
  nVariants: number;
  nSamples: number;
  pvar: string;
  psam: string;
}

/**
 * Reads and checks the header of the .pgen open in `file`; counts that disagree with `expected` are
 * refused before any table sized by them is allocated (a corrupt count must not size an allocation).
 */
export function readPgenHeader(file: FileWindow, expected?: PgenCounts): PgenHeader {
  const what = 'header';
  if (file.size < 3)
    throw new InputError(file.path, 'file shorter than the 3-byte magic number (not a .pgen?)');
  const magic = file.bytes(0, 3, what);
  if (magic[0] !== 0x6c || magic[1] !== 0x1b) {
    throw new InputError(
      file.path,
      `magic bytes 0x${magic[0].toString(16)} 0x${magic[1].toString(16)} are not a .pgen's 0x6c 0x1b`,
    );
  }
  const mode = magic[2];
  if (mode === 0x01)
    throw new InputError(file.path, 'this is a PLINK 1 .bed (mode 0x01), not a .pgen: read it with --bfile');
  if (![0x02, 0x03, 0x04, 0x10].includes(mode)) {
    throw new InputError(
      file.path,
      `storage mode 0x${mode.toString(16)} is not supported (only 0x02-0x04 and 0x10)`,
    );
  }
  const nVariants = file.uint(3, 4, what);
  const nSamples = file.uint(7, 4, what);
  const control = file.uint(11, 1, what);
  if (expected && nVariants !== expected.nVariants) {
    throw new InputError(
      file.path,
      `header says ${nVariants} variants, ${expected.pvar} lists ${expected.nVariants}`,
    );
  }
  if (expected && nSamples !== expected.nSamples) {
    throw new InputError(
      file.path,
      `header says ${nSamples} samples, ${expected.psam} lists ${expected.nSamples}`,
    );
  }
  // Every variant takes at least a record-type bit in the header: more variants than that is corruption.
  if (nSamples === 0 || nVariants > 8 * file.size) {
    throw new InputError(
      file.path,
      `header's counts (${nVariants} variants, ${nSamples} samples) do not fit the file`,
    );
  }
  if (mode !== 0x10) return fixedWidthHeader(file, mode, nVariants, nSamples, control);
  return variableWidthHeader(file, nVariants, nSamples, control);
}

function fixedWidthHeader(
  file: FileWindow,
  mode: number,
  nVariants: number,
  nSamples: number,
  control: number,
): PgenHeader {
  // Fixed-width records: 2-bit calls, then (0x03) a uint16 dosage per sample, (0x04) also a phase delta.
  const width = Math.ceil(nSamples / 4) + (mode === 0x03 ? 2 * nSamples : mode === 0x04 ? 4 * nSamples : 0);
  let first = 12;
  if (control >> 6 === 3) first += Math.ceil(nVariants / 8); // explicit nonref flags
  const expected = first + width * nVariants;
  if (file.size !== expected) {
    throw new InputError(
      file.path,
      `size ${file.size} bytes does not match ${nVariants} variants x ${nSamples} samples in mode 0x0${mode}: expected ${expected}`,
    );
  }
  const recordStart = Float64Array.from({ length: nVariants + 1 }, (_, v) => first + v * width);
  const vrtype = mode === 0x03 ? 0x40 : mode === 0x04 ? 0xc0 : 0;
  return {
    mode,
    nVariants,
    nSamples,
    vrtypes: new Uint8Array(nVariants).fill(vrtype),
    recordStart,
    alleleCounts: null,
  };
}

/** Fused vrtype/length codes of header control values 8-14, for files with very few samples. */
function fusedTables(
  control: number,
  nSamples: number,
): { bits: number; vrtype: number[]; length: number[] } {
  const g = Math.ceil(nSamples / 4);
  const vrtype = new Array<number>(16).fill(-1);
  const length = new Array<number>(16).fill(0);
  vrtype[0] = 5;
  vrtype[1] = 0;
  length[1] = g;
  let bits = 2;
  if (control === 8) bits = 1;
  else if (control === 9) [vrtype[2], vrtype[3], length[2], length[3]] = [8, 8, g + 2, g + 3];
  else if (control === 10) [vrtype[2], vrtype[3], length[2], length[3]] = [16, 16, g + 1, g + 2];
  else if (control === 11) {
    bits = 4;
    for (let k = 2; k < 8; k++)
      [vrtype[k], length[k], vrtype[k + 8], length[k + 8]] = [8, g + k, 24, g + 1 + k];
    [vrtype[9], length[9]] = [16, g + 1];
  } else if (control === 12) [vrtype[2], vrtype[3], length[2], length[3]] = [0x45, 0x40, 2, 3];
  else if (control === 14) {
    bits = 4;
    const entries: [number, number, number][] = [
      [3, 0x10, 2],
      [4, 0x45, 2],
      [5, 0x40, 3],
      [12, 0xc5, 4],
      [13, 0xc0, 5],
      [15, 0xe0, 6],
    ];
    for (const [code, type, bytes] of entries) [vrtype[code], length[code]] = [type, bytes];
  }
  return { bits, vrtype, length };
}

function variableWidthHeader(
  file: FileWindow,
  nVariants: number,
  nSamples: number,
  control: number,
): PgenHeader {
  const what = 'header';
  if (control === 13 || control === 15)
    throw new InputError(file.path, `header control byte ${control} is reserved`);
  const alleleCountBytes = (control >> 4) & 3;
  if (alleleCountBytes > 1)
    throw new InputError(file.path, 'more than 254 ALT alleles per variant is not supported');
  const nonrefStored = control >> 6 === 3;
  const vrtypes = new Uint8Array(nVariants);
  const recordStart = new Float64Array(nVariants + 1);
  const alleleCounts = alleleCountBytes ? new Uint8Array(nVariants) : null;
  const nBlocks = Math.ceil(nVariants / VBLOCK_SIZE);
  let at = 12 + 8 * nBlocks;
  // Record offsets accumulate from the first vblock's start; each vblock's own start is implied.
  let offset = file.uint(12, 8, what);
  const fused = control & 8 ? fusedTables(control, nSamples) : null;
  const lengthBytes = 1 + (control & 3);
  const byteTypes = (control & 4) !== 0;
  for (let b = 0; b < nBlocks; b++) {
    const first = b * VBLOCK_SIZE;
    const count = Math.min(VBLOCK_SIZE, nVariants - first);
    if (fused) {
      const perByte = 8 / fused.bits;
      const bytes = file.bytes(at, Math.ceil(count / perByte), what);
      for (let k = 0; k < count; k++) {
        const code =
          (bytes[Math.floor(k / perByte)] >> ((k % perByte) * fused.bits)) & ((1 << fused.bits) - 1);
        if (fused.vrtype[code] < 0)
          throw new InputError(file.path, `variant ${first + k + 1}: fused record code ${code} is undefined`);
        vrtypes[first + k] = fused.vrtype[code];
        recordStart[first + k] = offset;
        offset += fused.length[code];
      }
      at += Math.ceil(count / perByte);
    } else {
      const typeBytes = byteTypes ? count : Math.ceil(count / 2);
      const types = file.bytes(at, typeBytes, what);
      for (let k = 0; k < count; k++)
        vrtypes[first + k] = byteTypes ? types[k] : (types[k >> 1] >> ((k & 1) * 4)) & 15;
      at += typeBytes;
      const lengths = file.bytes(at, count * lengthBytes, what);
      for (let k = 0; k < count; k++) {
        recordStart[first + k] = offset;
        let length = 0;
        for (let byte = lengthBytes - 1; byte >= 0; byte--)
          length = length * 256 + lengths[k * lengthBytes + byte];
        offset += length;
      }
      at += count * lengthBytes;
    }
    if (alleleCounts) {
      alleleCounts.set(file.bytes(at, count, what), first);
      at += count;
    }
    if (nonrefStored) at += Math.ceil(count / 8);
  }
  recordStart[nVariants] = offset;
  if (offset > file.size) {
    throw new InputError(
      file.path,
      `records end at byte ${offset}, past the end of the file (${file.size} bytes): truncated?`,
    );
  }
  return { mode: 0x10, nVariants, nSamples, vrtypes, recordStart, alleleCounts };
}
