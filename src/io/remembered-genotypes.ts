/**
 * A genotype source that keeps what its first full pass read, so that a scan's second pass (the tests,
 * after the filters and kinship of the first) replays the SNPs from memory instead of reading and
 * parsing the file again: on a small panel that second read is a third of lmmscan's time (BXD, the
 * -nind lines of GEMMA's suites), and on a gzipped BIMBAM file most of it. The replay is exact: each
 * genotype is kept as one byte (0, 1, 2, missing, or "other"), each other value (a dosage, -0) as its
 * float64 beside the codes. The first `rawBytes` of the recording are kept as plain float64 copies instead:
 * on a small panel (BXD: 11.6 MB) copying costs what encoding does, and the replay is then a copy, cheaper
 * than decoding. Given the samples a replay is read at (a scan reads its analysed individuals only), a copy keeps
 * those alone: BXD's -lm and -lmm analyse 67 of its 198 samples, and the full copy's fresh memory took a tenth of
 * such a run's CPU in page faults. A block with .bed codes (PLINK) is kept as codes taken from those, never as a copy: the reader
 * then decodes no dosages for the recording (at n = 301 the copies cost the -lmm 10 % more main-thread CPU).
 * Past `budgetBytes` the recording is dropped and every pass reads the file, as without this wrapper.
 */
import type { BlockContent, GenotypeBlock, GenotypeSource } from './genotypes.js';
import { decodeCalls, MISSING_CALL, type CallCodes } from './call-codes.js';
import type { BedCodes } from './bed-codes.js';
import type { SnpAnnotation } from './plink.js';
import { blockBuffer, recycleBlockBuffer } from './block-buffers.js';
import { GrowableColumn } from './growable.js';

/** Byte codes of a recorded genotype: the hard calls 0, 1, 2 are themselves. */
export const MISSING_CODE = MISSING_CALL;
const MISSING = MISSING_CODE;
/** Any other value (a dosage, -0): the next of the block's `others`, in order. */
const OTHER = 4;

/**
 * One recorded block: consecutive SNP indices from `first`, one byte code per genotype, and the values that
 * are not hard calls nor missing in SNP-major order, with where each SNP's start (count + 1 offsets). Half
 * of mouse_hs1940's rows and every row of BXD hold a few dosages among hard calls: a byte each plus the
 * few others is an eighth of their float64 copy, and writing it touches little fresh memory.
 */
interface Recorded {
  first: number;
  count: number;
  annotations: SnpAnnotation[];
  codes: Uint8Array;
  others: Float64Array;
  otherStart: Int32Array;
  /**
   * The block's dosages as read (count x width: every sample, or the replay's samples alone), kept instead of codes
   * within the raw allowance.
   */
  raw?: Float64Array;
  /** Where each sample is in a row of `raw` (-1: not kept), or null when `raw` holds every sample at its index. */
  rawColumns?: Int32Array | null;
}

const NO_CODES = new Uint8Array(0);
const NO_OTHERS = new Float64Array(0);
const NO_STARTS = new Int32Array(0);

/** Added to a float64's sign and exponent bits (its high word >>> 20) when the rest of its bits are not all zero. */
const NOT_EXACT = 1 << 12;
/**
 * The code of a float64 by its sign and exponent bits plus NOT_EXACT: 0, 1 and 2 are the only hard calls whose
 * other bits are zero; every other entry is OTHER (missing is told apart afterwards).
 */
const CODE_OF_EXPONENT = new Uint8Array(2 * NOT_EXACT).fill(OTHER);
CODE_OF_EXPONENT[0] = 0;
CODE_OF_EXPONENT[0x3ff] = 1;
CODE_OF_EXPONENT[0x400] = 2;

/**
 * The codes of `count` SNPs of n genotypes each, and their other values (collected into `others`); a SNP that the
 * reader's `calls` hold is theirs (the same codes: hard calls and missing ones only). Calls the caller keeps
 * (BlockContent) are written into and returned, else copied.
 */
