/**
 * A local run's plan folder, OUTDIR/NAME.checkpoint: a plan folder (plan-folder.ts) whose plan.json
 * identifies the run (its inputs by content and every setting that changes a row) and holds the null
 * models fitted before the scan, and whose one shard (1/1) is saved block by block: each finished
 * block is a shard file of its own, synced and renamed into place, so that a run killed at any moment
 * loses only the blocks in flight. --resume scans the blocks that are missing; the merge assembles
 * each output from the blocks in order, so it is byte-identical to an uninterrupted run. The folder
 * is created at the first save (a run that fails early leaves nothing) and removed once every output
 * is written (discard()). --loco fits each chromosome's null model when its SNPs come, so those are
 * saved as records next to plan.json.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFilesAtomic } from '../io/atomic-file.js';
import { UsageError } from '../io/input-error.js';
import type { BlockTraitStats } from './block-format.js';
import type { BlockResults, OutputTarget, SavedNullModel } from './phase-merge.js';
import { RunningOutputs } from './running-outputs.js';
import {
  manifestRecords,
  MANIFEST,
  parseExact,
  PLAN_FORMAT,
  sha256,
  stringifyExact,
  writeManifest,
  type PlanManifest,
} from './plan-folder.js';
import { blockFileName, ShardWriter, type ShardIndex } from './shard-file.js';
import { indexShards, missingBlocks, requireEveryBlock, shardFolder, shardResults } from './shard-set.js';
import type { ScanUnit } from './units.js';

/** Records written (and synced) together by writeRecords(). */
const RECORDS_AT_ONCE = 64;

const RECORD = /^record\.(.+)\.json$/;

/** The input that differs between two identities' input lists, if any (for a message naming it). */
function changedInput(found: unknown, wanted: unknown): string | undefined {
  if (!Array.isArray(found) || !Array.isArray(wanted)) return undefined;
  for (let k = 0; k < wanted.length; k++) {
    if (found[k] !== wanted[k] && typeof wanted[k] === 'string')
      return (wanted[k] as string).replace(/:\d+:[0-9a-f]+$/, '');
  }
  return undefined;
}

/** plan.json of `dir`, if it holds one this version reads; UsageError for a folder of an older lmmscan. */
function existingManifest(dir: string): { id: string; manifest: PlanManifest } | undefined {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) {
    if (existsSync(join(dir, 'manifest.json')))
      throw new UsageError(
        `--resume: ${dir} is a checkpoint of an older lmmscan (before plan folders); remove it and run without --resume`,
      );
    return undefined;
  }
  const text = readFileSync(path, 'utf8');
  let manifest: PlanManifest | undefined;
  try {
    manifest = parseExact<PlanManifest>(text);
  } catch {
    manifest = undefined;
  }
  if (manifest?.format !== PLAN_FORMAT || !manifest.local)
    throw new UsageError(
      `--resume: ${dir} is not the plan of a local run of this lmmscan; remove it and run without --resume`,
    );
  return { id: sha256(text), manifest };
}

export class LocalPlan {
  private id: string | undefined;
  private manifest: PlanManifest | undefined;
  /** Shard files of this plan: found at a resume (verified), then each block this process saves. */
  private readonly shards: ShardIndex[] = [];
  /** The outputs written as blocks are saved, when this run saves every block. */
  private running: RunningOutputs | undefined;

  /**
   * Opens the plan folder `dir` of a run whose identity is `identity` (planIdentity). With resume, an
   * existing plan must have the same identity (else a UsageError says why) and its finished blocks are
   * kept; without resume, any old folder is discarded.
   */
  constructor(
    readonly dir: string,
    private readonly identity: Record<string, unknown>,
    resume: boolean,
    private readonly totalBlocks: number,
    private readonly outputs: readonly string[],
  ) {
    if (!existsSync(dir)) return;
    const found = resume ? existingManifest(dir) : undefined;
    if (!found) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    if (JSON.stringify(found.manifest.identity) !== JSON.stringify(identity)) {
      const changed = changedInput(found.manifest.identity?.inputs, identity.inputs);
      if (changed)
        throw new UsageError(
          `--resume: input ${changed} changed since ${dir} was made (its content differs); remove the checkpoint or run without --resume`,
        );
      throw new UsageError(
        `--resume: ${dir} was made by a different command or different inputs; remove it or run without --resume`,
      );
    }
    this.id = found.id;
    this.manifest = found.manifest;
    this.shards.push(...indexShards(dir, found.id, totalBlocks, outputs).shards);
  }

  /** The blocks no earlier run finished, ascending (all of them unless resumed). */
  missing(): number[] {
    return missingBlocks(
      indexShards(this.dir, this.id ?? '', this.totalBlocks, this.outputs, this.shards),
      this.totalBlocks,
    );
  }

