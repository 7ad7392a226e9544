/** A text matrix's rows parsed by the WASM kernels (assembly/parse-rows.ts), rows split across the threads. */
import type { MatrixRowsParser } from '../../io/matrix-read.js';
import type { KernelCall, KernelRunner } from './runner.js';

/** Rows per list: small enough that a thread that starts late (or is descheduled) leaves little to wait for. */
const ROWS_PER_LIST = 32;

/**
 * The MatrixRowsParser of src/io/matrix-read.ts on a runner: `fill` reads the file into shared memory with the rows'
 * byte ranges; null when the file is not n plain lines, when some row failed the kernel's fast path, or (with
 * `symmetric`, called when it is) when some pair is asymmetric (assembly/centre.ts, the JS reader's test). Where the
 * lists run on the workers, each list of rows is parsed as soon as `fill` has read it, while this thread reads on;
 * once `fill` resolves, this thread has no more part in it until the values are copied out: the parse is the
 * workers' (the SNP pass runs here meanwhile; see readSquareMatrix's textRead).
 */
export function parseRowsOn(
  runner: KernelRunner,
  bytes: number,
  n: number,
  fill: Parameters<MatrixRowsParser>[2],
  symmetric?: () => void,
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
    text[bytes] = 0;
    // The values' own array, shared so that the workers can take its page faults (fresh memory, 8 n^2 bytes) while
    // they wait for rows to parse, before this thread copies the values into it.
    const values = new Float64Array(new SharedArrayBuffer(8 * n * n));
    const calls = Array.from({ length: lists }, (_, k): KernelCall[] => [
      [
        'parseRows',
        [pText, pBounds, n, k * ROWS_PER_LIST, Math.min(n, (k + 1) * ROWS_PER_LIST), pOut, pFailed + 4 * k],
      ],
    ]);
    // rowsRead[0]: the rows whose text and bounds are in memory (-1: the file is not n plain lines; stop).
    const rowsRead = new Int32Array(new SharedArrayBuffer(4));
    const published = (rows: number) => {
      Atomics.store(rowsRead, 0, rows);
      Atomics.notify(rowsRead, 0);
    };
    const parsing = runner.pullWhenReady(
      calls,
      rowsRead,
      calls.map((_, k) => Math.min(n, (k + 1) * ROWS_PER_LIST)),
      [new Uint8Array(values.buffer)],
    );
    parsing?.catch(() => undefined); // awaited once the file is read: a failure meanwhile is not unhandled
    // The file is read straight into the fresh text: read() takes the page faults in the kernel, for less than a
    // pass of zeros first and the read (n = 1,500, 32 MB: about 110 ms of CPU against 125 + 45 ms on the bench VM).
    let read = false;
    try {
      read = await fill(
        text.subarray(0, bytes),
        new Int32Array(arena.memory.buffer, pBounds, 2 * n),
        published,
      );
    } finally {
      // No list may still run on the arena once this returns (or throws): the ones not begun are skipped.
      if (!read) {
        published(-1);
        await parsing?.catch(() => undefined);
      }
    }
    if (!read) return null;
    await (parsing ?? runner.pull(calls));
    const failed = () => new Int32Array(arena.memory.buffer, pFailed, lists).some((flag) => flag !== 0);
    if (failed()) return null;
    if (symmetric) {
      const pairs = Array.from({ length: lists }, (_, k): KernelCall[] => [
        [
          'asymmetricRows',
          [pOut, n, k * ROWS_PER_LIST, Math.min(n, (k + 1) * ROWS_PER_LIST), pFailed + 4 * k],
        ],
      ]);
      await runner.pull(pairs);
      if (failed()) return null;
      symmetric();
    }
    values.set(arena.f64(pOut, n * n));
    return values;
  });
}
