/**
 * Reading text inputs that may be gzipped (detected by the gzip magic bytes, not the file name):
 * whole small files at once, or large ones (BIMBAM genotypes) as a stream of numbered lines.
 */
import { createReadStream, existsSync, openSync, readSync, closeSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
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

/** Streams the lines of a (possibly gzipped) file; yields [lineNumber (1-based), text]. */
export async function* streamLines(path: string, what: string): AsyncGenerator<[number, string]> {
  requireFile(path, what);
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const input = isGzip(path) ? source.pipe(createGunzip()) : source;
  const reader = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of reader) {
      lineNumber++;
      yield [lineNumber, line];
    }
  } catch (e) {
    throw new InputError(path, `read failed (${(e as Error).message})`, lineNumber + 1);
  } finally {
    reader.close();
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
