/**
 * Phase 3 of a scan: the finished blocks (the shard files of a plan folder, shard-set.ts) become
 * the outputs: each .assoc.txt assembled in block order, the trait table of a --traits run or the
 * plots and report of a single scan, and the log.
 */
import { join } from 'node:path';
import { assocHeader } from '../io/assoc-format.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { formatLog, type RunSummary } from '../io/log-format.js';
import { formatGeneral } from '../io/number-format.js';
import type { TraitInput } from '../report/traits-summary.js';
import type { BlockTraitStats } from './block-format.js';
import type { ScanSetup, Stopwatch } from './phase-prepare.js';
import { formatTraitTable, mergeTraitStats, type TraitRow } from './trait-table.js';
import type { NullModel } from '../model/plan.js';
import type { MvNullModel } from '../stats/mvlmm/fit.js';
import { mvNullModelNote } from '../io/mv-log-format.js';
import { mark } from '../io/timeline.js';
import { provideContent } from '../io/text-file.js';

/** A unit trait's null model, saved for the log and the trait table (keyed by recordKey). */
export interface NullModelRecord {
  label: string;
  column: number;
  n: number;
  nullModel: NullModel;
}

/** A multivariate unit's null fits (its d traits together), saved for the log (keyed by recordKey(unit, 0)). */
export interface MvNullModelRecord {
  label: string;
  columns: number[];
  n: number;
  mvNullModel: MvNullModel;
  /** Absent: lets a reader of either kind of record ask for `nullModel`. */
  nullModel?: undefined;
}

/** What a plan saves per unit trait (univariate) or per unit (multivariate). */
export type SavedNullModel = NullModelRecord | MvNullModelRecord;

/** One output file the merge assembles from the blocks. */
export interface OutputTarget {
  /** Its id in the blocks (e.g. "assoc", "trait3"). */
  id: string;
  path: string;
  header: string;
}

/** Finished blocks (the shards of a plan folder). */
export interface BlockResults {
  /** The trait statistics of block k. */
  stats<T>(k: number): T | undefined;
  /** Writes every output (header + blocks 0..total-1) atomically. */
  assemble(outputs: OutputTarget[], total: number): void | Promise<void>;
  /** The bytes assemble() writes to an output, where the blocks are in memory (a scan without a checkpoint). */
  content?(output: OutputTarget, total: number): Uint8Array;
}

/** Output path OUTDIR/NAME.suffix. */
export function outputPath(setup: ScanSetup, suffix: string): string {
  return join(setup.config.outDir, `${setup.config.outPrefix}.${suffix}`);
}

/** The .assoc.txt files of a scan, in the order of its units' output ids. */
export function outputTargets(setup: ScanSetup): OutputTarget[] {
  const { units, kind, mode } = setup;
  const targets: OutputTarget[] = [];
  for (const unit of units)
    for (const id of unit.outputIds)
      if (!targets.some((t) => t.id === id))
        targets.push({
          id,
          path: outputPath(setup, id === 'assoc' ? 'assoc.txt' : `${id}.assoc.txt`),
          header: assocHeader(kind, mode, unit.group.traitColumns.length),
        });
  return targets;
}

function nullModelNote(label: string, n: number, m: NullModel): string {
  const g = (x: number) => formatGeneral(x, 6);
  return `${label}: n = ${n}, REMLE logl = ${g(m.reml.logLikelihood)}, MLE logl = ${g(m.mle.logLikelihood)}, vg = ${g(m.reml.vg)}, ve = ${g(m.reml.ve)}, pve = ${g(m.pve)} (se ${g(m.pveSe)}), lambda = ${g(m.reml.lambda)}`;
}

/**
 * Writes the outputs of a finished scan; returns their paths (the log last) and the run summary the
 * log holds: `start` (the setup's, with what the scan learnt) completed with the merge's notes,
 * lambda_GC and the clock's laps.
 */
