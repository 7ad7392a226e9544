/** A text matrix's rows parsed by the WASM kernels (assembly/parse-rows.ts), rows split across the threads. */
import type { MatrixRowsParser } from '../../io/matrix-read.js';
import type { KernelCall, KernelRunner } from './runner.js';

/** Rows per list: small enough that a thread that starts late (or is descheduled) leaves little to wait for. */
const ROWS_PER_LIST = 32;
/**
 * The ring the file's text is read through while the workers parse it: reused memory, where the whole text was 32 MB
 * of fresh pages at n = 1,500 (each page's fault in read(), and a first pass over it, cost this thread about
 * 0.15-0.3 s of CPU); it is at least RING_LISTS lists' text, so that the reader seldom waits for the parse.
 */
const RING_BYTES = 4 << 20;
const RING_LISTS = 4;

/** Atomics.waitAsync (Node 16 on; not yet in TypeScript's lib for this target). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      view: Int32Array,
      index: number,
      value: number,
      timeout: number,
    ): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

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
  ringBytes = RING_BYTES,
): Promise<Float64Array | null> {
  return runner.exclusive(async () => {
    const { arena } = runner;
    const lists = Math.ceil(n / ROWS_PER_LIST);
    // Where the workers parse while the file is read, its text goes through a ring of at least RING_LISTS lists of
    // rows (of the average length); else the whole text is read first.
    const threaded = runner.threaded;
    const ring = threaded
      ? Math.min(bytes, Math.max(ringBytes, Math.ceil((RING_LISTS * ROWS_PER_LIST * bytes) / n)))
      : bytes;
    // One byte past the text: a zero that ends the last row's last field when the file has no final \n.
    const pText = arena.alloc(ring + 1),
      pBounds = arena.alloc(8 * n),
      pFailed = arena.alloc(4 * lists),
      pOut = arena.allocF64(n * n);
    const text = new Uint8Array(arena.memory.buffer, pText, ring + 1);
    text[ring] = 0;
    // Each list's count of failed rows, -1 until it is parsed.
    const done = new Int32Array(arena.memory.buffer, pFailed, lists).fill(-1);
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
    // Set once the lists' task has ended (a failure included): no list still to wait for.
    let ended = false;
    void parsing?.finally(() => (ended = true)).catch(() => undefined);
    // The first `listsDone` lists are parsed.
    let listsDone = 0;
    const release = async (rows: number): Promise<number> => {
      const ready = rows >= n ? lists : Math.floor(rows / ROWS_PER_LIST);
      for (; listsDone < ready; listsDone++) {
        while (Atomics.load(done, listsDone) < 0) {
          if (ended) return -1;
          // Woken by the kernel's notify; the timeout only looks at `ended` again.
          const wait = waitAsync(done, listsDone, -1, 50);
          if (wait.async) await wait.value;
        }
      }
      return Math.min(n, ready * ROWS_PER_LIST);
    };
    // The file is read straight into the text (or its ring): fresh pages take their faults in read(), for less than
    // a pass of zeros first and the read (n = 1,500, 32 MB: about 110 ms of CPU against 125 + 45 ms on the bench VM).
    let read = false;
    try {
      read = await fill(
        text.subarray(0, ring),
        new Int32Array(arena.memory.buffer, pBounds, 2 * n),
        published,
        parsing ? release : undefined,
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
    const failed = () => done.some((flag) => flag !== 0);
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
