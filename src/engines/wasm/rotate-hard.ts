/**
 * rotateOn() for a block with hard-call columns (src/linalg/hard-rotation.ts): those go through the lookup kernel
 * (assembly/rotate-hard.ts), split over the threads by eigenvector columns; the others through the GEMM, split by
 * SNPs, as before. U crosses whole, or in column strips when it is larger than `windowBytes`.
 */
import type { KernelCall, KernelRunner } from './runner.js';
import { splitRange } from './runner.js';
import type { HardColumns } from '../../linalg/hard-rotation.js';
import { blockBuffer } from '../../io/block-buffers.js';

/** Eigenvector columns per lookup tile (assembly/rotate-hard.ts's TILE): thread splits are multiples of it. */
const LOOKUP_TILE = 16;
// The GEMM's row splits, as rotateOn() makes them.
const TILE_ROWS = 12;

/** U^T x for each column of `block` (SNP-major b x n), U row-major n x n; `packed` from packHardColumns. */
export async function rotateWithLookup(
  runner: KernelRunner,
  U: Float64Array,
  n: number,
  block: Float64Array,
  b: number,
  packed: HardColumns,
  windowBytes: number,
): Promise<Float64Array> {
  const { hard, soft, groups, codes, corrStart, corrRow, corrValue } = packed;
  const count = hard.length,
    softCount = soft.length;
  const width =
    8 * n * n <= windowBytes ? n : Math.max(LOOKUP_TILE, Math.floor(windowBytes / (8 * n) / 48) * 48);
  return runner.exclusive(async () => {
    const { arena } = runner;
    const buffer = () => arena.memory.buffer;
    // The kernel reads a whole tile of each row: the strip is followed by a tile of zeros.
    const pU = arena.allocF64(n * width + LOOKUP_TILE),
      pOut = arena.allocF64(n * b),
      pX = arena.allocF64(n * softCount),
      pSoftOut = arena.allocF64(n * softCount),
      pCodes = arena.alloc(codes.length),
      pStart = arena.alloc(4 * (count + 1)),
      pRow = arena.alloc(4 * Math.max(1, corrRow.length)),
      pValue = arena.allocF64(Math.max(1, corrValue.length)),
      pRowOf = arena.alloc(4 * count),
      accs = Array.from({ length: runner.slots }, () => arena.allocF64(LOOKUP_TILE * count));
    new Uint8Array(buffer(), pCodes, codes.length).set(codes);
    new Int32Array(buffer(), pStart, count + 1).set(corrStart);
    new Int32Array(buffer(), pRow, corrRow.length).set(corrRow);
    new Float64Array(buffer(), pValue, corrValue.length).set(corrValue);
    new Int32Array(buffer(), pRowOf, count).set(hard);
    const x = arena.f64(pX, n * softCount);
    soft.forEach((j, s) => x.set(block.subarray(j * n, (j + 1) * n), s * n));
    arena.f64(pSoftOut, n * softCount).fill(0);
    arena.f64(pU + 8 * n * width, LOOKUP_TILE).fill(0);
    const softRanges = splitRange(softCount, runner.slots, TILE_ROWS);
    for (let k0 = 0; k0 < n; k0 += width) {
      const w = Math.min(width, n - k0);
      if (w === n) arena.f64(pU, n * n).set(U);
      else {
        const strip = arena.f64(pU, n * w);
        for (let i = 0; i < n; i++) strip.set(U.subarray(i * n + k0, i * n + k0 + w), i * w);
      }
      const lists: KernelCall[][] = Array.from({ length: runner.slots }, () => []);
      splitRange(w, runner.slots, LOOKUP_TILE).forEach(([c0, c1], t) =>
        lists[t]!.push([
          'rotateHard',
          [
            n,
            c1 - c0,
            pU + 8 * c0,
            w,
            count,
            pCodes,
            groups,
            pStart,
            pRow,
            pValue,
            pOut + 8 * (k0 + c0),
            n,
            pRowOf,
            runner.scratch[t]!,
            accs[t]!,
          ],
        ]),
      );
      // Soft SNPs: out[:, k0:k0+w] = X U[:, k0:k0+w], rows split as rotateOn() splits them.
      softRanges.forEach(([r0, r1], t) =>
        lists[t]!.push([
          'gemm',
          [
            r1 - r0,
            w,
            n,
            1,
            pX + r0 * n * 8,
            n,
            1,
            pU,
            w,
            1,
            pSoftOut + (r0 * n + k0) * 8,
            n,
            runner.scratch[t]!,
          ],
        ]),
      );
      await runner.parallel(lists.filter((calls) => calls.length > 0));
    }
    const out = blockBuffer(n * b);
    out.set(arena.f64(pOut, n * b));
    const rotatedSoft = arena.f64(pSoftOut, n * softCount);
    soft.forEach((j, s) => out.set(rotatedSoft.subarray(s * n, (s + 1) * n), j * n));
    return out;
  });
}
