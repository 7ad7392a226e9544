/**
 * One lmmscan job, GEMMA-style: -gk (kinship), -eigen, -lmm or -lm, plus --traits (one scan per
 * phenotype column in one pass) and --loco (leave-one-chromosome-out in one run). Outputs are
 * written atomically under OUTDIR/NAME.*. Data flows one way: read -> filter -> kinship -> eigen ->
 * rotate -> test -> write. The three phases (prepare, scan a block range, merge) are the ones the
 * cluster steps run in separate processes (src/cluster/); here they run in one, through the plan
 * folder of a local run (local-plan.ts) between scan and merge.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { contentHashesAside, type HashAside } from '../io/content-hash.js';
import { claimOutputs, unlockOutput } from '../io/output-lock.js';
import { InputError } from '../io/input-error.js';
import { formatLog, type RunSummary } from '../io/log-format.js';
import { Progress } from '../io/progress.js';
import { RememberedGenotypes } from '../io/remembered-genotypes.js';
import { LocalPlan } from './local-plan.js';
import { localManifest, planIdentity } from './plan-folder.js';
import { scanBlockSize, type ScanConfig } from '../model/config.js';
import { inputFiles, openInputs, type TraitGroup } from './inputs.js';
import { requireJobMemory } from './memory-plan.js';
import { eigenForAnalysed } from './prepare.js';
import { useKinshipOf, type KinshipPart } from './snp-pass.js';
import { prepareUnit, type PreparedUnit, type ScanUnit } from './units.js';
import {
  analysisKind,
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
import { finishScan, outputTargets } from './phase-merge.js';
import { mvRecord } from './mv-plan-folder.js';
import { mark } from '../io/timeline.js';
import { readAhead, stopReadingAhead } from '../io/text-file.js';
import { scansWithoutCheckpoint, UnsavedPlan } from './unsaved-plan.js';

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

/**
 * At least about how many rows a text kinship file holds, from its size: each of its n^2 values takes at most 18
 * bytes ("%.10g" and a separator), so a file of s bytes has n >= sqrt(s / 18). 0 when it cannot be read (its reader
 * says why); a gzipped file gives too few, which leaves the threads to start when K is read, as without this.
 */
function kinshipFileRows(path: string): number {
  try {
    return Math.floor(Math.sqrt(statSync(path).size / 18));
  } catch {
    return 0;
  }
}

/** Ascending indices of the genotype samples that any trait group analyses. */
function analysedSamples(groups: readonly TraitGroup[]): Int32Array {
  const samples: number[] = [];
  const n = groups[0]?.selection.analysed.length ?? 0;
  for (let i = 0; i < n; i++) if (groups.some((g) => g.selection.analysed[i])) samples.push(i);
  return Int32Array.from(samples);
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
  // An LMM eigendecomposes its -k file: the engine may start its threads now, while this thread reads the inputs,
  // rather than once K's reading begins (they then parse K's rows beside this thread).
  if (config.lmm !== undefined && config.kinship && !config.loco && !config.eigenVectorsFile)
    engine.expectEigen?.(kinshipFileRows(config.kinship));
  const lock = claimOutputs(config.outDir, config.outPrefix);
  let inputs: ReturnType<typeof openInputs> | undefined;
  const out = (suffix: string) => join(config.outDir, `${config.outPrefix}.${suffix}`);
  // A BIMBAM file starts inflating now, while the other inputs are read.
  if (config.geno) readAhead(config.geno);
  try {
    inputs = openInputs(config);
    mark('inputs opened');
    // A scan reads the genotypes twice (filters and kinship, then the tests): the second time from memory, and
    // only at the individuals some trait group analyses.
    if (config.lmm !== undefined || config.lm !== undefined)
      inputs = {
        ...inputs,
        source: new RememberedGenotypes(inputs.source, undefined, undefined, analysedSamples(inputs.groups)),
      };
    // A scan's plan names its inputs by content: hashed now on a thread of their own, while this thread reads them,
    // unless the scan will keep no plan folder.
    const hashes =
      (config.lmm !== undefined || config.lm !== undefined) && maySaveCheckpoint(config, inputs)
        ? contentHashesAside(inputFiles(config))
        : null;
    const sums = hooks.kinshipSums?.(inputs.selection.nTotal);
    const { summary, pass, setup } = await prepareScan(config, inputs, engine, engineNote, clock, sums);
    mark('SNP pass done');
    hooks.signal?.throwIfAborted();
    if (!setup) {
      const suffix = config.kinshipKind === 1 ? 'cXX.txt' : 'sXX.txt';
      const { nTotal } = inputs.selection;
      // Written where the engine holds K (the wasm engine's shared memory): no n x n array beside its sum.
      // Its rows formatted on the engine's threads, idle now, while this thread writes them.
      // The matrix writer (and its row formatter) loads only for a run that writes one, not for every scan.
      const { writeMatrixFileAside } = await import('../io/matrix-write.js');
      const written = await useKinshipOf(pass, async (kinship) => {
        const format = engine.matrixTextFormatter?.(kinship, nTotal, nTotal) ?? null;
        await writeMatrixFileAside(out(suffix), kinship, nTotal, nTotal, format, {
          what: 'kinship matrix',
          quiet: config.quiet,
        });
        return true;
      });
      if (!written)
        throw new InputError(
          genotypeFile(config),
          `none of the ${pass.snpsInFile} SNPs passed the filters: the kinship is undefined`,
        );
      summary.totalMinutes = clock.totalMinutes;
      writeFileAtomic(out('log.txt'), formatLog(summary));
      return { summary, outputs: [out(suffix), out('log.txt')] };
    }
    return await scanLocally(
      setup,
      inputs.source,
      engine,
      clock,
      engineNote,
      hooks,
      (await hashes) ?? undefined,
    );
  } finally {
    if (config.geno) stopReadingAhead(config.geno);
    inputs?.source.close();
    unlockOutput(lock);
  }
}

