/**
 * A kinship's analysed sub-matrix double-centred on the WASM kernels (assembly/centre.ts), rows split across the
 * threads: the same bits as subsetSquare() and doubleCentre() (src/linalg/centre.ts), which on this thread ran with
 * the engine's threads waiting for the eigendecomposition's input (n = 1,500: 40-60 ms, mostly before the JIT
 * caught up with loops that run once a run).
 */
import type { KernelCall, KernelRunner } from './runner.js';

/** Rows per list: the later rows of the centring are shorter, and the threads take lists as they finish. */
const ROWS_PER_LIST = 32;

/** Matrices up to this size (with their sub-matrix) are centred here, in shared memory: n = 8,000. */
const CENTRE_MAX_BYTES = 1 << 30;

/** Lists of one kernel call each over rows [k ROWS_PER_LIST, (k + 1) ROWS_PER_LIST) of n. */
function rowLists(n: number, call: (r0: number, r1: number) => KernelCall): KernelCall[][] {
  return Array.from({ length: Math.ceil(n / ROWS_PER_LIST) }, (_, k) => [
    call(k * ROWS_PER_LIST, Math.min(n, (k + 1) * ROWS_PER_LIST)),
  ]);
}

/**
 * The rows and columns of `analysed` of the row-major nTotal x nTotal `matrix`, double-centred, written over the
 * first n^2 values of `matrix` (the caller's own array) and returned as a view of them; null, with `matrix` as it
 * was, when the two matrices would take more than CENTRE_MAX_BYTES of shared memory.
 */
export function centredOn(
  runner: KernelRunner,
  matrix: Float64Array,
  nTotal: number,
  analysed: Uint8Array,
): Promise<Float64Array | null> {
  const keep = Int32Array.from(analysed.subarray(0, nTotal).keys()).filter((i) => analysed[i]);
  const n = keep.length;
  if (8 * (nTotal * nTotal + n * n) > CENTRE_MAX_BYTES) return Promise.resolve(null);
  return runner.exclusive(async () => {
    const { arena } = runner;
    const pA = arena.allocF64(nTotal * nTotal),
      pOut = arena.allocF64(n * n),
      pKeep = arena.alloc(4 * n),
      pSums = arena.allocF64(n);
    arena.f64(pA, nTotal * nTotal).set(matrix.subarray(0, nTotal * nTotal));
    new Int32Array(arena.memory.buffer, pKeep, n).set(keep);
    await runner.pull(
      rowLists(n, (r0, r1) => ['subsetRowSums', [pA, nTotal, pKeep, n, r0, r1, pOut, pSums]]),
    );
    // doubleCentre's grand mean: the row sums added in order.
    const sums = arena.f64(pSums, n);
    let total = 0;
    for (let i = 0; i < n; i++) total += sums[i];
    const grand = total / (n * n);
    await runner.pull(rowLists(n, (r0, r1) => ['centreRows', [pOut, n, pSums, grand, r0, r1]]));
    const centred = matrix.subarray(0, n * n);
    centred.set(arena.f64(pOut, n * n));
    return centred;
  });
}
