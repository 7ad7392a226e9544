/**
 * plink2 .pgen/.pvar/.psam genotypes as a GenotypeSource: biallelic hard calls and dosages of the
 * ALT allele (allele1), streamed record by record; multi-allelic variants are skipped and counted.
 * The header's record table (a byte and an offset per variant) is held, never the records.
 * A .pgen whose variant or sample count disagrees with its .pvar/.psam is an InputError.
 */
import { FileWindow } from './file-window.js';
import type { ScanConfig } from '../model/config.js';
import type {
  GenotypeBlock,
  GenotypeFormat,
  GenotypeSelection,
  GenotypeSource,
  SampleId,
} from './genotypes.js';
import { indexedBlocks } from './indexed-blocks.js';
import { InputError, UsageError } from './input-error.js';
import { readPgenHeader, type PgenHeader } from './pgen-header.js';
import {
  DifflistScratch,
  PgenDecodeError,
  RecordCursor,
  applyDifflist,
  decodeHardCalls,
  invertHardCalls,
  skipPhase,
  writeDosages,
} from './pgen-records.js';
import type { SnpAnnotation } from './plink.js';
import { PvarTable, readPsam } from './pvar-psam.js';

const isLdCompressed = (vrtype: number) => (vrtype & 6) === 2;

/** The .pgen/.pvar/.psam files of one fileset; `--pfile PREFIX` gives PREFIX.pgen etc. */
export interface PgenPaths {
  pgen: string;
  pvar: string;
  psam: string;
}

/** A .pgen fileset as a GenotypeSource; SNP k is the k-th chosen biallelic variant of the .pvar. */
export class PgenGenotypes implements GenotypeSource {
  readonly format = 'pgen';
  readonly polymorphism = 'distinct-dosages' as const;
  readonly genotypeFile: string;
  readonly samplesInFile: number;
  readonly nSamples: number;
  readonly sampleIds: readonly SampleId[];
  readonly sampleRows: Int32Array;
  readonly snpCount: number;
  /** Multi-allelic variants skipped. */
  readonly skippedMultiallelic: number;
  private readonly file: FileWindow;
  private readonly header: PgenHeader;
  private readonly pvar: PvarTable;
  /** .pgen index of each chosen SNP. */
  private readonly kept: Int32Array;
  private readonly calls: Uint8Array;
  // Hard calls of the last non-LD record that an LD-compressed record follows, and its index.
  private readonly baseCalls: Uint8Array;
  private baseIndex = -1;
  private readonly scratch: DifflistScratch;
  /** Dosages of every sample in the file, when only some are chosen (decoded, then gathered). */
  private readonly allSamples: Float64Array | null;

  constructor(paths: PgenPaths, selection: GenotypeSelection = {}) {
    this.genotypeFile = paths.pgen;
    this.pvar = PvarTable.read(paths.pvar);
    const ids = readPsam(paths.psam);
    this.file = new FileWindow(paths.pgen, '.pgen file');
    try {
      this.header = readPgenHeader(this.file, {
        nVariants: this.pvar.count,
        nSamples: ids.length,
        pvar: paths.pvar,
        psam: paths.psam,
      });
    } catch (error) {
      this.file.close();
      throw error;
    }
    const counts = this.header.alleleCounts;
    const biallelic = counts ? this.pvar.biallelic.filter((v) => counts[v] === 2) : this.pvar.biallelic;
    this.skippedMultiallelic = this.pvar.count - biallelic.length;
    const choice = selection.snps;
    this.kept = choice ? biallelic.filter((v) => choice.keeps(this.pvar.get(v))) : biallelic;
    this.snpCount = this.kept.length;
    const rows: number[] = [];
    for (let i = 0; i < ids.length; i++)
      if (!selection.samples || selection.samples.keeps(ids[i])) rows.push(i);
    this.sampleRows = Int32Array.from(rows);
    this.sampleIds = rows.map((i) => ids[i]);
    this.nSamples = rows.length;
    this.samplesInFile = ids.length;
    this.allSamples = rows.length < ids.length ? new Float64Array(ids.length) : null;
    this.calls = new Uint8Array(ids.length);
    this.baseCalls = new Uint8Array(ids.length);
    this.scratch = new DifflistScratch(ids.length);
  }

  /** Annotation of SNP k: allele1 = ALT (counted), allele0 = REF. */
  snp(k: number): SnpAnnotation {
    return this.pvar.get(this.kept[k]);
  }

  blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
    return indexedBlocks(this, blockSize, indices, (k, out) => this.decodeVariant(this.kept[k], out));
  }

  notes(): string[] {
    return this.skippedMultiallelic > 0
      ? [`${this.skippedMultiallelic} multi-allelic variants of ${this.genotypeFile} skipped`]
      : [];
  }

  close(): void {
    this.file.close();
  }

  /** ALT dosages of variant v (0-based in the .pgen) for the chosen samples into out. */
  private decodeVariant(v: number, out: Float64Array): void {
    const vrtype = this.header.vrtypes[v];
    const n = this.samplesInFile;
    try {
      if (vrtype & 8)
        throw new PgenDecodeError('record has multi-allelic hard calls, but the .pvar lists 2 alleles');
      if (isLdCompressed(vrtype)) this.loadBase(v);
      const cursor = this.record(v);
      if (isLdCompressed(vrtype)) {
        this.calls.set(this.baseCalls);
        applyDifflist(cursor, n, this.calls, this.scratch);
        if ((vrtype & 7) === 3) invertHardCalls(this.calls, n);
      } else {
        decodeHardCalls(cursor, vrtype, n, this.calls, this.scratch);
        if (v + 1 < this.header.nVariants && isLdCompressed(this.header.vrtypes[v + 1])) {
          this.baseCalls.set(this.calls);
          this.baseIndex = v;
        }
      }
      if (vrtype & 0x10) skipPhase(cursor, this.calls, n);
      writeDosages(cursor, vrtype, this.calls, n, this.allSamples ?? out, this.scratch);
      if (this.allSamples)
        for (let k = 0; k < this.nSamples; k++) out[k] = this.allSamples[this.sampleRows[k]];
    } catch (error) {
      if (!(error instanceof PgenDecodeError)) throw error;
      throw new InputError(this.file.path, `variant ${v + 1} (${this.pvar.get(v).rs}): ${error.message}`);
    }
  }

  /** Makes baseCalls hold the hard calls of the last non-LD record before v (random access may skip it). */
  private loadBase(v: number): void {
    let base = v - 1;
    while (base >= 0 && isLdCompressed(this.header.vrtypes[base])) base--;
    if (base < 0) throw new PgenDecodeError('LD-compressed record with no earlier record to refer to');
    if (base === this.baseIndex) return;
    decodeHardCalls(
      this.record(base),
      this.header.vrtypes[base],
      this.samplesInFile,
      this.baseCalls,
      this.scratch,
    );
    this.baseIndex = base;
  }

  private record(v: number): RecordCursor {
    const start = this.header.recordStart[v];
    const bytes = this.file.bytes(start, this.header.recordStart[v + 1] - start, `variant ${v + 1} record`);
    return new RecordCursor(bytes);
  }
}

/** The .pgen/.pvar/.psam a config names: --pfile PREFIX, else --pgen/--pvar/--psam (all three). */
export function pgenPathsOf(config: ScanConfig): PgenPaths {
  const { pfile, pgen, pvar, psam } = config.genotypeOptions ?? {};
  if (pfile !== undefined) {
    if (pgen ?? pvar ?? psam) throw new UsageError('give either --pfile or --pgen/--pvar/--psam, not both');
    return { pgen: `${pfile}.pgen`, pvar: `${pfile}.pvar`, psam: `${pfile}.psam` };
  }
  if (pgen === undefined || pvar === undefined || psam === undefined) {
    throw new UsageError('--pgen, --pvar and --psam go together (or give --pfile PREFIX)');
  }
  return { pgen, pvar, psam };
}

/** --pfile PREFIX, or --pgen FILE --pvar FILE --psam FILE. */
export const PGEN_FORMAT: GenotypeFormat<ScanConfig> = {
  name: 'PGEN (--pfile)',
  flags: [
    {
      name: 'pfile',
      value: 'PREFIX',
      isFile: true,
      help: 'plink2 fileset PREFIX.pgen/.pvar/.psam (ALT counted; dosages where stored; multi-allelic skipped)',
    },
    {
      name: 'pgen',
      value: 'FILE',
      isFile: true,
      help: 'plink2 .pgen (with --pvar and --psam) instead of --pfile',
    },
    { name: 'pvar', value: 'FILE', isFile: true, help: 'with --pgen: its .pvar variant table' },
    { name: 'psam', value: 'FILE', isFile: true, help: 'with --pgen: its .psam sample table' },
  ],
  hasSampleIds: true,
  given: (config) =>
    ['pfile', 'pgen', 'pvar', 'psam'].some((name) => config.genotypeOptions?.[name] !== undefined),
  files: (config) => Object.values(pgenPathsOf(config)),
  open: (config, selection) => new PgenGenotypes(pgenPathsOf(config), selection),
};
