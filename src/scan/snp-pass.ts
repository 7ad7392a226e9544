/**
 * The first pass over the genotypes: GEMMA's filters decide which SNPs each trait group analyses
 * (and record n_miss and af over its individuals); when asked, the same pass accumulates the kinship
 * from the passing SNPs over all individuals: one matrix, one without a chromosome (-loco CHR), or
 * one sum per chromosome (--loco, so that every leave-one-out kinship comes from this single pass).
 */
import { statSync } from 'node:fs';
import type { Engine } from '../engines/engine.js';
import type { GenotypeBlock, GenotypeSource } from '../io/genotypes.js';
import { decodeBedSnp } from '../io/plink.js';
import { decodeCalls } from '../io/call-codes.js';
import { Progress } from '../io/progress.js';
import { SnpFilter } from '../qc/snp-filter.js';
import { KinshipAccumulator, prepareKinshipSnp, type KinshipKind } from '../kinship/kinship.js';
import { HardCallBuffer } from '../kinship/hard-call-buffer.js';
import type { TraitGroup } from './inputs.js';
import { GrowableColumn } from '../io/growable.js';
import { recycleBlockBuffer } from '../io/block-buffers.js';
import type { SnpFilterSettings } from '../model/settings.js';
import { addDoubleDouble, kinshipFromSum, type KinshipSum } from '../linalg/double-double.js';

/**
 * Kinship blocks never straddle a segment of this many blocks' worth of file SNPs (16 x blockSize): a block
 * ends when it holds blockSize kept SNPs or when the next SNP's file index enters a new segment. Blocks are
 * thus fixed by the file, and a kinship shard (a range of whole segments) sums the same blocks, to the same
 * bits, as a one-node pass.
 */
export const KINSHIP_SEGMENT_BLOCKS = 16;

export interface TestedSnps {
  /** File indices of the SNPs that pass, ascending. */
  indices: Int32Array;
  /** Missing calls and allele1 frequency over the group's individuals (compact: 12 bytes a SNP). */
  missing: Int32Array;
  frequency: Float64Array;
  /** Chromosome of each tested SNP, as an index into SnpPassResult.chromosomes. */
  chromosome: Int32Array;
}

export interface SnpPassResult {
  snpsInFile: number;
  /** Per trait group. */
  tested: TestedSnps[];
  /** Chromosome names in order of first appearance among tested SNPs. */
  chromosomes: string[];
  /** Kinship sum (double-double) over the kept SNPs, by chromosome name ('' = all, when not split), with SNP counts. */
  kinshipSums?: Map<string, KinshipPart>;
  /** K = X X^T / m itself, instead of kinshipSums, when the pass was asked for it rounded (undefined: no SNP kept). */
  kinship?: PassKinship;
}

/** The rounded K = X X^T / m of a pass, used where the engine holds it (see useKinshipOf). */
export interface PassKinship {
  /** Runs `use` on K (row-major n x n, valid during the call only), once. */
  use<T>(use: (kinship: Float64Array) => T): Promise<T>;
}

/** One kinship sum: X X^T over `snps` kept SNPs, in double-double. */
export interface KinshipPart {
  sum: KinshipSum;
  snps: number;
  /** File index of the part's first SNP (parts are ordered by it). */
  firstSnp: number;
}

export type KinshipSplit = { by: 'none' } | { by: 'exclude'; chromosome: string } | { by: 'chromosome' };

export interface SnpPassOptions {
  filters: SnpFilterSettings;
  blockSize: number;
  /**
   * No scan follows the pass (-gk): read at most READ_BLOCK_BYTES of dosages at a time. Otherwise the reader's
   * blockSize blocks, whose memory the scan's block buffers reuse.
   */
  kinshipOnly?: boolean;
  quiet: boolean;
  /**
   * `rounded` (split 'none' or 'exclude' only): the pass returns K = sum / m as `kinship` instead of the sums, so
   * the engine need not copy its double-double pair out beside K (issue 22: peak memory of -gk).
   */
  kinship?: { kind: KinshipKind; engine: Engine; split: KinshipSplit; rounded?: boolean };
  snpsInFile?: number;
  /** GEMMA's -ksnps: only these SNP IDs (among those passing) enter the kinship. */
  kinshipSnps?: Set<string>;
  /** Only the file SNPs [start, end) (a kinship shard: whole kinship segments); all when omitted. */
  snpRange?: { start: number; end: number };
  /** Kinship sums computed elsewhere (merged kinship shards): returned as the pass's, none accumulated. */
  kinshipSums?: Map<string, KinshipPart>;
}