function encode(
  dosages: Float64Array,
  count: number,
  n: number,
  others: GrowableColumn<Float64Array>,
  calls?: CallCodes,
  callsKept = false,
): { codes: Uint8Array; otherStart: Int32Array } {
  const codes = calls && callsKept ? calls.codes : new Uint8Array(count * n);
  const otherStart = new Int32Array(count + 1);
  // The value's words, little-endian: hard calls are told by integer compares alone, with no branch on which of
  // 0, 1 or 2 a genotype is (random genotypes mispredicted such branches at a third of the SNP pass's encode).
  const words = new Uint32Array(dosages.buffer, dosages.byteOffset, 2 * count * n);
  for (let j = 0; j < count; j++) {
    otherStart[j] = others.length;
    if (calls && calls.counts[3 * j] >= 0) {
      if (!callsKept) codes.set(calls.codes.subarray(j * n, (j + 1) * n), j * n);
      continue;
    }
    for (let k = j * n; k < (j + 1) * n; k++) {
      const high = words[2 * k + 1];
      const exact = (words[2 * k] | (high & 0xfffff)) === 0;
      const code = CODE_OF_EXPONENT[(high >>> 20) | (exact ? 0 : NOT_EXACT)];
      if (code <= 2) {
        codes[k] = code;
        continue;
      }
      // Missing or another value (a dosage, -0: the sign bit's index is not 0).
      const v = dosages[k];
      if (v !== v) codes[k] = MISSING;
      else {
        codes[k] = OTHER;
        others.push(v);
      }
    }
  }
  otherStart[count] = others.length;
  return { codes, otherStart };
}

/**
 * The code of each .bed byte's four samples, low bits first, at BYTE_TO_CODES[(byte << 2) + t]: 00 -> 2 copies of
 * allele1, 01 -> missing, 10 -> 1 copy, 11 -> 0 copies (decodeBedSnp's dosages as codes).
 */
const BED_CODE = Uint8Array.of(2, MISSING, 1, 0);
const BYTE_TO_CODES = Uint8Array.from({ length: 1024 }, (_, k) => BED_CODE[((k >> 2) >> ((k & 3) << 1)) & 3]);

/** The codes of `count` SNPs of n genotypes each from their .bed bytes (hard calls and missing only). */
function codesOfBed(bed: BedCodes, count: number, n: number): Uint8Array {
  const codes = new Uint8Array(count * n);
  const { bytes, offsets } = bed;
  const whole = n >> 2;
  for (let j = 0; j < count; j++) {
    const offset = offsets[j];
    let at = j * n;
    for (let q = 0; q < whole; q++, at += 4) {
      const base = bytes[offset + q] << 2;
      codes[at] = BYTE_TO_CODES[base];
      codes[at + 1] = BYTE_TO_CODES[base + 1];
      codes[at + 2] = BYTE_TO_CODES[base + 2];
      codes[at + 3] = BYTE_TO_CODES[base + 3];
    }
    // The last byte's samples; its spare bits are padding.
    if (n & 3) {
      const base = bytes[offset + whole] << 2;
      for (let t = 0; t < (n & 3); t++) codes[at + t] = BYTE_TO_CODES[base + t];
    }
  }
  return codes;
}

/** The rows of `count` SNPs of n genotypes each at the samples `samples` alone, SNP-major. */
function gatherSamples(dosages: Float64Array, count: number, n: number, samples: Int32Array): Float64Array {
  const width = samples.length;
  const out = new Float64Array(count * width);
  for (let j = 0; j < count; j++) {
    const from = j * n;
    const to = j * width;
    for (let k = 0; k < width; k++) out[to + k] = dosages[from + samples[k]];
  }
  return out;
}

/** The dosages of the SNPs of a block that `calls` hold, written from their codes. */
function fillCalledRows(dosages: Float64Array, count: number, n: number, calls: CallCodes): void {
  for (let j = 0; j < count; j++)
    if (calls.counts[3 * j] >= 0) decodeCalls(calls.codes, j * n, n, dosages, j * n);
}

/** SNP `snp` of a recorded block, written to out[at, at + n). */
function decode(block: Recorded, snp: number, n: number, out: Float64Array, at: number): void {
  if (block.rawColumns) throw new Error('internal: a recording of some samples read in full');
  if (block.raw) {
    out.set(block.raw.subarray(snp * n, (snp + 1) * n), at);
    return;
  }
  const codes = block.codes;
  let other = block.otherStart[snp];
  const from = snp * n;
  for (let i = 0; i < n; i++) {
    const code = codes[from + i];
    out[at + i] = code <= 2 ? code : code === MISSING ? NaN : block.others[other++];
  }
}

