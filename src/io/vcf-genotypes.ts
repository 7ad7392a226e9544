/**
 * VCF (plain or bgzip: bgzip is multi-member gzip, which Node's gunzip stream reads through) behind
 * the GenotypeSource interface, streamed line by line as bytes. The counted allele is ALT (allele1),
 * REF is allele0; the dosage is FORMAT/DS when the record has it, else the ALT count of GT
 * (--vcf-dosage GT|DS chooses). Multi-allelic records are skipped and counted; "." calls are missing.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { ScanConfig } from '../model/config.js';
import { fieldEnd, parseField, TAB } from './field-bytes.js';
import type {
  GenotypeBlock,
  GenotypeFormat,
  GenotypeSelection,
  GenotypeSource,
  SampleId,
} from './genotypes.js';
import { InputError, UsageError } from './input-error.js';
import type { SnpAnnotation } from './plink.js';
import { requireFile, streamLineBytes } from './text-file.js';

/** Where the dosage comes from: DS when present else GT (auto), or one of them always. */
export type VcfDosageField = 'auto' | 'GT' | 'DS';

const COLON = 58;
const DOT = 46;

/**
 * Byte range [subStart, subStop) of subfield `k` of the ':'-separated field [start, end), or subStart >
 * subStop when absent: module variables, so that a subfield costs no allocation.
 */
let subStart = 0;
let subStop = 0;
function locateSubfield(bytes: Buffer, start: number, end: number, k: number): void {
  let s = start;
  for (let seen = 0; seen < k; seen++) {
    const colon = bytes.indexOf(COLON, s);
    if (colon < 0 || colon >= end) {
      subStart = 1;
      subStop = 0;
      return;
    }
    s = colon + 1;
  }
  let e = s;
  while (e < end && bytes[e] !== COLON) e++;
  subStart = s;
  subStop = e;
}

/** ALT count of a GT subfield ("0/1", "1|1", "0", "./."): NaN when an allele is missing, -1 when malformed. */
function gtDosage(bytes: Buffer, start: number, stop: number): number {
  if (stop <= start) return NaN;
  let count = 0;
  let alleles = 0;
  for (let i = start; i < stop; i++) {
    const c = bytes[i];
    if (c === 48) alleles++;
    else if (c === 49) {
      count++;
      alleles++;
    } else if (c === DOT) return NaN;
    else if (c !== 47 && c !== 124) return -1;
  }
  // A haploid call (X in males) counts its one allele twice, as plink2 reads it for a .bed.
  if (alleles === 1) return 2 * count;
  return alleles === 2 ? count : -1;
}

/** The #CHROM line's sample names and its line number, from as short a prefix of the file as holds it. */
function readHeader(path: string): { names: string[]; lines: number } {
  requireFile(path, 'VCF file');
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    for (let length = 1 << 16; ; length *= 4) {
      const raw = Buffer.alloc(Math.min(length, size));
      readSync(fd, raw, 0, raw.length, 0);
      // A truncated prefix of a gzip (or bgzip) file inflates as far as it goes with a sync flush.
      const text = raw[0] === 0x1f && raw[1] === 0x8b ? inflatePrefix(path, raw) : raw;
      const found = headerIn(path, text.toString('utf8'), raw.length === size);
      if (found) return found;
    }
  } finally {
    closeSync(fd);
  }
}