/**
 * SNPs filtered between turns of the event loop. An eigendecomposition running meanwhile on the engine's threads
 * needs this thread at its start and between its phases, and reading blocks alone only ever awaits microtasks, so
 * without turns it would wait for the whole pass.
 */
const TURN_SNPS = 256;

const eventLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Streams every SNP once, applying each group's filters (and building K if asked, from group 0's SNPs). */
export async function runSnpPass(
  source: GenotypeSource,
  groups: TraitGroup[],
  options: SnpPassOptions,
): Promise<SnpPassResult> {
  // GEMMA's polymorphism test is named for the format it comes from: genotype classes as for PLINK, else BIMBAM's.
  const test = source.polymorphism === 'genotype-classes' ? 'plink' : 'bimbam';
  const filters = groups.map(
    (g) =>
      new SnpFilter(options.filters, g.selection.analysed, g.selection.covariates, g.selection.nCvt, test),
  );
  const n = source.nSamples;
  const tested = groups.map(() => ({
    indices: new GrowableColumn(Int32Array),
    missing: new GrowableColumn(Int32Array),
    frequency: new GrowableColumn(Float64Array),
    chromosome: new GrowableColumn(Int32Array),
  }));
  const chromosomes: string[] = [];
  const chromosomeCode = new Map<string, number>();
  const kinship =
    options.kinship && !options.kinshipSums
      ? new KinshipBlocks(
          options.kinship.engine,
          n,
          options.blockSize,
          options.kinship.kind,
          options.kinship.split,
        )
      : null;
  const kinshipSnps = options.kinshipSnps;
  let seen = 0;
  const range = options.snpRange;
  const total = range ? range.end - range.start : options.snpsInFile;
  const progress = new Progress('Reading SNPs', total ?? 0, options.quiet || total === undefined);
  if (kinship) options.kinship!.engine.expectKinship?.(n, total ?? textSnpBound(source.genotypeFile, n));
  const indices = range
    ? Int32Array.from({ length: range.end - range.start }, (_, k) => range.start + k)
    : undefined;
  const segmentSnps = KINSHIP_SEGMENT_BLOCKS * options.blockSize;
  let segment = range ? Math.floor(range.start / segmentSnps) : 0;
  // Where a block has .bed codes, the filters and the kinship read those: the reader may skip the dosages.
  for await (const block of source.blocks(readBlockSize(options, n), indices, { dosages: false })) {
    const bed = block.bed;
    const calls = block.calls;
    for (let j = 0; j < block.count; j++) {
      if (j % TURN_SNPS === TURN_SNPS - 1) await eventLoopTurn();
      const chr = block.annotations[j].chr;
      if (kinship && Math.floor(block.indices[j] / segmentSnps) !== segment) {
        segment = Math.floor(block.indices[j] / segmentSnps);
        await kinship.flushAll();
      }
      // A SNP of hard calls is read from its codes and counts where the reader has them.
      const missing = calls ? calls.counts[3 * j] : -1;
      for (let g = 0; g < groups.length; g++) {
        const summary = bed
          ? filters[g].evaluateBed(bed.bytes, bed.offsets[j])
          : missing >= 0
            ? filters[g].evaluateCalls(
                calls!.codes,
                j * n,
                missing,
                calls!.counts[3 * j + 1],
                calls!.counts[3 * j + 2],
              )
            : filters[g].evaluate(block.dosages, j * n);
        if (!summary.pass) continue;
        let code = chromosomeCode.get(chr);
        if (code === undefined) {
          code = chromosomes.length;
          chromosomes.push(chr);
          chromosomeCode.set(chr, code);
        }
        tested[g].indices.push(block.indices[j]);
        tested[g].missing.push(summary.nMiss);
        tested[g].frequency.push(summary.af);
        tested[g].chromosome.push(code);
        if (g === 0 && kinship && (!kinshipSnps || kinshipSnps.has(block.annotations[j].rs))) {
          const flushed = kinship.add(chr, block.indices[j], block, j);
          if (flushed) await flushed;
        }
      }
    }
    // The filters and the kinship buffer copied what they keep: the reader may reuse the block's memory.
    recycleBlockBuffer(block.dosages);
    seen += block.count;
    progress.update(seen);
    await eventLoopTurn();
  }
  return {
    snpsInFile: seen,
    tested: tested.map((t) => ({
      indices: t.indices.toArray(),
      missing: t.missing.toArray(),
      frequency: t.frequency.toArray(),
      chromosome: t.chromosome.toArray(),
    })),
    chromosomes,
    ...(kinship && options.kinship?.rounded
      ? { kinship: await kinship.rounded() }
      : { kinshipSums: kinship ? await kinship.finish() : options.kinshipSums }),
  };
}

