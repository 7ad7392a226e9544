/**
 * Results appear complete or not at all: every output is written under a temporary name in the
 * same folder and renamed into place only when finished.
 */
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { promisify } from 'node:util';

const fsyncOnThreadPool = promisify(fsync);

const pending = new Set<string>();

function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

/** Writes text (or bytes) to path atomically. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const w = new AtomicWriter(path);
  w.write(content);
  w.commit();
}

/** An output file written in pieces, then renamed into place by commit(); abort() removes it. */
export class AtomicWriter {
  private fd: number;
  readonly temporaryPath: string;
  private chunks: string[] = [];
  private buffered = 0;
  /** Whether everything written is already on disk (sync()), so commit() need not fsync again. */
  private synced = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.temporaryPath = temporaryName(path);
    this.fd = openSync(this.temporaryPath, 'w');
    pending.add(this.temporaryPath);
  }

  write(content: string | Uint8Array): void {
    this.synced = false;
    if (typeof content === 'string') {
      this.chunks.push(content);
      this.buffered += content.length;
      if (this.buffered > 1 << 20) this.flush();
    } else {
      this.flush();
      writeSync(this.fd, content);
    }
  }

  private flush(): void {
    if (this.chunks.length === 0) return;
    writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.buffered = 0;
  }

  /**
   * Flushes and fsyncs on libuv's thread pool, so that this thread goes on while the disk catches up;
   * commit() then only renames. Several writers can sync at once (one wait for all).
   */
  async sync(): Promise<void> {
    this.flush();
    await fsyncOnThreadPool(this.fd);
    this.synced = true;
  }

  commit(): void {
    this.flush();
    if (!this.synced) fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.temporaryPath, this.path);
    pending.delete(this.temporaryPath);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
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