  /**
   * Writes plan.json (made by `manifest` from what is known now) unless an earlier run did: called
   * before the first save. A resumed run keeps the earlier plan, whose id its blocks carry.
   */
  start(manifest: () => PlanManifest): void {
    if (this.id !== undefined) return;
    this.manifest = manifest();
    this.id = writeManifest(this.dir, this.manifest);
  }

  /**
   * Before the first block is saved, with no block saved by an earlier run: each block saved from now on also
   * goes into the outputs `targets` (running-outputs.ts), which the merge then only syncs and renames.
   */
  writeOutputsAsSaved(targets: readonly OutputTarget[]): void {
    if (this.id === undefined) throw new Error('internal: outputs opened before the plan');
    if (this.shards.length > 0 || this.running) return;
    this.running = new RunningOutputs(targets, join(this.dir, 'outputs'));
  }

  /** Removes the outputs written as blocks were saved (a scan that failed or stopped, a full disk). */
  async dropRunningOutputs(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    // A file it cannot remove is left in the plan folder, which goes with it.
    await running?.abort().catch(() => undefined);
  }

  /**
   * Saves block k as a shard file of its own (synced off this thread), then records it. The outputs written as
   * blocks are saved give way to the blocks: a failure to append to them (a full disk) drops them, as does a
   * failure to save the block while they exist, which is then tried once more without them (the merge writes the
   * outputs from the blocks instead, as after a resume).
   */
  async writeBlock(
    k: number,
    texts: Map<string, Uint8Array>,
    stats: Record<string, BlockTraitStats>,
  ): Promise<void> {
    if (this.id === undefined) throw new Error('internal: block saved before the plan');
    try {
      await this.saveBlock(this.id, k, texts, stats);
    } catch (e) {
      if (!this.running) throw e;
      await this.dropRunningOutputs();
      await this.saveBlock(this.id, k, texts, stats);
    }
  }

  private async saveBlock(
    planId: string,
    k: number,
    texts: Map<string, Uint8Array>,
    stats: Record<string, BlockTraitStats>,
  ): Promise<void> {
    const writer = new ShardWriter(join(shardFolder(this.dir), blockFileName(k)), {
      planId,
      shard: 1,
      shards: 1,
      firstBlock: k,
      endBlock: k + 1,
      outputs: [...this.outputs],
    });
    const started = performance.now();
    try {
      writer.block(k, texts, stats);
      let dropping: Promise<void> | undefined;
      try {
        this.running?.append(k, texts);
      } catch {
        dropping = this.dropRunningOutputs();
      }
      const index = await writer.finish({
        rotateMs: 0,
        testMs: 0,
        seconds: (performance.now() - started) / 1000,
      });
      await dropping;
      const earlier = this.shards.findIndex((s) => s.path === index.path);
      if (earlier >= 0) this.shards.splice(earlier, 1);
      this.shards.push(index);
    } catch (e) {
      writer.abort();
      throw e;
    }
  }

  /**
   * Saves null models fitted during the scan (a --loco chromosome's) that must survive a resume,
   * synced together off this thread.
   */
  async writeRecords(records: Array<[key: string, record: SavedNullModel]>): Promise<void> {
    // A bounded number of files open at once.
    for (let i = 0; i < records.length; i += RECORDS_AT_ONCE) {
      await writeFilesAtomic(
        records
          .slice(i, i + RECORDS_AT_ONCE)
          .map(([key, value]) => [join(this.dir, `record.${key}.json`), stringifyExact(value)]),
      );
    }
  }

  /** The null models: the plan's, and those saved as records during the scan. */
  records(units: readonly ScanUnit[]): Map<string, SavedNullModel> {
    const out = this.manifest ? manifestRecords(this.manifest, units) : new Map<string, SavedNullModel>();
    if (!existsSync(this.dir)) return out;
    for (const f of readdirSync(this.dir).sort()) {
      const m = RECORD.exec(f);
      if (m) out.set(m[1], parseExact<SavedNullModel>(readFileSync(join(this.dir, f), 'utf8')));
    }
    return out;
  }

  /** Every block, for the merge (InputError if one is missing); close() when done. */
  results(): BlockResults & { close(): void } {
    const set = indexShards(this.dir, this.id ?? '', this.totalBlocks, this.outputs, this.shards);
    requireEveryBlock(this.dir, set, this.totalBlocks);
    const fromShards = shardResults(set);
    const running = this.running;
    if (!running) return fromShards;
    return {
      ...fromShards,
      async assemble(targets: OutputTarget[], total: number): Promise<void> {
        if (running.holds(targets, total)) return running.commit();
        await running.abort();
        return fromShards.assemble(targets, total);
      },
      close(): void {
        fromShards.close();
        running.abort().catch(() => undefined); // a merge that failed before its outputs: best effort
      },
    };
  }

  /** Removes the plan folder: called once every final output is written, synced and renamed. */
  discard(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
