/**
 * A hash over an input file's content, for telling whether a resumed run still reads the same
 * inputs. The whole file is read once at the start in large chunks (SHA-1, from the page cache
 * straight after the file was written or read): cheap beside the scan that reads it again, and
 * independent of how each reader streams its format.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { InputError } from './input-error.js';

const CHUNK = 1 << 22;

/** SHA-1 (hex) and byte count of the file at path. */
export function contentHash(path: string): { bytes: number; hash: string } {
  const hash = createHash('sha1');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let bytes = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (;;) {
      const got = readSync(fd, buffer, 0, CHUNK, null);
      if (got === 0) break;
      hash.update(buffer.subarray(0, got));
      bytes += got;
    }
  } catch (e) {
    throw new InputError(path, `cannot read (${(e as Error).message})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return { bytes, hash: hash.digest('hex') };
}
