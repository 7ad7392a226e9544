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
import { InputError } from '../io/input-error.js';
import { formatLog, type RunSummary } from '../io/log-format.js';
import { formatMatrixBytes, formatVector } from '../io/matrix-file.js';
import { Progress } from '../io/progress.js';
import { BlockCheckpoint, fileIdentity } from './checkpoint.js';
import type { ScanConfig } from '../model/config.js';
import { openInputs } from './inputs.js';
import { eigenForAnalysed } from './prepare.js';
import { kinshipOf, type KinshipPart } from './snp-pass.js';
import { prepareUnit, type PreparedUnit, type ScanUnit } from './units.js';
import { checkModes, genotypeFile, kinshipSourceOf, prepareScan, recordKey, Stopwatch, type ScanSetup } from './phase-prepare.js';
import { scanBlockRange } from './phase-scan.js';
import { finishScan, type NullModelRecord } from './phase-merge.js';
import { VERSION } from '../version.js';


export interface JobResult {
  summary: RunSummary;
  /** Files written (final names). */
  outputs: string[];
}

/** What a checkpoint must match to be resumed: the inputs (path, size, mtime) and every setting that changes a row. */
function scanManifest(config: ScanConfig, engine: string, tested: number, blockSize: number): Record<string, unknown> {
  const files = [config.bfile && `${config.bfile}.bed`, config.bfile && `${config.bfile}.bim`, config.bfile && `${config.bfile}.fam`, config.geno, config.pheno, config.anno, config.covariates, config.kinship, config.eigenValuesFile, config.eigenVectorsFile, config.groups];
  return {
    version: VERSION,
    engine,
    inputs: files.filter((f): f is string => Boolean(f)).map(fileIdentity),
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
 * Runs the job described by config with the given engine. `kinshipSums`, given the number of individuals in the
 * genotype file, returns kinship sums computed elsewhere (merged kinship shards) for -gk / --loco.
 */
export async function runJob(config: ScanConfig, engine: Engine, engineNote: string, kinshipSums?: (n: number) => Map<string, KinshipPart>): Promise<JobResult> {
  checkModes(config);
  const clock = new Stopwatch();
  const inputs = openInputs(config);
  const out = (suffix: string) => join(config.outDir, `${config.outPrefix}.${suffix}`);
  try {
    const sums = kinshipSums?.(inputs.selection.nTotal);
    const { summary, pass, setup } = await prepareScan(config, inputs, engine, engineNote, clock, sums);
    if (!setup) {
      const kinship = kinshipOf(pass);
      if (!kinship) throw new InputError(genotypeFile(config), `none of the ${pass.snpsInFile} SNPs passed the filters: the kinship is undefined`);
      const suffix = config.kinshipKind === 1 ? 'cXX.txt' : 'sXX.txt';
      writeFileAtomic(out(suffix), formatMatrixBytes(kinship, inputs.selection.nTotal, inputs.selection.nTotal));
      summary.totalMinutes = clock.totalMinutes;
      writeFileAtomic(out('log.txt'), formatLog(summary));
      return { summary, outputs: [out(suffix), out('log.txt')] };
    }
    return { summary, outputs: await scanLocally(setup, inputs.source, engine, clock, engineNote) };
  } finally {
    inputs.source.close();
  }
}

/** The scan and merge phases in this process, through a resumable checkpoint next to the outputs. */
async function scanLocally(setup: ScanSetup, source: import('../io/genotypes.js').GenotypeSource, engine: Engine, clock: Stopwatch, engineNote: string): Promise<string[]> {
  const { config, units, kind, mode, union, totalBlocks } = setup;
  const checkpoint = new BlockCheckpoint(join(config.outDir, `${config.outPrefix}.checkpoint`), scanManifest(config, engine.name, union.length, setup.blockSize), Boolean(config.resume));
  let firstBlock = 0;
  while (firstBlock < totalBlocks && checkpoint.has(firstBlock)) firstBlock++;
  if (config.resume && !config.quiet && firstBlock > 0) process.stderr.write(`resuming: ${firstBlock} of ${totalBlocks} blocks already done\n`);

  // Units of a plain or --traits run are prepared now (their null models go to the log and the
  // trait table even when every block is already done); LOCO units when their chromosome comes.
  const prepared = new Map<ScanUnit, PreparedUnit>();
  const get = async (unit: ScanUnit) => {
    let p = prepared.get(unit);
    if (!p) {
      p = await prepareUnit(unit, kind, mode, config.search, engine);
      prepared.set(unit, p);
      if (kind === 'lmm') {
        await checkpoint.writeRecords(p.plans.map((plan, t) => [recordKey(unit, t), { label: unit.label, column: unit.group.traitColumns[t], n: plan.n, nullModel: plan.nullModel }]));
      }
    }
    return p;
  };
  if (!config.loco) for (const unit of units) await get(unit);
  if (!config.loco && !config.traits && kind === 'lmm') setup.summary.nullModel = prepared.get(units[0])?.plans[0]?.nullModel;
  clock.lap('null models');

  const progress = new Progress('Testing SNPs', union.length, config.quiet);
  const times = await scanBlockRange(setup, source, engine, firstBlock, totalBlocks, { get, release: (unit) => prepared.delete(unit) }, (k, texts, stats) => checkpoint.write(k, texts, stats), progress);
  clock.lap('scan (reading, rotation and optimization)');
  clock.timings.push({ label: 'calculating UtX', minutes: times.rotateMs / 60_000 }, { label: 'optimization', minutes: times.testMs / 60_000 });

  // An engine that switched during the scan (webgpu falling back to wasm under auto) says so in the log.
  setup.summary.engine = `${engine.describe()} (${engineNote})`;
  const outputs = await finishScan(setup, checkpoint, checkpoint.records<NullModelRecord>(), clock);
  return outputs;
}

/** -eigen: writes NAME.eigenD.txt and NAME.eigenU.txt for the analysed individuals' centred K. */
export async function runEigenJob(config: ScanConfig, engine: Engine): Promise<string[]> {
  const inputs = openInputs(config);
  try {
    const eigen = await eigenForAnalysed(kinshipSourceOf(config), inputs.selection, engine);
    const n = inputs.selection.nAnalysed;
    const d = join(config.outDir, `${config.outPrefix}.eigenD.txt`);
    const u = join(config.outDir, `${config.outPrefix}.eigenU.txt`);
    writeFileAtomic(d, formatVector(eigen.values));
    writeFileAtomic(u, formatMatrixBytes(eigen.vectors, n, n));
    return [d, u];
  } finally {
    inputs.source.close();
  }
}
