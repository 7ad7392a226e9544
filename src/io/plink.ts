/**
 * PLINK 1 binary fileset readers: .bim (SNP list), .fam (samples, phenotype columns) and .bed
 * (SNP-major 2-bit genotypes), read in blocks of SNPs with random access. The counted allele is
 * .bim column 5 (allele1), as GEMMA counts it.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { InputError, shown } from './input-error.js';
import { parseValue } from './fields.js';
import {
  bomLength,
  checkRowWidth,
  readLines,
  requireFile,
  requireText,
  splitWhitespace,
} from './text-file.js';

export interface SnpAnnotation {
  chr: string;
  rs: string;
  /** Base-pair position as written in the input (GEMMA prints it as an integer). */
  pos: string;
  allele1: string;
  allele0: string;
}

/**
 * The .bim file kept compactly (its raw bytes plus line offsets, about 35 bytes a SNP) and parsed on
 * demand, so a million-SNP file does not become a million objects. Every line is validated on load.
 */
export class BimTable {
  private constructor(
    private readonly raw: Buffer,
    private readonly starts: Uint32Array,
    readonly count: number,
  ) {}

  /**
   * Reads and validates PREFIX.bim: UTF-8 (a byte-order mark skipped), one SNP per line (LF, CRLF or
   * CR), six whitespace-separated fields (or as many as the first line has, on every line).
   */
  static read(path: string): BimTable {
    requireFile(path, '.bim file');
    const raw = readFileSync(path);
    requireText(raw, path, '.bim file');
    const starts: number[] = [];
    let lineStart = bomLength(raw);
    let lineNumber = 0;
    let width = -1;
    for (let k = lineStart; k <= raw.length; k++) {
      // A line ends at LF, or at a CR not followed by LF (a CRLF ends at its LF; get() drops the CR).
      if (k < raw.length && raw[k] !== 0x0a && !(raw[k] === 0x0d && raw[k + 1] !== 0x0a)) continue;
      if (k === raw.length && lineStart === raw.length) break;
      lineNumber++;
      const line = raw.toString('utf8', lineStart, k).replace(/\r$/, '');
      const fields = parseBimLine(line, path, lineNumber).fields;
      if (width < 0) width = fields;
      else checkRowWidth(fields, width, path, lineNumber);
      starts.push(lineStart);
      lineStart = k + 1;
    }
    starts.push(lineStart);
    return new BimTable(raw, Uint32Array.from(starts), starts.length - 1);
  }

  /** Annotation of SNP k (0-based). */
  get(k: number): SnpAnnotation {
    const line = this.raw.toString('utf8', this.starts[k], this.starts[k + 1] - 1).replace(/\r$/, '');
    return parseBimLine(line, '', k + 1).snp;
  }
}

function parseBimLine(
  line: string,
  path: string,
  lineNumber: number,
): { snp: SnpAnnotation; fields: number } {
  if (line.trim() === '') throw new InputError(path, 'empty line', lineNumber);
  const f = splitWhitespace(line);
  if (f.length < 6)
    throw new InputError(
      path,
      `expected 6 fields (chr rs cM pos allele1 allele0), found ${f.length}`,
      lineNumber,
    );
  if (!/^-?\d+$/.test(f[3]))
    throw new InputError(path, `position ${shown(f[3])} is not an integer`, lineNumber);
  return {
    snp: { chr: f[0], rs: f[1], pos: String(Number(f[3])), allele1: f[4], allele0: f[5] },
    fields: f.length,
  };
}

/** Reads PREFIX.bim (see BimTable). */
export function readBim(path: string): BimTable {
  return BimTable.read(path);
}

export interface FamRecord {
  fid: string;
  iid: string;
}

