/**
 * The three steps of a sharded scan, callable from any workflow engine and used by the Slurm
 * executor itself: prepare (everything up to the null models -> a plan folder), scan one shard
 * (a contiguous range of blocks, genotypes read from the genotype file), merge (checks that every
 * block is present exactly once and comes from this plan, then writes the outputs as a local run).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { AtomicWriter, writeFileAtomic } from '../io/atomic-file.js';
import { genotypeFormatFlags, openGenotypes } from '../io/genotype-registry.js';
import { claimOutputs, lockOutput, unlockOutput } from '../io/output-lock.js';
import { InputError, UsageError } from '../io/input-error.js';
import type { RunSummary } from '../io/log-format.js';
import { Progress } from '../io/progress.js';
import { fileIdentity, type OutputTarget } from '../scan/checkpoint.js';
import type { ScanConfig } from '../model/config.js';
import { openInputs, inputFiles } from '../scan/inputs.js';
import { prepareScan, recordKey, Stopwatch } from '../scan/phase-prepare.js';
import { checkScanConfig } from '../scan/preflight.js';
import { finishScan, type BlockResults } from '../scan/phase-merge.js';
import { scanBlockRange, shardBlockRange } from '../scan/phase-scan.js';
import { prepareUnit } from '../scan/units.js';
import { computesKinship, hasKinshipParts, mergeKinshipParts } from './kinship-shards.js';
import { loadPlan, readManifest, savePlan, stringifyExact, type PlanManifest } from './plan-folder.js';
import { readShardIndex, ShardReader, ShardWriter, shardFileName, type ShardIndex } from './shard-file.js';

/** What merge leaves in the plan folder: the outputs and the run summary (the Slurm executor prints them). */
export interface MergeRecord {
  planId: string;
  outputs: string[];
  summary: RunSummary;
}

const short = (id: string) => id.slice(0, 12);

/** The config with every path absolute, so that jobs started elsewhere find the same files. */
export function absoluteConfig(config: ScanConfig): ScanConfig {
  const abs = (p: string | undefined) => (p === undefined ? undefined : resolve(p));
  return {
    ...config,
    bfile: abs(config.bfile),
    geno: abs(config.geno),
    genotypeOptions: absoluteGenotypeOptions(config.genotypeOptions),
    keep: abs(config.keep),
    remove: abs(config.remove),
    extract: abs(config.extract),
    exclude: abs(config.exclude),
    snps: abs(config.snps),
    ksnps: abs(config.ksnps),
    phenoTable: abs(config.phenoTable),
    covarTable: abs(config.covarTable),
    kinshipIds: abs(config.kinshipIds),
    pheno: abs(config.pheno),
    anno: abs(config.anno),
    covariates: abs(config.covariates),
    kinship: abs(config.kinship),
    eigenValuesFile: abs(config.eigenValuesFile),
    eigenVectorsFile: abs(config.eigenVectorsFile),
    groups: abs(config.groups),
    outDir: resolve(config.outDir),
  };
}

/** The genotype formats' own flag values, with the file ones absolute. */
function absoluteGenotypeOptions(
  options: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!options) return undefined;
  const files = new Set(
    genotypeFormatFlags()
      .filter((f) => f.isFile)
      .map((f) => f.name),
  );
  return Object.fromEntries(
    Object.entries(options).map(([name, value]) => [name, files.has(name) ? resolve(value) : value]),
  );
}

/** path:size:mtime of every input (the plan's identity of its inputs). */
export function inputIdentities(config: ScanConfig): (string | null)[] {
  return inputFiles(config).map(fileIdentity);
}

/** `lmmscan prepare <scan flags> --plan DIR`: samples, filters, kinship or -k, eigen, null models -> DIR. */
export async function runPrepareStep(
  given: ScanConfig,
  engine: Engine,
  engineNote: string,
  planDir: string,
): Promise<{ id: string; manifest: PlanManifest }> {
  checkScanConfig(given);
  if (given.phenotypeColumns.length > 1)
    throw new UsageError(
      'the multivariate LMM (several -n columns) runs locally only so far: drop --executor / lmmscan prepare',
    );
  if (given.lmm === undefined && given.lm === undefined)
    throw new UsageError(
      'lmmscan prepare makes a plan for a scan: give -lmm or -lm (with -gk or -eigen alone there is nothing to shard)',
    );
  if (given.resume)
    throw new UsageError('--resume does not apply to lmmscan prepare (a shard is redone whole)');
  const config = absoluteConfig(given);
  const clock = new Stopwatch();
  // Two prepares into one plan folder would interleave its data files.
  const lock = lockOutput(resolve(planDir), 'plan folder', '--plan');
  let inputs: ReturnType<typeof openInputs> | undefined;
  try {
    inputs = openInputs(config);
    // Kinship shards computed beforehand (lmmscan kinship --plan DIR --shard I/N) are merged instead of a kinship pass.
    const sums =
      computesKinship(config) && hasKinshipParts(planDir)
        ? mergeKinshipParts(planDir, config, inputs.selection.nTotal)
        : undefined;
    const { setup } = await prepareScan(config, inputs, engine, engineNote, clock, sums);
    const id = await savePlan(
      resolve(planDir),
      setup!,
      inputIdentities(config),
      engine.name,
      (unit) => prepareUnit(unit, setup!.kind, setup!.mode, config.search, engine),
      () => clock.lap('null models'),
    );
    return readManifestChecked(planDir, id);
  } finally {
    inputs?.source.close();
    unlockOutput(lock);
  }
}

