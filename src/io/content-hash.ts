/**
 * A hash over an input file's content, for telling whether a resumed run still reads the same
 * inputs. The whole file is read once at the start in large chunks (SHA-1, from the page cache
 * straight after the file was written or read): cheap beside the scan that reads it again, and
 * independent of how each reader streams its format.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InputError } from './input-error.js';
import { createHash } from './lazy-crypto.js';

// node:worker_threads loaded only for inputs large enough to hash aside (not at every start).
const require = createRequire(import.meta.url);

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

/** A hash computed aside (contentHashesAside): contentHash()'s result, or why the file could not be read. */
export type HashAside = { bytes: number; hash: string } | { error: string };

/** Inputs hashed on a thread of their own only when together this large: the thread costs about 30 ms to start. */
const ASIDE_MIN_BYTES = 32 << 20;

// contentHash()'s loop for a list of files, as CommonJS source for an eval'd worker (no module file to find from
// the bundled command): each result the hash and size, or the read error's message.
const ASIDE_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, openSync, readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(${CHUNK});
const out = {};
for (const path of workerData) {
  let fd;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha1');
    let bytes = 0;
    for (;;) {
      const got = readSync(fd, buffer, 0, buffer.length, null);
      if (got === 0) break;
      hash.update(buffer.subarray(0, got));
      bytes += got;
    }
    out[path] = { bytes, hash: hash.digest('hex') };
  } catch (e) {
    out[path] = { error: e.message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
parentPort.postMessage(out);
`;

/**
 * contentHash() of each path on a thread started now, or null where the files are small (under `minBytes`
 * together): a scan's inputs (n = 4,000: a 230 MB kinship, 0.3-0.5 s of SHA-1) hashed while the main thread reads
 * them and a core is idle, instead of on the main thread after the eigendecomposition, with the engine's threads
 * waiting. A path missing from the map (the thread failed) is hashed when asked (hashedContent).
 */
export function contentHashesAside(
  paths: string[],
  minBytes = ASIDE_MIN_BYTES,
): Promise<Map<string, HashAside>> | null {
  let total = 0;
  for (const path of paths) {
    try {
      total += statSync(path).size;
    } catch {
      // A missing file has no identity (fileIdentity), and an unreadable one fails when hashed.
    }
  }
  if (total < minBytes) return null;
  return new Promise((resolve) => {
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    const worker = new Worker(ASIDE_SOURCE, { eval: true, workerData: paths });
    worker.unref(); // a job that fails first does not wait for it
    worker.once('message', (out: Record<string, HashAside>) => resolve(new Map(Object.entries(out))));
    worker.once('error', () => resolve(new Map()));
    worker.once('exit', () => resolve(new Map()));
  });
}

/** contentHash(path), from `aside` when it holds the path (its read error thrown as contentHash() throws it). */
export function hashedContent(path: string, aside?: Map<string, HashAside>): { bytes: number; hash: string } {
  const found = aside?.get(path);
  if (!found) return contentHash(path);
  if ('error' in found) throw new InputError(path, `cannot read (${found.error})`);
  return found;
}