/** Default memory for the recording: BXD takes 2.4 MB, mouse_hs1940 24 MB. */
export const REMEMBERED_BYTES = 256 * 1024 * 1024;

/**
 * Default part of the recording kept as float64 copies: all of BXD (11.6 MB), where the replay then costs
 * a quarter less CPU; a larger panel adds at most this much memory over its byte codes.
 */
export const RAW_BYTES = 16 * 1024 * 1024;

/** `inner` with its first full pass kept (up to budgetBytes) and replayed to later passes. */
export class RememberedGenotypes implements GenotypeSource {
  private recorded: Recorded[] | null = null;
  /** Whether a full pass has run to its end with the recording kept. */
  private complete = false;
  private recording = true;
  private bytes = 0;

  /** Where each sample is in a row of a raw copy (-1: not kept), when `readSamples` leaves some out. */
  private readonly rawColumns: Int32Array | null = null;

  /**
   * `readSamples`, when given, are the only samples (ascending indices) a replayed block is read at, through
   * ReplayedBlock.locate(): a raw copy keeps those alone, and the replay's `dosages` cannot be read.
   */
  constructor(
    private readonly inner: GenotypeSource,
    private readonly budgetBytes = REMEMBERED_BYTES,
    private readonly rawBytes = RAW_BYTES,
    private readonly readSamples?: Int32Array,
  ) {
    if (readSamples && readSamples.length < inner.nSamples) {
      this.rawColumns = new Int32Array(inner.nSamples).fill(-1);
      readSamples.forEach((sample, k) => (this.rawColumns![sample] = k));
    }
  }

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
  get snpCountAtMost(): number | undefined {
    return this.inner.snpCountAtMost;
  }
  get embeddedPhenotypes(): GenotypeSource['embeddedPhenotypes'] {
    return this.inner.embeddedPhenotypes;
  }

  /** Replays from memory once a full pass is kept; the first full pass is read and recorded. */
  blocks(blockSize: number, indices?: Int32Array, content?: BlockContent): AsyncGenerator<GenotypeBlock> {
    if (this.complete && this.recorded) return this.replay(blockSize, indices);
    if (indices || !this.recording) return this.inner.blocks(blockSize, indices, content);
    this.recording = false; // one pass records; a second, concurrent full pass just reads
    return this.record(blockSize, content);
  }

