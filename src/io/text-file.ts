/**
 * Reading text inputs that may be gzipped (detected by the gzip magic bytes, not the file name):
 * whole small files at once, or large ones (BIMBAM genotypes) as a stream of numbered lines of bytes.
 * Every text input is UTF-8 (a leading byte-order mark is skipped), its lines end in LF, CRLF or a
 * lone CR, and a file that is not text (a NUL byte, invalid UTF-8) is refused with its line.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream, existsSync, openSync, readSync, closeSync, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, gunzipSync, type ZlibOptions } from 'node:zlib';
import { GunzipRing, gunzipRingAvailable } from './gunzip-ring.js';
import { ReadRing } from './read-ring.js';
import { InputError, shown } from './input-error.js';

const LF = 10;
const CR = 13;

/** Length of the UTF-8 byte-order mark at bytes[start], or 0. */
export function bomLength(bytes: Uint8Array, start = 0): number {
  return bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf ? 3 : 0;
}

/** The 1-based line of byte offset `at` in bytes (any of LF, CRLF, CR ending a line). */
function lineOf(bytes: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === LF || (bytes[i] === CR && bytes[i + 1] !== LF)) line++;
  }
  return line;
}

/**
 * Throws an InputError unless bytes are UTF-8 text: no NUL byte (a binary file given as text) and
 * valid UTF-8 sequences, so that every reader decodes a name the same way.
 */
export function requireText(bytes: Uint8Array, path: string, what: string): void {
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    throw new InputError(path, `${what} is not a text file (NUL byte at offset ${nul})`, lineOf(bytes, nul));
  if (isUtf8(bytes)) return;
  // Find the first bad byte for the message: decoding replaces it with U+FFFD.
  const text = Buffer.from(bytes).toString('utf8');
  const bad = text.indexOf('\uFFFD');
  const line = bad >= 0 ? text.slice(0, bad).split(/\r\n|\r|\n/).length : undefined;
  throw new InputError(path, `${what} is not UTF-8 text (save it as UTF-8)`, line);
}

/** Throws an InputError unless path names a readable regular file. */
export function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new InputError(path, `${what} not found`);
  if (!statSync(path).isFile()) throw new InputError(path, `${what} is not a regular file`);
}

/** Whether the file at path starts with gzip's magic bytes. */
export function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const got = readSync(fd, head, 0, 2, 0);
    return got === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Whole file as bytes (gunzipped when needed), checked to be UTF-8 text, without its byte-order mark. */
