/**
 * Writing kinship, eigenvector and eigenvalue files in bounded chunks, through an AtomicWriter: the
 * same bytes as formatMatrixBytes() / formatVector(), without the whole text in one buffer (n = 16,000
 * makes 3.8 GB of kinship text, past the 2 GiB a single write takes and the 4 GiB a Buffer holds).
 */
import { AtomicWriter } from './atomic-file.js';
import { formatMatrixBytes, formatVector } from './matrix-file.js';
import { generalMaxBytes, writeGeneral } from './number-bytes.js';
import { Progress } from './progress.js';

/** Bytes of one "%.10g" value and its separator, at most. */
const FIELD_BYTES = generalMaxBytes(10) + 1;
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
  const square = rows === cols;
  // start[(r - r0) * stride + c], c >= r: where the text of value (r, c) begins in scratch; c = cols: where
  // row r + 1 begins. The text of (r, c) ends one byte (its separator) before (r, c + 1) begins.
  const stride = cols + 1;
  const start = new Uint32Array(square ? blockRows * stride : 0);
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    const r1 = Math.min(rows, r0 + blockRows);
    let at = 0;
    for (let r = r0; r < r1; r++) {
      const row = r * cols;
      let c = 0;
      if (square) {
        // Left of the chunk: formatted; inside it, below the diagonal: copied where mirrored.
        for (; c < r0; c++) {
          at = writeGeneral(scratch, at, data[row + c], 10);
          scratch[at++] = 9;
        }
        for (; c < r; c++) {
          const v = data[row + c];
          // Nonzero (so not -0 against 0) and equal (so neither is NaN): the same text.
          if (v !== 0 && v === data[c * cols + r]) {
            const from = (c - r0) * stride + r;
            const end = start[from + 1] - 1;
            for (let k = start[from]; k < end; k++) scratch[at++] = scratch[k];
          } else at = writeGeneral(scratch, at, v, 10);
          scratch[at++] = 9;
        }
        const own = (r - r0) * stride;
        for (; c < cols; c++) {
          start[own + c] = at;
          at = writeGeneral(scratch, at, data[row + c], 10);
          scratch[at++] = c === cols - 1 ? 10 : 9;
        }
        start[own + cols] = at;
      } else {
        for (; c < cols; c++) {
          at = writeGeneral(scratch, at, data[row + c], 10);
          scratch[at++] = c === cols - 1 ? 10 : 9;
        }
      }
    }
    yield scratch.subarray(0, at);
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
