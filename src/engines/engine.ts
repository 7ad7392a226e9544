/**
 * The one interface every compute engine implements (ts = float64 oracle, wasm, webgpu).
 * Layouts, stated once:
 * - n individuals, b SNPs in a block; SNP-major blocks: block[j * n + i] is SNP j, individual i.
 * - Square n x n matrices are row-major: m[i * n + k].
 * - Eigenvectors: vectors[i * n + k] = U[i][k], column k is the eigenvector of values[k] (ascending).
 */
import type { LmmTestMode, ScanPlan } from '../model/plan.js';
import type { LinearModel } from '../stats/linear-model.js';
import type { SnpResultBlock, MvResultBlock } from '../model/results.js';
import type { KinshipSum } from '../linalg/double-double.js';
import type { HardCallBlock } from '../linalg/hard-calls.js';
import type { MvScanModel } from '../stats/mvlmm/block.js';
import type { MvNullModel } from '../stats/mvlmm/fit.js';
import type { MvData } from '../stats/mvlmm/model.js';
import type { LambdaSearch } from '../model/settings.js';
import { recycleBlockBuffer } from '../io/block-buffers.js';
import type { MatrixRowsParser } from '../io/matrix-read.js';
import type { MatrixRowsFormatter } from '../io/matrix-write.js';

export type EngineName = 'ts' | 'wasm' | 'webgpu';

export interface Eigen {
  /** Eigenvalues in ascending order, length n. */
  values: Float64Array;
  /** Row-major n x n; column k is the eigenvector for values[k]. */
  vectors: Float64Array;
}

/**
 * A running sum K = sum over blocks of X^T X (X SNP-major, b x n, already centred/scaled). The CPU engines
 * compute each block's partial from zero and fold it into a double-double sum (src/kinship/double-double.ts),
 * so that sums over the same blocks grouped into kinship shards merge to the same bits.
 */
export interface KinshipSession {
  /** K[i][k] += sum_j block[j*n+i] * block[j*n+k]. */
  add(block: Float64Array, b: number): Promise<void>;
  /**
   * Adds the -gk 1 centred X^T X of a block of hard calls exactly (src/linalg/hard-calls.ts), where the engine
   * has the integer path; a session without it takes the block's prepared doubles through add().
   */
  addHardCalls?(block: HardCallBlock): Promise<void>;
  /** The sum so far rounded to doubles, row-major n x n, exactly symmetric; the session is closed afterwards. */
  finish(): Promise<Float64Array>;
  /** The sum so far as double-double (hi, lo), exactly symmetric; the session is closed afterwards. */
  finishSum(): Promise<KinshipSum>;
  /**
   * The kinship (hi + lo) / snps rounded, row-major n x n, exactly symmetric: the bits of
   * kinshipFromSum(finishSum(), snps), made without a copy of the pair beside it (a layout that holds the pair
   * in JS arrays writes K over hi); the session is closed afterwards.
   */
  finishKinship(snps: number): Promise<Float64Array>;
  /**
   * `use` run on the kinship of finishKinship(snps), where it lies: a layout that sums in shared memory rounds
   * K there in place and frees it after the call (K is valid only during it), so that no n x n JS array is made
   * beside its sum; the session is closed afterwards.
   */
  useKinship<T>(snps: number, use: (kinship: Float64Array) => T): Promise<T>;
}

/** Times one engine call made at `started`: its own milliseconds (the block scan's clock allows for blocks in flight). */
export interface CallTimer {
  time<T>(started: number, call: Promise<T>): Promise<{ value: T; ms: number }>;
}

/** A block rotated and tested: a result block per trait of the plan, and the time of each step. */
export interface ScannedBlock {
  results: SnpResultBlock[];
  rotateMs: number;
  testMs: number;
}