function readManifestChecked(planDir: string, id: string): { id: string; manifest: PlanManifest } {
  const read = readManifest(resolve(planDir));
  if (read.id !== id) throw new Error(`internal: ${planDir} changed while it was written`);
  return read;
}

/** Parses "I/N" (1 <= I <= N). */
export function parseShardSpec(spec: string): { shard: number; shards: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const shard = Number(m?.[1]);
  const shards = Number(m?.[2]);
  if (!m || shards < 1 || shard < 1 || shard > shards)
    throw new UsageError(`--shard ${spec}: expected I/N with 1 <= I <= N (e.g. --shard 2/4)`);
  return { shard, shards };
}

/** `lmmscan scan --plan DIR --shard I/N`: scans the shard's blocks into DIR/shards/shard-I-of-N.lmmshard. */
export async function runShardStep(
  planDir: string,
  spec: string,
  engine: Engine,
  quiet: boolean,
): Promise<{ path: string; blocks: number; seconds: number }> {
  const started = performance.now();
  const { shard, shards } = parseShardSpec(spec);
  const dir = resolve(planDir);
  const plan = loadPlan(dir);
  const { setup, manifest } = plan;
  const now = inputIdentities(setup.config);
  now.forEach((identity, k) => {
    if (identity !== manifest.inputs[k])
      throw new InputError(
        identity?.split(':')[0] ?? String(manifest.inputs[k]).split(':')[0],
        `changed since the plan was prepared (its content differs): run lmmscan prepare again`,
      );
  });
  const { first, end } = shardBlockRange(shard, shards, setup.totalBlocks);
  const outputs = [...new Set(setup.units.flatMap((u) => u.outputIds))];
  const path = join(dir, 'shards', shardFileName(shard, shards));
  const source = openGenotypes(setup.config, manifest.groups[0].nTotal);
  const writer = new ShardWriter(path, {
    planId: plan.id,
    shard,
    shards,
    firstBlock: first,
    endBlock: end,
    outputs,
  });
  try {
    const offset = first * setup.blockSize;
    const progress = new Progress(
      `Testing SNPs (shard ${shard}/${shards})`,
      Math.max(0, Math.min(setup.union.length, end * setup.blockSize) - offset),
      quiet,
    );
    const times = await scanBlockRange(
      setup,
      source,
      engine,
      first,
      end,
      plan.models,
      (k, texts, stats) => writer.block(k, texts, stats),
      { update: (done) => progress.update(done - offset) },
    );
    const seconds = (performance.now() - started) / 1000;
    writer.finish({ ...times, seconds });
    return { path, blocks: end - first, seconds };
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    source.close();
  }
}

