/**
 * The kinship sum for n beyond the shared memory: K stays in a JS array and each SNP block updates it band
 * by band (rows of K copied into shared memory, GEMMs, copied back), so shared memory holds one band and the
 * block instead of the whole n x n sum (8 n^2 bytes: 4 GiB at n = 23,170). The process then holds K once,
 * where the resident sum holds it twice when finished (in shared memory and as the returned copy).
 */
import type { KinshipSession } from '../engine.js';
import { KINSHIP_TILE_ROWS, kinshipCallLists, mirrorUpper } from './ops.js';
import type { KernelRunner } from './runner.js';

/** Sums larger than this (8 n^2 bytes) go through bands: 2 GiB, n = 16,384. */
export const KINSHIP_RESIDENT_BYTES = 2 ** 31;
/** Bytes of K's rows in shared memory at once (a band). */
export const KINSHIP_BAND_BYTES = 512 << 20;

/**
 * K = sum over blocks of X^T X with K in a JS array: for each band of rows [R0, R1) (a multiple of the
 * tile height), the upper part K[R0:R1, R0:n] goes into shared memory, the same GEMM calls as the resident
 * sum add X^T X to it (kinshipCallLists on the band, C offset to the band's rows), and it comes back.
 * Every element sums its SNPs in the same order as in the resident sum, so the result is bitwise the same.
 */
export class BandedKinship implements KinshipSession {
  private readonly sum: Float64Array;
  private readonly bandRows: number;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;

  constructor(private readonly runner: KernelRunner, readonly n: number, bandBytes = KINSHIP_BAND_BYTES) {
    this.sum = new Float64Array(n * n);
    const rows = Math.floor(bandBytes / (8 * Math.max(1, n)) / KINSHIP_TILE_ROWS) * KINSHIP_TILE_ROWS;
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
      return Promise.reject(new RangeError(`lmmscan wasm: block has ${block.length} values, expected ${n * b}`));
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
    const { n, runner, sum, bandRows } = this;
    const { arena } = runner;
    const pX = arena.allocF64(n * b), pBand = arena.allocF64(bandRows * n);
    arena.f64(pX, n * b).set(block.subarray(0, n * b));
    copied();
    for (let r0 = 0; r0 < n; r0 += bandRows) {
      const r1 = Math.min(n, r0 + bandRows);
      const band = arena.f64(pBand, (r1 - r0) * n);
      for (let r = r0; r < r1; r++) band.set(sum.subarray(r * n + r, (r + 1) * n), (r - r0) * n + r);
      // The resident sum's calls for rows r0..r1, with K's row r at band row r - r0 (pK shifted by r0 rows).
      await runner.parallel(kinshipCallLists(runner, n, b, pX, pBand - r0 * n * 8, r0, r1));
      for (let r = r0; r < r1; r++) sum.set(band.subarray((r - r0) * n + r, (r - r0 + 1) * n), r * n + r);
    }
  }

  async finish(): Promise<Float64Array> {
    this.closed = true;
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
    mirrorUpper(this.sum, this.n);
    return this.sum;
  }
}
