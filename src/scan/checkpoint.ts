/**
 * Resumable results: each finished block of assoc rows (one text per output file: a single
 * .assoc.txt, or one per trait) is saved atomically in a checkpoint folder next to the outputs,
 * with a manifest that ties it to the run's inputs and settings, and a marker written last. A block
 * is two files whatever the number of outputs (the texts back to back, and an index with the
 * statistics), so a thousand traits cost two synced writes a block, not a thousand. A run
 * killed at any moment and started again with --resume skips the finished blocks; each final file
 * is assembled from its blocks in order, so it is byte-identical to an uninterrupted run.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AtomicWriter,
  describeFsError,
  OutputError,
  syncFolder,
  writeFileAtomic,
} from '../io/atomic-file.js';
import { UsageError } from '../io/input-error.js';
import { contentHash } from '../io/content-hash.js';

/**
 * Identity of an input file for the manifest: path, size and a hash of its content, so that a file
 * replaced by another of the same size and date (cp -p, rsync -a) is seen as changed.
 */
export function fileIdentity(path: string | undefined): string | null {
  if (!path || !existsSync(path)) return null;
  const { bytes, hash } = contentHash(path);
  return `${path}:${bytes}:${hash}`;
}

/** The input that differs between two manifests' input lists, if any (for a message naming it). */
function changedInput(found: unknown, wanted: unknown): string | undefined {
  if (!Array.isArray(found) || !Array.isArray(wanted)) return undefined;
  for (let k = 0; k < wanted.length; k++) {
    if (found[k] !== wanted[k] && typeof wanted[k] === 'string')
      return (wanted[k] as string).replace(/:\d+:[0-9a-f]+$/, '');
  }
  return undefined;
}

/** Records written (and synced) together by writeRecords(). */
const RECORDS_AT_ONCE = 64;

const blockStem = (k: number) => `block-${String(k).padStart(7, '0')}`;

/** Block k's index: each output's byte length in the block's data file (in file order), and its statistics. */
interface BlockIndex {
  parts: Array<[id: string, bytes: number]>;
  stats?: unknown;
}

export interface OutputTarget {
  /** Name of the output inside the checkpoint (e.g. "assoc", "trait3"). */
  id: string;
  path: string;
  header: string;
}

export class BlockCheckpoint {
  readonly dir: string;
  private readonly manifestText: string;

  /**
   * Opens the checkpoint folder `dir`. With resume, an existing checkpoint must carry the same
   * manifest (else a UsageError says why); without resume, any old checkpoint is discarded.
   */
  constructor(dir: string, manifest: Record<string, unknown>, resume: boolean) {
    this.dir = dir;
    const manifestPath = join(this.dir, 'manifest.json');
    this.manifestText = JSON.stringify(manifest, null, 1);
    if (existsSync(this.dir)) {
      const found = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : '';
      if (!resume) rmSync(this.dir, { recursive: true, force: true });
      else if (found !== this.manifestText) {
        const changed = found ? changedInput(parseOr(found)?.inputs, manifest.inputs) : undefined;
        if (changed)
          throw new UsageError(
            `--resume: input ${changed} changed since ${this.dir} was made (its content differs); remove the checkpoint or run without --resume`,
          );
        throw new UsageError(
          `--resume: ${this.dir} was made by a different command or different inputs; remove it or run without --resume`,
        );
      }
    }
  }

