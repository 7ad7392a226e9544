/**
 * BGEN genotypes (v1.1, v1.2 with zlib, v1.3 with zstd; layouts 1 and 2; any bit depth; phased or
 * unphased), streamed by variant. The counted allele (allele1) is the variant's SECOND allele: the
 * ALT allele in UK Biobank's files and in plink2's `--export bgen-1.x ref-first`, so the dosages
 * equal those of the .bed it was converted from (plink2's default export lists ALT first, for PLINK
 * 1.9 compatibility; read such a file and every effect changes sign). Multi-allelic variants are
 * skipped and counted. Opening the file walks the variant headers once and keeps two offsets and a
 * number per variant (20 bytes), never the file. With a SNP selection and a bgenix index next to the
 * file (FILE.bgen.bgi), the index says where the chosen variants lie and only their headers and
 * blocks are read; an index that disagrees with the file is ignored (a log line says why).
 */
import { inflateSync } from 'node:zlib';
import { BgenDecodeError, decodeLayout1, decodeLayout2 } from './bgen-probabilities.js';
import { annotationOf, parseVariantHeader, readBgenHeader, type BgenHeader } from './bgen-header.js';
import { readBgenIndex, type IndexedVariant } from './bgen-index.js';
import { FileWindow } from './file-window.js';
import type { ScanConfig } from '../model/config.js';
import type {
  GenotypeBlock,
  GenotypeFormat,
  GenotypeSelection,
  GenotypeSource,
  SampleId,
  SnpChoice,
} from './genotypes.js';
import { indexedBlocks } from './indexed-blocks.js';
import { InputError, UsageError } from './input-error.js';
import { readOxfordSample } from './oxford-sample.js';
import type { SnpAnnotation } from './plink.js';

const COMPRESSION_NAMES = ['none', 'zlib', 'zstd'];

/**
 * A BGEN file as a GenotypeSource; sample IDs from `samplePath` (Oxford .sample: ID_1 as FID, ID_2 as
 * IID) or the file itself (IID only). SNP k is the k-th chosen biallelic variant.
 */
/**
 * fzstd's decompress, loaded by the first pass over a zstd-compressed file: resolving and compiling the package
 * is a few percent of a small scan's start, and no other input needs it.
 */
let zstdDecompress: ((packed: Uint8Array) => Uint8Array) | undefined;

export class BgenGenotypes implements GenotypeSource {
  readonly format = 'bgen';
  readonly polymorphism = 'distinct-dosages' as const;
  readonly genotypeFile: string;
  readonly samplesInFile: number;
  readonly nSamples: number;
  readonly sampleIds: readonly SampleId[];
  readonly sampleRows: Int32Array;
  /** Chosen biallelic variants (the SNPs of this source, numbered 0..snpCount-1). */
  readonly snpCount: number;
  /** Multi-allelic variants skipped. */
  readonly skippedMultiallelic: number;
  private readonly file: FileWindow;
  private readonly header: BgenHeader;
  // Per chosen SNP: offset of its variant header and of its genotype data block.
  private readonly headerAt: Float64Array;
  private readonly dataAt: Float64Array;
  private readonly variantNumber: Int32Array;
  /**
   * Dosages of every sample in the file, when only some are chosen and a block's layout makes them
   * decode all, then gather (variable ploidy or bit depths other than 8 and 16).
   */
  private readonly allSamples: Float64Array | null;
  /** What became of a .bgi index next to the file, for the log; empty without one. */
  private readonly indexNotes: string[] = [];

  constructor(path: string, samplePath?: string, selection: GenotypeSelection = {}) {
    this.genotypeFile = path;
    this.file = new FileWindow(path, '.bgen file');
    try {
      this.header = readBgenHeader(this.file);
      this.samplesInFile = this.header.nSamples;
      const ids = samplePath ? readOxfordSample(samplePath) : this.storedSampleIds(path);
      if (ids.length !== this.samplesInFile) {
        throw new InputError(
          samplePath ?? path,
          `${ids.length} samples, but ${path} holds ${this.samplesInFile}`,
        );
      }
      const rows: number[] = [];
      for (let i = 0; i < ids.length; i++)
        if (!selection.samples || selection.samples.keeps(ids[i])) rows.push(i);
      this.sampleRows = Int32Array.from(rows);
      this.sampleIds = rows.map((i) => ids[i]);
      this.nSamples = rows.length;
      this.allSamples = rows.length < ids.length ? new Float64Array(ids.length) : null;
      const walked =
        (selection.snps && this.indexedVariants(selection.snps)) || this.walkVariants(selection.snps);
      ({ headerAt: this.headerAt, dataAt: this.dataAt, variantNumber: this.variantNumber } = walked);
      this.snpCount = walked.kept;
      this.skippedMultiallelic = walked.multiallelic;
    } catch (error) {
      this.file.close();
      throw error;
    }
  }

