/**
 * The finished blocks of a plan folder: its shard files under shards/ (a cluster run's one per
 * shard, a local run's one per block), each verified and tied to the plan, every block held at most
 * once; and the merge's reading of them (the statistics, and each output assembled in block order).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { syncFolder, writeTogether } from '../io/atomic-file.js';
import { InputError } from '../io/input-error.js';
import type { BlockResults, OutputTarget } from './phase-merge.js';
import { shardBlockRange } from './phase-scan.js';
import {
  readShardIndex,
  ShardReader,
  shardFileName,
  type ShardBlock,
  type ShardIndex,
} from './shard-file.js';

/** The folder of a plan's shard files. */
export const shardFolder = (planDir: string) => join(planDir, 'shards');

/** A plan's shard files and which one holds each block (undefined: missing). */
export interface ShardSet {
  shards: ShardIndex[];
  owner: (ShardIndex | undefined)[];
}

const short = (id: string) => id.slice(0, 12);

/**
 * Reads and verifies the shard files of the plan `planId` in `planDir` (except those whose index
 * `known` already holds: written by this process) and maps blocks to them. InputError names the file
 * and the problem: altered or truncated, from another plan, other outputs, a block held twice.
 */
export function indexShards(
  planDir: string,
  planId: string,
  totalBlocks: number,
  outputs: readonly string[],
  known: readonly ShardIndex[] = [],
): ShardSet {
  const folder = shardFolder(planDir);
  const byPath = new Map(known.map((s) => [s.path, s]));
  const names = existsSync(folder)
    ? readdirSync(folder)
        .filter((f) => !f.startsWith('.') && f.endsWith('.lmmshard'))
        .sort()
    : [];
  const shards = names.map((f) => byPath.get(join(folder, f)) ?? readShardIndex(join(folder, f)));
  for (const s of shards) {
    if (s.header.planId !== planId)
      throw new InputError(
        s.path,
        `comes from another plan (plan id ${short(s.header.planId)}; ${planDir} is plan ${short(planId)}): remove it and rerun that shard`,
      );
    if (s.header.outputs.join(',') !== outputs.join(','))
      throw new InputError(
        s.path,
        `holds outputs ${s.header.outputs.join(',')}, the plan has ${outputs.join(',')}`,
      );
  }
  shards.sort((a, b) => a.header.firstBlock - b.header.firstBlock || a.path.localeCompare(b.path));
  const owner: (ShardIndex | undefined)[] = new Array(totalBlocks);
  for (const s of shards) {
    for (const k of s.blocks.keys()) {
      if (k >= totalBlocks)
        throw new InputError(s.path, `holds block ${k} but the plan has ${totalBlocks} blocks`);
      const earlier = owner[k];
      if (earlier)
        throw new InputError(
          s.path,
          `block ${k} is also in ${basename(earlier.path)}: a shard is duplicated (remove one copy)`,
        );
      owner[k] = s;
    }
  }
  return { shards, owner };
}

/** The blocks no shard holds, ascending. */
export function missingBlocks(set: ShardSet, totalBlocks: number): number[] {
  const missing: number[] = [];
  for (let k = 0; k < totalBlocks; k++) if (!set.owner[k]) missing.push(k);
  return missing;
}

/** InputError naming the first run of missing blocks and the shard that should hold them, if any is missing. */
export function requireEveryBlock(planDir: string, set: ShardSet, totalBlocks: number): void {
  const folder = shardFolder(planDir);
  if (set.shards.length === 0 && totalBlocks > 0)
    throw new InputError(
      folder,
      `no shard files (run lmmscan scan --plan ${planDir} --shard I/N for I = 1..N first)`,
    );
  let first = 0;
  while (first < totalBlocks && set.owner[first]) first++;
  if (first === totalBlocks) return;
  let last = first;
  while (last + 1 < totalBlocks && !set.owner[last + 1]) last++;
  const counts = [...new Set(set.shards.map((s) => s.header.shards))];
  let expected = folder;
  let spec = 'I/N';
  if (counts.length === 1) {
    const n = counts[0];
    for (let i = 1; i <= n; i++) {
      const r = shardBlockRange(i, n, totalBlocks);
      if (first >= r.first && first < r.end)
        [expected, spec] = [join(folder, shardFileName(i, n)), `${i}/${n}`];
    }
  }
  throw new InputError(
    expected,
    `missing: blocks ${first === last ? first : `${first}-${last}`} of ${totalBlocks} are in no shard (run lmmscan scan --plan ${planDir} --shard ${spec})`,
  );
}

/** The bytes of a block's texts, back to back in its shard. */
function textsLength(block: ShardBlock): number {
  const first = block.texts[0];
  const last = block.texts[block.texts.length - 1];
  return last.offset + last.length - first.offset;
}

/** The merge's view of a complete shard set; close() when done. Reads one shard file at a time. */
export function shardResults(set: ShardSet): BlockResults & { close(): void } {
  let open: { shard: ShardIndex; reader: ShardReader } | undefined;
  const readerOf = (shard: ShardIndex): ShardReader => {
    if (open?.shard !== shard) {
      open?.reader.close();
      open = { shard, reader: new ShardReader(shard.path) };
    }
    return open.reader;
  };
  const blockOf = (k: number) => {
    const shard = set.owner[k];
    const block = shard?.blocks.get(k);
    if (!shard || !block) throw new Error(`internal: block ${k} is in no shard`);
    return { shard, block };
  };
  return {
    stats<T>(k: number): T | undefined {
      const { shard, block } = blockOf(k);
      return JSON.parse(readerOf(shard).read(block.stats).toString('utf8')) as T;
    },
    async assemble(targets: OutputTarget[], total: number): Promise<void> {
      // Every shard holds the same outputs in the same order (indexShards checks).
      const columnOf = new Map(set.shards[0]?.header.outputs.map((id, j) => [id, j]));
      const columns = targets.map((t) => columnOf.get(t.id));
      // Each block's texts are read into one buffer, reused: a fresh one per block would cost a page fault per 4 kB
      // (the 200-trait BXD scan reads back 197 MB).
      let longest = 0;
      for (let k = 0; k < total; k++) longest = Math.max(longest, textsLength(blockOf(k).block));
      const scratch = Buffer.allocUnsafe(longest);
      // The outputs are synced together, off this thread.
      await writeTogether(
        targets.map((t) => t.path),
        (writers) => {
          writers.forEach((w, j) => w.write(targets[j]!.header));
          // Block by block: each block's texts (back to back in its shard) are read at once and cut into outputs.
          for (let k = 0; k < total; k++) {
            const { shard, block } = blockOf(k);
            const first = block.texts[0];
            const bytes = readerOf(shard).read({ offset: first.offset, length: textsLength(block) }, scratch);
            writers.forEach((w, j) => {
              const column = columns[j];
              if (column === undefined)
                throw new Error(`internal: output ${targets[j]!.id} missing from ${shard.path}`);
              const range = block.texts[column];
              w.write(
                bytes.subarray(range.offset - first.offset, range.offset - first.offset + range.length),
              );
            });
          }
        },
      );
      // The renames are made durable before anything relies on them (a local run removing its plan folder).
      for (const folder of new Set(targets.map((t) => dirname(t.path)))) syncFolder(folder);
    },
    close(): void {
      open?.reader.close();
      open = undefined;
    },
  };
}
