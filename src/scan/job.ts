/**
 * One lmmscan job, GEMMA-style: -gk (kinship), -eigen, -lmm or -lm, plus --traits (one scan per
 * phenotype column in one pass) and --loco (leave-one-chromosome-out in one run). Outputs are
 * written atomically under OUTDIR/NAME.*. Data flows one way: read -> filter -> kinship -> eigen ->
 * rotate -> test -> write; the scan itself is a sequence of resumable blocks.
 */
import { join } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { assocHeader, type AnalysisKind } from '../io/assoc-format.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { InputError, UsageError } from '../io/input-error.js';
import { formatLog, type RunSummary } from '../io/log-format.js';
import { formatMatrix, formatVector } from '../io/matrix-file.js';
import { Progress } from '../io/progress.js';
import { formatGeneral } from '../io/number-format.js';
import type { NullModel } from '../stats/null-model.js';
import { BlockCheckpoint, fileIdentity, type OutputTarget } from './checkpoint.js';
import type { ScanConfig } from './config.js';
import { openInputs, type ScanInputs } from './inputs.js';
import { eigenForAnalysed, type KinshipSource } from './prepare.js';
import { groupKinship, readGroupFile } from '../fit/groups.js';
import { kinshipOf, leaveOneOutKinship, runSnpPass, type SnpPassResult } from './snp-pass.js';
import { prepareUnit, rowsOfPositions, unionOfTested, type PreparedUnit, type ScanUnit } from './units.js';
import { scanGenotypeBlock, type BlockTraitStats } from './block-scan.js';
import { formatTraitTable, mergeTraitStats, type TraitRow } from './trait-table.js';
import type { LmmTestMode } from './plan-types.js';
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
  const lmmOrLm = config.lmm !== undefined || config.lm !== undefined;
  const modes = [config.kinshipKind !== undefined && !config.loco, config.lmm !== undefined, config.lm !== undefined, config.writeEigen].filter(Boolean).length;
  if (modes === 0) throw new UsageError('nothing to do: give one of -gk, -lmm, -lm or -eigen');
  if (modes > 1) throw new UsageError('give only one of -gk, -lmm, -lm and -eigen per run (as GEMMA)');
  if (config.traits && !lmmOrLm) throw new UsageError('--traits works with -lmm or -lm');
  if (config.keepP !== undefined && !config.traits) throw new UsageError('--keep-p works with --traits');
  if (config.loco) {
    if (config.lmm === undefined) throw new UsageError('--loco needs -lmm (it builds one kinship per chromosome and tests that chromosome against it)');
    if (config.kinship || config.eigenValuesFile || config.groups) throw new UsageError('--loco computes its kinships from the genotypes: drop -k / -d / -u / --groups');
    if (config.traits) throw new UsageError('--loco and --traits cannot be combined in one run');
    if (config.locoChromosome) throw new UsageError('give either --loco (every chromosome) or -loco CHR (one), not both');
  }
}

