/**
 * The text of a range of a matrix's rows, as formatMatrixBytes() makes it: the one loop behind the streamed
 * writer's chunks (matrix-write.ts), on this thread or on a worker of the wasm engine (text-worker.ts), which
 * format the rows of one file in parallel. A value's text depends on the value alone, so the same rows give the
 * same bytes on any thread, in any range.
 */
import { generalMaxBytes, writeGeneral10 } from './number-bytes.js';

/** Bytes of one "%.10g" value and its separator, at most. */
export const FIELD_BYTES = generalMaxBytes(10) + 1;

/**
 * Writes the text of rows r0..r1 of a row-major rows x cols matrix into out (which needs
 * (r1 - r0) * cols * FIELD_BYTES bytes) and returns its length. In a square matrix, a value below the diagonal
 * equal to its mirror in the same range reuses the mirror's text; `start` (at least (r1 - r0) * (cols + 1)
 * entries when square) holds where each value's text begins.
 */
export function formatRowsText(
  data: Float64Array,
  rows: number,
  cols: number,
  r0: number,
  r1: number,
  out: Uint8Array,
  start: Uint32Array,
): number {
  const square = rows === cols;
  // start[(r - r0) * stride + c], c >= r: where the text of value (r, c) begins in out; c = cols: where row r + 1
  // begins. The text of (r, c) ends one byte (its separator) before (r, c + 1) begins.
  const stride = cols + 1;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  for (let r = r0; r < r1; r++) {
    const row = r * cols;
    let c = 0;
    if (square) {
      // Left of the range: formatted; inside it, below the diagonal: copied where mirrored.
      for (; c < r0; c++) {
        at = writeGeneral10(out, view, at, data[row + c]);
        out[at++] = 9;
      }
      for (; c < r; c++) {
        const v = data[row + c];
        // Nonzero (so not -0 against 0) and equal (so neither is NaN): the same text.
        if (v !== 0 && v === data[c * cols + r]) {
          const from = (c - r0) * stride + r;
          const end = start[from + 1] - 1;
          for (let k = start[from]; k < end; k++) out[at++] = out[k];
        } else at = writeGeneral10(out, view, at, v);
        out[at++] = 9;
      }
      const own = (r - r0) * stride;
      for (; c < cols; c++) {
        start[own + c] = at;
        at = writeGeneral10(out, view, at, data[row + c]);
        out[at++] = c === cols - 1 ? 10 : 9;
      }
      start[own + cols] = at;
    } else {
      for (; c < cols; c++) {
        at = writeGeneral10(out, view, at, data[row + c]);
        out[at++] = c === cols - 1 ? 10 : 9;
      }
    }
  }
  return at;
}
