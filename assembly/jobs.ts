// Job kinds the eigensolver's team runs, and the dispatch from a claimed chunk to its kernel.
import { backApplyChunk, backPrepChunk, backTransposeChunk } from './backtransform';
import { dcLeafChunk, dcMergeChunk } from './dc';
import { mergeRootsChunk, mergeRowsChunk, mergeZhatChunk } from './dc-vectors';
import { tridiagReflector, tridiagSymvChunk, tridiagTrailChunk, tridiagW } from './tridiag';

/** Tridiagonalisation, leader only: a column's reflector (called directly, not published). */
export const JOB_TRI_REFLECTOR: i32 = 1;
/** Tridiagonalisation: one column's symmetric product, in row chunks. */
export const JOB_SYMV: i32 = 2;
/** Tridiagonalisation, leader only: a column's w vector (called directly, not published). */
export const JOB_TRI_W: i32 = 3;
/** Tridiagonalisation: a panel's trailing update, in row strips. */
export const JOB_TRAIL: i32 = 4;
/** Divide and conquer: the leaves, one per chunk. */
export const JOB_LEAF: i32 = 5;
/** Divide and conquer: whole merges of one level, one per chunk. */
export const JOB_MERGE: i32 = 6;
/** Divide and conquer: secular roots of one shared merge. */
export const JOB_MERGE_ROOTS: i32 = 7;
/** Divide and conquer: Gu-Eisenstat z of one shared merge, in blocks of entries. */
export const JOB_MERGE_ZHAT: i32 = 8;
/** Divide and conquer: eigenvector rows (and their GEMM) of one shared merge. */
export const JOB_MERGE_ROWS: i32 = 9;
/** Back-transformation: WY blocks, one per chunk. */
export const JOB_BACK_PREP: i32 = 10;
/** Back-transformation: every block applied to a strip of rows. */
export const JOB_BACK_APPLY: i32 = 11;
/** Back-transformation: the final transpose, in row strips. */
export const JOB_BACK_TRANSPOSE: i32 = 12;

/**
 * Runs chunk c of a job of the given kind on context ctx as thread tid.
 * Leaders also call it directly for their serial steps: this function is hot, so V8 soon runs it optimised,
 * whereas a leader's own long-running call would stay in the baseline tier.
 */
export function runChunk(kind: i32, ctx: usize, c: i32, tid: i32): void {
  switch (kind) {
    case JOB_SYMV: tridiagSymvChunk(ctx, c, tid); break;
    case JOB_TRAIL: tridiagTrailChunk(ctx, c, tid); break;
    case JOB_TRI_REFLECTOR: tridiagReflector(ctx, c, tid); break;
    case JOB_TRI_W: tridiagW(ctx, c, tid); break;
    case JOB_LEAF: dcLeafChunk(ctx, c, tid); break;
    case JOB_MERGE: dcMergeChunk(ctx, c, tid); break;
    case JOB_MERGE_ROOTS: mergeRootsChunk(ctx, c, tid); break;
    case JOB_MERGE_ROWS: mergeRowsChunk(ctx, c, tid); break;
    case JOB_MERGE_ZHAT: mergeZhatChunk(ctx, c, tid); break;
    case JOB_BACK_PREP: backPrepChunk(ctx, c, tid); break;
    case JOB_BACK_APPLY: backApplyChunk(ctx, c, tid); break;
    case JOB_BACK_TRANSPOSE: backTransposeChunk(ctx, c, tid); break;
    default: unreachable();
  }
}
