/**
 * Reading kinship (.cXX/.sXX), eigenvector (.eigenU) and eigenvalue (.eigenD) files as a stream of
 * bounded chunks, plain or gzipped, so that no buffer grows with the file: a 30,000 x 30,000 kinship is
 * 14 GB of text, and Node cannot hold more than 2 GiB in one read or 4 GiB in one Buffer.
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { COMMA, fieldEnd, parseField, skipField, SPACE, TAB } from './field-bytes.js';
import { InputError } from './input-error.js';
import { Progress } from './progress.js';
import { requireFile } from './text-file.js';
import { squareMatrixFits } from './memory-fit.js';

const LF = 10;
const CR = 13;
/** Bytes read (or inflated) at a time. */
const CHUNK_BYTES = 1 << 20;
/** Gzip files up to this size are inflated at once (1032:1 is deflate's limit: at most 66 MB). */
const SMALL_GZIP_BYTES = 64 << 10;

/** One line of streamLines(): bytes[start, end); bytes[end] is its terminator or past the buffer. */
interface Line {
  lineNumber: number;
  bytes: Buffer;
  start: number;
  end: number;
}

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of a (possibly gzipped) file, split at \n, \r\n or a lone \r, a UTF-8 byte-order mark
 * skipped; a last line without terminator only when not empty. Unlike streamLineBytes(), a line
 * longer than a chunk (a kinship row at n = 30,000 is 450 kB) is kept as a list of pieces and joined
 * once, and gzip inflates into 1 MiB chunks, not 16 kB: the cost stays linear in the line's length.
 */
async function* streamLines(path: string, what: string): AsyncGenerator<Line> {
  requireFile(path, what);
  const gzip = isGzip(path);
  // A file of one chunk (at most 66 MB once inflated) is read at once: opening a stream costs more than it.
  const whole = statSync(path).size <= (gzip ? SMALL_GZIP_BYTES : CHUNK_BYTES);
  const source = whole ? null : createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let input: Iterable<Buffer> | AsyncIterable<Buffer> = [];
  if (source) input = gzip ? source.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : source;
  let lineNumber = 0;
  let pieces: Buffer[] = [];
  let afterCR = false;
  let first = true;
  const joined = (last: Buffer): Buffer => {
    const bytes = Buffer.concat([...pieces, last]);
    pieces = [];
    return bytes;
  };
  try {
    if (whole) input = [gzip ? gunzipSync(readFileSync(path)) : readFileSync(path)];
    for await (const chunk of input) {
      let pos = 0;
      if (first) {
        // A byte-order mark split across chunks is not worth handling: chunks are 1 MiB.
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) pos = 3;
        first = false;
      }
      if (afterCR && pos < chunk.length) {
        if (chunk[pos] === LF) pos++; // the \n of a \r\n split between chunks
        afterCR = false;
      }
      let nextCR = chunk.indexOf(CR, pos);
      while (pos < chunk.length) {
        if (nextCR >= 0 && nextCR < pos) nextCR = chunk.indexOf(CR, pos);
        const nextLF = chunk.indexOf(LF, pos);
        const stop = nextCR >= 0 && (nextLF < 0 || nextCR < nextLF) ? nextCR : nextLF;
        if (stop < 0) {
          pieces.push(chunk.subarray(pos));
          break;
        }
        lineNumber++;
        if (pieces.length > 0) {
          const bytes = joined(chunk.subarray(pos, stop));
          yield { lineNumber, bytes, start: 0, end: bytes.length };
        } else yield { lineNumber, bytes: chunk, start: pos, end: stop };
        pos = stop + 1;
        if (chunk[stop] === CR) {
          if (pos === chunk.length) afterCR = true;
          else if (chunk[pos] === LF) pos++;
        }
      }
    }
    if (pieces.length > 0) {
      const bytes = joined(Buffer.alloc(0));
      if (bytes.length > 0) yield { lineNumber: ++lineNumber, bytes, start: 0, end: bytes.length };
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const problem = gzip ? 'corrupt gzip data' : 'read failed';
    throw new InputError(path, `${problem} (${(e as Error).message})`, lineNumber + 1);
  } finally {
    source?.destroy();
  }
}

/** Whether a line holds nothing but whitespace (as String.prototype.trim() sees it). */
function isBlank(line: Line): boolean {
  const { bytes, end } = line;
  let ascii = true;
  for (let i = line.start; i < end; i++) {
    const c = bytes[i];
    if (c === SPACE || c === TAB || c === 11 || c === 12) continue;
    if (c < 0x80) return false;
    ascii = false;
  }
  // Non-ASCII whitespace (no-break space, U+2028...) is decoded only on short lines: no number has any.
  return ascii || (end - line.start < 256 && bytes.toString('utf8', line.start, end).trim() === '');
}