/**
 * Whether a scan may keep a checkpoint folder, before its SNP pass: false only when even as many SNPs as the
 * genotype file can hold make a scan without one (scansWithoutCheckpoint), so that its inputs need no hashing.
 */
function maySaveCheckpoint(config: ScanConfig, inputs: ReturnType<typeof openInputs>): boolean {
  const snps = inputs.source.snpCount ?? inputs.source.snpCountAtMost;
  if (snps === undefined || config.resume) return true;
  const kind = analysisKind(config);
  const nAnalysed = Math.max(...inputs.groups.map((g) => g.selection.nAnalysed));
  const traits = Math.max(...inputs.groups.map((g) => g.traitColumns.length));
  // The fewest SNPs a block can hold (a unit's outputs are at most its group's traits): the most blocks.
  const blockSize = scanBlockSize(config, traits, nAnalysed);
  return !scansWithoutCheckpoint({
    totalBlocks: Math.ceil(snps / blockSize),
    loco: Boolean(config.loco),
    kind,
    snps,
    nAnalysed,
    traits: kind === 'mvlmm' ? traits : 1,
  });
}

/**
 * The scan and merge phases in this process: the plan folder of a local run (its one shard saved
 * block by block) next to the outputs, so that --resume scans only the blocks that are missing.
 */
