/**
 * The outputs of a local run, written as its blocks are saved: each block's rows are appended to each
 * output's temporary file in the plan folder (where a killed run leaves them, to be removed with the
 * folder) and synced in the background as they grow. The merge then syncs only the last rows and
 * renames the files into place, instead of reading every block back from its shard and writing and
 * syncing it all after the scan (BXD, 200 traits: 197 MB, a second of the run's 10 s in which only the
 * main thread worked). A resumed run, whose earlier blocks are only in the shards, assembles its
 * outputs from them instead (shard-set.ts): the same bytes.
 */
import { dirname } from 'node:path';
import { AtomicWriter, syncFolder } from '../io/atomic-file.js';
import type { OutputTarget } from './phase-merge.js';

/**
 * Bytes appended between background syncs, each of which syncs every output (200 fsyncs cost about 50 ms of CPU):
 * the sync after the scan then writes at most about this much.
 */
const SYNC_BYTES = 64 << 20;

export class RunningOutputs {
  private readonly writers: AtomicWriter[];
  /** The block the next append() must bring. */
  private next = 0;
  private unsynced = 0;
  /** The background sync in flight: one output after another, so that it holds one thread of libuv's pool. */
  private syncing: Promise<void> | undefined;
  private closed = false;

  /** Opens each target's temporary file in `folder` (on the targets' file system) and writes its header. */
  constructor(
    private readonly targets: readonly OutputTarget[],
    folder: string,
  ) {
    this.writers = [];
    try {
      for (const t of targets) this.writers.push(new AtomicWriter(t.path, folder));
      this.writers.forEach((w, j) => w.write(targets[j]!.header));
    } catch (e) {
      for (const w of this.writers) w.abort();
      throw e;
    }
  }

  /** Appends block k's rows (blocks 0, 1, ... in order; `texts` by output id). */
  append(k: number, texts: ReadonlyMap<string, Uint8Array>): void {
    if (k !== this.next) throw new Error(`internal: outputs got block ${k}, expected ${this.next}`);
    this.targets.forEach((t, j) => {
      const rows = texts.get(t.id);
      if (!rows) throw new Error(`internal: block ${k} has no rows for ${t.id}`);
      this.writers[j]!.write(rows);
      this.unsynced += rows.byteLength;
    });
    this.next++;
    if (this.unsynced >= SYNC_BYTES && !this.syncing) {
      this.unsynced = 0;
      // A failed sync is kept by its writer and thrown by commit().
      this.syncing = this.syncEach().finally(() => (this.syncing = undefined));
    }
  }

  private async syncEach(): Promise<void> {
    for (const w of this.writers) await w.sync().catch(() => undefined);
  }

  /** Whether the files hold exactly `targets`' outputs of blocks 0..total-1. */
  holds(targets: readonly OutputTarget[], total: number): boolean {
    return (
      !this.closed &&
      this.next === total &&
      targets.length === this.targets.length &&
      targets.every((t, j) => t.path === this.targets[j]!.path && t.header === this.targets[j]!.header)
    );
  }

  /** Syncs what is not on disk yet (together, off this thread) and renames every file into place, durably. */
  async commit(): Promise<void> {
    try {
      await this.syncing;
      const synced = await Promise.allSettled(this.writers.map((w) => w.sync()));
      for (const s of synced) if (s.status === 'rejected') throw s.reason;
      for (const w of this.writers) w.commit();
      this.closed = true;
    } catch (e) {
      await this.abort();
      throw e;
    }
    for (const folder of new Set(this.targets.map((t) => dirname(t.path)))) syncFolder(folder);
  }

  /** Removes the temporary files once no sync is in flight (a failed or interrupted run; a no-op after commit()). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.syncing;
    await Promise.all(this.writers.map((w) => w.syncEnded()));
    for (const w of this.writers) w.abort();
  }
}