  /** Annotation of chosen SNP k; allele1 is the counted (second) allele. */
  snp(k: number): SnpAnnotation {
    return annotationOf(parseVariantHeader(this.file, this.header, this.headerAt[k], this.variantNumber[k]));
  }

  async *blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
    if (this.header.compression === 2) zstdDecompress ??= (await import('fzstd')).decompress;
    yield* indexedBlocks(this, blockSize, indices, (k, out) => this.decodeSnp(k, out));
  }

  notes(): string[] {
    const multiallelic =
      this.skippedMultiallelic > 0
        ? [`${this.skippedMultiallelic} multi-allelic variants of ${this.genotypeFile} skipped`]
        : [];
    return [...this.indexNotes, ...multiallelic];
  }

  close(): void {
    this.file.close();
  }

  /** Dosages of the second allele of chosen SNP k for the chosen samples into out (length nSamples). */
  private decodeSnp(k: number, out: Float64Array): void {
    const { compression, layout } = this.header;
    const at = this.dataAt[k];
    const what = `variant ${this.variantNumber[k] + 1}`;
    let data: Uint8Array;
    try {
      data = this.probabilityBytes(at, what);
      const rows = this.allSamples ? this.sampleRows : null;
      if (layout === 1) decodeLayout1(data, this.samplesInFile, out, rows);
      else decodeLayout2(data, this.samplesInFile, out, rows, this.allSamples);
    } catch (error) {
      if (error instanceof InputError) throw error;
      const reason =
        error instanceof BgenDecodeError
          ? error.message
          : `cannot decompress (${COMPRESSION_NAMES[compression]}): ${String(error)}`;
      throw new InputError(this.file.path, `${what} (${this.snp(k).rs}): ${reason}`);
    }
  }

  /** The decompressed probability data of the variant whose genotype block starts at `at`. */
  private probabilityBytes(at: number, what: string): Uint8Array {
    const { compression, layout } = this.header;
    if (layout === 1 && compression === 0) return this.file.bytes(at, 6 * this.samplesInFile, what);
    const stored = this.file.uint(at, 4, what);
    if (compression === 0) return this.file.bytes(at + 4, stored, what);
    if (layout === 1) return inflateSync(this.file.bytes(at + 4, stored, what));
    const expected = this.file.uint(at + 4, 4, what);
    const packed = this.file.bytes(at + 8, stored - 4, what);
    const data = compression === 1 ? inflateSync(packed) : zstdDecompress!(packed);
    if (data.length !== expected)
      throw new BgenDecodeError(`decompressed to ${data.length} bytes, header says ${expected}`);
    return data;
  }

  /** Sample IDs stored in the file (flag bit 31), as IIDs without a FID. */
  private storedSampleIds(path: string): SampleId[] {
    if (!this.header.hasSampleIds) {
      throw new InputError(path, 'the file stores no sample IDs: give them with --sample FILE');
    }
    const at = this.header.sampleBlockStart;
    const count = this.file.uint(at + 4, 4, 'sample identifier block');
    const samples: SampleId[] = [];
    let offset = at + 8;
    for (let i = 0; i < count; i++) {
      const length = this.file.uint(offset, 2, `sample identifier ${i + 1}`);
      samples.push({
        fid: null,
        iid: this.file.bytes(offset + 2, length, `sample identifier ${i + 1}`).toString('utf8'),
      });
      offset += 2 + length;
    }
    return samples;
  }

  /** Walks every variant header once, recording where each chosen biallelic variant and its data start. */
  private walkVariants(choice: SnpChoice | undefined) {
    const { nVariants } = this.header;
    // A variant takes at least 20 bytes: a corrupt count must not size the tables below.
    if (nVariants > (this.file.size - this.header.firstVariant) / 20) {
      throw new InputError(
        this.file.path,
        `header says ${nVariants} variants, more than the file's size can hold`,
      );
    }
    const headerAt = new Float64Array(nVariants);
    const dataAt = new Float64Array(nVariants);
    const variantNumber = new Int32Array(nVariants);
    let kept = 0;
    let multiallelic = 0;
    let offset = this.header.firstVariant;
    for (let v = 0; v < nVariants; v++) {
      const header = parseVariantHeader(this.file, this.header, offset, v);
      const blockBytes = this.blockBytes(header.end, v, header.rs);
      if (header.alleles.length !== 2) multiallelic++;
      else if (!choice || choice.keeps(annotationOf(header))) {
        headerAt[kept] = offset;
        dataAt[kept] = header.end;
        variantNumber[kept++] = v;
      }
      offset = header.end + blockBytes;
    }
    return {
      headerAt: headerAt.slice(0, kept),
      dataAt: dataAt.slice(0, kept),
      variantNumber: variantNumber.slice(0, kept),
      kept,
      multiallelic,
    };
  }

  /** Bytes of the genotype block starting at `at` (variant v, 0-based), checked against the file's end. */
  private blockBytes(at: number, v: number, rs: string): number {
    const { layout, compression } = this.header;
    const bytes =
      layout === 1 && compression === 0
        ? 6 * this.samplesInFile
        : 4 + this.file.uint(at, 4, `variant ${v + 1}`);
    if (at + bytes > this.file.size) {
      throw new InputError(
        this.file.path,
        `variant ${v + 1} (${rs}): genotype block runs past the end of the file (truncated?)`,
      );
    }
    return bytes;
  }

  /**
   * The chosen variants by the bgenix index next to the file, reading only their headers (and those
   * of variants whose rsid the index leaves empty, named by their ID); null when there is no index or
   * it disagrees with the file, which the log then says. A chosen variant's header must match its
   * index row, so a stale index never picks the wrong variants.
   */
  private indexedVariants(choice: SnpChoice): ReturnType<BgenGenotypes['walkVariants']> | null {
    const index = readBgenIndex(this.file.path, {
      fileSize: this.file.size,
      firstVariant: this.header.firstVariant,
      nVariants: this.header.nVariants,
    });
    if (!index.variants) {
      if (index.problem) this.indexNotes.push(`index ${index.path} ignored: ${index.problem}`);
      return null;
    }
    const rows = index.variants;
    const headerAt = new Float64Array(rows.length);
    const dataAt = new Float64Array(rows.length);
    const variantNumber = new Int32Array(rows.length);
    let kept = 0;
    let multiallelic = 0;
    for (let v = 0; v < rows.length; v++) {
      const row = rows[v];
      if (row.nAlleles !== 2) {
        multiallelic++;
        continue;
      }
      const header = row.rsid === '' ? parseVariantHeader(this.file, this.header, row.start, v) : null;
      const snp = {
        chr: row.chr,
        rs: row.rsid || header!.id,
        pos: String(row.pos),
        allele1: row.allele2,
        allele0: row.allele1,
      };
      if (!choice.keeps(snp)) continue;
      const end = this.checkedHeaderEnd(row, v);
      if (end === null) {
        this.indexNotes.push(
          `index ${index.path} ignored: variant ${v + 1} at byte ${row.start} is not the variant it lists (stale index?)`,
        );
        return null;
      }
      headerAt[kept] = row.start;
      dataAt[kept] = end;
      variantNumber[kept++] = v;
    }
    this.indexNotes.push(`index ${index.path}: read the ${kept} chosen of ${rows.length} variants`);
    return {
      headerAt: headerAt.slice(0, kept),
      dataAt: dataAt.slice(0, kept),
      variantNumber: variantNumber.slice(0, kept),
      kept,
      multiallelic,
    };
  }

  /** Where the genotype block of indexed variant v starts, or null when the file there disagrees with the row. */
  private checkedHeaderEnd(row: IndexedVariant, v: number): number | null {
    try {
      const header = parseVariantHeader(this.file, this.header, row.start, v);
      const same =
        header.chr === row.chr &&
        header.pos === row.pos &&
        header.rs === row.rsid &&
        header.alleles.length === 2 &&
        header.alleles[0] === row.allele1 &&
        header.alleles[1] === row.allele2 &&
        header.end + this.blockBytes(header.end, v, header.rs) === row.start + row.size;
      return same ? header.end : null;
    } catch (error) {
      // Garbage where the index points: the index is wrong, not the file.
      if (error instanceof InputError) return null;
      throw error;
    }
  }
}

