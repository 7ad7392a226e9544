/**
 * Writing kinship, eigenvector and eigenvalue files in bounded chunks, through an AtomicWriter: the
 * same bytes as formatMatrixBytes() / formatVector(), without the whole text in one buffer (n = 16,000
 * makes 3.8 GB of kinship text, past the 2 GiB a single write takes and the 4 GiB a Buffer holds).
 */
import { AtomicWriter } from './atomic-file.js';
import { formatMatrixBytes, formatVector } from './matrix-file.js';
import { FIELD_BYTES, formatRowsText } from './matrix-rows-text.js';
import { Progress } from './progress.js';
/**
 * Text (at its longest) up to which a matrix is formatted whole by formatMatrixBytes(), as it always
 * was: that formats each mirrored pair of a kinship once; n = 1,985 at most (about 20 n^2 bytes of
 * text and offsets beside K). It was 256 MiB (n = 3,970); above 64 MiB the chunks were measured faster
 * as well as smaller (n = 3,000: 0.87 s of CPU against 1.28 s whole, n = 2,200: 0.55 against 0.72 s),
 * though they format mirrors in earlier chunks again (issue 22: peak memory of -gk).
 */
export const WHOLE_TEXT_LIMIT = 64 << 20;
/** Text (at its longest) of one chunk of rows in the streamed path. */
export const CHUNK_TEXT_BYTES = 64 << 20;

/**
 * The text of a row-major rows x cols matrix, as formatMatrixBytes() makes it, in chunks of whole rows
 * of at most about `chunkBytes`. A chunk is only valid until the next one is asked for (one scratch
 * buffer serves them all). In a square matrix, a value below the diagonal equal to its mirror in the
 * same chunk reuses the mirror's text; mirrors in earlier chunks are formatted again, which gives the
 * same text (and costs up to twice the formatting of a whole-text kinship, to keep memory bounded).
 */
export function* matrixTextChunks(
  data: Float64Array,
  rows: number,
  cols: number,
  chunkBytes = CHUNK_TEXT_BYTES,
): Generator<Uint8Array> {
  if (data.length < rows * cols) {
    throw new RangeError(`matrixTextChunks: ${data.length} values for a ${rows} x ${cols} matrix`);
  }
  if (rows === 0 || cols === 0) {
    yield formatMatrixBytes(data, rows, cols);
    return;
  }
  const rowBytes = cols * FIELD_BYTES;
  const blockRows = Math.max(1, Math.min(rows, Math.floor(chunkBytes / rowBytes)));
  const scratch = Buffer.allocUnsafe(blockRows * rowBytes);
  const start = new Uint32Array(rows === cols ? blockRows * (cols + 1) : 0);
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    const r1 = Math.min(rows, r0 + blockRows);
    yield scratch.subarray(0, formatRowsText(data, rows, cols, r0, r1, scratch, start));
  }
}

/** Options of writeMatrixFile(). */
export interface MatrixWriteOptions {
  /** What the progress line calls the file ("kinship matrix"). */
  what?: string;
  /** No progress on stderr. */
  quiet?: boolean;
  /** Largest text formatted whole (default WHOLE_TEXT_LIMIT); above it, chunks of chunkBytes. */
  wholeTextLimit?: number;
  chunkBytes?: number;
  /** writeMatrixFileAside(): bytes written between background syncs (default SYNC_BYTES). */
  syncBytes?: number;
}

/** Where writeMatrixText() puts its bytes: an AtomicWriter, or a digest in the tests. */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

/**
 * Writes a row-major rows x cols matrix in GEMMA's text format (%.10g, tabs, one row per line) to sink:
 * small ones formatted whole, large ones as matrixTextChunks(), with progress on stderr.
 */
export function writeMatrixText(
  sink: ByteSink,
  data: Float64Array,
  rows: number,
  cols: number,
  options: MatrixWriteOptions = {},
): void {
  if (rows * cols * FIELD_BYTES <= (options.wholeTextLimit ?? WHOLE_TEXT_LIMIT)) {
    sink.write(formatMatrixBytes(data, rows, cols));
    return;
  }
  const progress = new Progress(`Writing ${options.what ?? 'matrix'}`, rows, Boolean(options.quiet));
  const chunkBytes = options.chunkBytes ?? CHUNK_TEXT_BYTES;
  const blockRows = Math.max(1, Math.min(rows, Math.floor(chunkBytes / (Math.max(1, cols) * FIELD_BYTES))));
  let done = 0;
  for (const chunk of matrixTextChunks(data, rows, cols, chunkBytes)) {
    sink.write(chunk);
    done = Math.min(rows, done + blockRows);
    progress.update(done);
  }
}

