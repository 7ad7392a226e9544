/**
 * The three steps of a sharded scan, callable from any workflow engine and used by the Slurm
 * executor itself: prepare (everything up to the null models -> a plan folder), scan one shard
 * (a contiguous range of blocks, genotypes read from the genotype file), merge (checks that every
 * block is present exactly once and comes from this plan, then writes the outputs as a local run).
 */
import { join, resolve } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { genotypeFormatFlags, openGenotypes } from '../io/genotype-registry.js';
import { claimOutputs, lockOutput, unlockOutput } from '../io/output-lock.js';
import { InputError, UsageError } from '../io/input-error.js';
import type { RunSummary } from '../io/log-format.js';
import { Progress } from '../io/progress.js';
import type { ScanConfig } from '../model/config.js';
import { openInputs, inputFiles } from '../scan/inputs.js';
import { prepareScan, recordKey, Stopwatch } from '../scan/phase-prepare.js';
import { checkScanConfig } from '../scan/preflight.js';
import { finishScan, type SavedNullModel } from '../scan/phase-merge.js';
import type { MvNullModel } from '../stats/mvlmm/fit.js';
import { scanBlockRange, shardBlockRange } from '../scan/phase-scan.js';
import { indexShards, requireEveryBlock, shardResults } from '../scan/shard-set.js';
import { prepareUnit } from '../scan/units.js';
import { computesKinship, hasKinshipParts, mergeKinshipParts } from './kinship-shards.js';
import {
  fileIdentity,
  loadPlan,
  readManifest,
  savePlan,
  stringifyExact,
  type PlanManifest,
} from '../scan/plan-folder.js';
import { ShardWriter, shardFileName, type ShardIndex } from '../scan/shard-file.js';

/** What merge leaves in the plan folder: the outputs and the run summary (the Slurm executor prints them). */
export interface MergeRecord {
  planId: string;
  outputs: string[];
  summary: RunSummary;
}

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

/** path:size:content hash of every input (the plan's identity of its inputs). */
export function inputIdentities(config: ScanConfig): (string | null)[] {
  return inputFiles(config).map((path) => fileIdentity(path));
}

/** `lmmscan prepare <scan flags> --plan DIR`: samples, filters, kinship or -k, eigen, null models -> DIR. */
export async function runPrepareStep(
  given: ScanConfig,
  engine: Engine,
  engineNote: string,
  planDir: string,
): Promise<{ id: string; manifest: PlanManifest }> {
  checkScanConfig(given);
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
      () => (clock.lap('null models'), { ...setup!.summary, timings: [...clock.timings] }),
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
    await writer.finish({ ...times, seconds });
    return { path, blocks: end - first, seconds };
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    source.close();
  }
}

/** The multivariate null fits of a record, if it is a multivariate unit's. */
function mvNullModelOf(record: SavedNullModel | undefined): MvNullModel | undefined {
  return record && 'mvNullModel' in record ? record.mvNullModel : undefined;
}

/** `lmmscan merge --plan DIR`: verifies the shards, then writes the .assoc.txt (or trait files and table), report and log. */
export async function runMergeStep(planDir: string): Promise<MergeRecord> {
  const dir = resolve(planDir);
  const plan = loadPlan(dir);
  const { setup } = plan;
  const outputIds = [...new Set(setup.units.flatMap((u) => u.outputIds))];
  const set = indexShards(dir, plan.id, setup.totalBlocks, outputIds);
  requireEveryBlock(dir, set, setup.totalBlocks);
  const { shards } = set;
  const { config, kind, units } = setup;
  const sum = (f: (s: ShardIndex) => number) => shards.reduce((a, s) => a + f(s), 0) / 60;
  const timings = [
    ...setup.summary.timings,
    {
      label: `scan (${shards.length} shards, sum of their wall times)`,
      minutes: sum((s) => s.trailer.seconds),
    },
    { label: 'calculating UtX', minutes: sum((s) => s.trailer.rotateMs / 1000) },
    { label: 'optimization', minutes: sum((s) => s.trailer.testMs / 1000) },
  ];
  const earlier = timings.slice(0, -2).reduce((a, t) => a + t.minutes, 0);
  const clock = new Stopwatch(timings, earlier);
  const start = {
    ...setup.summary,
    nullModel:
      !config.loco && !config.traits && kind === 'lmm'
        ? plan.records.get(recordKey(units[0], 0))?.nullModel
        : setup.summary.nullModel,
    mvNullModel:
      !config.loco && kind === 'mvlmm' ? mvNullModelOf(plan.records.get(recordKey(units[0], 0))) : undefined,
  };
  const lock = claimOutputs(config.outDir, config.outPrefix);
  const results = shardResults(set);
  try {
    const { outputs, summary } = await finishScan(setup, start, results, plan.records, clock);
    const record: MergeRecord = { planId: plan.id, outputs, summary };
    writeFileAtomic(join(dir, 'merge.json'), stringifyExact(record));
    return record;
  } finally {
    results.close();
    unlockOutput(lock);
  }
}
