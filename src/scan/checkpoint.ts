/**
 * Resumable results: each finished block of assoc rows is saved atomically in a checkpoint folder
 * next to the final file, with a manifest that ties it to the run's inputs and settings. A run
 * killed at any moment and started again with --resume skips the finished blocks; the final file
 * is assembled from the blocks in order, so it is byte-identical to an uninterrupted run.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicWriter, writeFileAtomic } from '../io/atomic-file.js';
import { UsageError } from '../io/input-error.js';

/** Identity of an input file for the manifest: path, size and modification time. */
export function fileIdentity(path: string | undefined): string | null {
  if (!path || !existsSync(path)) return null;
  const s = statSync(path);
  return `${path}:${s.size}:${Math.floor(s.mtimeMs)}`;
}

const blockName = (k: number) => `block-${String(k).padStart(7, '0')}.txt`;

export class BlockCheckpoint {
  readonly dir: string;

  /**
   * Opens the checkpoint for `finalPath`. With resume, an existing checkpoint must carry the same
   * manifest (else a UsageError says why); without resume, any old checkpoint is discarded.
   */
  constructor(
    finalPath: string,
    private readonly manifest: Record<string, unknown>,
    resume: boolean,
  ) {
    this.dir = `${finalPath}.checkpoint`;
    const manifestPath = join(this.dir, 'manifest.json');
    const wanted = JSON.stringify(manifest, null, 1);
    if (existsSync(this.dir)) {
      const found = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : '';
      if (!resume) rmSync(this.dir, { recursive: true, force: true });
      else if (found !== wanted) {
        throw new UsageError(`--resume: ${this.dir} was made by a different command or different inputs; remove it or run without --resume`);
      }
    }
    this.manifestText = wanted;
  }

  private readonly manifestText: string;

  /** Creates the folder and manifest on the first saved block, so a run that fails early leaves nothing. */
  private ensureCreated(): void {
    const manifestPath = join(this.dir, 'manifest.json');
    if (existsSync(manifestPath)) return;
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(manifestPath, this.manifestText);
  }

  /** Whether block k was finished by an earlier run. */
  has(k: number): boolean {
    return existsSync(join(this.dir, blockName(k)));
  }

  /** Blocks already finished. */
  finishedCount(): number {
    if (!existsSync(this.dir)) return 0;
    return readdirSync(this.dir).filter((f) => /^block-\d+\.txt$/.test(f)).length;
  }

  /** Saves block k's rows atomically. */
  write(k: number, rows: string): void {
    this.ensureCreated();
    writeFileAtomic(join(this.dir, blockName(k)), rows);
  }

  /** Writes header + blocks 0..total-1 to the final path atomically, then removes the checkpoint. */
  assemble(finalPath: string, header: string, total: number): void {
    const out = new AtomicWriter(finalPath);
    try {
      out.write(header);
      for (let k = 0; k < total; k++) {
        const path = join(this.dir, blockName(k));
        if (!existsSync(path)) throw new Error(`internal: block ${k} missing from ${this.dir}`);
        out.write(readFileSync(path));
      }
      out.commit();
    } catch (e) {
      out.abort();
      throw e;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  get identity(): Record<string, unknown> {
    return this.manifest;
  }
}
