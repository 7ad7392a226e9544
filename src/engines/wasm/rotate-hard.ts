/**
 * The wasm rotation of a SNP block: each column of hard calls (at most hardColumnLimit(n) entries not 0, 1 or 2,
 * src/linalg/hard-rotation.ts) through the lookup kernel (assembly/rotate-hard.ts), split over the threads by
 * eigenvector columns; the others through the GEMM, split by SNPs. The workers classify and pack the columns
 * (assembly/hard-columns.ts). U crosses whole, or in column strips when it is larger than `windowBytes`.
 */
import type { KernelCall, KernelRunner } from './runner.js';
import { splitRange } from './runner.js';
import { hardColumnLimit, ROTATION_GROUP } from '../../linalg/hard-rotation.js';
import { blockBuffer } from '../../io/block-buffers.js';
import type { ArenaRotation } from './lmm.js';

/** Eigenvector columns per lookup tile (assembly/rotate-hard.ts's TILE): thread splits are multiples of it. */
const LOOKUP_TILE = 12;
// Row splits of the GEMM are multiples of its register tile height (6 in the relaxed build, 4 in the plain one), so
// each thread runs only full tiles but the last.
const TILE_ROWS = 12;

/** The block's columns by path: hard (lookup) and soft (GEMM) indices, and the hard ones' correction offsets. */
function splitColumns(others: Int32Array, n: number) {
  const limit = hardColumnLimit(n);
  const hard: number[] = [],
    soft: number[] = [],
    corrStart = [0];
  others.forEach((other, j) => {
    if (other <= limit) {
      hard.push(j);
      corrStart.push(corrStart[corrStart.length - 1]! + other);
    } else soft.push(j);
  });
  return { hard: Int32Array.from(hard), soft, corrStart: Int32Array.from(corrStart) };
}

/**
 * U^T x for each column of `block` (SNP-major b x n); U row-major n x n. A fresh block buffer. With a `key` (a
 * loaded plan) and U whole in the window, U stays in shared memory after the call (runner.residentRotation), and the
 * next call with the same key and the same array copies only its block: a loaded plan's U is not written while it
 * is loaded. The region goes when the plan is released, another U or plan set replaces it, or the kinship or the
 * eigensolver needs the room (pool.ts, ops.ts); U's own array still holds it, so nothing is copied back. With `into`,
 * the rotated block is written there (it may be `block`: block is read into shared memory before anything is
 * written) instead of a fresh block buffer.
 */
export async function rotateBlockOn(
  runner: KernelRunner,
  U: Float64Array,
  n: number,
  block: Float64Array,
  b: number,
  windowBytes: number,
  key?: object,
  into?: Float64Array,
): Promise<Float64Array> {
  // The strip width is a multiple of both split steps (whole U when it fits).
  const width = rotationStaysInArena(n, windowBytes)
    ? n
    : Math.max(LOOKUP_TILE, Math.floor(windowBytes / (8 * n) / 12) * 12);
  if (key && width === n)
    return runner.retain(async () => {
      const pU = placeEigenvectors(runner, key, U, n);
      const mark = runner.arena.mark();
      try {
        return await rotateWith(runner, U, pU, true, n, block, b, width, into);
      } finally {
        runner.arena.release(mark);
      }
    });
  return runner.exclusive(() => {
    // The lookup kernel reads a whole tile of each row of U: the strip is followed by a tile of zeros.
    const pU = runner.arena.allocF64(n * width + LOOKUP_TILE);
    runner.arena.f64(pU + 8 * n * width, LOOKUP_TILE).fill(0);
    return rotateWith(runner, U, pU, false, n, block, b, width, into);
  });
}

/** Where `key`'s U lies in shared memory (followed by a tile of zeros), copying it in unless it is resident. */
function placeEigenvectors(runner: KernelRunner, key: object, U: Float64Array, n: number): number {
  const resident = runner.residentRotation;
  if (resident?.key === key && resident.U === U && resident.U.length === n * n) return resident.ptr;
  runner.dropRotation();
  const { arena } = runner;
  const mark = arena.mark();
  const ptr = arena.allocF64(n * n + LOOKUP_TILE);
  arena.f64(ptr, n * n).set(U);
  arena.f64(ptr + 8 * n * n, LOOKUP_TILE).fill(0);
  runner.residentRotation = { key, U, mark, ptr };
  return ptr;
}

/**
 * Multiply-adds of a rotation small enough to run on the dispatching thread before its block's tests (about 2 ms):
 * its three round trips to the workers, each waiting for that thread's event loop, cost more than the work.
 */
const ROTATE_HERE_FLOPS = 16e6;

/**
 * The rotation of a loaded plan's (`key`'s) block left in shared memory for its tests (lmm.ts's ArenaRotation), U
 * resident as with rotateBlockOn's key. Only where U fits whole in shared memory (rotationStaysInArena). A small
 * one runs on this thread (the same kernels and splits: the same bits), so the tests start without waiting for it.
 */
export function rotationInArena(
  runner: KernelRunner,
  key: object,
  U: Float64Array,
  n: number,
  block: Float64Array,
  b: number,
): ArenaRotation {
  let pU = -1;
  return {
    place: () => {
      pU = placeEigenvectors(runner, key, U, n);
    },
    rotate: () => rotateInArena(runner, U, pU, true, n, block, b, n, n * n * b <= ROTATE_HERE_FLOPS),
  };
}