export function readTextBytes(path: string, what: string): Buffer {
  requireFile(path, what);
  let raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (e) {
      throw new InputError(path, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  requireText(raw, path, what);
  return raw.subarray(bomLength(raw));
}

/** Whole file as text (gunzipped when needed, UTF-8, without a byte-order mark). */
export function readTextFile(path: string, what: string): string {
  return readTextBytes(path, what).toString('utf8');
}

/** Lines of a whole file, without terminators (LF, CRLF or a lone CR); a trailing empty line is dropped. */
export function readLines(path: string, what: string): string[] {
  const text = readTextFile(path, what);
  // A string separator splits several times faster than a regular expression (BXD's 7,320-row -a file: 1 ms
  // instead of 8): the expression only for a file with a CR.
  const lines = text.includes('\r') ? text.split(/\r\n|\r|\n/) : text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The first `count` lines of a (possibly gzipped) text file that are not blank, without reading the
 * rest: enough of the file is read (and inflated) to hold them, and only those lines are decoded.
 * Fewer when the file has fewer.
 */
export function readFirstLines(path: string, what: string, count: number): string[] {
  requireFile(path, what);
  const gzip = isGzip(path);
  const fd = openSync(path, 'r');
  try {
    // 16 KiB holds the first rows of most files, 2 KiB of gzip (which inflates tens of times larger: inflating
    // and paging in more costs milliseconds); a wide file (or a long header) reads 4x more each time.
    for (let size = gzip ? 1 << 11 : 1 << 14; ; size *= 4) {
      const raw = Buffer.alloc(size);
      const got = readSync(fd, raw, 0, size, 0);
      let bytes = raw.subarray(0, got);
      if (gzip) {
        try {
          bytes = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
        } catch (e) {
          throw new InputError(path, `corrupt gzip data (${(e as Error).message})`);
        }
      }
      // Unless the whole file was read, the last piece may be a line cut short.
      const lines = firstLines(bytes, bomLength(bytes), count, got < size);
      if (lines.length >= count || got < size) return lines;
    }
  } finally {
    closeSync(fd);
  }
}

/** Up to `count` non-blank lines of bytes from `start` (ending at LF, CRLF or CR; the last piece if `whole`). */
function firstLines(bytes: Buffer, start: number, count: number, whole: boolean): string[] {
  const lines: string[] = [];
  let pos = start;
  while (lines.length < count && pos < bytes.length) {
    let stop = pos;
    while (stop < bytes.length && bytes[stop] !== LF && bytes[stop] !== CR) stop++;
    if (stop === bytes.length && !whole) break;
    const line = bytes.toString('utf8', pos, stop);
    if (line.trim() !== '') lines.push(line);
    pos = stop + (bytes[stop] === CR && bytes[stop + 1] === LF ? 2 : 1);
  }
  return lines;
}

/** The (inflated) bytes of a file, chunk by chunk, and how to stop reading them. */
interface LineStream {
  chunks: AsyncIterable<Buffer>;
  close(): void;
}

/** Streams of readAhead(), by path, until streamLineBytes() takes them. */
const readingAhead = new Map<string, LineStream>();

/**
 * The chunks of `stream` one by one, as they were pushed, holding at most about `most` bytes that are not
 * yet taken (the stream pauses above that). A Readable's own async iterator hands over everything buffered
 * at once, concatenated into a new buffer: with megabytes read ahead, a copy of all of them.
 */
async function* chunksOf(stream: Readable, most: number): AsyncGenerator<Buffer> {
  if (stream.errored) throw stream.errored;
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued > most) stream.pause();
    wake?.();
  };
  const onEnd = () => ((ended = true), wake?.());
  const onError = (e: Error) => ((failure = e), wake?.());
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('data', onData);
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        queued -= chunk.length;
        if (stream.isPaused() && queued <= most) stream.resume();
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('error', onError);
  }
}

/** 1 MiB buffers of a plain file's ReadRing: the two the reader may hold, and two read ahead. */
const PLAIN_AHEAD_BUFFERS = 4;

function openLineStream(path: string, aheadBytes: number): LineStream {
  // Inflated 1 MiB at a time (zlib's stream default is 16 KiB: 40 times more trips to the thread pool), into
  // buffers used again (gunzip-ring.ts) where Node's zlib handle can be reached.
  const gzip = isGzip(path);
  if (gzip && gunzipRingAvailable()) {
    const ring = new GunzipRing(path, Math.max(6, aheadBytes >> 20));
    return { chunks: ring.chunks(), close: () => ring.close() };
  }
  // A plain file is read into a few buffers used again (read-ring.ts): from the page cache, a read is a copy,
  // so a few megabytes ahead keep the parser fed.
  if (!gzip) {
    const ring = new ReadRing(path, PLAIN_AHEAD_BUFFERS);
    return { chunks: ring.chunks(), close: () => ring.close() };
  }
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const input = source.pipe(
    createGunzip({ chunkSize: 1 << 20, readableHighWaterMark: aheadBytes } as ZlibOptions),
  );
  // Until it is read, an error waits in the stream (chunksOf() throws it) instead of ending the process.
  input.on('error', () => undefined);
  source.on('error', (e) => input.destroy(e));
  return { chunks: chunksOf(input, aheadBytes), close: () => (source.destroy(), input.destroy()) };
}

/**
 * Plain files up to this size are read whole, in one chunk (no stream to set up and drain): the size of one
 * chunk of the stream, so that this thread reads (and pages in) no more at once than the stream's reader does.
 */
const WHOLE_FILE_BYTES = 1 << 20;

function isSmallPlainFile(path: string): boolean {
  return statSync(path).size <= WHOLE_FILE_BYTES && !isGzip(path);
}

/**
 * A small plain file as one chunk, read when the first chunk is asked for (so that an error reading it is
 * thrown where a stream's would be): the report's read-back of a small scan's .assoc.txt spent milliseconds
 * setting up a read stream and passing its chunks through promises.
 */
