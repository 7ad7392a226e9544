/**
 * One lmmscan job, GEMMA-style: -gk (kinship), -eigen, -lmm or -lm, plus --traits (one scan per
 * phenotype column in one pass) and --loco (leave-one-chromosome-out in one run). Outputs are
 * written atomically under OUTDIR/NAME.*. Data flows one way: read -> filter -> kinship -> eigen ->
 * rotate -> test -> write. The three phases (prepare, scan a block range, merge) are the ones the
 * cluster steps run in separate processes (src/cluster/); here they run in one, with a resumable
 * checkpoint between scan and merge.
 */
import { join } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { claimOutputs, unlockOutput } from '../io/output-lock.js';
import { InputError } from '../io/input-error.js';
import { formatLog, type RunSummary } from '../io/log-format.js';
import { writeMatrixFile, writeVectorFile } from '../io/matrix-write.js';
import { Progress } from '../io/progress.js';
import { BlockCheckpoint, fileIdentity } from './checkpoint.js';
import type { ScanConfig } from '../model/config.js';
import { openInputs, inputFiles, selectionSettings } from './inputs.js';
import { requireJobMemory } from './memory-plan.js';
import { eigenForAnalysed } from './prepare.js';
import { kinshipOf, type KinshipPart } from './snp-pass.js';
import { prepareUnit, type PreparedUnit, type ScanUnit } from './units.js';
import {
  genotypeFile,
  kinshipSourceOf,
  prepareScan,
  recordKey,
  Stopwatch,
  type ScanSetup,
} from './phase-prepare.js';
import { scanBlockRange } from './phase-scan.js';
import type { BlockTraitStats } from './block-format.js';
import { checkScanConfig } from './preflight.js';
import { finishScan, type NullModelRecord } from './phase-merge.js';
import { VERSION } from '../version.js';

/**
 * What a library caller watches and steers (src/api/): each finished block's rows, progress, and
 * cancellation, checked before the prepare phase, after it and between blocks.
 */
export interface JobHooks {
  /** Block k's rows, per output id, as the bytes of its .assoc.txt; blocks come in order, the next waits. */
  onBlock?: (k: number, texts: Map<string, Uint8Array>) => void | Promise<void>;
  /** SNPs tested so far of `total`, after each block. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Kinship sums computed elsewhere (merged kinship shards) for -gk / --loco, given the genotype file's n. */
  kinshipSums?: (n: number) => Map<string, KinshipPart>;
}

export interface JobResult {
  summary: RunSummary;
  /** Files written (final names). */
  outputs: string[];
}

/** What a checkpoint must match to be resumed: the inputs (path, size, content hash) and every setting that changes a row. */
function scanManifest(
  config: ScanConfig,
  engine: string,
  tested: number,
  blockSize: number,
): Record<string, unknown> {
  return {
    version: VERSION,
    engine,
    inputs: inputFiles(config).map(fileIdentity),
    ...selectionSettings(config),
    phenotypeColumns: config.phenotypeColumns,
    traits: config.traits ?? null,
    keepP: config.keepP ?? null,
    loco: config.loco ? (config.kinshipKind ?? 1) : (config.locoChromosome ?? null),
    lmm: config.lmm ?? null,
    lm: config.lm ?? null,
    filters: config.filters,
    search: config.search,
    blockSize,
    testedSnps: tested,
  };
}

/**
 * Runs the job described by config with the given engine. `hooks.kinshipSums`, given the number of individuals in
 * the genotype file, returns kinship sums computed elsewhere (merged kinship shards) for -gk / --loco.
 */
export async function runJob(
  config: ScanConfig,
  engine: Engine,
  engineNote: string,
  hooks: JobHooks = {},
): Promise<JobResult> {
  checkScanConfig(config);
  hooks.signal?.throwIfAborted();
  const clock = new Stopwatch();
  const lock = claimOutputs(config.outDir, config.outPrefix);
  let inputs: ReturnType<typeof openInputs> | undefined;
  const out = (suffix: string) => join(config.outDir, `${config.outPrefix}.${suffix}`);
  try {
    inputs = openInputs(config);
    const sums = hooks.kinshipSums?.(inputs.selection.nTotal);
    const { summary, pass, setup } = await prepareScan(config, inputs, engine, engineNote, clock, sums);
    hooks.signal?.throwIfAborted();
    if (!setup) {
      const kinship = kinshipOf(pass);
      if (!kinship)
        throw new InputError(
          genotypeFile(config),
          `none of the ${pass.snpsInFile} SNPs passed the filters: the kinship is undefined`,
        );
      const suffix = config.kinshipKind === 1 ? 'cXX.txt' : 'sXX.txt';
      writeMatrixFile(out(suffix), kinship, inputs.selection.nTotal, inputs.selection.nTotal, {
        what: 'kinship matrix',
        quiet: config.quiet,
      });
      summary.totalMinutes = clock.totalMinutes;
      writeFileAtomic(out('log.txt'), formatLog(summary));
      return { summary, outputs: [out(suffix), out('log.txt')] };
    }
    return { summary, outputs: await scanLocally(setup, inputs.source, engine, clock, engineNote, hooks) };
  } finally {
    inputs?.source.close();
    unlockOutput(lock);
  }
}

