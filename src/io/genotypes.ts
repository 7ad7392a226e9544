/**
 * One streaming view over PLINK and BIMBAM genotypes: blocks of SNPs, each with its annotation and
 * allele1 dosages for every individual in the file (SNP-major, NaN = missing). Memory is bounded
 * by the block size, never by the number of SNPs.
 */
import type { AnnotationEntry } from './bimbam.js';
import { streamBimbamGenotypes } from './bimbam.js';
import { BedFile, decodeBedSnp, type BimTable, type SnpAnnotation } from './plink.js';

export interface GenotypeBlock {
  /** 0-based SNP indices in the file. */
  indices: Int32Array;
  annotations: SnpAnnotation[];
  /** count x nSamples, SNP-major: dosages[j * nSamples + i]. */
  dosages: Float64Array;
  count: number;
}

export interface GenotypeSource {
  readonly format: 'plink' | 'bimbam';
  readonly nSamples: number;
  /** Streams the SNPs whose file indices are listed (ascending), or every SNP when `indices` is omitted. */
  blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock>;
  close(): void;
}

/** PLINK .bed/.bim/.fam genotypes with random access by SNP. */
export class PlinkGenotypes implements GenotypeSource {
  readonly format = 'plink' as const;
  private readonly bed: BedFile;

  constructor(
    bedPath: string,
    readonly snps: BimTable,
    readonly nSamples: number,
  ) {
    this.bed = new BedFile(bedPath, nSamples, snps.count);
  }

  async *blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
    const all = indices ?? Int32Array.from({ length: this.snps.count }, (_, k) => k);
    const n = this.nSamples;
    const per = this.bed.bytesPerSnp;
    let raw: Buffer = Buffer.alloc(0);
    for (let start = 0; start < all.length; start += blockSize) {
      const idx = all.subarray(start, Math.min(all.length, start + blockSize));
      const count = idx.length;
      const dosages = new Float64Array(count * n);
      // Read the span covering the block once when it is dense, SNP by SNP otherwise.
      const span = idx[count - 1] - idx[0] + 1;
      if (span <= 2 * count) {
        raw = this.bed.readRaw(idx[0], span, raw);
        for (let j = 0; j < count; j++) decodeBedSnp(raw, (idx[j] - idx[0]) * per, n, dosages.subarray(j * n, (j + 1) * n));
      } else {
        for (let j = 0; j < count; j++) {
          raw = this.bed.readRaw(idx[j], 1, raw);
          decodeBedSnp(raw, 0, n, dosages.subarray(j * n, (j + 1) * n));
        }
      }
      yield { indices: Int32Array.from(idx), annotations: Array.from(idx, (k) => this.snps.get(k)), dosages, count };
    }
  }

  close(): void {
    this.bed.close();
  }
}

/** BIMBAM mean genotypes, streamed; chromosome and position come from the annotation file when given. */
export class BimbamGenotypes implements GenotypeSource {
  readonly format = 'bimbam' as const;

  constructor(
    readonly path: string,
    readonly nSamples: number,
    private readonly annotation: Map<string, AnnotationEntry> | null,
    /** GEMMA's -notsnp: values need not be dosages in [0, 2]. */
    private readonly anyValues = false,
  ) {}

  async *blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
    const n = this.nSamples;
    let want = 0;
    let buffer = new Float64Array(blockSize * n);
    let picked: number[] = [];
    let annotations: SnpAnnotation[] = [];
    const flush = (): GenotypeBlock => {
      const block = { indices: Int32Array.from(picked), annotations, dosages: buffer.slice(0, picked.length * n), count: picked.length };
      picked = [];
      annotations = [];
      return block;
    };
    for await (const snp of streamBimbamGenotypes(this.path, n, this.anyValues)) {
      if (indices) {
        if (want >= indices.length) break;
        if (snp.index !== indices[want]) continue;
        want++;
      }
      const anno = this.annotation?.get(snp.rs);
      buffer.set(snp.dosages, picked.length * n);
      picked.push(snp.index);
      annotations.push({ chr: anno?.chr ?? '-9', rs: snp.rs, pos: anno?.pos ?? '-9', allele1: snp.allele1, allele0: snp.allele0 });
      if (picked.length === blockSize) {
        yield flush();
        buffer = new Float64Array(blockSize * n);
      }
    }
    if (picked.length > 0) yield flush();
  }

  close(): void {}
}