  /**
   * The first full pass, recorded: a block with .bed codes as its codes straight from them (the caller's
   * `content` passed on, so the reader need not decode dosages only to have them encoded back), any other from its
   * dosages.
   */
  private async *record(blockSize: number, content?: BlockContent): AsyncGenerator<GenotypeBlock> {
    const n = this.inner.nSamples;
    let kept: Recorded[] | null = [];
    let next = 0;
    // Copies are the recording's first blocks only: once a block is kept as codes, so is every later one (a short
    // last block that fits the allowance would otherwise be copied: at n = 1,500, 10 MB of fresh memory on this
    // thread, and a replay without the codes' column keys).
    let coded = false;
    // Where no block is copied (a block is larger than the copies' allowance), the reader's calls are kept as the
    // recording's codes: no copy of them, nor the reader's own block of them (at n = 1,500, 3 MB of fresh memory).
    const width = this.rawColumns ? this.readSamples!.length : n;
    const keepCalls = blockSize * width * 8 > this.rawBytes;
    const asked: BlockContent = { dosages: content?.dosages ?? true, keepCalls };
    for await (const block of this.inner.blocks(blockSize, undefined, asked)) {
      if (kept) {
        const consecutive = block.indices.every((index, j) => index === next + j);
        const rawLength = block.count * width;
        if (consecutive && block.bed) {
          // Hard calls only: codes, never a float64 copy (cheaper to make, and the scan imputes from codes faster).
          const codes = codesOfBed(block.bed, block.count, n);
          const otherStart = new Int32Array(block.count + 1);
          coded = true;
          this.bytes += codes.length + otherStart.byteLength;
          kept.push({
            first: next,
            count: block.count,
            annotations: block.annotations,
            codes,
            others: NO_OTHERS,
            otherStart,
          });
        } else if (consecutive && !coded && this.bytes + rawLength * 8 <= this.rawBytes) {
          // A copy: the consumers hand the block's buffer back to the reader for reuse. The SNPs whose dosages the
          // reader left unwritten (it has their calls) are written first.
          const calls = content?.dosages === false ? block.calls : undefined;
          if (calls) fillCalledRows(block.dosages, block.count, n, calls);
          const raw = this.rawColumns
            ? gatherSamples(block.dosages, block.count, n, this.readSamples!)
            : block.dosages.slice(0, rawLength);
          this.bytes += raw.byteLength;
          const empty = { codes: NO_CODES, others: NO_OTHERS, otherStart: NO_STARTS };
          const { rawColumns } = this;
          kept.push({
            first: next,
            count: block.count,
            annotations: block.annotations,
            ...empty,
            raw,
            rawColumns,
          });
        } else if (consecutive) {
          const others = new GrowableColumn(Float64Array);
          const { codes, otherStart } = encode(block.dosages, block.count, n, others, block.calls, keepCalls);
          coded = true;
          const otherValues = others.toArray();
          this.bytes += codes.length + otherValues.byteLength + otherStart.byteLength;
          kept.push({
            first: next,
            count: block.count,
            annotations: block.annotations,
            codes,
            others: otherValues,
            otherStart,
          });
        }
        if (!consecutive || this.bytes > this.budgetBytes) kept = null;
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
      const sources: Recorded[] = [];
      const snps = new Int32Array(count);
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
        sources.push(block);
        snps[j] = index - block.first;
        annotations.push(block.annotations[snps[j]]);
      }
      yield new ReplayedBlock(wanted.slice(from, from + count), annotations, n, sources, snps);
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

/**
 * Where a replayed SNP's genotypes are (ReplayedBlock.locate): codes or values (the other null), from `from`; sample
 * i at from + i, or at from + columns[i] when `columns` is set (values that hold some samples only).
 */
export interface SnpPlace {
  codes: Uint8Array | null;
  values: Float64Array | null;
  from: number;
  columns?: Int32Array | null;
}

/**
 * A block replayed from the recording. Its dosages are decoded when first read; a scan reads instead each SNP's
 * codes or values (locate) and takes only its analysed individuals, which saves the decode of the whole
 * block and the float64 copy it went through (at n = 1,500 these were 0.2 s of the -lmm's 1.6 s of main-thread CPU).
 */
export class ReplayedBlock implements GenotypeBlock {
  readonly count: number;
  private decoded: Float64Array | null = null;
  private scratch: Float64Array | null = null;

  constructor(
    readonly indices: Int32Array,
    readonly annotations: SnpAnnotation[],
    private readonly n: number,
    private readonly sources: Recorded[],
    private readonly snps: Int32Array,
  ) {
    this.count = indices.length;
  }

  /** count x n, decoded on the first read into a block buffer (handed back by recycle()). */
  get dosages(): Float64Array {
    if (!this.decoded) {
      const { n } = this;
      this.decoded = blockBuffer(this.count * n);
      for (let j = 0; j < this.count; j++) decode(this.sources[j], this.snps[j], n, this.decoded, j * n);
    }
    return this.decoded;
  }

  /**
   * Where SNP j's n genotypes are, written to `at` (no allocation: a scan asks for each SNP): as byte codes (0, 1, 2,
   * MISSING_CODE) when it is kept as codes and holds no other value, else as float64 values (the recording's copy,
   * the decoded block, or a row that the next call overwrites). Views on the recording: not to be written.
   */
  locate(j: number, at: SnpPlace): void {
    const { n } = this;
    const block = this.sources[j];
    const snp = this.snps[j];
    at.codes = null;
    at.values = null;
    at.columns = null;
    if (this.decoded) {
      at.values = this.decoded;
      at.from = j * n;
    } else if (block.raw && block.rawColumns) {
      at.values = block.raw;
      at.columns = block.rawColumns;
      at.from = snp * (block.raw.length / block.count);
    } else if (block.raw) {
      at.values = block.raw;
      at.from = snp * n;
    } else if (block.otherStart[snp] === block.otherStart[snp + 1]) {
      at.codes = block.codes;
      at.from = snp * n;
    } else {
      this.scratch ??= new Float64Array(n);
      decode(block, snp, n, this.scratch, 0);
      at.values = this.scratch;
      at.from = 0;
    }
  }

  /** Hands back the decoded dosages' buffer, if they were read; the block is not read after. */
  recycle(): void {
    if (this.decoded) recycleBlockBuffer(this.decoded);
    this.decoded = null;
  }
}