/** A unit's plan (its trait matrix) resident on an engine (in its memory or on its device) until release(). */
export interface PlanHandle {
  /** U^T x for every SNP of a block (SNP-major b x n) with the plan's eigenvectors: out[j*n + k]. */
  rotate(block: Float64Array, b: number): Promise<Float64Array>;
  /** Per-SNP tests of b rotated SNPs (SNP-major b x n) against each trait of the plan: a result block per trait. */
  test(rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock[]>;
  /**
   * As test(), finishing in float64 what a GPU computed for the block, per trait: its lambda-grid sums (the GPU's
   * lmm_grid.wgsl layout: sums[((j * (c + 2)) + k) * Q + t] over the wasm kernel's Q weight columns) and the
   * lambdas it refined (per SNP REML before ML; NaN where it gave none, and the CPU optimises that lambda). Also
   * returns, per trait, how many SNPs had a lambda optimised on the CPU. Engines that cannot leave this out.
   */
  finishGpuTests?(
    rotatedGenotypes: Float64Array,
    b: number,
    gridSums: Float64Array[],
    lambdas: Float64Array[],
  ): Promise<{ blocks: SnpResultBlock[]; cpuSnps: number[] }>;
  /**
   * rotate() then test(), what the block scan does with each block: an engine that tests on its device while it
   * rotates (webgpu) hands the device's results from the one step to the other here.
   */
  scanBlock(block: Float64Array, b: number, timer: CallTimer): Promise<ScannedBlock>;
  /** Frees what the plan holds on the engine; the handle is not used afterwards. */
  release(): Promise<void>;
}

/** scanBlock() of an engine whose tests need nothing from its rotation but the rotated block. */
export async function rotateThenTest(
  handle: Pick<PlanHandle, 'rotate' | 'test'>,
  block: Float64Array,
  b: number,
  timer: CallTimer,
): Promise<ScannedBlock> {
  const rotation = await timer.time(performance.now(), handle.rotate(block, b));
  const tests = await timer.time(performance.now(), handle.test(rotation.value, b));
  // The tests copied what they read: the rotated block's buffer serves the next block.
  recycleBlockBuffer(rotation.value);
  return { results: tests.value, rotateMs: rotation.ms, testMs: tests.ms };
}

export interface Engine {
  readonly name: EngineName;
  /** A one-line description for the log (adapter, threads, SIMD flavour). */
  describe(): string;
  /** Starts accumulating X^T X over SNP blocks of n individuals (the sum may live on a device until finish). */
  startKinship(n: number): KinshipSession;
  /**
   * A kinship of about `snps` SNPs of n individuals is coming (an estimate, before the first block is read): an
   * engine that starts its threads only for enough work may start them now, so that they fold blocks while this
   * thread reads the next ones instead of starting when the job's work so far passes its allowance.
   */
  expectKinship?(n: number, snps: number): void;
  /** Likewise for an eigendecomposition of about n x n to come (a kinship file not yet read). */
  expectEigen?(n: number): void;
  /**
   * Symmetric eigendecomposition of an n x n row-major matrix: not modified, unless `consume` (the caller's own
   * copy, which it no longer reads): then the engine may keep its work and return the eigenvectors in it.
   */
  eigen(matrix: Float64Array, n: number, consume?: boolean): Promise<Eigen>;
  /**
   * Parses a square text matrix's rows on the engine's threads (MatrixRowsParser, src/io/matrix-read.ts); engines
   * without it leave the file to the JS reader.
   */
  parseMatrixRows?: MatrixRowsParser;
  /**
   * The rows and columns `analysed` of the row-major nTotal x nTotal kinship `matrix`, double-centred: the bits of
   * subsetSquare() then doubleCentre() (src/linalg/centre.ts), written over the first n^2 values of `matrix` (the
   * caller's own array, whose other values it may change) and returned as a view of them; null where the engine
   * leaves it to this thread. Engines without it leave it to this thread.
   */
  centreAnalysed?(matrix: Float64Array, nTotal: number, analysed: Uint8Array): Promise<Float64Array | null>;
  /**
   * A formatter of a rows x cols matrix's text on the engine's threads (MatrixRowsFormatter, src/io/matrix-write.ts),
   * which this thread then writes; null where they cannot read `data` in place. Engines without it format on this
   * thread.
   */
  matrixTextFormatter?(data: Float64Array, rows: number, cols: number): MatrixRowsFormatter | null;
  /**
   * U^T x for every SNP of a block, one-off (the prepare step's covariates and phenotypes):
   * out[j*n + k] = sum_i U[i][k] * block[j*n + i]. Univariate scans rotate through loadPlan's handle instead.
   * With a `key` (a multivariate unit's blocks, whose U is not written until releaseRotation(key)) the engine may
   * keep U resident from one call to the next; engines without releaseRotation ignore it. With `into` (n x b values or
   * more, which may be `block` itself: the rotation reads all of block before it writes) the engine may write the
   * rotated block there and return it, not a new array; engines that do not, ignore it.
   */
  rotate(
    eigenvectors: Float64Array,
    n: number,
    block: Float64Array,
    b: number,
    key?: object,
    into?: Float64Array,
  ): Promise<Float64Array>;
  /** Frees what rotate() kept resident for `key`, if anything. */
  releaseRotation?(key: object): Promise<void>;
  /**
   * Makes a unit's plan (eigenvectors, eigenvalues and covariates shared by its trait matrix) resident on the
   * engine: the handle rotates and tests the unit's blocks and is released after its last.
   */
  loadPlan(plan: ScanPlan): PlanHandle;
  /**
   * Linear-model tests (-lm) of b SNPs (analysed genotypes, SNP-major b x n) for each trait's fitted model: one
   * result block per model, in order.
   */
  testLinear(
    models: LinearModel[],
    genotypes: Float64Array,
    b: number,
    mode: LmmTestMode,
  ): Promise<SnpResultBlock[]>;
  /**
   * Readies the engine's multivariate fits for d traits and c covariates before the first block (the wasm engine
   * warms its workers' while this thread fits the null model); optional, changes no result.
   */
  warmMultivariate?(d: number, c: number): Promise<void>;
  /**
   * fitMvNull (src/stats/mvlmm/fit.ts) with its EM's sums in the engine's kernels: the oracle's iteration, its sums
   * rounded in another order (as the engine's per-SNP fits). Optional: without it the oracle fits the null model.
   */
  fitMultivariateNull?(data: MvData, search: LambdaSearch): Promise<MvNullModel>;
  /**
   * Multivariate LMM tests (-n K1 K2 ... -lmm) of b rotated SNPs (SNP-major b x n) against a unit's model:
   * GEMMA's per-SNP EM and Newton-Raphson refits, the TS oracle's numbers bit for bit on every engine.
   */
  testMultivariate(model: MvScanModel, rotated: Float64Array, b: number): Promise<MvResultBlock>;
  /** Release workers / devices. */
  close(): Promise<void>;
}