/** What a checkpoint must match to be resumed: the inputs (path, size, mtime) and every setting that changes a row. */
function scanManifest(config: ScanConfig, engine: string, tested: number): Record<string, unknown> {
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

function genotypeFile(config: ScanConfig): string {
  return config.bfile ? `${config.bfile}.bed` : (config.geno ?? 'genotypes');
}

/** The scan units of a run: one per trait group, or one per chromosome for --loco. */
async function buildUnits(config: ScanConfig, inputs: ScanInputs, pass: SnpPassResult, union: Int32Array, engine: Engine, earlyEigen: Map<number, Promise<import('../engines/engine.js').Eigen>>): Promise<ScanUnit[]> {
  const units: ScanUnit[] = [];
  const outputIdsOf = (columns: number[]) => (config.traits ? columns.map((c) => `trait${c}`) : ['assoc']);
  if (config.loco) {
    if (pass.chromosomes.length < 2) throw new InputError(genotypeFile(config), `--loco needs SNPs on at least two chromosomes (found ${pass.chromosomes.join(', ') || 'none'})`);
    const group = inputs.groups[0];
    pass.chromosomes.forEach((chr, code) => {
      const { rows, last } = rowsOfPositions(union, pass.tested[0], code);
      units.push({
        label: `chromosome ${chr} left out`,
        group,
        tested: pass.tested[0],
        outputIds: ['assoc'],
        chromosomeCode: code,
        rowOfPosition: rows,
        lastPosition: last,
        eigen: async () => {
          const kinship = leaveOneOutKinship(pass, chr);
          if (!kinship) throw new InputError(genotypeFile(config), `no SNP outside chromosome ${chr} passed the filters: its LOCO kinship is undefined`);
          return eigenForAnalysed({ kinship }, group.selection, engine);
        },
      });
    });
    return units;
  }
  inputs.groups.forEach((group, g) => {
    let code: number | undefined;
    if (config.locoChromosome !== undefined) {
      // GEMMA tests every SNP when CHR is not among the chromosomes.
      const found = pass.chromosomes.indexOf(config.locoChromosome);
      code = found >= 0 ? found : undefined;
    }
    const { rows, last } = rowsOfPositions(union, pass.tested[g], code);
    units.push({
      label: inputs.groups.length > 1 ? `trait group ${g + 1} (columns ${group.traitColumns.join(',')})` : 'all',
      group,
      tested: pass.tested[g],
      outputIds: outputIdsOf(group.traitColumns),
      chromosomeCode: code,
      rowOfPosition: rows,
      lastPosition: last,
      eigen: earlyEigen.has(g) ? () => earlyEigen.get(g)! : undefined,
    });
  });
  return units;
}

function nullModelNote(label: string, n: number, m: NullModel): string {
  const g = (x: number) => formatGeneral(x, 6);
  return `${label}: n = ${n}, REMLE logl = ${g(m.reml.logLikelihood)}, MLE logl = ${g(m.mle.logLikelihood)}, vg = ${g(m.reml.vg)}, ve = ${g(m.reml.ve)}, pve = ${g(m.pve)} (se ${g(m.pveSe)}), lambda = ${g(m.reml.lambda)}`;
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
    // A given kinship is read, checked and decomposed before any genotype is: bad input fails fast.
    const earlyEigen = new Map<number, Promise<import('../engines/engine.js').Eigen>>();
    if (config.lmm !== undefined && !config.loco) {
      const source = kinshipSourceOf(config);
      for (let g = 0; g < inputs.groups.length; g++) {
        const eigen = await eigenForAnalysed(source, inputs.groups[g].selection, engine);
        earlyEigen.set(g, Promise.resolve(eigen));
      }
      clock.lap('eigen-decomposition');
    }
    const kinshipKind = config.kinshipKind ?? 1;
    const pass = await runSnpPass(source, inputs.groups, {
      filters: config.filters,
      blockSize: config.blockSize,
      quiet: config.quiet,
      snpsInFile: inputs.snpsInFile,
      kinship: config.loco
        ? { kind: kinshipKind, engine, split: { by: 'chromosome' } }
        : config.kinshipKind
          ? { kind: config.kinshipKind, engine, split: config.locoChromosome !== undefined ? { by: 'exclude', chromosome: config.locoChromosome } : { by: 'none' } }
          : undefined,
    });
    clock.lap(config.kinshipKind || config.loco ? 'calculating relatedness matrix' : 'reading and filtering SNPs');
    const union = unionOfTested(pass.tested);
    const summary: RunSummary = {
      version: VERSION,
      commandLine: config.commandLine,
      engine: `${engine.describe()} (${engineNote})`,
      nTotal: selection.nTotal,
      nAnalysed: selection.nAnalysed,
      nCvt: selection.nCvt,
      nPhenotypes: inputs.traitColumns.length,
      snpsTotal: pass.snpsInFile,
      snpsAnalysed: union.length,
      timings: clock.timings,
      totalMinutes: 0,
      notes: selection.interceptAppended ? ['no intercept column found in the covariate file: a column of 1s was appended (as GEMMA)'] : [],
    };
    const finishLog = () => {
      summary.totalMinutes = clock.totalMinutes;
      writeFileAtomic(out('log.txt'), formatLog(summary));
      outputs.push(out('log.txt'));
    };

    if (config.kinshipKind && !config.loco) {
      const kinship = kinshipOf(pass);
      if (!kinship) throw new InputError(genotypeFile(config), `none of the ${pass.snpsInFile} SNPs passed the filters: the kinship is undefined`);
      const suffix = config.kinshipKind === 1 ? 'cXX.txt' : 'sXX.txt';
      writeFileAtomic(out(suffix), formatMatrix(kinship, selection.nTotal, selection.nTotal));
      outputs.push(out(suffix));
      finishLog();
      return { summary, outputs };
    }
    if (union.length === 0) {
      throw new InputError(genotypeFile(config), `none of the ${pass.snpsInFile} SNPs passed the filters (-maf, -miss, -r2, -hwe): zero analysable SNPs`);
    }

    const kind: AnalysisKind = config.lm ? 'lm' : 'lmm';
    const mode = (config.lm ?? config.lmm ?? 4) as LmmTestMode;
    const units = await buildUnits(config, inputs, pass, union, engine, earlyEigen);
    summary.snpsAnalysed = units.reduce((s, u) => s + u.rowOfPosition.reduce((c, r) => c + (r >= 0 ? 1 : 0), 0), 0);
    if (config.traits) summary.snpsAnalysed = union.length;
    const blockSize = config.blockSize;
    const totalBlocks = Math.ceil(union.length / blockSize);
    const checkpoint = new BlockCheckpoint(out('checkpoint'), scanManifest(config, engine.name, union.length), Boolean(config.resume));
    let firstBlock = 0;
    while (firstBlock < totalBlocks && checkpoint.has(firstBlock)) firstBlock++;
    if (config.resume && !config.quiet && firstBlock > 0) process.stderr.write(`resuming: ${firstBlock} of ${totalBlocks} blocks already done\n`);

    // Units of a plain or --traits run are prepared now (their null models go to the log and the
    // trait table even when every block is already done); LOCO units when their chromosome comes.
    const prepared = new Map<ScanUnit, PreparedUnit>();
    const prepare = async (unit: ScanUnit) => {
      let p = prepared.get(unit);
      if (!p) {
        p = await prepareUnit(unit, kind, mode, config.search, engine);
        prepared.set(unit, p);
        if (kind === 'lmm') {
          p.plans.forEach((plan, t) => checkpoint.writeRecord(`${unit.outputIds[t]}${unit.chromosomeCode !== undefined ? `.chr${unit.chromosomeCode}` : ''}`, { label: unit.label, column: unit.group.traitColumns[t], n: plan.n, nullModel: plan.nullModel }));
        }
      }
      return p;
    };
    if (!config.loco) for (const unit of units) await prepare(unit);
    if (!config.loco && !config.traits && kind === 'lmm') summary.nullModel = prepared.get(units[0])?.plans[0]?.nullModel;
    clock.lap('null models');

    const progress = new Progress('Testing SNPs', union.length, config.quiet);
    let rotateMs = 0;
    let testMs = 0;
    let position = firstBlock * blockSize;
    for await (const block of source.blocks(blockSize, union.subarray(firstBlock * blockSize))) {
      const k = position / blockSize;
      const active: PreparedUnit[] = [];
      for (const unit of units) {
        let touches = false;
        for (let j = 0; j < block.count && !touches; j++) touches = unit.rowOfPosition[position + j] >= 0;
        if (touches) active.push(await prepare(unit));
      }
      const outcome = await scanGenotypeBlock(block, position, active, engine, kind, mode, config.keepP);
      for (const unit of units) for (const id of unit.outputIds) if (!outcome.texts.has(id)) outcome.texts.set(id, '');
      checkpoint.write(k, outcome.texts, outcome.stats);
      rotateMs += outcome.rotateMs;
      testMs += outcome.testMs;
      position += block.count;
      progress.update(position);
      // A LOCO unit whose last SNP is behind us releases its eigenvectors.
      if (config.loco) for (const unit of units) if (unit.lastPosition < position) prepared.delete(unit);
    }
    clock.lap('scan (reading, rotation and optimization)');
    clock.timings.push({ label: 'calculating UtX', minutes: rotateMs / 60_000 }, { label: 'optimization', minutes: testMs / 60_000 });

    const records = checkpoint.records<{ label: string; column: number; n: number; nullModel: NullModel }>();
    if (config.loco) {
      summary.notes.push('LOCO null models per chromosome (kinship without that chromosome):');
      for (const unit of units) {
        const r = records.get(`assoc.chr${unit.chromosomeCode}`);
        if (r) summary.notes.push(nullModelNote(`  chr ${pass.chromosomes[unit.chromosomeCode!]}`, r.n, r.nullModel));
      }
    }
    const targets: OutputTarget[] = [];
    for (const unit of units) for (const id of unit.outputIds) if (!targets.some((t) => t.id === id)) targets.push({ id, path: out(id === 'assoc' ? 'assoc.txt' : `${id}.assoc.txt`), header: assocHeader(kind, mode) });
    if (config.traits) {
      const traitRows: TraitRow[] = [];
      for (const unit of units) {
        unit.outputIds.forEach((id, t) => {
          const stats: BlockTraitStats[] = [];
          for (let b = 0; b < totalBlocks; b++) {
            const s = checkpoint.stats<Record<string, BlockTraitStats>>(b)?.[id];
            if (s) stats.push(s);
          }
          const r = records.get(id);
          traitRows.push({ column: unit.group.traitColumns[t], n: unit.group.selection.nAnalysed, nullModel: r?.nullModel, stats: mergeTraitStats(stats) });
        });
      }
      traitRows.sort((a, b) => a.column - b.column);
      checkpoint.assemble(targets, totalBlocks);
      writeFileAtomic(out('traits.tsv'), formatTraitTable(traitRows, kind, mode));
      outputs.push(...targets.map((t) => t.path), out('traits.tsv'));
    } else {
      checkpoint.assemble(targets, totalBlocks);
      outputs.push(out('assoc.txt'));
      if (config.plots !== false) {
        const report = await writeReport(out('assoc.txt'), { outDir: config.outDir, outPrefix: config.outPrefix, test: config.plotTest, run: summary, elapsedSeconds: clock.totalMinutes * 60 });
        summary.genomicControl = report.genomicControl;
        outputs.push(...report.outputs);
        clock.lap('plots and report');
      }
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
