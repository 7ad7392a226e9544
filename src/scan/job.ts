/**
 * One lmmscan job, GEMMA-style: -gk (kinship), -eigen, -lmm or -lm, with outputs written
 * atomically under OUTDIR/NAME.*. Data flows one way: read -> filter -> kinship -> eigen ->
 * rotate -> test -> write.
 */
import { join } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { assocHeader, assocRows, type AnalysisKind } from '../io/assoc-format.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { InputError, UsageError } from '../io/input-error.js';
import { formatLog, type RunSummary } from '../io/log-format.js';
import { formatMatrix, formatVector } from '../io/matrix-file.js';
import { Progress } from '../io/progress.js';
import { LinearModel } from '../stats/linear-model.js';
import { emptyResultBlock, type SnpResultBlock } from '../stats/results.js';
import { BlockCheckpoint, fileIdentity } from './checkpoint.js';
import type { ScanConfig } from './config.js';
import { analysedBlocks, type AnalysedBlock } from './genotype-blocks.js';
import { openInputs } from './inputs.js';
import { buildPlan, eigenForAnalysed, type KinshipSource } from './prepare.js';
import { groupKinship, readGroupFile } from '../fit/groups.js';
import { runSnpPass } from './snp-pass.js';
import { VERSION } from '../version.js';
import { writeReport } from '../report/write-report.js';

export interface JobResult {
  summary: RunSummary;
  /** Files written (final names). */
  outputs: string[];
}

class Stopwatch {
  private readonly start = performance.now();
  readonly timings: { label: string; minutes: number }[] = [];
  private last = performance.now();
  lap(label: string): void {
    const now = performance.now();
    this.timings.push({ label, minutes: (now - this.last) / 60_000 });
    this.last = now;
  }
  get totalMinutes(): number {
    return (performance.now() - this.start) / 60_000;
  }
}

function checkModes(config: ScanConfig): void {
  const modes = [config.kinshipKind !== undefined, config.lmm !== undefined, config.lm !== undefined, config.writeEigen].filter(Boolean).length;
  if (modes === 0) throw new UsageError('nothing to do: give one of -gk, -lmm, -lm or -eigen');
  if (modes > 1) throw new UsageError('give only one of -gk, -lmm, -lm and -eigen per run (as GEMMA)');
}

/** What a checkpoint must match to be resumed: the inputs (path, size, mtime) and every setting that changes a row. */
function scanManifest(config: ScanConfig, engine: string, tested: number): Record<string, unknown> {
  const files = [config.bfile && `${config.bfile}.bed`, config.bfile && `${config.bfile}.bim`, config.bfile && `${config.bfile}.fam`, config.geno, config.pheno, config.anno, config.covariates, config.kinship, config.eigenValuesFile, config.eigenVectorsFile, config.groups];
  return {
    version: VERSION,
    engine,
    inputs: files.filter((f): f is string => Boolean(f)).map(fileIdentity),
    phenotypeColumns: config.phenotypeColumns,
    lmm: config.lmm ?? null,
    lm: config.lm ?? null,
    filters: config.filters,
    search: config.search,
    blockSize: config.blockSize,
    testedSnps: tested,
  };
}

/** Where an LMM's K comes from: -k, -d/-u, or --groups (K = D D^T, double-centred like any K in a scan). */
function kinshipSourceOf(config: ScanConfig): KinshipSource {
  if (config.groups && (config.kinship || config.eigenValuesFile)) throw new UsageError('give either --groups or -k / -d -u, not both');
  return {
    kinship: config.groups ? groupKinship(readGroupFile(config.groups)) : undefined,
    kinshipFile: config.kinship,
    eigenValuesFile: config.eigenValuesFile,
    eigenVectorsFile: config.eigenVectorsFile,
  };
}