/** The scan and merge phases in this process, through a resumable checkpoint next to the outputs. */
async function scanLocally(
  setup: ScanSetup,
  source: import('../io/genotypes.js').GenotypeSource,
  engine: Engine,
  clock: Stopwatch,
  engineNote: string,
  hooks: JobHooks,
): Promise<string[]> {
  const { config, units, kind, mode, union, totalBlocks } = setup;
  const checkpoint = new BlockCheckpoint(
    join(config.outDir, `${config.outPrefix}.checkpoint`),
    scanManifest(config, engine.name, union.length, setup.blockSize),
    Boolean(config.resume),
  );
  let firstBlock = 0;
  while (firstBlock < totalBlocks && checkpoint.has(firstBlock)) firstBlock++;
  if (config.resume && !config.quiet && firstBlock > 0)
    process.stderr.write(`resuming: ${firstBlock} of ${totalBlocks} blocks already done\n`);

  // Units of a plain or --traits run are prepared now (their null models go to the log and the
  // trait table even when every block is already done); LOCO units when their chromosome comes.
  const prepared = new Map<ScanUnit, PreparedUnit>();
  const get = async (unit: ScanUnit) => {
    let p = prepared.get(unit);
    if (!p) {
      p = await prepareUnit(unit, kind, mode, config.search, engine);
      prepared.set(unit, p);
      if (kind === 'lmm') {
        await checkpoint.writeRecords(
          p.plans.map((plan, t) => [
            recordKey(unit, t),
            { label: unit.label, column: unit.group.traitColumns[t], n: plan.n, nullModel: plan.nullModel },
          ]),
        );
      }
    }
    return p;
  };
  if (!config.loco) for (const unit of units) await get(unit);
  if (kind === 'mvlmm') setup.summary.mvNullModel = prepared.get(units[0])?.mvPlan?.nullModel;
  if (!config.loco && !config.traits && kind === 'lmm')
    setup.summary.nullModel = prepared.get(units[0])?.plans[0]?.nullModel;
  clock.lap('null models');

  const printed = new Progress('Testing SNPs', union.length, config.quiet);
  const progress = {
    update: (done: number) => (printed.update(done), hooks.onProgress?.(done, union.length)),
  };
  const sink = async (k: number, texts: Map<string, Uint8Array>, stats: Record<string, BlockTraitStats>) => {
    hooks.signal?.throwIfAborted();
    await checkpoint.write(k, texts, stats);
    await hooks.onBlock?.(k, texts);
  };
  const times = await scanBlockRange(
    setup,
    source,
    engine,
    firstBlock,
    totalBlocks,
    { get, release: (unit) => prepared.delete(unit) },
    sink,
    progress,
  );
  clock.lap('scan (reading, rotation and optimization)');
  clock.timings.push(
    { label: 'calculating UtX', minutes: times.rotateMs / 60_000 },
    { label: 'optimization', minutes: times.testMs / 60_000 },
  );

  // An engine that switched during the scan (webgpu falling back to wasm under auto) says so in the log.
  setup.summary.engine = `${engine.describe()} (${engineNote})`;
  const outputs = await finishScan(setup, checkpoint, checkpoint.records<NullModelRecord>(), clock);
  // Only now, with every output written, synced and in place, are the finished blocks expendable.
  checkpoint.discard();
  return outputs;
}

/** -eigen: writes NAME.eigenD.txt and NAME.eigenU.txt for the analysed individuals' centred K. */
export async function runEigenJob(config: ScanConfig, engine: Engine): Promise<string[]> {
  const lock = claimOutputs(config.outDir, config.outPrefix);
  let inputs: ReturnType<typeof openInputs> | undefined;
  try {
    inputs = openInputs(config);
    requireJobMemory('-eigen', {
      engine: engine.name,
      nTotal: inputs.selection.nTotal,
      nAnalysed: inputs.selection.nAnalysed,
      computesKinship: false,
      readsKinship: Boolean(config.kinship),
    });
    const eigen = await eigenForAnalysed(kinshipSourceOf(config, inputs), inputs.selection, engine, (m) => {
      if (!config.quiet) process.stderr.write(`lmmscan: ${m}\n`);
    });
    const n = inputs.selection.nAnalysed;
    const d = join(config.outDir, `${config.outPrefix}.eigenD.txt`);
    const u = join(config.outDir, `${config.outPrefix}.eigenU.txt`);
    writeVectorFile(d, eigen.values);
    writeMatrixFile(u, eigen.vectors, n, n, { what: 'eigenvectors', quiet: config.quiet });
    return [d, u];
  } finally {
    inputs?.source.close();
    unlockOutput(lock);
  }
}
