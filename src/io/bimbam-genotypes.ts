/**
 * BIMBAM mean genotypes behind the GenotypeSource interface, streamed; chromosome and position
 * come from the annotation file (-a) when given. The file names no samples: their count comes from
 * the phenotype rows, and sample selection by ID is not possible.
 */
import { statSync } from 'node:fs';
import type { ScanConfig } from '../model/config.js';
import { BimbamRowReader, readAnnotationFile, type AnnotationEntry } from './bimbam.js';
import { blockBuffer, recycleBlockBuffer } from './block-buffers.js';
import { encodeCalls } from './call-codes.js';
import type { BlockContent, GenotypeBlock, GenotypeFormat, GenotypeSource, SnpChoice } from './genotypes.js';
import type { SnpAnnotation } from './plink.js';
import { isGzip, streamLineBatches } from './text-file.js';

/** BIMBAM mean genotypes, streamed. */
export class BimbamGenotypes implements GenotypeSource {
  readonly format = 'bimbam';
  readonly polymorphism = 'distinct-dosages' as const;
  readonly sampleIds = null;
  readonly sampleRows: Int32Array;
  readonly nSamples: number;

  constructor(
    readonly path: string,
    readonly samplesInFile: number,
    private readonly annotation: Map<string, AnnotationEntry> | null,
    private readonly snps?: SnpChoice,
    /** GEMMA's -notsnp: values need not be dosages in [0, 2]. */
    private readonly anyValues = false,
    /** GEMMA's -nind: decode only the first this many samples (rows are still checked whole). */
    firstRows = samplesInFile,
  ) {
    this.nSamples = Math.min(firstRows, samplesInFile);
    this.sampleRows = Int32Array.from({ length: this.nSamples }, (_, i) => i);
  }

  get genotypeFile(): string {
    return this.path;
  }

  /**
   * From the file's size, unless gzipped: every row has the SNP id, two alleles and a value per sample, each
   * field at least one byte and a separator or the line's end after it.
   */
  get snpCountAtMost(): number | undefined {
    try {
      return isGzip(this.path)
        ? undefined
        : Math.floor((statSync(this.path).size + 1) / (2 * (this.samplesInFile + 3)));
    } catch {
      return undefined; // the pass says why it cannot be read
    }
  }

  async *blocks(
    blockSize: number,
    indices?: Int32Array,
    content?: BlockContent,
  ): AsyncGenerator<GenotypeBlock> {
    const n = this.nSamples;
    let want = 0;
    let chosen = 0;
    // Block memory comes from (and goes back to) the shared spares: the consumers hand each block back.
    let buffer = blockBuffer(blockSize * n);
    let picked: number[] = [];
    let annotations: SnpAnnotation[] = [];
    // The rows' codes as well (whole rows only: not with -nind), in memory reused block after block unless the
    // caller keeps them.
    const wholeRows = n === this.samplesInFile;
    let codes = wholeRows ? new Uint8Array(blockSize * n) : null;
    const counts = new Int32Array(3 * blockSize);
    const flush = (): GenotypeBlock => {
      const count = picked.length;
      const block: GenotypeBlock = {
        indices: Int32Array.from(picked),
        annotations,
        // A block hands over its buffer (the next block gets another); the last, short one as a view of it.
        dosages: count === blockSize ? buffer : buffer.subarray(0, count * n),
        count,
        ...(codes && {
          calls: { codes: codes.subarray(0, count * n), counts: counts.subarray(0, 3 * count) },
        }),
      };
      picked = [];
      annotations = [];
      return block;
    };
    let index = 0;
    let annotation: SnpAnnotation | null = null;
    // Decides from a row's SNP id, before its genotypes are parsed, whether the pass needs it.
    const wanted = (_row: number, rs: string, allele1: string, allele0: string): boolean => {
      if (indices && want >= indices.length) return false;
      const anno = this.annotation?.get(rs);
      const candidate = { chr: anno?.chr ?? '-9', rs, pos: anno?.pos ?? '-9', allele1, allele0 };
      if (this.snps && !this.snps.keeps(candidate)) return false;
      const k = chosen++;
      if (indices) {
        if (k !== indices[want]) return false;
        want++;
      }
      index = k;
      annotation = candidate;
      return true;
    };
    // Each row is parsed straight into its place in the block, or (-nind: the block keeps the row's first n
    // values, and no codes) into one reused row: no array per SNP. A chunk's lines are read in one loop, no await
    // per row.
    const row = wholeRows ? null : new Float64Array(this.samplesInFile);
    // A caller that reads the calls gets the dosages of the other SNPs only: each row is parsed into one reused
    // row (that stays in cache) and copied to the block when its calls are not all hard (at n = 1,500 the block's
    // 25 MB of dosages were written, and their pages faulted in, for nothing).
    const callsOnly = codes !== null && content?.dosages === false ? new Float64Array(n) : null;
    // Whether the last row was all hard calls: if so this one is parsed with its codes, else (a file of dosages, as
    // BXD's) without, straight into the block, and its codes are written after it only if it turns out all hard.
    let hardBefore = true;
    const reader = new BimbamRowReader(this.path, this.samplesInFile, this.anyValues, wanted);
    reading: for await (const batch of streamLineBatches(this.path, 'genotype file')) {
      for (let k = 0; k < batch.count; k++) {
        if (!reader.wants(batch.bytes, batch.starts[k], batch.ends[k])) continue;
        const at = picked.length * n;
        const countAt = 3 * picked.length;
        if (!codes) {
          reader.genotypes(row!, 0, batch.firstLine + k);
          buffer.set(row!.subarray(0, n), at);
        } else if (hardBefore) {
          if (callsOnly) reader.genotypes(callsOnly, 0, batch.firstLine + k, codes, at);
          else reader.genotypes(buffer, at, batch.firstLine + k, codes, at);
          reader.callCounts(counts, countAt);
          hardBefore = counts[countAt] >= 0;
          if (callsOnly && !hardBefore) buffer.set(callsOnly, at);
        } else {
          reader.genotypes(buffer, at, batch.firstLine + k);
          hardBefore = reader.hardCalls;
          if (hardBefore) encodeCalls(buffer, at, n, codes, at, counts, countAt);
          else counts[countAt] = -1;
        }
        picked.push(index);
        annotations.push(annotation!);
        if (picked.length === blockSize) {
          yield flush();
          buffer = blockBuffer(blockSize * n);
          if (codes && content?.keepCalls) codes = new Uint8Array(blockSize * n);
        }
        // The rows after the last listed SNP are not read.
        if (indices && want >= indices.length) break reading;
      }
    }
    if (picked.length > 0) yield flush();
    else recycleBlockBuffer(buffer);
  }

  notes(): string[] {
    return [];
  }

  close(): void {}
}

/** -g FILE (with -a FILE for positions). */
export const BIMBAM_FORMAT: GenotypeFormat<ScanConfig> = {
  name: 'BIMBAM (-g)',
  hasSampleIds: false,
  given: (config) => config.geno !== undefined,
  // -a is listed with the other GEMMA inputs (it also serves no other format).
  files: (config) => [config.geno!],
  open(config, selection) {
    if (selection.nSamples === undefined) throw new Error('internal: BIMBAM needs the sample count');
    const annotation = config.anno ? readAnnotationFile(config.anno) : null;
    return new BimbamGenotypes(
      config.geno!,
      selection.nSamples,
      annotation,
      selection.snps,
      config.anyGenotypeValues,
      selection.firstRows,
    );
  },
};