/** Fields on a line, as splitFields() counts them. */
function countFields(line: Line): number {
  const { bytes, end } = line;
  let count = 0;
  let i = line.start;
  for (;;) {
    let c = bytes[i];
    while (i < end && (c === SPACE || c === TAB || c === COMMA)) c = bytes[++i];
    if (i >= end) return count;
    i = skipField(bytes, i, end);
    count++;
  }
}

/** The first problem of a row: a field count other than n, or a field that is not a finite number. */
interface RowProblem {
  row: number;
  count: number;
  badColumn: number;
  badText: string;
}

/**
 * Parses one row into out[0, n): null when it has n finite values, else its problem (a count other
 * than n is reported before a bad value, as the reader always has).
 */
function parseRow(line: Line, row: number, n: number, out: Float64Array): RowProblem | null {
  const { bytes, end } = line;
  let i = line.start;
  let count = 0;
  let badColumn = -1;
  let badText = '';
  for (;;) {
    let c = bytes[i];
    while (i < end && (c === SPACE || c === TAB || c === COMMA)) c = bytes[++i];
    if (i >= end) break;
    const start = i;
    if (count < n) {
      const v = parseField(bytes, start, end);
      i = fieldEnd;
      if (badColumn < 0 && !Number.isFinite(v)) {
        badColumn = count;
        badText = bytes.toString('utf8', start, i);
      }
      out[count] = v;
    } else i = skipField(bytes, start, end);
    count++;
  }
  return count === n && badColumn < 0 ? null : { row, count, badColumn, badText };
}

