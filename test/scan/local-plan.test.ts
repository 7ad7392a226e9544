/**
 * A local run's plan folder: plan.json (whose sha256 every block carries), one shard saved block by
 * block in the shard-file format, the missing blocks found again by a resume, and the identity,
 * tampering and old-checkpoint checks.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/io/input-error.js';
import { LocalPlan } from '../../src/scan/local-plan.js';
import { loadPlan, PLAN_FORMAT, type PlanManifest } from '../../src/scan/plan-folder.js';
import { readShardIndex } from '../../src/scan/shard-file.js';
import { scratchDir } from '../helpers/paths.js';

const root = scratchDir('local-plan');
const OUTPUTS = ['trait1', 'trait2'];
const TOTAL = 5;
const identity = (pheno = 'pheno.txt:10:ab12') => ({ version: 'x', inputs: [pheno, null], blockSize: 3 });
const manifest = (id: Record<string, unknown>) => () =>
  ({
    format: PLAN_FORMAT,
    endianness: 'LE',
    local: true,
    identity: id,
    units: [],
  }) as unknown as PlanManifest;

/** Block k's texts: distinct bytes per output and block, one of them empty (a block with no rows kept). */
const textsOf = (k: number) =>
  new Map(OUTPUTS.map((id, j) => [id, Buffer.from(k === 3 && j === 1 ? '' : `${id} block ${k}\n`)]));
const statsOf = (k: number) => ({ trait1: { tested: k, below5e8: 0, below1e5: 1 } });

const open = (dir: string, resume: boolean, id = identity()) =>
  new LocalPlan(dir, id, resume, TOTAL, OUTPUTS);

async function writeBlocks(plan: LocalPlan, blocks: number[]): Promise<void> {
  for (const k of blocks) await plan.writeBlock(k, textsOf(k), statsOf(k));
}

