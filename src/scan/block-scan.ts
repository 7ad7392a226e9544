/**
 * Tests one block of SNPs (read once, all individuals) for every unit that tests any of them:
 * subset to the unit's individuals with GEMMA's mean imputation, rotate and test each distinct column
 * once per unit (-lmm, -lm, -gxe, the multivariate LMM: distinct-columns.ts) for every trait of the unit
 * (computeGenotypeBlock, the engine's part), then format the rows of each output in file order
 * (formatComputedBlock in block-format.ts, this thread's part, which overlaps the next block's engine work).
 */
import type { Engine, PlanHandle } from '../engines/engine.js';
import type { AnalysisKind } from '../io/assoc-format.js';
import type { GenotypeBlock } from '../io/genotypes.js';
import type { LmmTestMode } from '../model/plan.js';
import type { SnpResultBlock } from '../model/results.js';
import { blockBuffer, recycleBlockBuffer } from '../io/block-buffers.js';
import { MISSING_CODE, ReplayedBlock, type SnpPlace } from '../io/remembered-genotypes.js';
import { distinctColumns } from './distinct-columns.js';
import { analysedEnvironment, testGxeColumns } from './gxe.js';
import type { PreparedUnit } from './units.js';

/**
 * Mean-imputed genotypes of `rows` SNPs (block positions) over the analysed individuals, SNP-major; for a replayed
 * block, the key of each column read from codes (NaN for the others) for distinctColumns.
 */
function analysedGenotypes(
  block: GenotypeBlock,
  positions: number[],
  keep: Int32Array,
): { genotypes: Float64Array; keys?: Float64Array } {
  const n = keep.length;
  const out = blockBuffer(positions.length * n);
  if (block instanceof ReplayedBlock) {
    const keys = new Float64Array(positions.length);
    const place: SnpPlace = { codes: null, values: null, from: 0, columns: null };
    // The analysed individuals' places in values that hold some samples only (the same columns for each SNP).
    let columns: Int32Array | null = null;
    let keepInColumns = keep;
    for (let j = 0; j < positions.length; j++) {
      block.locate(positions[j], place);
      if (place.codes) keys[j] = imputeCodes(place.codes, place.from, keep, out, j * n);
      else {
        if (place.columns && place.columns !== columns) {
          columns = place.columns;
          keepInColumns = placesIn(columns, keep);
        }
        imputeValues(place.values!, place.from, place.columns ? keepInColumns : keep, out, j * n);
        keys[j] = NaN;
      }
    }
    return { genotypes: out, keys };
  }
  const nAll = block.dosages.length / block.count;
  for (let j = 0; j < positions.length; j++)
    imputeValues(block.dosages, positions[j] * nAll, keep, out, j * n);
  return { genotypes: out };
}

/** The place of each of `keep`'s samples in `columns` (a recording of some samples only). */
function placesIn(columns: Int32Array, keep: Int32Array): Int32Array {
  const places = keep.map((sample) => columns[sample]);
  if (places.some((place) => place < 0)) throw new Error('internal: an analysed sample was not recorded');
  return places;
}

/** Whether two arrays start at the same place of the same memory. */
function sameMemory(a: Float64Array, b: Float64Array): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset;
}

/** Block buffers of a scan's first blocks: the analysed genotypes of the two blocks in flight. */
export const FIRST_BLOCK_BUFFERS = 2;

/**
 * Touches `count` block buffers of `length` values and hands them back, so that the scan's first blocks find them
 * with their page faults taken (at n = 1,500, 23 MB: about 60 ms of this thread while the engine's threads waited).
 */
export function warmBlockBuffers(length: number, count: number): void {
  if (length <= 0) return;
  const buffers = Array.from({ length: count }, () => blockBuffer(length));
  for (const buffer of buffers) buffer.fill(0);
  for (const buffer of buffers) recycleBlockBuffer(buffer);
}

/** out[at, at + keep.length): values[from + keep[k]], each missing one replaced by the mean of the others. */
function imputeValues(
  values: Float64Array,
  from: number,
  keep: Int32Array,
  out: Float64Array,
  at: number,
): void {
  const n = keep.length;
  let sum = 0;
  let observed = 0;
  for (let k = 0; k < n; k++) {
    const g = values[from + keep[k]];
    out[at + k] = g;
    if (!Number.isNaN(g)) {
      sum += g;
      observed++;
    }
  }
  const mean = sum / observed;
  for (let k = 0; k < n; k++) if (Number.isNaN(out[at + k])) out[at + k] = mean;
}