/** writeMatrixText() to path, atomically (removed again if anything fails). */
export function writeMatrixFile(
  path: string,
  data: Float64Array,
  rows: number,
  cols: number,
  options: MatrixWriteOptions = {},
): void {
  const writer = new AtomicWriter(path);
  try {
    writeMatrixText(writer, data, rows, cols, options);
    writer.commit();
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/**
 * Formats rows r0..r1 of the matrix it was made for into `out`, a view of a SharedArrayBuffer with room for
 * (r1 - r0) * cols * FIELD_BYTES bytes, on another thread; resolves to the text's length (formatRowsText()).
 */
export type MatrixRowsFormatter = (r0: number, r1: number, out: Uint8Array) => Promise<number>;

/**
 * Text (at its longest) of one range of rows formatted on another thread: small enough that the threads share a
 * kinship's rows evenly and the ranges in flight hold little memory, large enough that a range's round trip
 * (about 0.1 ms) is lost in its formatting (n = 4,000: 20 rows, 5 ms). The ranges' buffers are fresh memory, whose
 * first writes are page faults (about 4 ms of CPU a MB here): at 8 MB, n = 1,500's 32 MB of text went through
 * 32 MB of new buffers, and the write took 60-90 ms more CPU than at 2 MB (issue 21); at 1 MB the four ranges touch
 * 2.3 MB instead of 4.6 (n = 1,500: about 560 page faults fewer), and a range is still 1 ms of formatting.
 */
const ASIDE_RANGE_BYTES = 1 << 20;
/** Bytes written between background syncs of writeMatrixFileAside(). */
const SYNC_BYTES = 16 << 20;
/** Ranges in flight: each thread has the next one queued while this thread writes one. */
const ASIDE_RANGES = 4;

/**
 * writeMatrixText() with the rows formatted by `format` on other threads (the wasm engine's workers, while this
 * thread writes the ranges in order): the same bytes, since a value's text depends on the value alone.
 */
export async function writeMatrixTextAside(
  sink: ByteSink,
  rows: number,
  cols: number,
  format: MatrixRowsFormatter,
  options: MatrixWriteOptions = {},
): Promise<void> {
  const rowBytes = Math.max(1, cols) * FIELD_BYTES;
  const rangeRows = Math.max(
    1,
    Math.min(rows, Math.floor((options.chunkBytes ?? ASIDE_RANGE_BYTES) / rowBytes)),
  );
  const progress = new Progress(`Writing ${options.what ?? 'matrix'}`, rows, Boolean(options.quiet));
  const inFlight: { r1: number; out: Uint8Array; length: Promise<number> }[] = [];
  let next = 0;
  const launch = (out: Uint8Array) => {
    const r0 = next;
    next = Math.min(rows, r0 + rangeRows);
    inFlight.push({ r1: next, out, length: format(r0, next, out) });
  };
  for (let k = 0; k < ASIDE_RANGES && next < rows; k++)
    launch(new Uint8Array(new SharedArrayBuffer(rangeRows * rowBytes)));
  try {
    while (inFlight.length > 0) {
      const { r1, out, length } = inFlight[0];
      sink.write(out.subarray(0, await length));
      inFlight.shift();
      progress.update(r1);
      if (next < rows) launch(out);
    }
  } catch (e) {
    // The ranges still in flight write into buffers no one reads: let them end before the caller frees the matrix.
    await Promise.allSettled(inFlight.map(({ length }) => length));
    throw e;
  }
}

/**
 * writeMatrixFile() with the rows formatted by `format` when it is given (writeMatrixTextAside()), at any size:
 * even where the whole text would fit (n = 1,500), where this thread formats mirrored pairs once, two threads
 * formatting each pair twice end sooner (n = 1,500: the main thread's CPU 1.07 -> 0.76 s, the workers' 0.45 ->
 * 0.64 s each).
 */
export async function writeMatrixFileAside(
  path: string,
  data: Float64Array,
  rows: number,
  cols: number,
  format: MatrixRowsFormatter | null,
  options: MatrixWriteOptions = {},
): Promise<void> {
  if (!format || rows === 0 || cols === 0) return writeMatrixFile(path, data, rows, cols, options);
  const writer = new AtomicWriter(path);
  // What is written goes to disk in the background every syncBytes, while the rest is formatted: the fsync at the
  // end, which nothing overlaps, then has only the last part to write (n = 4,000: 230 MB took 0.16-0.22 s).
  const syncBytes = options.syncBytes ?? SYNC_BYTES;
  let unsynced = 0;
  let syncing: Promise<void> | null = null;
  // A failed sync's error, thrown at the end (a later fsync may not report it again: Linux reports it once).
  let syncFailure: unknown;
  const sink: ByteSink = {
    write(bytes) {
      writer.write(bytes);
      unsynced += bytes.length;
      if (unsynced < syncBytes || syncing) return;
      unsynced = 0;
      syncing = writer.sync().then(
        () => void (syncing = null),
        (e: unknown) => {
          syncFailure ??= e;
          syncing = null;
        },
      );
    },
  };
  try {
    await writeMatrixTextAside(sink, rows, cols, format, options);
    await syncing;
    if (syncFailure !== undefined) throw syncFailure;
    writer.commit();
  } catch (e) {
    await syncing;
    writer.abort();
    throw e;
  }
}

/** Writes a vector one %.10g value per line (n values make at most 26 n bytes: small at any n). */
export function writeVectorFile(path: string, data: Float64Array): void {
  const writer = new AtomicWriter(path);
  try {
    writer.write(Buffer.from(formatVector(data), 'latin1'));
    writer.commit();
  } catch (e) {
    writer.abort();
    throw e;
  }
}