/** Most bytes of dosages the pass reads at a time (a block of the reader, reused block after block). */
const READ_BLOCK_BYTES = 4 << 20;
/** Fewest SNPs the pass reads at a time (per-block costs at large n). */
const READ_BLOCK_MIN_SNPS = 64;

/**
 * SNPs the pass reads at a time: a kinship block, or for a kinship-only pass at most READ_BLOCK_BYTES of dosages.
 * The filters and the kinship take a SNP at a time (the kinship buffers its own blocks), so a smaller read block
 * changes no result, only the reader's memory: a 2,048-SNP block of BIMBAM dosages at n = 1,500 was 25 MB of fresh
 * pages (6,000 page faults) on this thread in -gk.
 */
function readBlockSize({ blockSize, kinshipOnly }: SnpPassOptions, n: number): number {
  if (!kinshipOnly) return blockSize;
  return Math.min(blockSize, Math.max(READ_BLOCK_MIN_SNPS, Math.floor(READ_BLOCK_BYTES / (8 * n))));
}

/**
 * At most how many SNPs of n genotypes a text genotype file (BIMBAM: a SNP count is known only once it is read)
 * holds: each genotype takes at least a digit and a separator. Only an estimate for the engine (a compressed file
 * gives too few, which leaves the threads to start as blocks come); 0 when the file cannot be read.
 */
function textSnpBound(path: string, n: number): number {
  try {
    return Math.floor(statSync(path).size / (2 * Math.max(1, n)));
  } catch {
    return 0;
  }
}

/** One kinship part's accumulator and block buffers (raw dosages; hard calls where the exact path applies). */
interface KinshipBlockPart {
  accumulator: KinshipAccumulator;
  buffer: Float64Array;
  hard: HardCallBuffer | undefined;
  filled: number;
  /** SNPs at the start of the block whose dosages are in `buffer` (the others are in `hard`'s codes only). */
  raw: number;
  firstSnp: number;
}

/**
 * Buffers SNPs per kinship part ('' or a chromosome) and feeds the engine in blocks: a -gk 1 block of hard calls
 * through the engine's exact path where it has one, any other block prepared (centred, scaled) as doubles.
 */
class KinshipBlocks {
  private readonly parts = new Map<string, KinshipBlockPart>();

  constructor(
    private readonly engine: Engine,
    private readonly n: number,
    private readonly blockSize: number,
    private readonly kind: KinshipKind,
    private readonly split: KinshipSplit,
  ) {}

  /** Adds SNP j of a block; returns a promise only when a full buffer went to the engine (no await per SNP). */
  add(chr: string, index: number, block: GenotypeBlock, j: number): Promise<void> | undefined {
    if (this.split.by === 'exclude' && chr === this.split.chromosome) return undefined;
    const key = this.split.by === 'chromosome' ? chr : '';
    let part = this.parts.get(key);
    if (!part) {
      const accumulator = new KinshipAccumulator(this.engine, this.n);
      part = {
        accumulator,
        buffer: new Float64Array(this.blockSize * this.n),
        hard: this.kind === 1 && accumulator.exact ? new HardCallBuffer(this.n, this.blockSize) : undefined,
        filled: 0,
        raw: 0,
        firstSnp: index,
      };
      this.parts.set(key, part);
    }
    // Raw dosages: prepared at the flush, and only if the block is not taken as hard calls. While the block is
    // all hard calls its SNPs are kept as codes only (a copy of each SNP was a tenth of -gk 1's time); a block
    // that leaves the exact path gets the earlier SNPs decoded from their codes (the same values but -0).
    const { n } = this;
    const hard = part.hard;
    const bed = block.bed;
    const calls = block.calls;
    if (hard && bed) hard.pushBed(bed.bytes, bed.offsets[j]);
    else if (hard && calls && calls.counts[3 * j] >= 0)
      hard.pushCalls(calls.codes, j * n, calls.counts[3 * j], calls.counts[3 * j + 1]);
    else hard?.push(block.dosages.subarray(j * n, (j + 1) * n));
    if (!hard?.gathering) {
      if (hard && part.raw < part.filled) hard.decode(part.buffer, part.raw, part.filled);
      const row = part.buffer.subarray(part.filled * n, (part.filled + 1) * n);
      // The reader's dosages of .bed codes are decodeBedSnp's (and the block may have none).
      // The reader may have left a SNP's dosages unwritten where it has its calls.
      if (bed) decodeBedSnp(bed.bytes, bed.offsets[j], n, row);
      else if (calls && calls.counts[3 * j] >= 0) decodeCalls(calls.codes, j * n, n, row, 0);
      else row.set(block.dosages.subarray(j * n, (j + 1) * n));
      part.raw = part.filled + 1;
    }
    part.filled++;
    return part.filled === this.blockSize ? this.flush(part) : undefined;
  }

