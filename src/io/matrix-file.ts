/**
 * Text matrices and vectors as GEMMA reads and writes them: kinship (.cXX/.sXX), eigenvectors
 * (.eigenU) and eigenvalues (.eigenD); "%.10g", tab-separated, one row per line.
 */
import { generalMaxBytes, writeGeneral10 } from './number-bytes.js';

// The readers stream their files (src/io/matrix-read.ts); kept importable from here.
export { readSquareMatrix, readVector } from './matrix-read.js';

/** Bytes of one "%.10g" value and its separator, at most. */
const FIELD_BYTES = generalMaxBytes(10) + 1;
/** Rows of a square matrix built together when the lower triangle copies the upper one. */
const ROW_BLOCK = 16;

/**
 * ASCII text of a row-major rows x cols matrix in GEMMA's format, as bytes for writing to a file
 * without making (and encoding) a string. In a square matrix, a value below the diagonal equal to its
 * mirror above (all of a kinship matrix) reuses the mirror's text instead of being formatted again.
 */
export function formatMatrixBytes(data: Float64Array, rows: number, cols: number): Buffer {
  if (data.length < rows * cols)
    throw new RangeError(`formatMatrixBytes: ${data.length} values for a ${rows} x ${cols} matrix`);
  if (rows === 0 || cols === 0) return Buffer.from('\n'.repeat(Math.max(1, rows)), 'latin1');
  if (rows === cols) return formatSquare(data, rows);
  const out = Buffer.allocUnsafe(rows * cols * FIELD_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  let pos = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      pos = writeGeneral10(out, view, pos, data[r * cols + c]);
      out[pos++] = c === cols - 1 ? 10 : 9;
    }
  }
  return out.subarray(0, pos);
}

/**
 * formatMatrixBytes of an n x n matrix, ROW_BLOCK rows at a time, each built in its own scratch row: first
 * the values left of the block (below the diagonal), taken source row by source row so that the text
 * they copy is read in order; then the rest of each row. start[r * (n + 1) + c] is where the text of
 * value (r, c), c > r, begins in `out` (c = n: where row r + 1 begins), so it ends one byte (the
 * separator) before the next one begins.
 */
function formatSquare(data: Float64Array, n: number): Buffer {
  const start = new Uint32Array(n * (n + 1));
  const stride = n + 1;
  const cap = n * FIELD_BYTES;
  const scratch = Buffer.allocUnsafe(Math.min(ROW_BLOCK, n) * cap);
  const cursor = new Array<number>(ROW_BLOCK).fill(0);
  // Sized for typical values (kinship: "0.001234567891\t"); grown when a block may not fit.
  let out = Buffer.allocUnsafe(Math.min(n * n * FIELD_BYTES, n * n * 16 + 1024));
  let outView = new DataView(out.buffer, out.byteOffset, out.length);
  const scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
  let pos = 0;
  for (let r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    const r1 = Math.min(n, r0 + ROW_BLOCK);
    for (let r = r0; r < r1; r++) cursor[r - r0] = (r - r0) * cap;
    // Left of the block: rows r0..r1 of columns 0..r0, copied from rows 0..r0 above where they mirror.
    for (let c = 0; c < r0; c++) {
      const mirrorRow = c * n,
        startRow = c * stride;
      for (let r = r0; r < r1; r++) {
        const v = data[r * n + c];
        let at = cursor[r - r0];
        // Nonzero (so not -0 against 0) and equal (so neither is NaN): the same text.
        if (v !== 0 && v === data[mirrorRow + r]) {
          const end = start[startRow + r + 1] - 1;
          let k = start[startRow + r];
          for (; k + 4 <= end; k += 4, at += 4) scratchView.setUint32(at, outView.getUint32(k));
          for (; k < end; k++) scratch[at++] = out[k];
        } else at = writeGeneral10(scratch, scratchView, at, v);
        scratch[at++] = 9;
        cursor[r - r0] = at;
      }
    }
    // The rest of each row: mirrors inside the block (text in scratch, its starts still scratch offsets), then
    // the diagonal and the upper triangle.
    for (let r = r0; r < r1; r++) {
      let at = cursor[r - r0];
      for (let c = r0; c < r; c++) {
        const v = data[r * n + c];
        if (v !== 0 && v === data[c * n + r]) {
          const end = start[c * stride + r + 1] - 1;
          for (let k = start[c * stride + r]; k < end; k++) scratch[at++] = scratch[k];
        } else at = writeGeneral10(scratch, scratchView, at, v);
        scratch[at++] = 9;
      }
      const startRow = r * stride;
      for (let c = r; c < n; c++) {
        start[startRow + c] = at;
        at = writeGeneral10(scratch, scratchView, at, data[r * n + c]);
        scratch[at++] = c === n - 1 ? 10 : 9;
      }
      start[startRow + n] = at;
      cursor[r - r0] = at;
    }
    // The block's rows into out, their starts made offsets in out.
    let bytes = 0;
    for (let r = r0; r < r1; r++) bytes += cursor[r - r0] - (r - r0) * cap;
    if (pos + bytes > out.length) {
      const bigger = Buffer.allocUnsafe(
        Math.max(pos + bytes, Math.min(n * n * FIELD_BYTES, Math.ceil(out.length * 1.5))),
      );
      out.copy(bigger, 0, 0, pos);
      out = bigger;
      outView = new DataView(out.buffer, out.byteOffset, out.length);
    }
    for (let r = r0; r < r1; r++) {
      const from = (r - r0) * cap;
      scratch.copy(out, pos, from, cursor[r - r0]);
      const shift = pos - from;
      for (let c = r; c <= n; c++) start[r * stride + c] += shift;
      pos += cursor[r - r0] - from;
    }
  }
  return out.subarray(0, pos);
}

/** Text of a vector, one "%.10g" value per line. */
export function formatVector(data: Float64Array): string {
  if (data.length === 0) return '\n';
  const out = Buffer.allocUnsafe(data.length * (generalMaxBytes(10) + 1));
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  let pos = 0;
  for (let i = 0; i < data.length; i++) {
    pos = writeGeneral10(out, view, pos, data[i]);
    out[pos++] = 10;
  }
  return out.toString('latin1', 0, pos);
}