export async function finishScan(
  setup: ScanSetup,
  start: Readonly<RunSummary>,
  results: BlockResults,
  records: ReadonlyMap<string, SavedNullModel>,
  clock: Stopwatch,
): Promise<{ outputs: string[]; summary: RunSummary }> {
  const { config, units, kind, mode, totalBlocks } = setup;
  const summary: RunSummary = { ...start, notes: [...start.notes], timings: clock.timings };
  const out = (suffix: string) => outputPath(setup, suffix);
  const outputs: string[] = [];
  if (config.loco) {
    summary.notes.push('LOCO null models per chromosome (kinship without that chromosome):');
    for (const unit of units) {
      const r = records.get(`assoc.chr${unit.chromosomeCode}`);
      const label = `  chr ${setup.chromosomes[unit.chromosomeCode!]}`;
      if (r?.nullModel) summary.notes.push(nullModelNote(label, r.n, r.nullModel));
      else if (r) summary.notes.push(mvNullModelNote(label, r.n, r.mvNullModel, r.columns.length));
    }
  }
  const targets = outputTargets(setup);
  if (config.traits) {
    const traitRows: TraitRow[] = [];
    const traitInputs: TraitInput[] = [];
    // Each block's statistics are read once (they hold every trait), in block order.
    const statsOf = new Map<string, BlockTraitStats[]>();
    for (let b = 0; b < totalBlocks; b++) {
      const all = results.stats<Record<string, BlockTraitStats>>(b);
      if (!all) continue;
      for (const [id, s] of Object.entries(all)) {
        const list = statsOf.get(id);
        if (list) list.push(s);
        else statsOf.set(id, [s]);
      }
    }
    for (const unit of units) {
      unit.outputIds.forEach((id, t) => {
        const stats = statsOf.get(id) ?? [];
        const r = records.get(id);
        traitRows.push({
          column: unit.group.traitColumns[t],
          n: unit.group.selection.nAnalysed,
          nullModel: r?.nullModel,
          stats: mergeTraitStats(stats),
        });
        const assocPath = targets.find((target) => target.id === id)!.path;
        const row = traitRows[traitRows.length - 1];
        traitInputs.push({ column: row.column, assocPath, nAnalysed: row.n, snpsTested: row.stats.tested });
      });
    }
    traitRows.sort((a, b) => a.column - b.column);
    await results.assemble(targets, totalBlocks);
    writeFileAtomic(out('traits.tsv'), formatTraitTable(traitRows, kind, mode));
    outputs.push(...targets.map((t) => t.path), out('traits.tsv'));
    if (config.plots !== false) {
      traitInputs.sort((a, b) => a.column - b.column);
      const lines = { gwas: config.gwasLine, suggestive: config.suggestiveLine };
      // The report modules (and resvg's native binding) load only for a run that writes a report.
      const { writeTraitsReport } = await import('../report/traits-report.js');
      outputs.push(
        ...(await writeTraitsReport(traitInputs, {
          outDir: config.outDir,
          outPrefix: config.outPrefix,
          test: config.plotTest,
          lines,
          keepP: config.keepP,
          png: config.png === true,
        })),
      );
      clock.lap('traits summary report');
    }
  } else {
    // With the blocks in memory, the report reads the .assoc.txt's bytes from them while the file is written and
    // synced (off this thread); its own files wait for the .assoc.txt to be in place.
    const early = config.plots !== false ? results.content?.(targets[0], totalBlocks) : undefined;
    const assembled = Promise.resolve(results.assemble(targets, totalBlocks)).then(() =>
      mark('assoc written'),
    );
    if (!early) await assembled;
    else assembled.catch(() => undefined); // awaited by the report before it writes, or below
    outputs.push(out('assoc.txt'));
    try {
      if (config.plots !== false) {
        const { writeReport } = await import('../report/write-report.js');
        if (early) provideContent(out('assoc.txt'), early);
        const report = await writeReport(out('assoc.txt'), {
          outDir: config.outDir,
          outPrefix: config.outPrefix,
          test: config.plotTest,
          lines: { gwas: config.gwasLine, suggestive: config.suggestiveLine },
          run: summary,
          elapsedSeconds: clock.totalMinutes * 60,
          png: config.png === true,
          before: assembled,
        });
        summary.genomicControl = report.genomicControl;
        outputs.push(...report.outputs);
        clock.lap('plots and report');
        mark('report written');
      }
    } finally {
      await assembled;
    }
  }
  summary.totalMinutes = clock.totalMinutes;
  writeFileAtomic(out('log.txt'), formatLog(summary));
  outputs.push(out('log.txt'));
  return { outputs, summary };
}
