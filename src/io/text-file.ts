/**
 * Reading text inputs that may be gzipped (detected by the gzip magic bytes, not the file name):
 * whole small files at once, or large ones (BIMBAM genotypes) as a stream of numbered lines of bytes.
 */
import { createReadStream, existsSync, openSync, readSync, closeSync, readFileSync, statSync } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { InputError } from './input-error.js';

/** Throws an InputError unless path names a readable regular file. */
export function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new InputError(path, `${what} not found`);
  if (!statSync(path).isFile()) throw new InputError(path, `${what} is not a regular file`);
}

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const got = readSync(fd, head, 0, 2, 0);
    return got === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Whole file as text (gunzipped when needed). */
export function readTextFile(path: string, what: string): string {
  requireFile(path, what);
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw).toString('utf8');
    } catch (e) {
      throw new InputError(path, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  return raw.toString('utf8');
}

/** Lines of a whole file, without line terminators (\r\n handled); a trailing empty line is dropped. */
export function readLines(path: string, what: string): string[] {
  const lines = readTextFile(path, what).split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** A line of streamLineBytes(): bytes[start, end), without its terminator. */
export interface LineBytes {
  lineNumber: number;
  bytes: Buffer;
  start: number;
  end: number;
}

const LF = 10;
const CR = 13;

/**
 * Streams the lines of a (possibly gzipped) file as byte ranges, no string per line; numbered from 1
 * and split as node:readline splits them: at \n, \r\n or a lone \r, a last line without terminator
 * only when not empty.
 */
export async function* streamLineBytes(path: string, what: string): AsyncGenerator<LineBytes> {
  requireFile(path, what);
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const input: AsyncIterable<Buffer> = isGzip(path) ? source.pipe(createGunzip()) : source;
  let lineNumber = 0;
  // The start of a line that runs on into the next chunk, and whether the last chunk ended with \r.
  let carry: Buffer | null = null;
  let afterCR = false;
  try {
    for await (const chunk of input) {
      let pos = 0;
      if (afterCR && chunk.length > 0) {
        if (chunk[0] === LF) pos = 1; // the \n of a \r\n split between chunks
        afterCR = false;
      }
      // A lone \r is rare: found once per chunk, not once per line.
      let nextCR = chunk.indexOf(CR, pos);
      while (pos < chunk.length) {
        if (nextCR >= 0 && nextCR < pos) nextCR = chunk.indexOf(CR, pos);
        const nextLF = chunk.indexOf(LF, pos);
        const stop = nextCR >= 0 && (nextLF < 0 || nextCR < nextLF) ? nextCR : nextLF;
        if (stop < 0) {
          carry = carry ? Buffer.concat([carry, chunk.subarray(pos)]) : chunk.subarray(pos);
          break;
        }
        lineNumber++;
        if (carry) {
          const bytes = Buffer.concat([carry, chunk.subarray(pos, stop)]);
          carry = null;
          yield { lineNumber, bytes, start: 0, end: bytes.length };
        } else yield { lineNumber, bytes: chunk, start: pos, end: stop };
        pos = stop + 1;
        if (chunk[stop] === CR) {
          if (pos === chunk.length) afterCR = true;
          else if (chunk[pos] === LF) pos++;
        }
      }
    }
    if (carry && carry.length > 0) {
      lineNumber++;
      yield { lineNumber, bytes: carry, start: 0, end: carry.length };
    }
  } catch (e) {
    throw new InputError(path, `read failed (${(e as Error).message})`, lineNumber + 1);
  } finally {
    source.destroy();
  }
}

/** Splits a line on GEMMA's separators (space, comma, tab), dropping empty fields. */
export function splitFields(line: string): string[] {
  return line.split(/[ ,\t]+/).filter((f) => f.length > 0);
}

/** Splits on whitespace only (PLINK .bim/.fam). */
export function splitWhitespace(line: string): string[] {
  return line.split(/[ \t]+/).filter((f) => f.length > 0);
}
