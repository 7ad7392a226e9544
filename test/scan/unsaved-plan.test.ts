/**
 * A one-block scan's blocks in memory (UnsavedPlan) against the checkpoint folder they stand in for
 * (LocalPlan): the same outputs, statistics and records; and through the library, which scans write a
 * checkpoint folder at all.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan, scanResults, type ScanOptions } from '../../src/index.js';
import { LocalPlan } from '../../src/scan/local-plan.js';
import type { NullModelRecord } from '../../src/scan/phase-merge.js';
import { PLAN_FORMAT, type PlanManifest } from '../../src/scan/plan-folder.js';
import {
  scansWithoutCheckpoint,
  SHORT_LM_GENOTYPES,
  SHORT_LM_SNPS,
  SHORT_MV_WORK,
  UnsavedPlan,
} from '../../src/scan/unsaved-plan.js';
import { writeMvCohort } from '../helpers/mv-cohort.js';
import { kinshipOfCohort } from '../helpers/mv-kinship.js';
import { scratchDir, SHARED_DATA } from '../helpers/paths.js';

const root = scratchDir('unsaved-plan');
const OUTPUTS = ['assoc', 'trait2'];
const manifest = () =>
  ({
    format: PLAN_FORMAT,
    endianness: 'LE',
    local: true,
    identity: {},
    units: [],
  }) as unknown as PlanManifest;
const textsOf = (k: number) =>
  new Map(OUTPUTS.map((id, j) => [id, Buffer.from(k === 1 && j === 1 ? '' : `${id}\tblock ${k}\t-0\n`)]));
// A statistic that JSON cannot hold (NaN) reads back as a shard file gives it: null.
const statsOf = (k: number) => ({ assoc: { tested: k, below5e8: NaN, below1e5: 1 } });
const record: NullModelRecord = {
  label: 'chr 1',
  column: 1,
  n: 3,
  nullModel: { pve: -0, pveSe: Infinity } as unknown as NullModelRecord['nullModel'],
};

/** Both kinds of plan given the same blocks: the files each assembles, its statistics and its records. */
async function assembled(kind: 'memory' | 'folder', total: number) {
  const dir = join(root, `${kind}${total}`);
  mkdirSync(dir, { recursive: true });
  const plan =
    kind === 'memory' ? new UnsavedPlan(total) : new LocalPlan(join(dir, 'cp'), {}, false, total, OUTPUTS);
  expect(plan.missing()).toEqual(Array.from({ length: total }, (_, k) => k));
  plan.start(manifest);
  for (let k = 0; k < total; k++) await plan.writeBlock(k, textsOf(k), statsOf(k));
  await plan.writeRecords([['assoc.chr0', record]]);
  const results = plan.results();
  const targets = OUTPUTS.map((id) => ({ id, path: join(dir, `${id}.txt`), header: `header ${id}\n` }));
  // The bytes a report reads before the files are in place: those written (blocks in memory only).
  const contents = targets.map((t) => results.content?.(t, total));
  await results.assemble(targets, total);
  for (const [j, t] of targets.entries())
    if (kind === 'memory') expect(Buffer.from(contents[j]!).equals(readFileSync(t.path))).toBe(true);
    else expect(contents[j]).toBeUndefined();
  const stats = Array.from({ length: total }, (_, k) => results.stats(k));
  results.close();
  const records = plan.records([]);
  plan.discard();
  return { files: targets.map((t) => readFileSync(t.path, 'utf8')), stats, records, left: readdirSync(dir) };
}

describe('a scan without a checkpoint folder', () => {
  it('is a scan of one block without --loco, or a short -lm scan', () => {
    const lmm = { loco: false, kind: 'lmm' as const, snps: 7317, nAnalysed: 67, traits: 1 };
    expect(scansWithoutCheckpoint({ ...lmm, totalBlocks: 1 })).toBe(true);
    expect(scansWithoutCheckpoint({ ...lmm, totalBlocks: 2 })).toBe(false);
    expect(scansWithoutCheckpoint({ ...lmm, totalBlocks: 1, loco: true })).toBe(false);
    const lm = { ...lmm, kind: 'lm' as const, totalBlocks: 4 };
    expect(scansWithoutCheckpoint(lm)).toBe(true);
    const most = SHORT_LM_GENOTYPES / SHORT_LM_SNPS;
    expect(scansWithoutCheckpoint({ ...lm, snps: SHORT_LM_SNPS, nAnalysed: most })).toBe(true);
    expect(scansWithoutCheckpoint({ ...lm, snps: SHORT_LM_SNPS, nAnalysed: most + 1 })).toBe(false);
    expect(scansWithoutCheckpoint({ ...lm, snps: SHORT_LM_SNPS + 1, nAnalysed: 1 })).toBe(false);
  });

  it('is a short mvLMM scan: SNPs x individuals x traits^2 up to a bound', () => {
    // The mvLMM cohort of the benchmark: n = 1,461 analysed, 5,000 SNPs, 2 or 3 traits, 5 blocks.
    const mv = { loco: false, kind: 'mvlmm' as const, snps: 5000, nAnalysed: 1461, totalBlocks: 5 };
    expect(scansWithoutCheckpoint({ ...mv, traits: 2 })).toBe(true);
    expect(scansWithoutCheckpoint({ ...mv, traits: 3 })).toBe(true);
    expect(scansWithoutCheckpoint({ ...mv, traits: 3, loco: true })).toBe(false);
    const snps = SHORT_MV_WORK / (1024 * 4);
    expect(scansWithoutCheckpoint({ ...mv, snps, nAnalysed: 1024, traits: 2 })).toBe(true);
    expect(scansWithoutCheckpoint({ ...mv, snps: snps + 1, nAnalysed: 1024, traits: 2 })).toBe(false);
    expect(scansWithoutCheckpoint({ ...mv, snps, nAnalysed: 1024, traits: 3 })).toBe(false);
  });

  it('assembles the same outputs, statistics and records as the checkpoint folder, and leaves only the outputs', async () => {
    for (const total of [1, 3]) {
      const memory = await assembled('memory', total);
      const folder = await assembled('folder', total);
      expect(memory.files).toEqual(folder.files);
      expect(memory.files[0]).toBe(
        `header assoc\n${Array.from({ length: total }, (_, k) => `assoc\tblock ${k}\t-0\n`).join('')}`,
      );
      expect(memory.stats).toEqual(folder.stats);
      expect(memory.stats[0]).toEqual({ assoc: { tested: 0, below5e8: null, below1e5: 1 } });
      expect(memory.records).toEqual(folder.records);
      expect(Object.is((memory.records.get('assoc.chr0') as NullModelRecord).nullModel.pve, -0)).toBe(true);
      expect(memory.left.sort()).toEqual(['assoc.txt', 'trait2.txt']);
      expect(folder.left.sort()).toEqual(['assoc.txt', 'trait2.txt']);
    }
  });
});

