/**
 * The first pass over the genotypes: GEMMA's filters decide which SNPs are analysed (and record
 * n_miss and af over analysed individuals); when asked, the same pass accumulates the kinship
 * from the passing SNPs over all individuals.
 */
import type { Engine } from '../engines/engine.js';
import type { GenotypeSource } from '../io/genotypes.js';
import { Progress } from '../io/progress.js';
import { SnpFilter, type SnpFilterSettings } from '../qc/snp-filter.js';
import type { SampleSelection } from '../qc/samples.js';
import { KinshipAccumulator, prepareKinshipSnp, type KinshipKind } from '../kinship/kinship.js';

export interface SnpPassResult {
  snpsInFile: number;
  /** File indices of the SNPs that pass, ascending. */
  testedIndices: Int32Array;
  /** Per tested SNP: missing calls and allele1 frequency over analysed individuals (compact: 12 bytes a SNP). */
  testedMissing: Int32Array;
  testedFrequency: Float64Array;
  /** Kinship over all individuals (row-major nTotal x nTotal) when requested. */
  kinship?: Float64Array;
}

export interface SnpPassOptions {
  filters: SnpFilterSettings;
  blockSize: number;
  quiet: boolean;
  kinship?: { kind: KinshipKind; engine: Engine };
  snpsInFile?: number;
}

/** Streams every SNP once, applying the filters (and building K if asked). */
export async function runSnpPass(source: GenotypeSource, selection: SampleSelection, options: SnpPassOptions): Promise<SnpPassResult> {
  const filter = new SnpFilter(options.filters, selection.analysed, selection.covariates, selection.nCvt, source.format);
  const n = source.nSamples;
  const accumulator = options.kinship ? new KinshipAccumulator(options.kinship.engine, n) : null;
  const kinshipBlock = accumulator ? new Float64Array(options.blockSize * n) : null;
  const testedIndices = new GrowableInt32();
  const testedMissing = new GrowableInt32();
  const testedFrequency = new GrowableFloat64();
  let seen = 0;
  const progress = new Progress('Reading SNPs', options.snpsInFile ?? 0, options.quiet || options.snpsInFile === undefined);
  for await (const block of source.blocks(options.blockSize)) {
    let kept = 0;
    for (let j = 0; j < block.count; j++) {
      const summary = filter.evaluate(block.dosages, j * n);
      if (!summary.pass) continue;
      testedIndices.push(block.indices[j]);
      testedMissing.push(summary.nMiss);
      testedFrequency.push(summary.af);
      if (kinshipBlock) {
        const column = kinshipBlock.subarray(kept * n, (kept + 1) * n);
        column.set(block.dosages.subarray(j * n, (j + 1) * n));
        prepareKinshipSnp(column, options.kinship!.kind);
      }
      kept++;
    }
    if (accumulator && kinshipBlock) await accumulator.add(kinshipBlock.subarray(0, kept * n), kept);
    seen += block.count;
    progress.update(seen);
  }
  return {
    snpsInFile: seen,
    testedIndices: testedIndices.toArray(),
    testedMissing: testedMissing.toArray(),
    testedFrequency: testedFrequency.toArray(),
    kinship: accumulator && accumulator.snps > 0 ? await accumulator.finish() : undefined,
  };
}

/** An append-only Int32 list that doubles its buffer (no per-SNP objects). */
class GrowableInt32 {
  private data = new Int32Array(1024);
  private length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** An append-only Float64 list that doubles its buffer. */
class GrowableFloat64 {
  private data = new Float64Array(1024);
  private length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
