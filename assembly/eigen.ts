// Workspace sizes of the symmetric eigensolver, in one call (each size is a round trip otherwise).
import { backBlockDoubles, backThreadDoubles } from './backtransform';
import { dcLevelEntries, dcThreadDoubles } from './dc';
import { tridiagScratchDoubles } from './tridiag';
import { EigenSize } from './layout';

/**
 * Writes the eigensolver's workspace sizes for an n x n matrix to out (5 i32): tridiagonalize's scratch (doubles),
 * dcEigen's per-thread workspace (doubles) and level table (i32 entries), backTransform's block storage and
 * per-thread scratch (doubles).
 */
export function eigenSizes(n: i32, out: usize): void {
  store<i32>(out + (EigenSize.tridiagScratchDoubles << 2), tridiagScratchDoubles(n));
  store<i32>(out + (EigenSize.dcThreadDoubles << 2), dcThreadDoubles(n));
  store<i32>(out + (EigenSize.dcLevelEntries << 2), dcLevelEntries(n));
  store<i32>(out + (EigenSize.backBlockDoubles << 2), backBlockDoubles(n));
  store<i32>(out + (EigenSize.backThreadDoubles << 2), backThreadDoubles());
}