function wholeFileStream(path: string): LineStream {
  async function* chunks(): AsyncGenerator<Buffer> {
    yield readFileSync(path);
  }
  return { chunks: chunks(), close: () => undefined };
}

/**
 * Starts reading (and inflating, on libuv's thread pool) the first 16 MiB of `path` now, for the next
 * streamLineBytes() of it: a gzipped genotype file then inflates while this thread reads the other
 * inputs, and stays ahead of the parser (whose pass over a file it mostly skips, GEMMA's -snps, waited
 * for zlib: inflating is then the pass's critical path). Nothing happens for a missing file (streamLineBytes() says
 * so); an error reading it is thrown by streamLineBytes(). stopReadingAhead() drops a stream not taken.
 */
export function readAhead(path: string): void {
  if (readingAhead.has(path) || !existsSync(path) || !statSync(path).isFile()) return;
  readingAhead.set(path, openLineStream(path, 16 << 20));
}

/**
 * The next streamLineBytes() of `path` reads `content` instead of the file (a file being written with that
 * content, which need not be in place yet): once, as a readAhead() stream is taken.
 */
export function provideContent(path: string, content: Uint8Array): void {
  stopReadingAhead(path);
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  async function* chunks(): AsyncGenerator<Buffer> {
    yield bytes;
  }
  provided.add(path);
  readingAhead.set(path, { chunks: chunks(), close: () => undefined });
}

/** Paths whose next reading is provideContent()'s bytes: they need not exist yet. */
const provided = new Set<string>();

/** Closes the stream readAhead() opened for `path` if streamLineBytes() did not take it. */
export function stopReadingAhead(path: string): void {
  readingAhead.get(path)?.close();
  readingAhead.delete(path);
  provided.delete(path);
}

/** A line of streamLineBytes(): bytes[start, end), without its terminator. */
export interface LineBytes {
  lineNumber: number;
  bytes: Buffer;
  start: number;
  end: number;
}

/**
 * Streams the lines of a (possibly gzipped) file as byte ranges, no string per line; numbered from 1
 * and split as node:readline splits them: at \n, \r\n or a lone \r, a last line without terminator
 * only when not empty.
 */
export async function* streamLineBytes(path: string, what: string): AsyncGenerator<LineBytes> {
  for await (const batch of streamLineBatches(path, what)) {
    for (let k = 0; k < batch.count; k++)
      yield {
        lineNumber: batch.firstLine + k,
        bytes: batch.bytes,
        start: batch.starts[k],
        end: batch.ends[k],
      };
  }
}

/**
 * The lines of one chunk of a file, from streamLineBatches(): line k is bytes[starts[k], ends[k]) (without
 * its terminator), numbered firstLine + k. The arrays may be longer than `count`. Valid until the next
 * batch is asked for (the bytes and arrays are then used again).
 */
export interface LineBatch {
  bytes: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
  firstLine: number;
}

/**
 * The lines of streamLineBytes(), split the same way, handed over a chunk's worth at a time: a reader of
 * millions of lines (BIMBAM genotypes) then loops over them without an await, an iteration result and a
 * line object per line, which cost more than parsing a short line does.
 */
