/** A text matrix's rows parsed by the WASM kernels (assembly/parse-rows.ts), rows split across the threads. */
import type { KernelCall, KernelRunner } from './runner.js';

/** Rows per list: small enough that a thread that starts late (or is descheduled) leaves little to wait for. */
const ROWS_PER_LIST = 32;

/**
 * The MatrixRowsParser of src/io/matrix-read.ts on a runner: `fill` copies the file into shared memory and
 * returns the rows' byte ranges; null when it did, or when some row failed the kernel's fast path. Once `fill`
 * returns, this thread has no more part in it until the values are copied out: the parse is the workers' (the
 * SNP pass runs here meanwhile; see readSquareMatrix's textRead).
 */
export function parseRowsOn(
  runner: KernelRunner,
  bytes: number,
  n: number,
  fill: (text: Uint8Array) => Int32Array | null,
): Promise<Float64Array | null> {
  return runner.exclusive(async () => {
    const { arena } = runner;
    const lists = Math.ceil(n / ROWS_PER_LIST);
    // One byte past the text: a zero that ends the last row's last field when the file has no final \n.
    const pText = arena.alloc(bytes + 1),
      pBounds = arena.alloc(8 * n),
      pFailed = arena.alloc(4 * lists),
      pOut = arena.allocF64(n * n);
    const text = new Uint8Array(arena.memory.buffer, pText, bytes + 1);
    // The file is read straight into the fresh text: read() takes the page faults in the kernel, for less than a
    // pass of zeros first and the read (n = 1,500, 32 MB: about 110 ms of CPU against 125 + 45 ms on the bench VM),
    // and without waiting for workers still starting (the zeros' pass waited for them: 0.2 s of this thread).
    text[bytes] = 0;
    const bounds = fill(text.subarray(0, bytes));
    if (!bounds) return null;
    new Int32Array(arena.memory.buffer, pBounds, 2 * n).set(bounds);
    // The values' own array, shared so that the workers can take its page faults (fresh memory, 8 n^2 bytes)
    // before this thread copies the values into it.
    const values = new Float64Array(new SharedArrayBuffer(8 * n * n));
    const calls = Array.from({ length: lists }, (_, k): KernelCall[] => [
      [
        'parseRows',
        [pText, pBounds, n, k * ROWS_PER_LIST, Math.min(n, (k + 1) * ROWS_PER_LIST), pOut, pFailed + 4 * k],
      ],
    ]);
    await Promise.all([runner.touchAside([new Uint8Array(values.buffer)]), runner.pull(calls)]);
    if (new Int32Array(arena.memory.buffer, pFailed, lists).some((failed) => failed !== 0)) return null;
    values.set(arena.f64(pOut, n * n));
    return values;
  });
}