/** Runs the job described by config with the given engine. */
export async function runJob(config: ScanConfig, engine: Engine, engineNote: string): Promise<JobResult> {
  checkModes(config);
  const clock = new Stopwatch();
  const inputs = openInputs(config);
  const { source, selection } = inputs;
  const outputs: string[] = [];
  const out = (suffix: string) => join(config.outDir, `${config.outPrefix}.${suffix}`);
  try {
    // The kinship is read and checked (and decomposed) before any genotype is: bad input fails fast.
    const eigen = config.lmm
      ? await eigenForAnalysed(kinshipSourceOf(config), selection, engine)
      : undefined;
    if (eigen) clock.lap('eigen-decomposition');
    const pass = await runSnpPass(source, selection, {
      filters: config.filters,
      blockSize: config.blockSize,
      quiet: config.quiet,
      snpsInFile: inputs.snpsInFile,
      kinship: config.kinshipKind ? { kind: config.kinshipKind, engine } : undefined,
    });
    clock.lap(config.kinshipKind ? 'calculating relatedness matrix' : 'reading and filtering SNPs');
    const summary: RunSummary = {
      version: VERSION,
      commandLine: config.commandLine,
      engine: `${engine.describe()} (${engineNote})`,
      nTotal: selection.nTotal,
      nAnalysed: selection.nAnalysed,
      nCvt: selection.nCvt,
      nPhenotypes: config.phenotypeColumns.length,
      snpsTotal: pass.snpsInFile,
      snpsAnalysed: pass.testedIndices.length,
      timings: clock.timings,
      totalMinutes: 0,
      notes: selection.interceptAppended ? ['no intercept column found in the covariate file: a column of 1s was appended (as GEMMA)'] : [],
    };
    const finishLog = () => {
      summary.totalMinutes = clock.totalMinutes;
      writeFileAtomic(out('log.txt'), formatLog(summary));
      outputs.push(out('log.txt'));
    };

    if (config.kinshipKind) {
      if (!pass.kinship) {
        throw new InputError(config.bfile ? `${config.bfile}.bed` : config.geno ?? 'genotypes', `none of the ${pass.snpsInFile} SNPs passed the filters: the kinship is undefined`);
      }
      const suffix = config.kinshipKind === 1 ? 'cXX.txt' : 'sXX.txt';
      writeFileAtomic(out(suffix), formatMatrix(pass.kinship, selection.nTotal, selection.nTotal));
      outputs.push(out(suffix));
      finishLog();
      return { summary, outputs };
    }
    if (pass.testedIndices.length === 0) {
      throw new InputError(config.bfile ? `${config.bfile}.bed` : config.geno ?? 'genotypes', `none of the ${pass.snpsInFile} SNPs passed the filters (-maf, -miss, -r2, -hwe): zero analysable SNPs`);
    }

    const kind: AnalysisKind = config.lm ? 'lm' : 'lmm';
    const mode = (config.lm ?? config.lmm ?? 4) as 1 | 2 | 3 | 4;
    const total = pass.testedIndices.length;
    const blockSize = config.blockSize;
    const totalBlocks = Math.ceil(total / blockSize);
    const checkpoint = new BlockCheckpoint(out('assoc.txt'), scanManifest(config, engine.name, total), Boolean(config.resume));
    let firstBlock = 0;
    while (firstBlock < totalBlocks && checkpoint.has(firstBlock)) firstBlock++;
    if (config.resume && !config.quiet && firstBlock > 0) process.stderr.write(`resuming: ${firstBlock} of ${totalBlocks} blocks already done\n`);
    const progress = new Progress('Testing SNPs', total, config.quiet);
    const rowsOf = (block: AnalysedBlock, results: SnpResultBlock) =>
      assocRows(kind, mode, { annotations: block.annotations, missing: pass.testedMissing, frequency: pass.testedFrequency, first: block.first }, results, selection.nAnalysed);
    const blocks = analysedBlocks(source, selection, pass.testedIndices, blockSize, firstBlock * blockSize);
    if (kind === 'lm') {
      const model = new LinearModel(selection.covariates, selection.phenotypes[0], selection.nCvt);
      for await (const block of blocks) {
        const k = block.first / blockSize;
        if (checkpoint.has(k)) continue;
        const results = emptyResultBlock(block.count);
        for (let j = 0; j < block.count; j++) {
          const r = model.test(block.genotypes.subarray(j * selection.nAnalysed, (j + 1) * selection.nAnalysed), mode);
          results.beta[j] = r.beta;
          results.se[j] = r.se;
          results.pWald[j] = r.pWald;
          results.pLrt[j] = r.pLrt;
          results.pScore[j] = r.pScore;
        }
        checkpoint.write(k, rowsOf(block, results));
        progress.update(block.first + block.count);
      }
      clock.lap('optimization');
    } else {
      if (!eigen) throw new Error('internal: eigendecomposition missing for an LMM scan');
      const plan = await buildPlan(eigen, selection, 0, mode, config.search, engine);
      summary.nullModel = plan.nullModel;
      let rotateMs = 0;
      let testMs = 0;
      for await (const block of blocks) {
        const k = block.first / blockSize;
        if (checkpoint.has(k)) continue;
        const t0 = performance.now();
        const rotated = await engine.rotate(plan.eigenvectors, plan.n, block.genotypes, block.count);
        const t1 = performance.now();
        const results = await engine.scanBlock(plan, rotated, block.count);
        testMs += performance.now() - t1;
        rotateMs += t1 - t0;
        checkpoint.write(k, rowsOf(block, results));
        progress.update(block.first + block.count);
      }
      clock.lap('scan (reading, rotation and optimization)');
      clock.timings.push({ label: 'calculating UtX', minutes: rotateMs / 60_000 }, { label: 'optimization', minutes: testMs / 60_000 });
    }
    checkpoint.assemble(out('assoc.txt'), assocHeader(kind, mode), totalBlocks);
    outputs.push(out('assoc.txt'));
    if (config.plots !== false) {
      const report = await writeReport(out('assoc.txt'), { outDir: config.outDir, outPrefix: config.outPrefix, test: config.plotTest, run: summary, elapsedSeconds: clock.totalMinutes * 60 });
      summary.genomicControl = report.genomicControl;
      outputs.push(...report.outputs);
      clock.lap('plots and report');
    }
    finishLog();
    return { summary, outputs };
  } finally {
    source.close();
  }
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
    writeFileAtomic(u, formatMatrix(eigen.vectors, n, n));
    return [d, u];
  } finally {
    inputs.source.close();
  }
}