/** imputeCodes' list of the missing genotypes' places (grown to the largest n). */
let missingAt = new Int32Array(0);
/** imputeCodes' weight of each analysed individual's code in a column's key: fixed odd 32-bit numbers. */
let keyWeights = new Int32Array(0);

/** Grows imputeCodes' list and weights to n individuals (the weights the same for every n: a fixed sequence). */
function growScratch(n: number): void {
  if (missingAt.length >= n) return;
  missingAt = new Int32Array(n);
  keyWeights = new Int32Array(n);
  let state = 0x2545f491;
  for (let k = 0; k < n; k++) {
    state = (Math.imul(state, 1664525) + 1013904223) | 0;
    keyWeights[k] = state | 1;
  }
}

/**
 * imputeValues() of a SNP's hard-call codes, with no branch on the genotype (random genotypes mispredict one): each
 * place is written to the list of missing ones, which grows only past a missing one, so the mean is written
 * without a second pass over the codes. The sums are of integers, exact in any order: the mean is imputeValues'
 * to the bit. Returns the column's key for distinctColumns, a weighted sum of the codes (equal codes, equal
 * columns, equal keys), cheaper than hashing the column's 8-byte values afterwards.
 */
function imputeCodes(
  codes: Uint8Array,
  from: number,
  keep: Int32Array,
  out: Float64Array,
  at: number,
): number {
  const n = keep.length;
  growScratch(n);
  const places = missingAt;
  const weights = keyWeights;
  let sum = 0;
  let missing = 0;
  let key = 0;
  for (let k = 0; k < n; k++) {
    const code = codes[from + keep[k]];
    // The code itself: a missing one (3) is overwritten by the mean below (a table lookup of the value cost this loop
    // about a tenth more, warm).
    out[at + k] = code;
    sum += code;
    key = (key + Math.imul(code, weights[k])) | 0;
    places[missing] = k;
    missing += (code + 1) >> 2; // 1 for MISSING_CODE (3) only
  }
  if (missing > 0) {
    const mean = (sum - MISSING_CODE * missing) / (n - missing);
    for (let m = 0; m < missing; m++) out[at + places[m]] = mean;
  }
  return key;
}

/** A unit in the scan: its plan or linear models, and (LMM) the handle of its plan loaded on the engine. */
export interface ActiveUnit {
  prepared: PreparedUnit;
  loaded: PlanHandle | null;
  /** Indices of the analysed individuals among the genotype file's. */
  kept: Int32Array;
  /** -gxe: the environment of the analysed individuals. */
  environment?: Float64Array;
  /** A multivariate unit's key for engine.rotate(): its U stays resident between blocks until released. */
  rotationKey?: object;
}

/** A unit made ready for its blocks: what every block of it needs, computed once. */
export function activeUnit(prepared: PreparedUnit, loaded: PlanHandle | null): ActiveUnit {
  const sel = prepared.unit.group.selection;
  const kept: number[] = [];
  sel.analysed.forEach((a, i) => a && kept.push(i));
  const environment = prepared.unit.group.environment;
  return {
    prepared,
    loaded,
    kept: Int32Array.from(kept),
    environment: environment ? analysedEnvironment(environment, sel) : undefined,
  };
}

/** One unit's engine results for a block: the tested block positions and one result block per trait. */
export interface UnitResults {
  prepared: PreparedUnit;
  positions: number[];
  /** Per trait: the statistics of each distinct genotype column (of each tested SNP when rowOf is absent). */
  results: SnpResultBlock[];
  /**
   * When SNPs of the block have identical genotypes: the distinct column (index into results) of each
   * tested SNP. Results stay one per distinct column: the writer formats a repeated row once and copies it.
   */
  rowOf?: Int32Array;
  /** The analysed genotypes the engine read (a block buffer, handed back by recycleComputedBlock). */
  genotypes?: Float64Array;
}

/**
 * Hands a computed block's genotype buffers back for the reader's next blocks: only once its rows are
 * written (formatting reads the annotations, never the dosages) and every engine call on it has ended.
 */
export function recycleComputedBlock(computed: ComputedBlock): void {
  if (computed.block instanceof ReplayedBlock) computed.block.recycle();
  else recycleBlockBuffer(computed.block.dosages);
  for (const unit of computed.units) if (unit.genotypes) recycleBlockBuffer(unit.genotypes);
}

