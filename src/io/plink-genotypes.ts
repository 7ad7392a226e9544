/**
 * PLINK 1 .bed/.bim/.fam behind the GenotypeSource interface: random access by SNP, the chosen
 * SNPs picked from the .bim up front, the chosen samples decoded straight from the 2-bit codes.
 */
import type { ScanConfig } from '../model/config.js';
import type {
  BlockContent,
  GenotypeBlock,
  GenotypeFormat,
  GenotypeSelection,
  GenotypeSource,
  SampleId,
} from './genotypes.js';
import { blockBuffer } from './block-buffers.js';
import { InputError } from './input-error.js';
import { BedFile, decodeBedSnp, readBim, readFam, type BimTable } from './plink.js';
import { readLines, splitWhitespace } from './text-file.js';

// 2-bit codes (low bit first): 00 -> 2 copies of allele1, 01 -> missing, 10 -> 1 copy, 11 -> 0 copies.
const CODE_TO_DOSAGE = Float64Array.of(2, NaN, 1, 0);
/** The dosages of a block whose caller reads its .bed codes only. */
const NO_DOSAGES = new Float64Array(0);

/** Decodes the listed samples (file rows, any order) of one SNP's bytes into out[0..rows.length). */
export function decodeBedSamples(raw: Uint8Array, offset: number, rows: Int32Array, out: Float64Array): void {
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    out[k] = CODE_TO_DOSAGE[(raw[offset + (i >> 2)] >> ((i & 3) << 1)) & 3];
  }
}

/** PLINK .bed genotypes with random access by SNP. */
export class PlinkGenotypes implements GenotypeSource {
  readonly format = 'plink';
  readonly polymorphism = 'genotype-classes' as const;
  readonly genotypeFile: string;
  readonly nSamples: number;
  readonly samplesInFile: number;
  readonly sampleIds: readonly SampleId[] | null;
  readonly sampleRows: Int32Array;
  readonly snpCount: number;
  readonly embeddedPhenotypes?: GenotypeSource['embeddedPhenotypes'];
  private readonly bed: BedFile;
  /** .bim index of each chosen SNP, or null when every SNP is chosen. */
  private readonly snpRows: Int32Array | null;
  /** Whether every sample is decoded (the whole-byte fast path). */
  private readonly allSamples: boolean;

  /**
   * `samplesInFile` rows of the .fam; `ids` and `famPath` when known (they give sample IDs and the
   * .fam phenotypes), and the selection to apply.
   */
  constructor(
    bedPath: string,
    readonly snps: BimTable,
    samplesInFile: number,
    selection: GenotypeSelection = {},
    ids: SampleId[] | null = null,
    famPath?: string,
  ) {
    this.genotypeFile = bedPath;
    this.samplesInFile = samplesInFile;
    this.bed = new BedFile(bedPath, samplesInFile, snps.count);
    const rows: number[] = [];
    for (let i = 0; i < samplesInFile; i++)
      if (!selection.samples || !ids || selection.samples.keeps(ids[i])) rows.push(i);
    this.sampleRows = Int32Array.from(rows);
    this.nSamples = rows.length;
    this.allSamples = rows.length === samplesInFile;
    this.sampleIds = ids ? rows.map((i) => ids[i]) : null;
    let snpRows: Int32Array | null = null;
    if (selection.snps) {
      const kept: number[] = [];
      for (let k = 0; k < snps.count; k++) if (selection.snps.keeps(snps.get(k))) kept.push(k);
      if (kept.length < snps.count) snpRows = Int32Array.from(kept);
    }
    this.snpRows = snpRows;
    this.snpCount = snpRows ? snpRows.length : snps.count;
    if (famPath) {
      const sampleRows = this.sampleRows;
      this.embeddedPhenotypes = {
        file: famPath,
        count: Math.max(0, famFieldCount(famPath) - 5),
        read: (columns) =>
          readFam(famPath, columns).phenotypes.map((p) => Float64Array.from(sampleRows, (i) => p[i])),
      };
    }
  }