/** Checks the shards of a plan: each verified, from this plan, every block exactly once. InputError names the file and the problem. */
export function checkShards(
  dir: string,
  planId: string,
  totalBlocks: number,
  outputs: string[],
): { owner: ShardIndex[]; shards: ShardIndex[] } {
  const shardDir = join(dir, 'shards');
  const names = existsSync(shardDir)
    ? readdirSync(shardDir)
        .filter((f) => !f.startsWith('.') && f.endsWith('.lmmshard'))
        .sort()
    : [];
  if (names.length === 0 && totalBlocks > 0)
    throw new InputError(
      shardDir,
      `no shard files (run lmmscan scan --plan ${dir} --shard I/N for I = 1..N first)`,
    );
  const shards = names.map((f) => readShardIndex(join(shardDir, f)));
  for (const s of shards) {
    if (s.header.planId !== planId)
      throw new InputError(
        s.path,
        `comes from another plan (plan id ${short(s.header.planId)}; ${dir} is plan ${short(planId)}): remove it and rerun that shard`,
      );
    if (s.header.outputs.join(',') !== outputs.join(','))
      throw new InputError(
        s.path,
        `holds outputs ${s.header.outputs.join(',')}, the plan has ${outputs.join(',')}`,
      );
  }
  shards.sort((a, b) => a.header.firstBlock - b.header.firstBlock || a.path.localeCompare(b.path));
  const owner: ShardIndex[] = new Array(totalBlocks);
  for (const s of shards) {
    for (const k of s.blocks.keys()) {
      if (k >= totalBlocks)
        throw new InputError(s.path, `holds block ${k} but the plan has ${totalBlocks} blocks`);
      if (owner[k])
        throw new InputError(
          s.path,
          `block ${k} is also in ${basename(owner[k].path)}: a shard is duplicated (remove one copy)`,
        );
      owner[k] = s;
    }
  }
  for (let k = 0; k < totalBlocks; k++) {
    if (owner[k]) continue;
    let last = k;
    while (last + 1 < totalBlocks && !owner[last + 1]) last++;
    const counts = [...new Set(shards.map((s) => s.header.shards))];
    let expected = shardDir;
    let spec = 'I/N';
    if (counts.length === 1) {
      const n = counts[0];
      for (let i = 1; i <= n; i++) {
        const r = shardBlockRange(i, n, totalBlocks);
        if (k >= r.first && k < r.end) [expected, spec] = [join(shardDir, shardFileName(i, n)), `${i}/${n}`];
      }
    }
    throw new InputError(
      expected,
      `missing: blocks ${k === last ? k : `${k}-${last}`} of ${totalBlocks} are in no shard (run lmmscan scan --plan ${dir} --shard ${spec})`,
    );
  }
  return { owner, shards };
}

/** `lmmscan merge --plan DIR`: verifies the shards, then writes the .assoc.txt (or trait files and table), report and log. */
export async function runMergeStep(planDir: string): Promise<MergeRecord> {
  const dir = resolve(planDir);
  const plan = loadPlan(dir);
  const { setup } = plan;
  const outputIds = [...new Set(setup.units.flatMap((u) => u.outputIds))];
  const { owner, shards } = checkShards(dir, plan.id, setup.totalBlocks, outputIds);
  const readers = new Map(shards.map((s) => [s, new ShardReader(s.path)]));
  const column = new Map(outputIds.map((id, j) => [id, j]));
  const results: BlockResults = {
    stats<T>(k: number): T | undefined {
      const s = owner[k];
      return JSON.parse(readers.get(s)!.read(s.blocks.get(k)!.stats).toString('utf8')) as T;
    },
    assemble(targets: OutputTarget[], total: number): void {
      const texts = targets.map((t) => ({ path: t.path, header: t.header, column: column.get(t.id)! }));
      writeAssembled(texts, total, (k, j) => readers.get(owner[k])!.read(owner[k].blocks.get(k)!.texts[j]));
    },
  };
  const summary = setup.summary;
  const { config, kind, units } = setup;
  if (!config.loco && !config.traits && kind === 'lmm')
    summary.nullModel = plan.records.get(recordKey(units[0], 0))?.nullModel;
  const sum = (f: (s: ShardIndex) => number) => shards.reduce((a, s) => a + f(s), 0) / 60;
  summary.timings.push(
    {
      label: `scan (${shards.length} shards, sum of their wall times)`,
      minutes: sum((s) => s.trailer.seconds),
    },
    { label: 'calculating UtX', minutes: sum((s) => s.trailer.rotateMs / 1000) },
    { label: 'optimization', minutes: sum((s) => s.trailer.testMs / 1000) },
  );
  const earlier = summary.timings.slice(0, -2).reduce((a, t) => a + t.minutes, 0);
  const clock = new Stopwatch(summary.timings, earlier);
  const lock = claimOutputs(config.outDir, config.outPrefix);
  try {
    const outputs = await finishScan(setup, results, plan.records, clock);
    const record: MergeRecord = { planId: plan.id, outputs, summary };
    writeFileAtomic(join(dir, 'merge.json'), stringifyExact(record));
    return record;
  } finally {
    for (const r of readers.values()) r.close();
    unlockOutput(lock);
  }
}

/** Writes each output (header + its text of blocks 0..total-1) atomically; all or none. */
function writeAssembled(
  targets: { path: string; header: string; column: number }[],
  total: number,
  text: (k: number, column: number) => Buffer,
): void {
  const writers = targets.map((t) => ({ t, w: new AtomicWriter(t.path) }));
  try {
    for (const { t, w } of writers) {
      w.write(t.header);
      for (let k = 0; k < total; k++) w.write(text(k, t.column));
    }
    for (const { w } of writers) w.commit();
  } catch (e) {
    for (const { w } of writers) w.abort();
    throw e;
  }
}