/** A block whose statistics are computed (the engine's part), waiting to be formatted. */
export interface ComputedBlock {
  block: GenotypeBlock;
  firstPosition: number;
  units: UnitResults[];
  rotateMs: number;
  testMs: number;
}

/**
 * Engine time of a scan whose blocks overlap: the engine runs its calls one after another in the order they were
 * made, so a call's own time is from its end back to the later of its start and the previous call's end.
 */
export class EngineClock {
  private lastEnd = 0;

  /** Awaits an engine call made at `started` and returns its own milliseconds. */
  async time<T>(started: number, call: Promise<T>): Promise<{ value: T; ms: number }> {
    const value = await call;
    const end = performance.now();
    const ms = end - Math.max(started, this.lastEnd);
    this.lastEnd = end;
    return { value, ms };
  }
}

/**
 * The engine's part of a block: for every unit that tests any of its SNPs, impute, rotate once,
 * and test every trait. `firstPosition` is the union position of the block's first SNP. Engine calls
 * queue behind the previous block's, so the engine's threads go from one block to the next.
 */
export async function computeGenotypeBlock(
  block: GenotypeBlock,
  firstPosition: number,
  units: ActiveUnit[],
  engine: Engine,
  kind: AnalysisKind,
  mode: number,
  clock: EngineClock,
): Promise<ComputedBlock> {
  const computed: ComputedBlock = { block, firstPosition, units: [], rotateMs: 0, testMs: 0 };
  for (const { prepared, loaded, kept, environment, rotationKey } of units) {
    const { unit } = prepared;
    const positions: number[] = [];
    for (let j = 0; j < block.count; j++) if (unit.rowOfPosition[firstPosition + j] >= 0) positions.push(j);
    const entry: UnitResults = { prepared, positions, results: [] };
    computed.units.push(entry);
    if (positions.length === 0) continue;
    const sel = unit.group.selection;
    const { genotypes, keys } = analysedGenotypes(block, positions, kept);
    entry.genotypes = genotypes;
    if (kind === 'lm') {
      const distinct = distinctColumns(genotypes, sel.nAnalysed, positions.length, keys);
      const tests = await clock.time(
        performance.now(),
        engine.testLinear(prepared.linearModels, distinct.columns, distinct.count, mode as LmmTestMode),
      );
      entry.results = tests.value;
      if (distinct.count < positions.length) entry.rowOf = distinct.rowOf;
      computed.testMs += tests.ms;
    } else if (kind === 'mvlmm') {
      const plan = prepared.mvPlan!;
      const distinct = distinctColumns(genotypes, sel.nAnalysed, positions.length, keys);
      // Rotated over the analysed genotypes, which nothing reads afterwards: one block buffer a block, not two.
      const rotation = await clock.time(
        performance.now(),
        engine.rotate(
          plan.eigenvectors,
          plan.data.n,
          distinct.columns,
          distinct.count,
          rotationKey,
          distinct.columns,
        ),
      );
      const model = { data: plan.data, nullModel: plan.nullModel, mode: plan.mode };
      const tests = await clock.time(
        performance.now(),
        engine.testMultivariate(model, rotation.value, distinct.count),
      );
      // The tests copied or finished reading the rotated block: its buffer serves the next block's rotation (a
      // fresh 12 MB array per block cost more in page faults than the copy into it). When it is the analysed
      // genotypes' buffer, that goes back with the block (recycleComputedBlock), once.
      if (!sameMemory(rotation.value, genotypes)) recycleBlockBuffer(rotation.value);
      entry.results = [tests.value];
      if (distinct.count < positions.length) entry.rowOf = distinct.rowOf;
      computed.rotateMs += rotation.ms;
      computed.testMs += tests.ms;
    } else {
      if (!loaded || !prepared.plan) throw new Error(`internal: the plan of ${unit.label} is not loaded`);
      const distinct = distinctColumns(genotypes, sel.nAnalysed, positions.length, keys);
      if (environment) {
        const tests = await clock.time(
          performance.now(),
          testGxeColumns(prepared.plan, loaded, environment, distinct.columns, distinct.count),
        );
        entry.results = tests.value;
        if (distinct.count < positions.length) entry.rowOf = distinct.rowOf;
        computed.testMs += tests.ms;
        continue;
      }
      const scanned = await loaded.scanBlock(distinct.columns, distinct.count, clock);
      entry.results = scanned.results;
      if (distinct.count < positions.length) entry.rowOf = distinct.rowOf;
      computed.rotateMs += scanned.rotateMs;
      computed.testMs += scanned.testMs;
    }
  }
  return computed;
}