/** Whether K[r][c] = a and K[c][r] = b are too far apart for a symmetric matrix. */
function asymmetric(a: number, b: number): boolean {
  return Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Whether the tile of rows [r0, r1) and columns [c0, c1) (above the diagonal) holds an asymmetric() pair. A function
 * of its own, called once a tile, so that it is optimised after a few tiles: the check runs once a run, where a loop
 * nest in one call ran mostly unoptimised (n = 1,500: 16-27 ms against 12, with the engine's threads waiting).
 */
function asymmetricTile(
  data: Float64Array,
  n: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
): boolean {
  for (let r = r0; r < r1; r++)
    for (let c = Math.max(c0, r + 1); c < c1; c++) {
      const a = data[r * n + c];
      const b = data[c * n + r];
      if (a !== b && asymmetric(a, b)) return true;
    }
  return false;
}

/** The first asymmetric() pair in row order, or null: checked in 64 x 64 tiles, for the cache. */
function firstAsymmetric(data: Float64Array, n: number): [number, number] | null {
  const B = 64;
  let found = false;
  for (let r0 = 0; r0 < n && !found; r0 += B)
    for (let c0 = r0; c0 < n && !found; c0 += B)
      found = asymmetricTile(data, n, r0, Math.min(n, r0 + B), c0, Math.min(n, c0 + B));
  if (!found) return null;
  // Some pair is off: the first one in row order is the one to report.
  for (let r = 0; r < n; r++) {
    for (let c = r + 1; c < n; c++) if (asymmetric(data[r * n + c], data[c * n + r])) return [r, c];
  }
  return null;
}

/**
 * Parses the rows of an n x n text matrix elsewhere (the wasm engine's threads, assembly/parse-rows.ts). It hands
 * `fill` a buffer of `bytes` bytes and room for each row's [start, end) byte offsets (2n of them); `fill` reads the
 * file into the buffer a chunk at a time, writes each row's offsets as soon as the row is whole, calls `rowsRead` (if
 * given) with the count of whole rows after each chunk, so that the first rows' parse can start while the rest is
 * read, and resolves to false when the file is not n plain lines (any rows parsed by then are wasted). It resolves
 * to the values (row-major n x n), each what the JS reader's fast path makes of its field, or to null when `fill`
 * resolved to false, or when some row is not n such fields (more than 15 digits, "nan", a blank line): the file is
 * then read here, for Number()'s values or the error. `symmetric` is given when the matrix must be symmetric (a
 * kinship): a parser that checks it (asymmetric() on no pair) calls it once the matrix passes, and declines one that
 * does not (for the JS reader's error); without that call the values are checked here.
 */
export type MatrixRowsParser = (
  bytes: number,
  n: number,
  fill: (text: Uint8Array, bounds: Int32Array, rowsRead?: (rows: number) => void) => Promise<boolean>,
  symmetric?: () => void,
) => Promise<Float64Array | null>;

/** Files up to this size (with their n x n values) take a MatrixRowsParser: n = 6,000 at %.10g. */
const PARSER_MAX_BYTES = 1 << 30;

/** Options of readSquareMatrix(). */
export interface SquareMatrixOptions {
  /** Rows the matrix must have (the individuals in the files). */
  expectedSize?: number;
  /** Check K[r][c] against K[c][r] (a kinship). */
  symmetric?: boolean;
  /** No progress on stderr. */
  quiet?: boolean;
  /** The size a file of any size is likely to have (its caller checks it): what parseRows tries. */
  likelySize?: number;
  /** Parses a plain file of expectedSize (or likelySize) rows elsewhere (see MatrixRowsParser): the same bits. */
  parseRows?: MatrixRowsParser;
  /**
   * Called once parseRows has the file's text and parses it elsewhere: this thread is free for other work until
   * the values come back (it still reads the file itself, here, if the parser declines it).
   */
  textRead?: () => void;
}

/**
 * The matrix by `parse`, or null when the file takes the streaming reader: gzipped, too large, not expectedSize
 * lines split at \n alone (no \r, no byte-order mark, no blank line), a row the parser does not read, or (where
 * the parser checks `symmetric`) not symmetric.
 */
async function parsedElsewhere(
  path: string,
  n: number,
  parse: MatrixRowsParser,
  symmetric: (() => void) | undefined,
  textRead?: () => void,
): Promise<Float64Array | null> {
  let bytes: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return null;
    bytes = stats.size;
  } catch {
    return null; // the streaming reader says what is wrong
  }
  if (n <= 0 || !squareMatrixFits(n) || bytes + 8 * n * n > PARSER_MAX_BYTES || isGzip(path)) return null;
  const fill = async (text: Uint8Array, bounds: Int32Array, rowsRead?: (rows: number) => void) => {
    const read = await readRows(path, text, n, bounds, rowsRead);
    if (read) textRead?.();
    return read;
  };
  return parse(bytes, n, fill, symmetric);
}

/**
 * Fills `text` with the file's bytes, CHUNK_BYTES at a time, and `bounds` with [start, end) of each of its n lines,
 * split at \n (the last one's \n optional), each as soon as it is whole; after each chunk `rowsRead` gets the count
 * of whole lines, and the event loop a turn (threads that start now are given their tasks in those turns). False
 * when the file is no longer text.length bytes, or its text has a \r, a byte-order mark, or other than n lines: the
 * streaming reader's business.
 */
async function readRows(
  path: string,
  text: Uint8Array,
  n: number,
  bounds: Int32Array,
  rowsRead?: (rows: number) => void,
): Promise<boolean> {
  // A Buffer over the same memory: its indexOf is a memchr, the typed array's a byte loop.
  const bytes = Buffer.from(text.buffer, text.byteOffset, text.length);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    let rows = 0;
    // Where the next line starts.
    let pos = 0;
    while (got < bytes.length) {
      const from = got;
      const read = readSync(fd, bytes, got, Math.min(CHUNK_BYTES, bytes.length - got), got);
      if (read === 0) return false;
      got += read;
      // Only the bytes read so far are searched: the rest of the buffer holds whatever it held before.
      const view = bytes.subarray(0, got);
      if (view.indexOf(CR, from) >= 0) return false;
      if (from < 3 && got >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return false;
      const whole = got === bytes.length;
      for (; rows < n; rows++) {
        const stop = view.indexOf(LF, pos);
        if (stop < 0 && !whole) break; // the line goes on in the next chunk
        if (stop < 0 && pos >= got) return false; // fewer than n lines
        const end = stop < 0 ? got : stop;
        bounds[2 * rows] = pos;
        bounds[2 * rows + 1] = end;
        pos = end + 1;
      }
      rowsRead?.(rows);
      if (!whole) await new Promise((resolve) => setImmediate(resolve));
    }
    // n lines, nothing after the last one, and the file no longer than that.
    return rows === n && pos >= bytes.length && readSync(fd, new Uint8Array(1), 0, 1, got) === 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a square matrix (row-major n x n), checking shape, finiteness and (for kinship) symmetry, as a
 * stream of lines. Rows are lines (\n, \r\n or \r; a byte-order mark skipped; blank lines at the end
 * ignored), fields what splitFields() makes of a line, values what Number() makes of a field. The first
 * row's length is taken as n; a file that turns out not to be n x n is read on to its end, counting
 * lines only, so that the error is the same one as when the whole file was read first: "has R rows but
 * there are N individuals", then the first row whose length is not the row count, then the first value
 * that is not a finite number.
 */
export async function readSquareMatrix(
  path: string,
  what: string,
  options: SquareMatrixOptions = {},
): Promise<{ n: number; data: Float64Array }> {
  let n = -1;
  let data: Float64Array | null = null;
  let rows = 0;
  let blanksHeld = 0;
  // Set once the file is known not to be n x n (or not to fit): from then on lines are only counted.
  let counting = false;
  let problem: RowProblem | null = null;
  let tooLarge = false;
  let progress: Progress | null = null;
  const empty = new Float64Array(0);
  const size = options.expectedSize ?? options.likelySize;
  if (options.parseRows && size !== undefined) {
    let checked = false;
    const symmetric = options.symmetric ? () => (checked = true) : undefined;
    const parsed = await parsedElsewhere(path, size, options.parseRows, symmetric, options.textRead);
    if (parsed) {
      if (options.symmetric && !checked) requireSymmetric(path, what, parsed, size);
      return { n: size, data: parsed };
    }
  }
  const takeRow = (line: Line): void => {
    const row = rows++;
    if (row === 0) {
      n = countFields(line);
      tooLarge = !squareMatrixFits(n);
      const wrongSize = options.expectedSize !== undefined && n !== options.expectedSize;
      if (n === 0 || tooLarge || wrongSize) counting = true;
      else {
        data = new Float64Array(n * n);
        if (n >= 4096) progress = new Progress(`Reading ${what}`, n, Boolean(options.quiet));
      }
    }
    if (counting) return;
    if (row >= n) {
      counting = true;
      return;
    }
    problem = parseRow(line, row, n, data!.subarray(row * n, (row + 1) * n));
    if (problem) counting = true;
    progress?.update(row + 1);
  };
  for await (const line of streamLines(path, what)) {
    if (isBlank(line)) {
      blanksHeld++;
      continue;
    }
    // Blank lines followed by a row are rows (of no values).
    for (; blanksHeld > 0; blanksHeld--) takeRow({ lineNumber: 0, bytes: Buffer.alloc(0), start: 0, end: 0 });
    takeRow(line);
  }
  if (rows === 0) throw new InputError(path, `${what} is empty`);
  if (options.expectedSize !== undefined && rows !== options.expectedSize) {
    throw new InputError(path, `${what} has ${rows} rows but there are ${options.expectedSize} individuals`);
  }
  if (rows !== n) {
    throw new InputError(path, `${what} is not square: row 1 has ${n} values, expected ${rows}`, 1);
  }
  if (tooLarge) squareMatrixFits(n, `reading the ${n} x ${n} ${what}`);
  const found = problem as RowProblem | null;
  if (found) {
    const line = found.row + 1;
    if (found.count !== n) {
      throw new InputError(
        path,
        `${what} is not square: row ${line} has ${found.count} values, expected ${n}`,
        line,
      );
    }
    const column = found.badColumn + 1;
    throw new InputError(
      path,
      `${what} value "${found.badText}" in column ${column} is not a finite number`,
      line,
    );
  }
  const matrix = data ?? empty;
  if (options.symmetric) requireSymmetric(path, what, matrix, n);
  return { n, data: matrix };
}

/** Throws the InputError of the first asymmetric pair (firstAsymmetric), if any. */
function requireSymmetric(path: string, what: string, matrix: Float64Array, n: number): void {
  const pair = firstAsymmetric(matrix, n);
  if (!pair) return;
  const [r, c] = pair;
  const [a, b] = [matrix[r * n + c], matrix[c * n + r]];
  const values = `K[${r + 1}][${c + 1}] = ${a} but K[${c + 1}][${r + 1}] = ${b}`;
  throw new InputError(path, `${what} is not symmetric: ${values}`, r + 1);
}

/** Reads a column vector (the first field of each non-blank line), streamed like readSquareMatrix(). */
export async function readVector(path: string, what: string): Promise<Float64Array> {
  let values = new Float64Array(1024);
  let count = 0;
  for await (const line of streamLines(path, what)) {
    if (isBlank(line)) continue;
    const { bytes, end } = line;
    let i = line.start;
    let c = bytes[i];
    while (i < end && (c === SPACE || c === TAB || c === COMMA)) c = bytes[++i];
    const v = i < end ? parseField(bytes, i, end) : NaN;
    if (!Number.isFinite(v)) {
      const text = bytes.toString('utf8', line.start, end);
      throw new InputError(path, `${what} value "${text}" is not a finite number`, line.lineNumber);
    }
    if (count === values.length) {
      const bigger = new Float64Array(2 * count);
      bigger.set(values);
      values = bigger;
    }
    values[count++] = v;
  }
  return values.slice(0, count);
}