export async function* streamLineBatches(path: string, what: string): AsyncGenerator<LineBatch> {
  if (!provided.delete(path)) requireFile(path, what);
  const ahead = readingAhead.get(path);
  readingAhead.delete(path);
  const stream = ahead ?? (isSmallPlainFile(path) ? wholeFileStream(path) : openLineStream(path, 1 << 20));
  let lineNumber = 0;
  // The start of a line that runs on into the next chunk, and whether the last chunk ended with \r.
  let carry: Buffer | null = null;
  let afterCR = false;
  let first = true;
  const batch: LineBatch = {
    bytes: Buffer.alloc(0),
    starts: new Int32Array(1024),
    ends: new Int32Array(1024),
    count: 0,
    firstLine: 1,
  };
  /** Adds line bytes[start, end) to the batch (the batch's bytes are set by the caller). */
  const add = (start: number, end: number) => {
    if (batch.count === batch.starts.length) {
      const starts = new Int32Array(2 * batch.count);
      const ends = new Int32Array(2 * batch.count);
      starts.set(batch.starts);
      ends.set(batch.ends);
      batch.starts = starts;
      batch.ends = ends;
    }
    batch.starts[batch.count] = start;
    batch.ends[batch.count] = end;
    batch.count++;
    lineNumber++;
  };
  try {
    for await (const chunk of stream.chunks) {
      let pos = 0;
      if (first && chunk.length > 0) {
        // A byte-order mark is at most the first 3 bytes; a first chunk shorter than that is not real.
        pos = bomLength(chunk);
        first = false;
      }
      if (afterCR && chunk.length > 0) {
        if (chunk[0] === LF) pos = 1; // the \n of a \r\n split between chunks
        afterCR = false;
      }
      // A lone \r is rare: found once per chunk, not once per line.
      let nextCR = chunk.indexOf(CR, pos);
      batch.bytes = chunk;
      batch.count = 0;
      batch.firstLine = lineNumber + 1;
      while (pos < chunk.length) {
        if (nextCR >= 0 && nextCR < pos) nextCR = chunk.indexOf(CR, pos);
        const nextLF = chunk.indexOf(LF, pos);
        const stop = nextCR >= 0 && (nextLF < 0 || nextCR < nextLF) ? nextCR : nextLF;
        if (stop < 0) {
          carry = carry ? Buffer.concat([carry, chunk.subarray(pos)]) : chunk.subarray(pos);
          break;
        }
        if (carry) {
          // The line that ran on from the last chunk: a batch of its own, before this chunk's lines.
          const bytes = Buffer.concat([carry, chunk.subarray(pos, stop)]);
          carry = null;
          batch.bytes = bytes;
          add(0, bytes.length);
          yield batch;
          batch.bytes = chunk;
          batch.count = 0;
          batch.firstLine = lineNumber + 1;
        } else add(pos, stop);
        pos = stop + 1;
        if (chunk[stop] === CR) {
          if (pos === chunk.length) afterCR = true;
          else if (chunk[pos] === LF) pos++;
        }
      }
      if (batch.count > 0) yield batch;
    }
    if (carry && carry.length > 0) {
      batch.bytes = carry;
      batch.count = 0;
      batch.firstLine = lineNumber + 1;
      add(0, carry.length);
      yield batch;
    }
  } catch (e) {
    throw new InputError(path, `read failed (${(e as Error).message})`, lineNumber + 1);
  } finally {
    stream.close();
  }
}

/** Splits a line on GEMMA's separators (space, comma, tab), dropping empty fields. */
export function splitFields(line: string): string[] {
  return line.split(/[ ,\t]+/).filter((f) => f.length > 0);
}

/**
 * Splits a line of a phenotype or covariate table: fields separated by spaces and tabs, with a comma
 * accepted only next to one (GEMMA's "1.2, 3.4"). A comma between two values ("9,944", "1,,3") is
 * an error, not a split: it is a decimal comma or a CSV file, and either reading of it would be wrong.
 */
export function splitColumns(line: string, path: string, lineNumber: number): string[] {
  const bare = /[^ \t,],+[^ \t,]|^,|,$|,,/.exec(line);
  if (bare) {
    // Quote the whole run of text around the comma ("9,944", "1.2,,3.4"), as the user wrote it.
    const from = line.slice(0, bare.index).search(/[^ \t]*$/);
    const to = bare.index + bare[0].length + line.slice(bare.index + bare[0].length).search(/[ \t]|$/);
    throw new InputError(
      path,
      `${shown(line.slice(from, to))}: a decimal comma or a comma-separated (CSV) table; separate columns with spaces or tabs, write decimals with a point and missing values as NA`,
      lineNumber,
    );
  }
  return splitFields(line);
}

/** Throws unless a row has the same number of fields as the table's first row (`expected`, learnt from it). */
export function checkRowWidth(
  found: number,
  expected: number,
  path: string,
  lineNumber: number,
  what = 'fields',
): void {
  if (found !== expected)
    throw new InputError(
      path,
      `${found} ${what}, but the first row has ${expected} (every row needs the same number)`,
      lineNumber,
    );
}

/** Splits on whitespace only (PLINK .bim/.fam). */
export function splitWhitespace(line: string): string[] {
  return line.split(/[ \t]+/).filter((f) => f.length > 0);
}
