/**
 * Results appear complete or not at all: every output is written under a temporary name in the
 * same folder, every write is checked for the bytes it took (a full disk often shows first as a
 * short write, not as an error), the file is synced, and only then renamed into place. Any failure
 * is an OutputError naming the final file and the cause.
 */
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { promisify } from 'node:util';

const fsyncOnThreadPool = promisify(fsync);

const pending = new Set<string>();

/** What the common errno codes of a failed write mean, in the words a user acts on. */
const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error on the device',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a path component is a file, not a folder',
  EISDIR: 'is a folder',
  EFBIG: 'file too large for the file system',
  ENOENT: 'folder does not exist',
};

/** A failed output: the file that could not be written and why (the CLI prints it as one line). */
export class OutputError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot write ${file}: ${reason}`);
    this.name = 'OutputError';
  }
}

/** The readable cause of a node:fs error (its errno code explained, or its message). */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && CAUSES[code]) return `${CAUSES[code]} (${code})`;
  return (e as Error)?.message ?? String(e);
}

/** Runs an fs step of writing `file`, turning its failure into an OutputError naming that file. */
function forFile<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof OutputError) throw e;
    throw new OutputError(file, describeFsError(e));
  }
}

/**
 * Writes every byte of `bytes` to fd, looping on short writes; a write that takes nothing (no
 * error, no progress) is a full device.
 */
export function writeFully(fd: number, bytes: Uint8Array, file: string): void {
  let done = 0;
  while (done < bytes.byteLength) {
    const wrote = forFile(file, () => writeSync(fd, bytes, done, bytes.byteLength - done));
    if (!(wrote > 0)) {
      throw new OutputError(
        file,
        `short write (${done} of ${bytes.byteLength} bytes taken): the device is probably full`,
      );
    }
    done += wrote;
  }
}

/** Fsyncs a folder so that a rename or removal in it survives a crash (a no-op where not supported). */
export function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF')
      throw new OutputError(dir, describeFsError(e));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function temporaryName(path: string, folder: string): string {
  return join(folder, `.${basename(path)}.tmp-${process.pid}`);
}

/** Writes text (or bytes) to path atomically. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const w = new AtomicWriter(path);
  try {
    w.write(content);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/**
 * Writes several files atomically: `fill` writes into one AtomicWriter per path (in the same order), then they are
 * synced together off this thread (one wait for the disk instead of one per file) and renamed into place; on a
 * failure none is renamed and every temporary file is removed.
 */
export async function writeTogether(
  paths: readonly string[],
  fill: (writers: readonly AtomicWriter[]) => void,
): Promise<void> {
  const writers: AtomicWriter[] = [];
  try {
    for (const path of paths) writers.push(new AtomicWriter(path));
    fill(writers);
    const synced = await Promise.allSettled(writers.map((w) => w.sync()));
    for (const s of synced) if (s.status === 'rejected') throw s.reason;
    for (const w of writers) w.commit();
  } catch (e) {
    for (const w of writers) w.abort();
    throw e;
  }
}

/** Several files, as writeFileAtomic() each, synced together (writeTogether()). */
export function writeFilesAtomic(
  files: ReadonlyArray<[path: string, content: string | Uint8Array]>,
): Promise<void> {
  return writeTogether(
    files.map(([path]) => path),
    (writers) => writers.forEach((w, k) => w.write(files[k]![1])),
  );
}

/** An output file written in pieces, then renamed into place by commit(); abort() removes it. */
export class AtomicWriter {
  private fd: number;
  readonly temporaryPath: string;
  private chunks: string[] = [];
  private buffered = 0;
  /** Whether everything written is already on disk (sync()), so commit() need not fsync again. */
  private synced = false;
  /** Calls of write() so far: a sync() that a write overtook leaves `synced` false. */
  private writes = 0;
  /** The last sync() asked for, and the writes it covers. */
  private syncing: { writes: number; done: Promise<void> } | undefined;
  /** A sync's failure, which every later sync() and commit() throw. */
  private failure: OutputError | undefined;
  private closed = false;

  /**
   * `temporaryFolder` (on the same file system as `path`) holds the file until commit(): a folder that is removed
   * anyway (a plan folder) keeps a file left by a killed process out of `path`'s folder.
   */
  constructor(
    readonly path: string,
    temporaryFolder = dirname(path),
  ) {
    forFile(path, () => mkdirSync(dirname(path), { recursive: true }));
    forFile(path, () => mkdirSync(temporaryFolder, { recursive: true }));
    this.temporaryPath = temporaryName(path, temporaryFolder);
    this.fd = forFile(path, () => openSync(this.temporaryPath, 'w'));
    pending.add(this.temporaryPath);
  }

  /** Appends text (buffered) or bytes (written at once); a failure is an OutputError naming `path`. */
  write(content: string | Uint8Array): void {
    this.synced = false;
    this.writes++;
    if (typeof content === 'string') {
      this.chunks.push(content);
      this.buffered += content.length;
      if (this.buffered > 1 << 20) this.flush();
    } else {
      this.flush();
      writeFully(this.fd, content, this.path);
    }
  }

  private flush(): void {
    if (this.chunks.length === 0) return;
    const bytes = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.buffered = 0;
    writeFully(this.fd, bytes, this.path);
  }

  /**
   * Flushes and fsyncs on libuv's thread pool, so that this thread goes on while the disk catches up;
   * commit() then only renames, unless more was written meanwhile (an early sync of part of a long file:
   * commit() then syncs only what came after). Several writers can sync at once (one wait for all).
   */
  sync(): Promise<void> {
    this.flush();
    // A sync of the same writes already asked for (the merge's, after a background one) waits for that one.
    if (this.syncing?.writes === this.writes) return this.syncing.done;
    if (this.failure) return Promise.reject(this.failure);
    const writes = this.writes;
    const done = fsyncOnThreadPool(this.fd).then(
      () => {
        if (this.writes === writes) this.synced = true;
      },
      (e: unknown) => {
        // Linux reports a failed writeback to one fsync only: later syncs and commit() report it again.
        this.failure ??= new OutputError(this.path, describeFsError(e));
        throw this.failure;
      },
    );
    done.catch(() => undefined); // a caller that started it early may leave the failure to a later sync()
    this.syncing = { writes, done };
    return done;
  }

  /** Resolves once the last sync() asked for has ended, however it ended. */
  syncEnded(): Promise<void> {
    return this.syncing ? this.syncing.done.catch(() => undefined) : Promise.resolve();
  }

  /** Flushes, syncs (unless sync() just did) and closes, then renames the file into place. */
  commit(): void {
    if (this.failure) throw this.failure;
    this.flush();
    if (!this.synced) forFile(this.path, () => fsyncSync(this.fd));
    this.closed = true;
    // close() reports deferred write errors on some file systems (NFS): they count too.
    forFile(this.path, () => closeSync(this.fd));
    forFile(this.path, () => renameSync(this.temporaryPath, this.path));
    pending.delete(this.temporaryPath);
  }

  /** Closes and removes the temporary file (safe to call after a failed commit, or twice). */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
    }
    rmSync(this.temporaryPath, { force: true });
    pending.delete(this.temporaryPath);
  }
}

/** Removes every temporary output still open (called on errors and signals). */
export function removePendingOutputs(): void {
  for (const p of pending) if (existsSync(p)) rmSync(p, { force: true });
  pending.clear();
}