  /** Sends every part's buffered SNPs to the engine (at a kinship segment boundary). */
  async flushAll(): Promise<void> {
    for (const part of this.parts.values()) await this.flush(part);
  }

  private async flush(part: KinshipBlockPart): Promise<void> {
    const b = part.filled;
    if (b === 0) return;
    const hard = part.hard?.take();
    if (hard) await part.accumulator.addHardCalls(hard);
    else {
      const { n } = this;
      // The SNPs gathered as codes only (all of them when take() declined a block of hard calls for its share of
      // missing calls).
      if (part.hard && part.raw < b) part.hard.decode(part.buffer, part.raw, b);
      for (let j = 0; j < b; j++) prepareKinshipSnp(part.buffer.subarray(j * n, (j + 1) * n), this.kind);
      await part.accumulator.add(part.buffer.subarray(0, b * n), b);
    }
    part.filled = 0;
    part.raw = 0;
  }

  /** K = sum / m of the one part (split 'none' or 'exclude'), or undefined when no SNP was kept. */
  async rounded(): Promise<PassKinship | undefined> {
    if (this.split.by === 'chromosome')
      throw new Error('lmmscan: a rounded kinship has one part, not one per chromosome');
    const part = this.parts.get('');
    if (!part) return undefined;
    await this.flush(part);
    return { use: (use) => part.accumulator.useKinship(use) };
  }

  /** Unnormalised double-double sums and SNP counts per part. */
  async finish(): Promise<Map<string, KinshipPart>> {
    const out = new Map<string, KinshipPart>();
    for (const [key, part] of this.parts) {
      await this.flush(part);
      const snps = part.accumulator.snps;
      out.set(key, { sum: await part.accumulator.doubleDoubleSum(), snps, firstSnp: part.firstSnp });
    }
    return out;
  }
}

/**
 * `use` on K = X X^T / m of a pass that accumulated one kinship part (undefined, without calling it, when no SNP
 * was kept): where the engine holds it (a rounded pass), or from the sums (merged kinship shards: K is written
 * over the part's hi and the part leaves the pass). Once per pass.
 */
export async function useKinshipOf<T>(
  pass: SnpPassResult,
  use: (kinship: Float64Array) => T,
): Promise<T | undefined> {
  if (pass.kinship) return pass.kinship.use(use);
  const entry = pass.kinshipSums?.get('');
  if (!entry || entry.snps === 0) return undefined;
  pass.kinshipSums!.delete('');
  return use(kinshipFromSum(entry.sum, entry.snps));
}

/**
 * Leave-one-chromosome-out K = (sum of all parts - part c) / (m - m_c), from per-chromosome sums: the other
 * chromosomes' double-double sums added in order of first appearance, then rounded.
 */
export function leaveOneOutKinship(pass: SnpPassResult, chromosome: string): Float64Array | undefined {
  const sums = pass.kinshipSums;
  if (!sums) return undefined;
  let total: KinshipSum | undefined;
  let snps = 0;
  for (const [chr, entry] of sums) {
    if (chr === chromosome) continue;
    if (!total) total = { hi: Float64Array.from(entry.sum.hi), lo: Float64Array.from(entry.sum.lo) };
    else addDoubleDouble(total, entry.sum);
    snps += entry.snps;
  }
  if (!total || snps === 0) return undefined;
  return kinshipFromSum(total, snps);
}