describe('the checkpoint folder of a scan', () => {
  const bfile = join(SHARED_DATA, 'hs1008', 'hs1008');
  const out = scratchDir('unsaved-plan-scans');
  const options = (prefix: string, more: ScanOptions = {}): ScanOptions => ({
    bfile,
    kinship: join(out, 'hs.cXX.txt'),
    lmm: 4,
    outDir: out,
    outPrefix: prefix,
    engine: 'wasm',
    threads: 1,
    plots: false,
    ...more,
  });
  /** For each block the scan hands over, whether NAME.checkpoint exists at that moment; and the .assoc.txt. */
  async function checkpointSeen(
    prefix: string,
    more: ScanOptions,
  ): Promise<{ seen: boolean[]; assoc: string }> {
    const seen: boolean[] = [];
    for await (const block of scanResults(options(prefix, more))) {
      expect(block.rows.length).toBeGreaterThan(0);
      seen.push(existsSync(join(out, `${prefix}.checkpoint`)));
    }
    return { seen, assoc: readFileSync(join(out, `${prefix}.assoc.txt`), 'utf8') };
  }

  it('is written for a scan of several blocks and not for one of a single block; the rows are the same', async () => {
    await runScan({ bfile, kinshipKind: 1, outDir: out, outPrefix: 'hs', engine: 'wasm', threads: 1 });
    const blocks = await checkpointSeen('blocks', { blockSize: 256 });
    expect(blocks.seen.length).toBeGreaterThan(1);
    expect(blocks.seen.every(Boolean)).toBe(true);
    // A stale folder of an earlier run under the same name goes, as a run without --resume discards it.
    mkdirSync(join(out, 'one.checkpoint', 'shards'), { recursive: true });
    writeFileSync(join(out, 'one.checkpoint', 'plan.json'), '{}');
    const one = await checkpointSeen('one', { blockSize: 1 << 20 });
    expect(one.seen).toEqual([false]);
    expect(one.assoc).toBe(blocks.assoc);
    expect(existsSync(join(out, 'one.checkpoint'))).toBe(false);
    expect(existsSync(join(out, 'blocks.checkpoint'))).toBe(false);
  }, 120_000);

  it('is not written for a short mvLMM scan of several blocks unless given --resume; the rows are the same', async () => {
    const files = await writeMvCohort(join(out, 'mv'), 2, 120, 64, 23);
    const mv = {
      bfile: undefined,
      geno: files.geno,
      pheno: files.pheno,
      anno: files.anno,
      covariates: files.cov,
      phenotypeColumns: [1, 2],
      kinship: await kinshipOfCohort(files, out),
      blockSize: 16,
    };
    const unsaved = await checkpointSeen('mv-blocks', mv);
    expect(unsaved.seen).toHaveLength(4);
    expect(unsaved.seen.some(Boolean)).toBe(false);
    // --resume without a folder to continue keeps one (that a later --resume would continue), block by block.
    const saved = await checkpointSeen('mv-resumable', { ...mv, resume: true });
    expect(saved.seen).toEqual([true, true, true, true]);
    expect(saved.assoc).toBe(unsaved.assoc);
    expect(unsaved.assoc.split('\n')[0]).toContain('Vbeta_1_2');
  }, 120_000);

  it('is not written for a short -lm scan of several blocks; the rows are those of one block', async () => {
    const lm = { lm: 1 as const, lmm: undefined, kinship: undefined };
    const blocks = await checkpointSeen('lm-blocks', { ...lm, blockSize: 256 });
    expect(blocks.seen.length).toBeGreaterThan(1);
    expect(blocks.seen.some(Boolean)).toBe(false);
    const one = await checkpointSeen('lm-one', { ...lm, blockSize: 1 << 20 });
    expect(one.seen).toEqual([false]);
    expect(blocks.assoc).toBe(one.assoc);
  }, 120_000);
});
