/**
 * The kinship sum for n beyond the shared memory: the double-double sum (hi, lo) stays in JS arrays and each
 * SNP block updates it band by band (rows of hi and lo copied into shared memory, tile partials folded in,
 * copied back), so shared memory holds one band and the block instead of the whole sum (16 n^2 bytes: 4 GiB
 * at n = 16,384). The fold rounds lo to float32 (src/linalg/double-double.ts), so lo is kept in a Float32Array
 * (hi and lo 12 n^2 bytes) and crosses to and from the band's float64 words without loss.
 */
import type { KinshipSession } from '../engine.js';
import type { KinshipSum } from '../../linalg/double-double.js';
import { KINSHIP_TILE_ROWS, kinshipFoldCallLists, mirrorUpper, roundKinshipUpper } from './ops.js';
import type { KernelRunner } from './runner.js';

/** Bytes of K's rows in shared memory at once (a band). */
export const KINSHIP_BAND_BYTES = 512 << 20;

/**
 * K = sum over blocks of X^T X with (hi, lo) in JS arrays: for each band of rows [R0, R1) (a multiple of
 * the tile height), the upper parts of hi and lo go into shared memory, the same tile calls as the resident
 * sum fold X^T X into them (kinshipFoldCallLists on the band, offset to the band's rows), and they come back.
 * Every tile's partial and fold are those of the resident sum, so the result is bitwise the same.
 */
export class BandedKinship implements KinshipSession {
  private readonly hi: Float64Array;
  /** Float32 values (the fold rounds them so); emptied by finishKinship(), which needs only hi. */
  private lo: Float32Array;
  private readonly bandRows: number;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly runner: KernelRunner,
    readonly n: number,
    bandBytes = KINSHIP_BAND_BYTES,
  ) {
    this.hi = new Float64Array(n * n);
    this.lo = new Float32Array(n * n);
    // A band is hi and lo as float64 in shared memory: 16 bytes an entry.
    const rows = Math.floor(bandBytes / (16 * Math.max(1, n)) / KINSHIP_TILE_ROWS) * KINSHIP_TILE_ROWS;
    this.bandRows = Math.max(KINSHIP_TILE_ROWS, rows);
  }

  /**
   * Resolves once the block is copied into shared memory (the caller may reuse it, and read the next block
   * while the GEMMs run); a GEMM failure is reported by the next add() or by finish().
   */
  add(block: Float64Array, b: number): Promise<void> {
    const { n } = this;
    if (this.closed) return Promise.reject(new Error('lmmscan wasm: kinship session already finished'));
    if (block.length < n * b) {
      return Promise.reject(
        new RangeError(`lmmscan wasm: block has ${block.length} values, expected ${n * b}`),
      );
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (b === 0 || n === 0) return Promise.resolve();
    return new Promise<void>((accepted, rejected) => {
      const work = this.runner.exclusive(() => this.addBands(block, b, accepted));
      this.pending = work.catch((err: unknown) => {
        this.failure ??= err;
      });
      // Before accepted(): the caller's error. After it: kept for the next add() or finish().
      work.then(() => accepted(), rejected);
    });
  }

  private async addBands(block: Float64Array, b: number, copied: () => void): Promise<void> {
    const { n, runner, hi, lo, bandRows } = this;
    const { arena } = runner;
    const pX = arena.allocF64(n * b),
      pHi = arena.allocF64(bandRows * n),
      pLo = arena.allocF64(bandRows * n);
    const partials = Array.from({ length: runner.slots }, () => arena.allocF64(KINSHIP_TILE_ROWS * n));
    arena.f64(pX, n * b).set(block.subarray(0, n * b));
    copied();
    for (let r0 = 0; r0 < n; r0 += bandRows) {
      const r1 = Math.min(n, r0 + bandRows);
      const bandHi = arena.f64(pHi, (r1 - r0) * n),
        bandLo = arena.f64(pLo, (r1 - r0) * n);
      for (let r = r0; r < r1; r++) {
        bandHi.set(hi.subarray(r * n + r, (r + 1) * n), (r - r0) * n + r);
        bandLo.set(lo.subarray(r * n + r, (r + 1) * n), (r - r0) * n + r);
      }
      // The resident sum's calls for rows r0..r1, with row r at band row r - r0 (pointers shifted by r0 rows).
      const shift = r0 * n * 8;
      await runner.parallel(
        kinshipFoldCallLists(runner, n, b, pX, pHi - shift, pLo - shift, partials, r0, r1),
      );
      for (let r = r0; r < r1; r++) {
        hi.set(bandHi.subarray((r - r0) * n + r, (r - r0 + 1) * n), r * n + r);
        lo.set(bandLo.subarray((r - r0) * n + r, (r - r0 + 1) * n), r * n + r);
      }
    }
  }

  async finishSum(): Promise<KinshipSum> {
    this.closed = true;
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
    mirrorUpper(this.hi, this.n);
    mirrorUpper(this.lo, this.n);
    return { hi: this.hi, lo: this.lo };
  }

  /** (hi + lo) / snps over the upper triangle, in place of hi, mirrored; the session lets go of lo (4 n^2 bytes). */
  async finishKinship(snps: number): Promise<Float64Array> {
    this.closed = true;
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
    const { hi, lo, n } = this;
    this.lo = new Float32Array(0);
    roundKinshipUpper(hi, hi, lo, n, snps);
    return hi;
  }

  async useKinship<T>(snps: number, use: (kinship: Float64Array) => T): Promise<T> {
    return use(await this.finishKinship(snps));
  }

  /** The sum rounded to doubles (hi + lo), in place of hi. */
  async finish(): Promise<Float64Array> {
    const { hi, lo } = await this.finishSum();
    for (let i = 0; i < hi.length; i++) hi[i] += lo[i]!;
    return hi;
  }
}