describe('a local plan folder', () => {
  it('is plan.json plus one shard file per block, each tied to the plan by its checksum', async () => {
    const dir = join(root, 'fresh');
    const plan = open(dir, false);
    expect(plan.missing()).toEqual([0, 1, 2, 3, 4]);
    expect(existsSync(dir)).toBe(false);
    plan.start(manifest(identity()));
    await writeBlocks(plan, [0, 1, 2, 3, 4]);
    const planId = createHash('sha256')
      .update(readFileSync(join(dir, 'plan.json')))
      .digest('hex');
    const files = readdirSync(join(dir, 'shards')).sort();
    expect(files).toHaveLength(TOTAL);
    for (const [k, f] of files.entries()) {
      const shard = readShardIndex(join(dir, 'shards', f));
      expect(shard.header).toMatchObject({ planId, shard: 1, shards: 1, firstBlock: k, endBlock: k + 1 });
    }
    // The merge reads the statistics and assembles each output in block order.
    const results = plan.results();
    expect(results.stats(2)).toEqual(statsOf(2));
    const targets = OUTPUTS.map((id) => ({ id, path: join(root, `fresh.${id}.txt`), header: `${id}\n` }));
    await results.assemble(targets, TOTAL);
    results.close();
    for (const [j, t] of targets.entries()) {
      const expected = [0, 1, 2, 3, 4].map((k) => textsOf(k).get(OUTPUTS[j])!.toString()).join('');
      expect(readFileSync(t.path, 'utf8')).toBe(`${t.header}${expected}`);
    }
    // Its arrays are not saved, so shards of other processes cannot scan against it.
    expect(() => loadPlan(dir)).toThrow(
      new InputError(
        join(dir, 'plan.json'),
        'is the plan of a local run (its models are not saved): finish it with lmmscan --resume, or make a plan with lmmscan prepare',
      ),
    );
    plan.discard();
    expect(existsSync(dir)).toBe(false);
  });

  it('fresh: writes the outputs as it saves the blocks (in the plan folder until the merge renames them)', async () => {
    const dir = join(root, 'running');
    const plan = open(dir, false);
    plan.start(manifest(identity()));
    const targets = OUTPUTS.map((id) => ({ id, path: join(root, `running.${id}.txt`), header: `${id}\n` }));
    plan.writeOutputsAsSaved(targets);
    await writeBlocks(plan, [0, 1, 2, 3, 4]);
    // Until the merge, the outputs are only temporary files in the plan folder.
    expect(readdirSync(join(dir, 'outputs'))).toHaveLength(OUTPUTS.length);
    expect(targets.some((t) => existsSync(t.path))).toBe(false);
    const results = plan.results();
    await results.assemble(targets, TOTAL);
    results.close();
    for (const [j, t] of targets.entries()) {
      const expected = [0, 1, 2, 3, 4].map((k) => textsOf(k).get(OUTPUTS[j])!.toString()).join('');
      expect(readFileSync(t.path, 'utf8')).toBe(`${t.header}${expected}`);
    }
    expect(readdirSync(join(dir, 'outputs'))).toEqual([]);
    // A plan with blocks saved by an earlier run leaves its outputs to the merge from the shards.
    const again = open(dir, true);
    again.start(manifest(identity()));
    again.writeOutputsAsSaved(targets);
    expect(readdirSync(join(dir, 'outputs'))).toEqual([]);
    plan.discard();
  });

  it('resumed: keeps its plan and finished blocks, and lists the missing ones (holes included)', async () => {
    const dir = join(root, 'resumed');
    const first = open(dir, false);
    first.start(manifest(identity()));
    await writeBlocks(first, [0, 2]);
    const planText = readFileSync(join(dir, 'plan.json'), 'utf8');
    const again = open(dir, true);
    expect(again.missing()).toEqual([1, 3, 4]);
    // A resumed run keeps the earlier plan (its blocks carry its id), whatever it would write now.
    again.start(manifest({ ...identity(), other: 1 }));
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).toBe(planText);
    await writeBlocks(again, [1, 3, 4]);
    expect(again.missing()).toEqual([]);
    expect(again.results().stats(4)).toEqual(statsOf(4));
    // Without --resume the folder is started afresh.
    open(dir, false);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a resume of another command or of changed inputs', async () => {
    const dir = join(root, 'other');
    const plan = open(dir, false);
    plan.start(manifest(identity()));
    await writeBlocks(plan, [0]);
    expect(() => open(dir, true, { ...identity(), blockSize: 4 })).toThrow(
      new UsageError(
        `--resume: ${dir} was made by a different command or different inputs; remove it or run without --resume`,
      ),
    );
    expect(() => open(dir, true, identity('pheno.txt:10:cd34'))).toThrow(
      new UsageError(
        `--resume: input pheno.txt changed since ${dir} was made (its content differs); remove the checkpoint or run without --resume`,
      ),
    );
  });

  it('refuses a resume over an altered block, naming it', async () => {
    const dir = join(root, 'altered');
    const plan = open(dir, false);
    plan.start(manifest(identity()));
    await writeBlocks(plan, [0, 1]);
    const block = join(dir, 'shards', 'block-0000001.lmmshard');
    writeFileSync(block, readFileSync(block, 'latin1').replace('block 1', 'block 7'), 'latin1');
    expect(() => open(dir, true)).toThrow(
      new InputError(block, 'checksum does not match its contents (truncated or altered)'),
    );
  });

  it('refuses a plan folder of the previous format (one array per trait) in one line: to resume and to scan', async () => {
    const dir = join(root, 'format1');
    const plan = open(dir, false);
    plan.start(manifest(identity()));
    await writeBlocks(plan, [0]);
    const path = join(dir, 'plan.json');
    const old = readFileSync(path, 'utf8').replace(`"${PLAN_FORMAT}"`, '"lmmscan-plan/1"');
    expect(old).toContain('"lmmscan-plan/1"');
    writeFileSync(path, old);
    expect(() => open(dir, true)).toThrow(
      new UsageError(
        `--resume: ${dir} is not the plan of a local run of this lmmscan; remove it and run without --resume`,
      ),
    );
    // A cluster plan of that format (no longer `local`): lmmscan scan and merge refuse it, naming its plan.json.
    writeFileSync(path, old.replace('"local": true', '"local": false'));
    expect(() => loadPlan(dir)).toThrow(
      new InputError(
        path,
        `format "lmmscan-plan/1" is not ${PLAN_FORMAT} (a plan of another lmmscan version): run lmmscan prepare again`,
      ),
    );
  });

  it('refuses to resume a checkpoint folder of an older lmmscan in one line, and replaces it on a fresh run', () => {
    const dir = join(root, 'old');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), '{}');
    writeFileSync(join(dir, 'block-0000000.done'), '');
    expect(() => open(dir, true)).toThrow(
      new UsageError(
        `--resume: ${dir} is a checkpoint of an older lmmscan (before plan folders); remove it and run without --resume`,
      ),
    );
    const fresh = open(dir, false);
    expect(existsSync(dir)).toBe(false);
    expect(fresh.missing()).toEqual([0, 1, 2, 3, 4]);
  });
});