/** Whether U of n individuals rotates whole (and stays resident) within `windowBytes` of shared memory. */
export function rotationStaysInArena(n: number, windowBytes: number): boolean {
  return 8 * n * n <= windowBytes;
}

// The rotation with the arena held, into `into` or a block buffer.
async function rotateWith(
  runner: KernelRunner,
  U: Float64Array,
  pU: number,
  resident: boolean,
  n: number,
  block: Float64Array,
  b: number,
  width: number,
  into?: Float64Array,
): Promise<Float64Array> {
  const pOut = await rotateInArena(runner, U, pU, resident, n, block, b, width);
  // Into a block buffer (a scan hands it back once the block is tested): a fresh 10 MB array per block cost
  // more in page faults than the copy itself.
  const out = into ? into.subarray(0, n * b) : blockBuffer(n * b);
  out.set(runner.arena.f64(pOut, n * b));
  return out;
}

// The rotation with the arena held, U's region (n x width and a tile of zeros) at pU, already holding U when
// `resident`, else filled strip by strip; returns where the rotated block (SNP-major b x n) lies in the arena: the
// first region it reserved. `here`: the threads' lists run one after another on this thread.
async function rotateInArena(
  runner: KernelRunner,
  U: Float64Array,
  pU: number,
  resident: boolean,
  n: number,
  block: Float64Array,
  b: number,
  width: number,
  here = false,
): Promise<number> {
  const { arena } = runner;
  const slots = runner.slots;
  const parallel = async (lists: KernelCall[][]): Promise<void> => {
    if (!here) return runner.parallel(lists);
    for (const calls of lists) await runner.runHere(calls);
  };
  // The output first: a caller that keeps it gives back everything above it (rotateAndTest).
  const pOut = arena.allocF64(n * b),
    pX = arena.allocF64(n * b),
    pOthers = arena.alloc(4 * b);
  arena.f64(pX, n * b).set(block);
  await parallel(
    splitRange(b, slots, 1).map(([j0, j1]): KernelCall[] => [
      ['countOtherEntries', [n, pX, j0, j1, pOthers]],
    ]),
  );
  const { hard, soft, corrStart } = splitColumns(new Int32Array(arena.memory.buffer, pOthers, b).slice(), n);
  const count = hard.length,
    corrections = corrStart[count]!,
    groups = Math.ceil(n / ROTATION_GROUP);
  const pCodes = arena.alloc(count * groups),
    pStart = arena.alloc(4 * (count + 1)),
    pRow = arena.alloc(4 * Math.max(1, corrections)),
    pValue = arena.allocF64(Math.max(1, corrections)),
    pRowOf = arena.alloc(4 * Math.max(1, count)),
    accs = Array.from({ length: count > 0 ? slots : 0 }, () => arena.allocF64(LOOKUP_TILE * count));
  // Soft columns go to the GEMM gathered (in place when all are soft), their results scattered afterwards.
  const gathered = soft.length < b;
  const pSoftX = gathered ? arena.allocF64(n * soft.length) : pX,
    pSoftOut = gathered ? arena.allocF64(n * soft.length) : pOut;
  new Int32Array(arena.memory.buffer, pStart, count + 1).set(corrStart);
  new Int32Array(arena.memory.buffer, pRowOf, count).set(hard);
  if (gathered) {
    const x = arena.f64(pSoftX, n * soft.length);
    soft.forEach((j, s) => x.set(block.subarray(j * n, (j + 1) * n), s * n));
  }
  arena.f64(pSoftOut, n * soft.length).fill(0);
  if (count > 0)
    await parallel(
      splitRange(count, slots, 1).map(([h0, h1]): KernelCall[] => [
        ['packHardColumns', [n, pX, h0, h1, pRowOf, groups, pCodes, pStart, pRow, pValue]],
      ]),
    );

  const softRanges = splitRange(soft.length, slots, TILE_ROWS);
  for (let k0 = 0; k0 < n; k0 += width) {
    const w = Math.min(width, n - k0);
    if (!resident && w === n) arena.f64(pU, n * n).set(U);
    else if (!resident) {
      const strip = arena.f64(pU, n * w);
      for (let i = 0; i < n; i++) strip.set(U.subarray(i * n + k0, i * n + k0 + w), i * w);
    }
    const lists: KernelCall[][] = Array.from({ length: slots }, () => []);
    if (count > 0)
      splitRange(w, slots, LOOKUP_TILE).forEach(([c0, c1], t) =>
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
    // out[:, k0:k0+w] = X U[:, k0:k0+w]: every element sums its i in the same order whatever rows or columns a
    // call covers, so the result is bitwise that of one whole-U call over all the block's columns.
    softRanges.forEach(([r0, r1], t) =>
      lists[t]!.push([
        'gemm',
        [
          r1 - r0,
          w,
          n,
          1,
          pSoftX + r0 * n * 8,
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
    await parallel(lists.filter((calls) => calls.length > 0));
  }
  if (gathered) {
    const memory = new Float64Array(arena.memory.buffer);
    soft.forEach((j, s) =>
      memory.copyWithin(pOut / 8 + j * n, pSoftOut / 8 + s * n, pSoftOut / 8 + (s + 1) * n),
    );
  }
  return pOut;
}
