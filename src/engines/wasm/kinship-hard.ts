/**
 * A block of hard calls folded into a resident double-double kinship sum exactly (src/linalg/hard-calls.ts):
 * the codes go to shared memory, the workers pack them to panels of two calls a 16-bit lane and compute the weights W, then each
 * tile's exact integer product is folded with its corrections (assembly/kinship-int.ts).
 */
import type { KernelCall, KernelRunner } from './runner.js';
import { splitRange } from './runner.js';
import { sumOfSquaredMeans, type HardCallBlock } from '../../linalg/hard-calls.js';

/** Runners that have folded a block (their kernels' optimised code is in place). */
const warmRunners = new WeakSet<KernelRunner>();
/** Columns of a tile's call, and individuals of a preparing call, in a runner's first block (multiples of 8). */
const CHUNK_COLUMNS = 256;
const CHUNK_INDIVIDUALS = 64;

/**
 * Folds `block` into the sum at pHi, pLo (row-major n x n, upper triangle) in tiles of `tileRows` rows (a
 * multiple of 8): the same tiles and balance as kinshipFoldCallLists. Copies the block into shared memory before
 * its first await (the caller may then reuse it); allocates in the arena, which the caller releases.
 */
export async function foldHardCallBlock(
  runner: KernelRunner,
  n: number,
  block: HardCallBlock,
  pHi: number,
  pLo: number,
  tileRows: number,
): Promise<void> {
  const { arena } = runner;
  const { b, codes, means, missStart, missSnp } = block;
  // Individuals padded to a multiple of 8 (the tile's column panels), SNPs to quads (two calls a 16-bit lane,
  // two lanes an i16 dot product).
  const nPad = Math.ceil(n / 8) * 8,
    quads = (b + 3) >> 2;
  const pCodes = arena.alloc(n * b),
    pMeans = arena.allocF64(b),
    pStart = arena.alloc(4 * (n + 1)),
    pSnp = arena.alloc(4 * Math.max(1, missSnp.length)),
    pW = arena.allocF64(2 * n),
    pRowPacked = arena.alloc(nPad * quads * 4),
    pColPacked = arena.alloc(nPad * quads * 4),
    partials = Array.from({ length: runner.slots }, () => arena.alloc(4 * tileRows * nPad));
  // With missing calls: the SNP-major calls, each SNP's two fixed-point limbs, and per slot the tile's limbs (two
  // f64 tileRows x nPad, the corrections of entries with shared missing calls in their place) and its row and
  // column masks of shared missing calls (kinshipMissLimbs).
  const missing = missSnp.length > 0,
    words = Math.ceil(tileRows / 64);
  const pXT = missing ? arena.alloc(b * nPad) : 0,
    pLimbs = missing ? arena.allocF64(2 * b) : 0,
    scratch = Array.from({ length: missing ? runner.slots : 0 }, () => ({
      zHi: arena.allocF64(tileRows * nPad),
      zLo: arena.allocF64(tileRows * nPad),
      // Then kinshipMissLimbs's scratch: for one column two f64 a row (chains of mu_s^2 / 2 pairs) and 16 bytes a
      // SNP and row word (the nonzero words of rowMask), and two f64 a SNP (the terms of mu_s^2 / 2).
      rowMask: arena.alloc(8 * b * words + 16 * tileRows + 16 * b * words + 16 * b),
      colMask: arena.alloc(8 * nPad * words),
    }));
  const buffer = arena.memory.buffer;
  new Uint8Array(buffer, pCodes, n * b).set(codes.subarray(0, n * b));
  new Float64Array(buffer, pMeans, b).set(means.subarray(0, b));
  new Int32Array(buffer, pStart, n + 1).set(missStart.subarray(0, n + 1));
  new Int32Array(buffer, pSnp, missSnp.length).set(missSnp);
  if (missing) {
    // mu_s 2^72 = hi 2^37 + lo as the TS fold splits it (both integers below 2^37 for mu_s >= 2^-20).
    const limbs = new Float64Array(buffer, pLimbs, 2 * b);
    for (let s = 0; s < b; s++) {
      const scaled = means[s]! * 34359738368; // 2^35
      const high = Math.floor(scaled);
      limbs[s] = high;
      limbs[b + s] = (scaled - high) * 137438953472; // 2^37
    }
  }
  const [cHi, cLo] = sumOfSquaredMeans(means, b);
  const pWLo = pW + 8 * n;

  // A runner's first block in shorter calls (individuals in ranges of CHUNK_INDIVIDUALS, tiles in column ranges of
  // CHUNK_COLUMNS): its kernels start in V8's baseline code, and a call keeps the code it started in, so shorter
  // calls take the optimised code sooner (n = 1,500: 90 ms of CPU in baseline code, about 30 in ranges).
  const warm = warmRunners.has(runner);
  warmRunners.add(runner);
  const prepare = splitRange(nPad, runner.slots, 8).map(([from, to]): KernelCall[] => {
    const calls: KernelCall[] = [];
    const step = warm ? to - from : CHUNK_INDIVIDUALS;
    for (let i0 = from; i0 < to; i0 += step) {
      const i1 = Math.min(to, i0 + step);
      calls.push(
        ['packHardCalls', [i0, i1, n, b, pCodes, pRowPacked, pColPacked]],
        ['hardCallWeights', [i0, Math.min(i1, n), b, pCodes, pMeans, pStart, pSnp, cHi, cLo, pW, pWLo]],
      );
      if (missing) calls.push(['transposeHardCalls', [i0, i1, n, b, nPad, pCodes, pXT, 0, 0]]);
    }
    return calls;
  });
  await runner.parallel(prepare);

  const chunk = warm ? n : CHUNK_COLUMNS;
  const lists: KernelCall[][] = Array.from({ length: runner.slots }, () => []);
  const load = new Array<number>(runner.slots).fill(0);
  for (let r0 = 0; r0 < n; r0 += tileRows) {
    const rows = Math.min(tileRows, n - r0),
      cols = n - r0;
    const rowPanels = Math.ceil(rows / 4),
      colPanels = Math.ceil(cols / 8);
    let t = 0;
    for (let s = 1; s < load.length; s++) if (load[s]! < load[t]!) t = s;
    load[t] += rows * cols;
    const pP = partials[t]!,
      z = scratch[t],
      ldp = colPanels * 8;
    // Column ranges of the tile (multiples of 8 from its diagonal), each its own calls: the same entries.
    for (let q0 = 0; q0 < cols; q0 += chunk) {
      const width = Math.min(chunk, cols - q0),
        c0 = r0 + q0,
        at = (r0 * n + c0) * 8;
      const zHi = z ? z.zHi + 8 * q0 : 0,
        zLo = z ? z.zLo + 8 * q0 : 0,
        colMask = z ? z.colMask + 8 * words * q0 : 0;
      if (z) {
        const limbArgs = [rows, width, r0, c0, b, nPad, pXT, pLimbs, pStart, pSnp, zHi, zLo, ldp];
        lists[t]!.push(['kinshipMissLimbs', [...limbArgs, z.rowMask, colMask, words]]);
      }
      const intArgs = [
        rowPanels,
        Math.ceil(width / 8),
        pRowPacked,
        pColPacked,
        quads,
        r0,
        c0,
        pP + 4 * q0,
        ldp,
      ];
      const foldArgs = [rows, width, pP + 4 * q0, ldp, r0, c0, b, pCodes, pMeans, pStart, pSnp, pW, pWLo];
      lists[t]!.push(
        ['kinshipIntTile', intArgs],
        ['kinshipHardFold', [...foldArgs, pHi + at, pLo + at, n, zHi, zLo, colMask, words, 0, 0]],
      );
    }
  }
  await runner.parallel(lists.filter((calls) => calls.length > 0));
}
