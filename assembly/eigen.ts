// Workspace sizes of the symmetric eigensolver, in one call (each size is a round trip otherwise).
import { backBlockDoubles, backThreadDoubles } from './backtransform';
import { dcLevelEntries, dcThreadDoubles } from './dc';
import { tridiagScratchDoubles } from './tridiag';

/**
 * Writes the eigensolver's workspace sizes for an n x n matrix to out (5 i32): tridiagonalize's scratch (doubles),
 * dcEigen's per-thread workspace (doubles) and level table (i32 entries), backTransform's block storage and
 * per-thread scratch (doubles).
 */
export function eigenSizes(n: i32, out: usize): void {
  store<i32>(out, tridiagScratchDoubles(n));
  store<i32>(out, dcThreadDoubles(n), 4);
  store<i32>(out, dcLevelEntries(n), 8);
  store<i32>(out, backBlockDoubles(n), 12);
  store<i32>(out, backThreadDoubles(), 16);
}