  async *blocks(
    blockSize: number,
    indices?: Int32Array,
    content?: BlockContent,
  ): AsyncGenerator<GenotypeBlock> {
    const all = indices ?? Int32Array.from({ length: this.snpCount }, (_, k) => k);
    const n = this.nSamples;
    const per = this.bed.bytesPerSnp;
    // Every sample decoded: the block's bytes go with it as its .bed codes (fresh each block, as a consumer may
    // keep a block while it asks for the next), and a caller that reads only those gets no dosages.
    const withCodes = this.allSamples;
    const withDosages = !withCodes || content?.dosages !== false;
    let raw: Buffer = Buffer.alloc(0);
    for (let start = 0; start < all.length; start += blockSize) {
      const idx = all.subarray(start, Math.min(all.length, start + blockSize));
      const count = idx.length;
      const rows = this.snpRows ? Int32Array.from(idx, (k) => this.snpRows![k]) : idx;
      // Every value is decoded below, so a recycled buffer's old values never show.
      const dosages = withDosages ? blockBuffer(count * n) : NO_DOSAGES;
      const offsets = new Int32Array(count);
      // Read the span covering the block once when it is dense, SNP by SNP into a compact block otherwise.
      const span = rows[count - 1] - rows[0] + 1;
      if (span <= 2 * count) {
        raw = this.bed.readRaw(rows[0], span, withCodes ? Buffer.allocUnsafe(span * per) : raw);
        for (let j = 0; j < count; j++) offsets[j] = (rows[j] - rows[0]) * per;
      } else {
        if (withCodes || raw.length < count * per) raw = Buffer.allocUnsafe(count * per);
        for (let j = 0; j < count; j++) {
          this.bed.readRaw(rows[j], 1, raw.subarray(j * per, (j + 1) * per));
          offsets[j] = j * per;
        }
      }
      if (withDosages)
        for (let j = 0; j < count; j++) this.decode(raw, offsets[j], dosages.subarray(j * n, (j + 1) * n));
      yield {
        indices: Int32Array.from(idx),
        annotations: Array.from(rows, (k) => this.snps.get(k)),
        dosages,
        count,
        ...(withCodes ? { bed: { bytes: raw, offsets } } : {}),
      };
    }
  }

  private decode(raw: Uint8Array, offset: number, out: Float64Array): void {
    if (this.allSamples) decodeBedSnp(raw, offset, this.nSamples, out);
    else decodeBedSamples(raw, offset, this.sampleRows, out);
  }

  notes(): string[] {
    return [];
  }

  close(): void {
    this.bed.close();
  }
}

/** Fields on the first line of a .fam (phenotype columns = fields - 5). */
function famFieldCount(path: string): number {
  return splitWhitespace(readLines(path, '.fam file')[0] ?? '').length;
}

/** -bfile PREFIX. */
export const PLINK_FORMAT: GenotypeFormat<ScanConfig> = {
  name: 'PLINK (-bfile)',
  hasSampleIds: true,
  given: (config) => config.bfile !== undefined,
  files: (config) => [`${config.bfile}.bed`, `${config.bfile}.bim`, `${config.bfile}.fam`],
  open(config, selection) {
    const prefix = config.bfile!;
    const snps = readBim(`${prefix}.bim`);
    if (snps.count === 0) throw new InputError(`${prefix}.bim`, 'no SNPs');
    const fam = readFam(`${prefix}.fam`, []);
    if (fam.samples.length === 0) throw new InputError(`${prefix}.fam`, 'no samples');
    const ids = fam.samples.map((s) => ({ fid: s.fid, iid: s.iid }));
    return new PlinkGenotypes(`${prefix}.bed`, snps, ids.length, selection, ids, `${prefix}.fam`);
  },
};
