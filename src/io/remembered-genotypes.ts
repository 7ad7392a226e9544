/**
 * A genotype source that keeps what its first full pass read, so that a scan's second pass (the tests,
 * after the filters and kinship of the first) replays the SNPs from memory instead of reading and
 * parsing the file again: on a small panel that second read is a third of lmmscan's time (BXD, the
 * -nind lines of GEMMA's suites), and on a gzipped BIMBAM file most of it. The replay is exact: hard
 * calls (0, 1, 2, missing) are kept as one byte each, any other SNP as its float64 dosages. Past
 * `budgetBytes` the recording is dropped and every pass reads the file, as without this wrapper.
 */
import type { GenotypeBlock, GenotypeSource } from './genotypes.js';
import type { SnpAnnotation } from './plink.js';

/** Byte code of a missing call among the hard calls 0, 1, 2. */
const MISSING = 3;

/** One recorded block: consecutive SNP indices from `first`, as byte codes or (any other value) float64. */
interface Recorded {
  first: number;
  count: number;
  annotations: SnpAnnotation[];
  codes: Uint8Array | null;
  dosages: Float64Array | null;
}

/** The block's dosages as byte codes, or null when one is not 0, 1, 2 or missing (or is -0). */
function hardCalls(dosages: Float64Array, length: number): Uint8Array | null {
  const codes = new Uint8Array(length);
  for (let k = 0; k < length; k++) {
    const v = dosages[k];
    if (v === 1 || v === 2) codes[k] = v;
    else if (Number.isNaN(v)) codes[k] = MISSING;
    else if (v !== 0 || 1 / v < 0) return null;
  }
  return codes;
}

/** Default memory for the recording: BXD takes 12 MB (its 0.5 dosages are kept as float64), mouse_hs1940 24 MB. */
export const REMEMBERED_BYTES = 256 * 1024 * 1024;

/** `inner` with its first full pass kept (up to budgetBytes) and replayed to later passes. */
export class RememberedGenotypes implements GenotypeSource {
  private recorded: Recorded[] | null = null;
  /** Whether a full pass has run to its end with the recording kept. */
  private complete = false;
  private recording = true;
  private bytes = 0;

  constructor(
    private readonly inner: GenotypeSource,
    private readonly budgetBytes = REMEMBERED_BYTES,
  ) {}

  get format(): string {
    return this.inner.format;
  }
  get polymorphism(): GenotypeSource['polymorphism'] {
    return this.inner.polymorphism;
  }
  get genotypeFile(): string {
    return this.inner.genotypeFile;
  }
  get nSamples(): number {
    return this.inner.nSamples;
  }
  get samplesInFile(): number {
    return this.inner.samplesInFile;
  }
  get sampleIds(): GenotypeSource['sampleIds'] {
    return this.inner.sampleIds;
  }
  get sampleRows(): Int32Array {
    return this.inner.sampleRows;
  }
  get snpCount(): number | undefined {
    return this.inner.snpCount;
  }
  get embeddedPhenotypes(): GenotypeSource['embeddedPhenotypes'] {
    return this.inner.embeddedPhenotypes;
  }

  /** Replays from memory once a full pass is kept; the first full pass is read and recorded. */
  blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
    if (this.complete && this.recorded) return this.replay(blockSize, indices);
    if (indices || !this.recording) return this.inner.blocks(blockSize, indices);
    this.recording = false; // one pass records; a second, concurrent full pass just reads
    return this.record(blockSize);
  }

  private async *record(blockSize: number): AsyncGenerator<GenotypeBlock> {
    const n = this.inner.nSamples;
    let kept: Recorded[] | null = [];
    let next = 0;
    for await (const block of this.inner.blocks(blockSize)) {
      if (kept) {
        const consecutive = block.indices.every((index, j) => index === next + j);
        const codes = consecutive ? hardCalls(block.dosages, block.count * n) : null;
        const dosages = consecutive && !codes ? block.dosages.slice(0, block.count * n) : null;
        this.bytes += codes ? codes.length : dosages ? dosages.byteLength : 0;
        if (!consecutive || this.bytes > this.budgetBytes) kept = null;
        else kept.push({ first: next, count: block.count, annotations: block.annotations, codes, dosages });
        next += block.count;
      }
      yield block;
    }
    this.recorded = kept;
    this.complete = kept !== null;
  }

  private async *replay(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
    const recorded = this.recorded!;
    const n = this.inner.nSamples;
    const last = recorded[recorded.length - 1];
    const total = last ? last.first + last.count : 0;
    const wanted = indices ?? Int32Array.from({ length: total }, (_, k) => k);
    let b = 0;
    for (let from = 0; from < wanted.length; from += blockSize) {
      const count = Math.min(blockSize, wanted.length - from);
      const dosages = new Float64Array(count * n);
      const annotations: SnpAnnotation[] = [];
      for (let j = 0; j < count; j++) {
        const index = wanted[from + j];
        if (!(index >= 0 && index < total))
          throw new Error(`internal: SNP ${index} is not among the ${total} read`);
        // Indices ascend: the block holding this one is at or after the last one's.
        while (recorded[b].first + recorded[b].count <= index) b++;
        if (recorded[b].first > index) b = 0;
        while (recorded[b].first + recorded[b].count <= index) b++;
        const block = recorded[b];
        const at = (index - block.first) * n;
        if (block.codes) {
          for (let i = 0; i < n; i++) {
            const code = block.codes[at + i];
            dosages[j * n + i] = code === MISSING ? NaN : code;
          }
        } else dosages.set(block.dosages!.subarray(at, at + n), j * n);
        annotations.push(block.annotations[index - block.first]);
      }
      yield { indices: wanted.slice(from, from + count), annotations, dosages, count };
    }
  }

  notes(): string[] {
    return this.inner.notes();
  }

  close(): void {
    this.recorded = null;
    this.inner.close();
  }
}