/** Reads PREFIX.fam; phenotype column k (1-based, GEMMA's -n) is field 5 + k; -9 and NA are missing. */
export function readFam(
  path: string,
  phenotypeColumns: readonly number[],
): { samples: FamRecord[]; phenotypes: Float64Array[] } {
  const lines = readLines(path, '.fam file');
  const samples: FamRecord[] = [];
  const phenotypes = phenotypeColumns.map(() => new Float64Array(lines.length));
  const seen = new Map<string, number>();
  let width = -1;
  lines.forEach((line, k) => {
    const f = splitWhitespace(line);
    if (f.length < 6)
      throw new InputError(
        path,
        `expected at least 6 fields (fid iid father mother sex phenotype), found ${f.length}`,
        k + 1,
      );
    if (width < 0) width = f.length;
    else checkRowWidth(f.length, width, path, k + 1);
    const key = `${f[0]}\t${f[1]}`;
    if (seen.has(key))
      throw new InputError(
        path,
        `duplicated sample ID ${f[0]} ${f[1]} (first on line ${seen.get(key)})`,
        k + 1,
      );
    seen.set(key, k + 1);
    samples.push({ fid: f[0], iid: f[1] });
    phenotypeColumns.forEach((col, t) => {
      const field = f[4 + col];
      if (field === undefined)
        throw new InputError(path, `no phenotype column ${col} (line has ${f.length} fields)`, k + 1);
      phenotypes[t][k] = parseValue(field, path, k + 1, 'phenotype', ['-9']);
    });
  });
  return { samples, phenotypes };
}

/** Random access to the SNP-major genotypes of a .bed file. */
export class BedFile {
  readonly bytesPerSnp: number;
  private readonly fd: number;

  constructor(
    readonly path: string,
    readonly nSamples: number,
    readonly nSnps: number,
  ) {
    requireFile(path, '.bed file');
    this.bytesPerSnp = Math.ceil(nSamples / 4);
    this.fd = openSync(path, 'r');
    const magic = Buffer.alloc(3);
    const size = fstatSync(this.fd).size;
    if (readSync(this.fd, magic, 0, 3, 0) < 3)
      throw new InputError(path, 'file shorter than the 3-byte header');
    if (magic[0] !== 0x6c || magic[1] !== 0x1b) {
      throw new InputError(
        path,
        `not a PLINK .bed file (magic bytes 0x${magic[0].toString(16)} 0x${magic[1].toString(16)}, expected 0x6c 0x1b)`,
      );
    }
    if (magic[2] !== 0x01)
      throw new InputError(
        path,
        `mode byte 0x${magic[2].toString(16)}: only SNP-major (0x01) .bed files are supported`,
      );
    const expected = 3 + this.bytesPerSnp * nSnps;
    if (size !== expected) {
      throw new InputError(
        path,
        `size ${size} bytes does not match ${nSnps} SNPs (.bim) x ${nSamples} samples (.fam): expected ${expected}`,
      );
    }
  }

  /** Raw bytes of SNPs [first, first + count). */
  readRaw(first: number, count: number, into?: Buffer): Buffer {
    const length = count * this.bytesPerSnp;
    const buffer = into && into.length >= length ? into : Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const got = readSync(this.fd, buffer, done, length - done, 3 + first * this.bytesPerSnp + done);
      if (got <= 0)
        throw new InputError(
          this.path,
          `unexpected end of file at SNP ${first + Math.floor(done / this.bytesPerSnp) + 1}`,
        );
      done += got;
    }
    return buffer;
  }

  close(): void {
    closeSync(this.fd);
  }
}

// 2-bit codes (low bit first): 00 -> 2 copies of allele1, 01 -> missing, 10 -> 1 copy, 11 -> 0 copies.
const CODE_TO_DOSAGE = [2, NaN, 1, 0];
// The four dosages of every byte value, so whole bytes decode by one lookup.
const BYTE_TO_DOSAGES = Float64Array.from(
  { length: 1024 },
  (_, k) => CODE_TO_DOSAGE[((k >> 2) >> ((k & 3) << 1)) & 3],
);

/** Decodes one SNP's bytes into allele1 dosages for all samples (NaN = missing). */
export function decodeBedSnp(raw: Uint8Array, offset: number, nSamples: number, out: Float64Array): void {
  const whole = nSamples >> 2;
  for (let q = 0; q < whole; q++) {
    const base = raw[offset + q] << 2;
    const i = q << 2;
    out[i] = BYTE_TO_DOSAGES[base];
    out[i + 1] = BYTE_TO_DOSAGES[base + 1];
    out[i + 2] = BYTE_TO_DOSAGES[base + 2];
    out[i + 3] = BYTE_TO_DOSAGES[base + 3];
  }
  for (let i = whole << 2; i < nSamples; i++) {
    const code = (raw[offset + (i >> 2)] >> ((i & 3) << 1)) & 3;
    out[i] = CODE_TO_DOSAGE[code];
  }
}