function inflatePrefix(path: string, raw: Buffer): Buffer {
  try {
    return gunzipSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (e) {
    throw new InputError(path, `corrupt gzip data (${(e as Error).message})`);
  }
}

/** The header in `text` (a prefix of the file), or null when the prefix ends before it. */
function headerIn(path: string, text: string, whole: boolean): { names: string[]; lines: number } | null {
  let lineStart = 0;
  for (let lineNumber = 1; ; lineNumber++) {
    const stop = text.indexOf('\n', lineStart);
    if (stop < 0 && !whole) return null;
    const line = text.slice(lineStart, stop < 0 ? text.length : stop).replace(/\r$/, '');
    if (!line.startsWith('##')) {
      if (stop < 0 && line === '') throw new InputError(path, 'no #CHROM header line');
      const fields = line.split('\t');
      if (fields[0] !== '#CHROM' || fields.length < 9 || fields[8] !== 'FORMAT') {
        const expected = 'expected the header line #CHROM POS ID REF ALT QUAL FILTER INFO FORMAT <samples>';
        throw new InputError(path, expected, lineNumber);
      }
      return { names: fields.slice(9), lines: lineNumber };
    }
    if (stop < 0) throw new InputError(path, 'no #CHROM header line');
    lineStart = stop + 1;
  }
}

/** VCF genotypes, streamed. */
export class VcfGenotypes implements GenotypeSource {
  readonly format = 'vcf';
  readonly polymorphism: 'genotype-classes' | 'distinct-dosages';
  readonly nSamples: number;
  readonly samplesInFile: number;
  readonly sampleIds: readonly SampleId[];
  readonly sampleRows: Int32Array;
  /** Chosen column of each file sample, -1 when not chosen. */
  private readonly columnOf: Int32Array;
  private multiAllelic = 0;

  private constructor(
    readonly genotypeFile: string,
    names: string[],
    private readonly headerLines: number,
    private readonly dosageField: VcfDosageField,
    private readonly selection: GenotypeSelection,
  ) {
    this.polymorphism = dosageField === 'GT' ? 'genotype-classes' : 'distinct-dosages';
    const ids = names.map((iid) => ({ fid: null, iid }));
    this.samplesInFile = ids.length;
    const rows: number[] = [];
    this.columnOf = new Int32Array(ids.length).fill(-1);
    ids.forEach((id, i) => {
      if (selection.samples && !selection.samples.keeps(id)) return;
      this.columnOf[i] = rows.length;
      rows.push(i);
    });
    this.sampleRows = Int32Array.from(rows);
    this.sampleIds = rows.map((i) => ids[i]);
    this.nSamples = rows.length;
  }

  /** Reads the header of `path` (the sample IDs) and returns the source. */
  static open(path: string, dosageField: VcfDosageField, selection: GenotypeSelection): VcfGenotypes {
    const { names, lines } = readHeader(path);
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name))
        throw new InputError(path, `duplicated sample ID ${name} in the #CHROM line`, lines);
      seen.add(name);
    }
    return new VcfGenotypes(path, names, lines, dosageField, selection);
  }

  async *blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
    const n = this.nSamples;
    const path = this.genotypeFile;
    const nFile = this.samplesInFile;
    let want = 0;
    let chosen = 0;
    let multiAllelic = 0;
    let buffer = new Float64Array(blockSize * n);
    let picked: number[] = [];
    let annotations: SnpAnnotation[] = [];
    const flush = (): GenotypeBlock => {
      const count = picked.length;
      const block = {
        indices: Int32Array.from(picked),
        annotations,
        dosages: buffer.subarray(0, count * n),
        count,
      };
      picked = [];
      annotations = [];
      buffer = new Float64Array(blockSize * n);
      return block;
    };
    for await (const { lineNumber, bytes, start, end } of streamLineBytes(path, 'VCF file')) {
      if (lineNumber <= this.headerLines || start === end) continue;
      if (indices && want >= indices.length) break;
      // The nine fixed columns.
      const fixed: string[] = [];
      let i = start;
      while (fixed.length < 9) {
        const tab = bytes.indexOf(TAB, i);
        if (tab < 0 || tab >= end) {
          const reason = `${fixed.length + 1} columns, expected 9 fixed columns and ${nFile} samples`;
          throw new InputError(path, reason, lineNumber);
        }
        fixed.push(bytes.toString('latin1', i, tab));
        i = tab + 1;
      }
      const [chr, pos, id, ref, alt] = fixed;
      if (!/^\d+$/.test(pos)) throw new InputError(path, `POS "${pos}" is not a position`, lineNumber);
      if (alt.includes(',')) {
        multiAllelic++;
        continue;
      }
      const annotation = { chr, rs: id, pos: String(Number(pos)), allele1: alt, allele0: ref };
      if (this.selection.snps && !this.selection.snps.keeps(annotation)) continue;
      const index = chosen++;
      if (indices) {
        if (index !== indices[want]) continue;
        want++;
      }
      const out = buffer.subarray(picked.length * n, (picked.length + 1) * n);
      this.decodeSamples(bytes, i, end, fixed[8], out, lineNumber);
      picked.push(index);
      annotations.push(annotation);
      if (picked.length === blockSize) yield flush();
    }
    if (picked.length > 0) yield flush();
    if (!indices) this.multiAllelic = multiAllelic;
  }

  /** Decodes the sample columns starting at bytes[i] into out (chosen samples only). */
  private decodeSamples(
    bytes: Buffer,
    i: number,
    end: number,
    format: string,
    out: Float64Array,
    lineNumber: number,
  ): void {
    const path = this.genotypeFile;
    const keys = format.split(':');
    const gt = keys.indexOf('GT');
    const ds = keys.indexOf('DS');
    const useDs = this.dosageField === 'DS' || (this.dosageField === 'auto' && ds >= 0);
    if (useDs && ds < 0) throw new InputError(path, 'no DS in FORMAT (--vcf-dosage DS)', lineNumber);
    if (!useDs && gt < 0) throw new InputError(path, `no GT in FORMAT (${format})`, lineNumber);
    const nFile = this.samplesInFile;
    let sample = 0;
    for (let s = i; ; sample++) {
      let e = bytes.indexOf(TAB, s);
      if (e < 0 || e > end) e = end;
      const column = sample < nFile ? this.columnOf[sample] : -1;
      if (column >= 0) {
        out[column] = useDs
          ? this.dsValue(bytes, s, e, ds, lineNumber, sample)
          : this.gtValue(bytes, s, e, gt, lineNumber, sample);
      }
      if (e === end) break;
      s = e + 1;
    }
    // Columns past the last sample are counted, not decoded, so the message gives the true count.
    if (sample + 1 !== nFile) {
      const reason = `${sample + 1} sample columns, expected ${nFile} (the samples of the #CHROM line)`;
      throw new InputError(path, reason, lineNumber);
    }
  }

  private gtValue(
    bytes: Buffer,
    s: number,
    e: number,
    k: number,
    lineNumber: number,
    sample: number,
  ): number {
    locateSubfield(bytes, s, e, k);
    if (subStart > subStop) return NaN; // trailing subfields may be dropped (VCF 4.x)
    const v = gtDosage(bytes, subStart, subStop);
    if (v < 0) {
      const field = bytes.toString('latin1', subStart, subStop);
      throw new InputError(
        this.genotypeFile,
        `GT "${field}" of sample ${sample + 1} is not a biallelic call`,
        lineNumber,
      );
    }
    return v;
  }

  private dsValue(
    bytes: Buffer,
    s: number,
    e: number,
    k: number,
    lineNumber: number,
    sample: number,
  ): number {
    locateSubfield(bytes, s, e, k);
    if (subStart > subStop || (subStop === subStart + 1 && bytes[subStart] === DOT)) return NaN;
    const v = subStop > subStart ? parseField(bytes, subStart, subStop) : NaN;
    if (!(v >= 0 && v <= 2) || fieldEnd !== subStop) {
      const field = bytes.toString('latin1', subStart, subStop);
      throw new InputError(
        this.genotypeFile,
        `DS "${field}" of sample ${sample + 1} is not a dosage in [0, 2]`,
        lineNumber,
      );
    }
    return v;
  }

  notes(): string[] {
    if (this.multiAllelic === 0) return [];
    return [`${this.multiAllelic} multi-allelic records of ${this.genotypeFile} skipped`];
  }

  close(): void {}
}

/** --vcf FILE (--vcf-dosage GT|DS). */
export const VCF_FORMAT: GenotypeFormat<ScanConfig> = {
  name: 'VCF (--vcf)',
  flags: [
    {
      name: 'vcf',
      value: 'FILE',
      isFile: true,
      help: 'VCF genotypes, plain or bgzip (ALT counted; DS when present, else GT; multi-allelic records skipped)',
    },
    {
      name: 'vcf-dosage',
      value: 'GT|DS',
      help: 'with --vcf: the dosage from GT, or from DS (default DS when present, else GT)',
    },
  ],
  hasSampleIds: true,
  given: (config) => config.genotypeOptions?.vcf !== undefined,
  files: (config) => [config.genotypeOptions!.vcf],
  open(config, selection) {
    const dosage = config.genotypeOptions!['vcf-dosage'];
    if (dosage !== undefined && dosage !== 'GT' && dosage !== 'DS')
      throw new UsageError(`--vcf-dosage ${dosage}: expected GT or DS`);
    return VcfGenotypes.open(config.genotypeOptions!.vcf, dosage ?? 'auto', selection);
  },
};