  /** Creates the folder and manifest on the first save, so a run that fails early leaves nothing. */
  private ensureCreated(): void {
    const manifestPath = join(this.dir, 'manifest.json');
    if (existsSync(manifestPath)) return;
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw new OutputError(this.dir, describeFsError(e));
    }
    writeFileAtomic(manifestPath, this.manifestText);
  }

  /** Whether block k was finished by an earlier run (its marker is written after its files). */
  has(k: number): boolean {
    return existsSync(join(this.dir, `${blockStem(k)}.done`));
  }

  /**
   * Saves block k: every output's bytes back to back and an index (byte lengths) with the statistics,
   * both synced to disk, then the marker. The syncs run off this thread (the scan goes on formatting
   * meanwhile) and together; the marker is an empty file, so creating it is atomic and it needs no
   * sync of its own: if it is lost, the block is only done again.
   */
  async write(k: number, texts: Map<string, Uint8Array>, stats?: unknown): Promise<void> {
    this.ensureCreated();
    const parts: Array<[id: string, bytes: number]> = [];
    const data = new AtomicWriter(join(this.dir, `${blockStem(k)}.txt`));
    const index = new AtomicWriter(join(this.dir, `${blockStem(k)}.json`));
    try {
      for (const [id, text] of texts) {
        parts.push([id, text.byteLength]);
        data.write(text);
      }
      const record: BlockIndex = { parts, stats };
      index.write(JSON.stringify(record));
      const synced = await Promise.allSettled([data.sync(), index.sync()]);
      for (const s of synced) if (s.status === 'rejected') throw s.reason;
      data.commit();
      index.commit();
    } catch (e) {
      data.abort();
      index.abort();
      throw e;
    }
    const marker = join(this.dir, `${blockStem(k)}.done`);
    try {
      writeFileSync(marker, '');
    } catch (e) {
      throw new OutputError(marker, describeFsError(e));
    }
  }

  private index(k: number): BlockIndex | undefined {
    const path = join(this.dir, `${blockStem(k)}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as BlockIndex) : undefined;
  }

  /** The statistics saved with block k, if any. */
  stats<T>(k: number): T | undefined {
    return this.index(k)?.stats as T | undefined;
  }

  /**
   * Saves small named records (e.g. each trait's null model) that must survive a resume, synced
   * together off this thread: one wait for a thousand traits' records, not a thousand.
   */
  async writeRecords(records: Array<[name: string, value: unknown]>): Promise<void> {
    this.ensureCreated();
    // A bounded number of files open at once.
    for (let i = 0; i < records.length; i += RECORDS_AT_ONCE)
      await this.writeRecordGroup(records.slice(i, i + RECORDS_AT_ONCE));
  }

  private async writeRecordGroup(records: Array<[name: string, value: unknown]>): Promise<void> {
    const writers = records.map(([name, value]) => {
      const w = new AtomicWriter(join(this.dir, `record.${name}.json`));
      w.write(JSON.stringify(value));
      return w;
    });
    const synced = await Promise.allSettled(writers.map((w) => w.sync()));
    const failed = synced.find((s) => s.status === 'rejected');
    if (failed) {
      for (const w of writers) w.abort();
      throw (failed as PromiseRejectedResult).reason;
    }
    for (const w of writers) w.commit();
  }

  /** All saved records, by name. */
  records<T>(): Map<string, T> {
    const out = new Map<string, T>();
    if (!existsSync(this.dir)) return out;
    for (const f of readdirSync(this.dir).sort()) {
      const m = /^record\.(.+)\.json$/.exec(f);
      if (m) out.set(m[1], JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as T);
    }
    return out;
  }

  /**
   * Writes every output (header + its text of blocks 0..total-1) atomically; the outputs are synced
   * together, off this thread. The checkpoint stays until discard().
   */
  async assemble(outputs: OutputTarget[], total: number): Promise<void> {
    const writers = outputs.map((o) => ({ o, w: new AtomicWriter(o.path) }));
    const byId = new Map(writers.map((x) => [x.o.id, x.w]));
    try {
      for (const { o, w } of writers) w.write(o.header);
      // Block by block: each block's data file is read once and cut into its outputs' pieces.
      for (let k = 0; k < total; k++) {
        const index = this.index(k);
        const path = join(this.dir, `${blockStem(k)}.txt`);
        if (!index || !existsSync(path)) throw new Error(`internal: block ${k} missing from ${this.dir}`);
        const data = readFileSync(path);
        const seen = new Set<string>();
        let at = 0;
        for (const [id, bytes] of index.parts) {
          byId.get(id)?.write(data.subarray(at, at + bytes));
          seen.add(id);
          at += bytes;
        }
        const missing = outputs.find((o) => !seen.has(o.id));
        if (missing) throw new Error(`internal: block ${k} of ${missing.id} missing from ${this.dir}`);
      }
      const synced = await Promise.allSettled(writers.map(({ w }) => w.sync()));
      for (const s of synced) if (s.status === 'rejected') throw s.reason;
      for (const { w } of writers) w.commit();
    } catch (e) {
      for (const { w } of writers) w.abort();
      throw e;
    }
    // The renames are made durable before anything relies on them (discard() removing the blocks).
    for (const folder of new Set(outputs.map((o) => dirname(o.path)))) syncFolder(folder);
  }

  /** Removes the checkpoint: called once every final output is written, synced and renamed. */
  discard(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function parseOr(text: string): { inputs?: unknown } | undefined {
  try {
    return JSON.parse(text) as { inputs?: unknown };
  } catch {
    return undefined;
  }
}
