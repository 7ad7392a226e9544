/**
 * The header block of a BGEN file and the identifying block of each variant (spec:
 * https://www.well.ox.ac.uk/~gav/bgen_format/spec/latest.html), read through a FileWindow.
 */
import type { FileWindow } from './file-window.js';
import { InputError } from './input-error.js';
import type { SnpAnnotation } from './plink.js';

/** The parts of the BGEN header block the reader uses. */
export interface BgenHeader {
  firstVariant: number;
  nVariants: number;
  nSamples: number;
  compression: number;
  layout: number;
  hasSampleIds: boolean;
  sampleBlockStart: number;
}

/** A variant's identifying block; `end` is where its genotype data block starts. */
export interface BgenVariant {
  id: string;
  rs: string;
  chr: string;
  pos: number;
  alleles: string[];
  end: number;
}

/** Parses the variant identifying block at `offset` (variant number v, 0-based, for errors). */
export function parseVariantHeader(
  file: FileWindow,
  header: BgenHeader,
  offset: number,
  v: number,
): BgenVariant {
  const what = `variant ${v + 1} header`;
  let at = offset;
  if (header.layout === 1) {
    const n = file.uint(at, 4, what);
    if (n !== header.nSamples)
      throw new InputError(file.path, `${what}: ${n} samples, the file header says ${header.nSamples}`);
    at += 4;
  }
  const text = (lengthBytes: 2 | 4): string => {
    const length = file.uint(at, lengthBytes, what);
    const value = file.bytes(at + lengthBytes, length, what).toString('utf8');
    at += lengthBytes + length;
    return value;
  };
  const id = text(2);
  const rs = text(2);
  const chr = text(2);
  const pos = file.uint(at, 4, what);
  at += 4;
  let nAlleles = 2;
  if (header.layout === 2) {
    nAlleles = file.uint(at, 2, what);
    at += 2;
  }
  const alleles: string[] = [];
  for (let a = 0; a < nAlleles; a++) alleles.push(text(4));
  return { id, rs, chr, pos, alleles, end: at };
}

/** A variant's annotation: the rsid (the variant ID when empty), allele1 = the second allele. */
export function annotationOf(v: BgenVariant): SnpAnnotation {
  return {
    chr: v.chr,
    rs: v.rs === '' ? v.id : v.rs,
    pos: String(v.pos),
    allele1: v.alleles[1],
    allele0: v.alleles[0],
  };
}

/** Reads and checks the BGEN header block. */
export function readBgenHeader(file: FileWindow): BgenHeader {
  const what = 'header block';
  const offset = file.uint(0, 4, what);
  const headerLength = file.uint(4, 4, what);
  if (headerLength < 20)
    throw new InputError(
      file.path,
      `header block length ${headerLength} is below the minimum 20 (not a BGEN file?)`,
    );
  const magic = file.bytes(16, 4, what);
  const magicOk = magic.toString('latin1') === 'bgen' || magic.every((b) => b === 0);
  if (!magicOk)
    throw new InputError(
      file.path,
      `magic number "${magic.toString('latin1')}" is not "bgen" (not a BGEN file?)`,
    );
  const flags = file.uint(4 + headerLength - 4, 4, what);
  const compression = flags & 3;
  const layout = (flags >>> 2) & 15;
  if (compression === 3)
    throw new InputError(file.path, 'compression type 3 is not defined by the BGEN spec');
  if (layout !== 1 && layout !== 2)
    throw new InputError(file.path, `layout ${layout} is not supported (only layouts 1 and 2 exist)`);
  if (layout === 1 && compression === 2)
    throw new InputError(file.path, 'layout 1 with zstd compression is not valid BGEN');
  return {
    firstVariant: offset + 4,
    nVariants: file.uint(8, 4, what),
    nSamples: file.uint(12, 4, what),
    compression,
    layout,
    hasSampleIds: (flags & 0x80000000) !== 0,
    sampleBlockStart: 4 + headerLength,
  };
}