/** The --bgen file a config names; --sample alone is a usage error. */
function bgenPath(config: ScanConfig): string {
  const path = config.genotypeOptions?.bgen;
  if (path === undefined) throw new UsageError('--sample goes with --bgen FILE');
  return path;
}

/** --bgen FILE, with --sample FILE or the sample IDs stored in the file. */
export const BGEN_FORMAT: GenotypeFormat<ScanConfig> = {
  name: 'BGEN (--bgen)',
  flags: [
    {
      name: 'bgen',
      value: 'FILE',
      isFile: true,
      help: 'BGEN v1.1-1.3 genotypes (second allele counted: ALT as UK Biobank and plink2 ref-first write it)',
    },
    {
      name: 'sample',
      value: 'FILE',
      isFile: true,
      help: 'with --bgen: its Oxford .sample file (default: the sample IDs stored in the BGEN)',
    },
  ],
  hasSampleIds: true,
  given: (config) =>
    config.genotypeOptions?.bgen !== undefined || config.genotypeOptions?.sample !== undefined,
  files: (config) => [
    bgenPath(config),
    ...(config.genotypeOptions?.sample ? [config.genotypeOptions.sample] : []),
  ],
  open: (config, selection) => new BgenGenotypes(bgenPath(config), config.genotypeOptions?.sample, selection),
};
