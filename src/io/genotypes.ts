/**
 * The one interface every genotype reader implements, and the blocks it yields: SNP-major dosages of
 * the counted allele (allele1) for the chosen samples, NaN = missing, with each SNP's annotation.
 * Memory is bounded by the block size, never by the number of SNPs.
 *
 * How to add a genotype format (two files, tests aside):
 * 1. A reader file src/io/FORMAT-genotypes.ts: a class implementing `GenotypeSource` and a
 *    `GenotypeFormat` constant that says when the config names it (`given`), which files it reads
 *    (`files`, the plan's identity of its inputs) and how to open it (`open`). The reader applies the
 *    `GenotypeSelection` it is given while decoding: only the chosen samples are decoded, only the
 *    chosen SNPs are numbered and yielded (see `SnpChoice` / `SampleChoice`).
 * 2. One line in the FORMATS list of src/io/genotype-registry.ts.
 * Its flags are declared in the `GenotypeFormat` (`flags`): the CLI lists and parses them and
 * their values reach `open` as config.genotypeOptions[name], so src/cli needs no edit. (A format may
 * instead take a flag in src/cli/flags.ts and a ScanConfig field set in src/cli/args.ts.)
 * Everything downstream (filters, kinship, scans, shards, --fit, sample matching by ID) goes through
 * the registry and this interface, so nothing else changes.
 */
import type { SnpAnnotation } from './plink.js';
import type { BedCodes } from './bed-codes.js';
import type { CallCodes } from './call-codes.js';

export interface GenotypeBlock {
  /** 0-based indices of the SNPs among the source's chosen SNPs (the file's SNPs when nothing is chosen). */
  indices: Int32Array;
  annotations: SnpAnnotation[];
  /**
   * count x nSamples, SNP-major: dosages[j * nSamples + i], allele1 dosage in [0, 2], NaN = missing. Empty
   * when the block has `bed` codes and the caller asked for none (BlockContent); when it has `calls` and the
   * caller asked for none, the rows of the SNPs the calls hold are not written (stale values).
   */
  dosages: Float64Array;
  count: number;
  /** The same genotypes as PLINK 1 .bed codes, where the reader has them for every chosen sample (PLINK). */
  bed?: BedCodes;
  /**
   * The same genotypes as byte codes, where the reader has them (BIMBAM), for the SNPs whose every genotype is a
   * hard call or missing; valid until the next block is asked for (the reader reuses the memory) unless the caller
   * asked to keep them (BlockContent).
   */
  calls?: CallCodes;
}

/** What a caller of GenotypeSource.blocks() reads of the blocks. */
export interface BlockContent {
  /**
   * False: the caller reads `bed` where a block has it, so the reader may leave that block's dosages empty, and
   * `calls` where a block has them, so the reader may leave the dosages of their SNPs unwritten.
   * A wrapper that records the blocks (RememberedGenotypes) passes it on and records such a block from its codes.
   */
  dosages: boolean;
  /**
   * True: the caller keeps each block's `calls` (RememberedGenotypes records them as its codes), so the reader gives
   * every block calls in memory of its own instead of reusing one block's.
   */
  keepCalls?: boolean;
}

/** A sample's identity: family ID where the format has one (PLINK .fam), null where it has none (VCF). */
export interface SampleId {
  fid: string | null;
  iid: string;
}

/** Which samples a source decodes (--keep / --remove); ids are matched as SampleChoice.keeps says. */
export interface SampleChoice {
  keeps(id: SampleId): boolean;
}

/** Which SNPs a source yields (--extract, --exclude, --chr, --from-bp/--to-bp, -snps), by annotation. */
export interface SnpChoice {
  keeps(snp: SnpAnnotation): boolean;
}

/** What a reader is asked to read: all samples and SNPs where a choice is absent. */
export interface GenotypeSelection {
  samples?: SampleChoice;
  snps?: SnpChoice;
  /** Sample count of a format that names no samples (BIMBAM: the rows of the -p file). */
  nSamples?: number;
  /** GEMMA's -nind for a format that names no samples: only its first this many rows are chosen. */
  firstRows?: number;
}

/**
 * A genotype file opened for reading, with the selection applied. SNPs are numbered 0.. among the
 * chosen ones in file order; samples are the chosen ones in file order. Multi-allelic or otherwise
 * unusable records are skipped by the reader (and counted in notes()).
 */
export interface GenotypeSource {
  /** Format name for messages ('plink', 'bimbam', 'vcf', ...). */
  readonly format: string;
  /**
   * GEMMA's polymorphism test for the SNP filter: hard calls by genotype classes (PLINK), dosages
   * by any two differing values (BIMBAM). The two agree on hard calls.
   */
  readonly polymorphism: 'genotype-classes' | 'distinct-dosages';
  /** The file named in errors about SNPs (the .bed, the VCF, ...). */
  readonly genotypeFile: string;
  /** Chosen samples decoded per SNP. */
  readonly nSamples: number;
  /** Samples in the file before --keep / --remove. */
  readonly samplesInFile: number;
  /** IDs of the chosen samples in order, or null when the format names none (BIMBAM). */
  readonly sampleIds: readonly SampleId[] | null;
  /** File row (0-based) of each chosen sample: row-aligned inputs (-p, -c, -k) are subset with it. */
  readonly sampleRows: Int32Array;
  /** Chosen SNPs, when known before streaming (PLINK); streaming formats learn it in the first pass. */
  readonly snpCount?: number;
  /** At most this many SNPs, when a streaming format can tell before its first pass. */
  readonly snpCountAtMost?: number;
  /**
   * Phenotype columns stored with the samples (PLINK .fam column 6 on, GEMMA's -n), over the chosen
   * samples; absent when the format stores none.
   */
  readonly embeddedPhenotypes?: {
    file: string;
    count: number;
    read(columns: readonly number[]): Float64Array[];
  };
  /**
   * Streams the chosen SNPs whose indices are listed (ascending), or all of them when omitted; `content` says
   * what the caller reads (all of a block when omitted).
   */
  blocks(blockSize: number, indices?: Int32Array, content?: BlockContent): AsyncGenerator<GenotypeBlock>;
  /** Lines for the log about what a full pass skipped (e.g. multi-allelic records); empty when none. */
  notes(): string[];
  close(): void;
}

/** A command-line flag a format declares itself (the CLI lists it; its value lands in ScanConfig.genotypeOptions). */
export interface GenotypeFlag {
  /** Flag name without dashes, e.g. 'vcf'. */
  name: string;
  /** Placeholder of the value, e.g. 'FILE'. */
  value: string;
  help: string;
  /** The value is a path (made absolute for cluster jobs). */
  isFile?: boolean;
}

/** A registered format: when the config names it, its files, and how to open it. */
export interface GenotypeFormat<Config> {
  /** Name in messages, e.g. 'PLINK (-bfile)'. */
  readonly name: string;
  /**
   * Flags the format declares itself, so that it needs no edit of the CLI: their values are in
   * ScanConfig.genotypeOptions by flag name. (PLINK and BIMBAM use GEMMA's -bfile / -g fields.)
   */
  readonly flags?: readonly GenotypeFlag[];
  /** Whether the format's flag was given. */
  given(config: Config): boolean;
  /** Files read, for a plan's and a checkpoint's identity of their inputs. */
  files(config: Config): string[];
  /** False when the files name no samples: open() then needs selection.nSamples. */
  readonly hasSampleIds: boolean;
  open(config: Config, selection: GenotypeSelection): GenotypeSource;
}