async function scanLocally(
  setup: ScanSetup,
  source: import('../io/genotypes.js').GenotypeSource,
  engine: Engine,
  clock: Stopwatch,
  engineNote: string,
  hooks: JobHooks,
  hashes?: Map<string, HashAside>,
): Promise<JobResult> {
  const { config, units, kind, mode, union, totalBlocks } = setup;
  // A scan of one block keeps it in memory (a resume could not skip any of it), as does a short -lm or mvLMM scan (a
  // resume would save little), unless given --resume: it continues a folder it finds, or keeps one to be resumed.
  const unsaved =
    scansWithoutCheckpoint({
      totalBlocks,
      loco: Boolean(config.loco),
      kind,
      snps: union.length,
      nAnalysed: Math.max(...units.map((u) => u.group.selection.nAnalysed)),
      traits: kind === 'mvlmm' ? Math.max(...units.map((u) => u.group.traitColumns.length)) : 1,
    }) && !config.resume;
  const folder = join(config.outDir, `${config.outPrefix}.checkpoint`);
  // Its inputs are hashed for plan.json only when there is a folder to resume.
  const identity = unsaved
    ? { inputs: [] }
    : planIdentity(config, engine.name, union.length, setup.blockSize, hashes);
  if (unsaved) rmSync(folder, { recursive: true, force: true }); // an earlier run's, as LocalPlan discards it
  const plan = unsaved
    ? new UnsavedPlan(totalBlocks)
    : new LocalPlan(folder, identity, Boolean(config.resume), totalBlocks, [
        ...new Set(units.flatMap((u) => u.outputIds)),
      ]);
  const missing = plan.missing();
  mark('checkpoint opened');
  if (config.resume && !config.quiet && missing.length < totalBlocks)
    process.stderr.write(`resuming: ${totalBlocks - missing.length} of ${totalBlocks} blocks already done\n`);

  // Units of a plain or --traits run are prepared now (their null models go into the plan, the log and
  // the trait table even when every block is already done); LOCO units when their chromosome comes,
  // their null models saved as records.
  const prepared = new Map<ScanUnit, PreparedUnit>();
  const get = async (unit: ScanUnit) => {
    let p = prepared.get(unit);
    if (!p) {
      p = await prepareUnit(unit, kind, mode, config.search, engine);
      prepared.set(unit, p);
      if (kind === 'lmm' && config.loco && p.plan) {
        const { n, nullModels } = p.plan;
        await plan.writeRecords(
          nullModels.map((nullModel, t) => [
            recordKey(unit, t),
            { label: unit.label, column: unit.group.traitColumns[t], n, nullModel },
          ]),
        );
      }
      if (p.mvPlan && config.loco)
        await plan.writeRecords([[recordKey(unit, 0), mvRecord(unit, p.mvPlan.nullModel)]]);
    }
    return p;
  };
  if (!config.loco) for (const unit of units) await get(unit);
  mark('null models fitted');
  const first = prepared.get(units[0]);
  const nullModels = (unit: ScanUnit) => (kind === 'lmm' ? prepared.get(unit)?.plan?.nullModels : undefined);
  if (missing.length > 0) plan.start(() => localManifest(setup, identity, engine.name, nullModels));
  // A run that saves every block writes its outputs as it goes; a resumed one assembles them from the blocks.
  if (missing.length > 0 && missing.length === totalBlocks && plan instanceof LocalPlan)
    plan.writeOutputsAsSaved(outputTargets(setup));
  clock.lap('null models');
  mark('plan saved');

  const printed = new Progress('Testing SNPs', union.length, config.quiet);
  const progress = {
    update: (done: number) => (printed.update(done), hooks.onProgress?.(done, union.length)),
  };
  // Block k is saved (synced off this thread, then renamed) while block k+1 is tested: the scan waits for
  // block k's save only when block k+1 is ready to be saved, so saves and hooks still come in block order.
  let saving: Promise<void> = Promise.resolve();
  const sink = async (k: number, texts: Map<string, Uint8Array>, stats: Record<string, BlockTraitStats>) => {
    await saving;
    hooks.signal?.throwIfAborted();
    mark(`block ${k} tested`);
    saving = plan.writeBlock(k, texts, stats).then(async () => {
      mark(`block ${k} saved`);
      await hooks.onBlock?.(k, texts);
    });
    saving.catch(() => undefined); // awaited by the next block's save or after the scan
  };
  const times = { rotateMs: 0, testMs: 0 };
  try {
    // The missing blocks, as runs of consecutive blocks (one run unless an earlier run left holes).
    for (let i = 0; i < missing.length;) {
      let j = i + 1;
      while (j < missing.length && missing[j] === missing[j - 1] + 1) j++;
      const models = { get, release: (unit: ScanUnit) => prepared.delete(unit) };
      const t = await scanBlockRange(
        setup,
        source,
        engine,
        missing[i],
        missing[j - 1] + 1,
        models,
        sink,
        progress,
      );
      times.rotateMs += t.rotateMs;
      times.testMs += t.testMs;
      i = j;
    }
    await saving;
  } catch (e) {
    await saving.catch(() => undefined);
    if (plan instanceof LocalPlan) await plan.dropRunningOutputs();
    throw e;
  } finally {
    // A scan that stops early (an error, an abort) leaves no save in flight: what is saved is whole and named.
    await saving.catch(() => undefined);
  }
  clock.lap('scan (reading, rotation and optimization)');
  mark('scan done');
  clock.timings.push(
    { label: 'calculating UtX', minutes: times.rotateMs / 60_000 },
    { label: 'optimization', minutes: times.testMs / 60_000 },
  );

  const summary: RunSummary = {
    ...setup.summary,
    // An engine that switched during the scan (webgpu falling back to wasm under auto) says so in the log.
    engine: `${engine.describe()} (${engineNote})`,
    nullModel: !config.loco && !config.traits && kind === 'lmm' ? first?.plan?.nullModels[0] : undefined,
    mvNullModel: kind === 'mvlmm' ? first?.mvPlan?.nullModel : undefined,
  };
  const results = plan.results();
  try {
    const done = await finishScan(setup, summary, results, plan.records(units), clock);
    // Only now, with every output written, synced and in place, are the finished blocks expendable.
    mark('outputs written');
    plan.discard();
    mark('checkpoint removed');
    return done;
  } finally {
    results.close();
  }
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
    const { writeMatrixFile, writeVectorFile } = await import('../io/matrix-write.js');
    writeVectorFile(d, eigen.values);
    writeMatrixFile(u, eigen.vectors, n, n, { what: 'eigenvectors', quiet: config.quiet });
    return [d, u];
  } finally {
    inputs?.source.close();
    unlockOutput(lock);
  }
}
