/** A text matrix's rows parsed by the WASM kernels (assembly/parse-rows.ts), rows split across the threads. */
import type { KernelCall, KernelRunner } from './runner.js';

/** Rows per list: small enough that a thread that starts late (or is descheduled) leaves little to wait for. */
const ROWS_PER_LIST = 32;

/**
 * The MatrixRowsParser of src/io/matrix-read.ts on a runner: `fill` copies the file into shared memory and
 * returns the rows' byte ranges; null when it did, or when some row failed the kernel's fast path.
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
    // The values' own array, shared so that the workers can write it: all of this memory is fresh (n = 4,000: 230 MB
    // of text, 128 MB of values), and its page faults, taken on this thread by the read and the copy, were about
    // a second of the main thread alone. The workers take them on the text first, then on the values' array while
    // this thread reads the file.
    const values = new Float64Array(new SharedArrayBuffer(8 * n * n));
    await runner.touchAlongside([text], () => undefined);
    text[bytes] = 0;
    const bounds = await runner.touchAlongside([new Uint8Array(values.buffer)], () =>
      fill(text.subarray(0, bytes)),
    );
    if (!bounds) return null;
    new Int32Array(arena.memory.buffer, pBounds, 2 * n).set(bounds);
    const calls = Array.from({ length: lists }, (_, k): KernelCall[] => [
      [
        'parseRows',
        [pText, pBounds, n, k * ROWS_PER_LIST, Math.min(n, (k + 1) * ROWS_PER_LIST), pOut, pFailed + 4 * k],
      ],
    ]);
    await runner.pullAlongside(calls);
    if (new Int32Array(arena.memory.buffer, pFailed, lists).some((failed) => failed !== 0)) return null;
    values.set(arena.f64(pOut, n * n));
    return values;
  });
}
