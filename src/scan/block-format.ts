/**
 * The writer's part of a block (this thread's, overlapping the engine's work on the next block):
 * the rows of each output as the bytes of its .assoc.txt, and each output's trait statistics.
 *
 * A many-traits scan writes rows of traits x SNPs, so a row is written into its output's byte buffer
 * in place: the SNP's columns are formatted once per SNP and copied for every trait, the statistics
 * written digit by digit (and copied for a SNP whose genotypes repeat an earlier one's in the block).
 * No string or object per row, which kept the garbage collector busier than the formatting itself.
 */
import {
  assocRowPrefix,
  assocStatisticsMaxBytes,
  pValueFields,
  primaryPValue,
  statisticColumns,
  writeAssocStatistics,
  type AnalysisKind,
} from '../io/assoc-format.js';
import { BlockRows } from '../io/block-rows.js';
import type { GenotypeBlock } from '../io/genotypes.js';
import type { SnpResultBlock } from '../model/results.js';
import type { ComputedBlock } from './block-scan.js';
import type { ScanUnit } from './units.js';

/** Per output and block: counts for the trait table, and the best SNP. */
export interface BlockTraitStats {
  tested: number;
  below5e8: number;
  below1e5: number;
  best?: { p: number; rs: string; chr: string; ps: string; pWald: number; pLrt: number; pScore: number };
}

export interface BlockOutcome {
  /** Per output id: its rows of the block, the bytes of its .assoc.txt (empty when none). */
  texts: Map<string, Uint8Array>;
  stats: Record<string, BlockTraitStats>;
  rotateMs: number;
  testMs: number;
}

/** Milliseconds of formatting between yields to the event loop (where the engine's next step is dispatched). */
const FORMAT_SLICE_MS = 4;

/** The SNP columns (chr .. af, with the tab after af) of a unit's tested SNPs in a block: UTF-8, back to back. */
interface SnpPrefixes {
  bytes: Uint8Array;
  /** Prefix j is bytes[starts[j], starts[j + 1]). */
  starts: Int32Array;
  longest: number;
}

/** Formats the SNP columns of the block positions `positions` once, for all of the unit's traits. */
function snpPrefixes(
  block: GenotypeBlock,
  firstPosition: number,
  unit: ScanUnit,
  positions: number[],
  kind: AnalysisKind,
): SnpPrefixes {
  const nAnalysed = unit.group.selection.nAnalysed;
  const starts = new Int32Array(positions.length + 1);
  let text = '';
  let longest = 0;
  for (let j = 0; j < positions.length; j++) {
    const pos = positions[j];
    const row = unit.rowOfPosition[firstPosition + pos];
    const prefix = assocRowPrefix(
      kind,
      block.annotations[pos],
      unit.tested.missing[row],
      unit.tested.frequency[row],
      nAnalysed,
    );
    const bytes = Buffer.byteLength(prefix);
    starts[j + 1] = starts[j] + bytes;
    if (bytes > longest) longest = bytes;
    text += prefix;
  }
  // A plain Uint8Array, like the rows it is copied into: one element kind at the copy loop.
  return { bytes: new Uint8Array(Buffer.from(text)), starts, longest };
}

/** Whether any of the p-value columns is at most `keepP` for SNP j. */
function anyAtMost(pColumns: Float64Array[], j: number, keepP: number): boolean {
  for (let c = 0; c < pColumns.length; c++) if (pColumns[c][j] <= keepP) return true;
  return false;
}

/** What the rows of every trait of a unit in a block share. */
interface UnitBlock {
  kind: AnalysisKind;
  mode: number;
  keepP: number | undefined;
  block: GenotypeBlock;
  /** Block positions the unit tests, ascending. */
  positions: number[];
  prefixes: SnpPrefixes;
  /** Distinct genotype column of each tested SNP (UnitResults.rowOf), if some repeat. */
  rowOf: Int32Array | undefined;
  /** Per distinct column, for the trait being written: where its statistics start in the output's bytes (-1: not yet) and end. */
  statsStart: Int32Array;
  statsEnd: Int32Array;
  /** assocStatisticsMaxBytes of the unit's rows. */
  statsBytes: number;
}

/**
 * Appends one trait's rows to its output and counts them into its statistics: the hot loop of a
 * many-traits scan, kept apart so that V8 optimises it on its own (and inlines the number writer).
 */
function formatTraitRows(rows: BlockRows, s: BlockTraitStats, r: SnpResultBlock, unit: UnitBlock): void {
  const { kind, mode, keepP, block, positions, rowOf, statsStart, statsEnd, statsBytes } = unit;
  const { bytes: prefixBytes, starts } = unit.prefixes;
  const columns = statisticColumns(kind, mode, r);
  const primaryP = r[primaryPValue(mode)];
  const pColumns = pValueFields(kind, mode).map((f) => r[f]);
  if (rowOf) statsStart.fill(-1);
  for (let j = 0; j < positions.length; j++) {
    const pos = positions[j];
    const k = rowOf ? rowOf[j] : j; // index into the results
    const p = primaryP[k];
    s.tested++;
    if (p <= 5e-8) s.below5e8++;
    if (p <= 1e-5) s.below1e5++;
    if (!Number.isNaN(p) && (!s.best || p < s.best.p)) {
      const a = block.annotations[pos];
      s.best = {
        p,
        rs: a.rs,
        chr: a.chr,
        ps: a.pos,
        pWald: r.pWald[k],
        pLrt: r.pLrt[k],
        pScore: r.pScore[k],
      };
    }
    if (keepP !== undefined && !anyAtMost(pColumns, k, keepP)) continue;
    const from = starts[j];
    const to = starts[j + 1];
    const out = rows.reserve(to - from + statsBytes);
    let at = rows.length;
    for (let i = from; i < to; i++) out[at++] = prefixBytes[i];
    if (!rowOf) rows.endRow(pos, writeAssocStatistics(out, at, columns, k));
    else if (statsStart[k] >= 0) {
      // A SNP whose genotypes repeat an earlier one's: the same statistics, so the same text.
      out.copyWithin(at, statsStart[k], statsEnd[k]);
      rows.endRow(pos, at + statsEnd[k] - statsStart[k]);
    } else {
      const end = writeAssocStatistics(out, at, columns, k);
      statsStart[k] = at;
      statsEnd[k] = end;
      rows.endRow(pos, end);
    }
  }
}

/**
 * The rows of each output in file order, and the trait statistics. `keepP` (if set) drops rows whose
 * p-values are all above it (statistics still count them). It yields every few milliseconds so that
 * the engine's next call, which needs this thread to be dispatched, does not wait for a thousand traits' rows.
 */
export async function formatComputedBlock(
  computed: ComputedBlock,
  kind: AnalysisKind,
  mode: number,
  keepP?: number,
): Promise<BlockOutcome> {
  const { block, firstPosition } = computed;
  let sliceStart = performance.now();
  const outputs = new Map<string, BlockRows>();
  const stats: Record<string, BlockTraitStats> = {};
  for (const { prepared, positions, results, rowOf } of computed.units) {
    const { unit } = prepared;
    const statsBytes = assocStatisticsMaxBytes(
      kind,
      mode,
      kind === 'mvlmm' ? unit.group.traitColumns.length : 1,
    );
    const prefixes =
      positions.length > 0 ? snpPrefixes(block, firstPosition, unit, positions, kind) : undefined;
    const rowBytes = (prefixes?.longest ?? 0) + statsBytes;
    for (const id of unit.outputIds) {
      if (!outputs.has(id)) outputs.set(id, new BlockRows(block.count, positions.length * rowBytes));
      stats[id] ??= { tested: 0, below5e8: 0, below1e5: 0 };
    }
    if (!prefixes) continue;
    const distinct = results.length > 0 ? results[0].beta.length : 0;
    const shared: UnitBlock = {
      kind,
      mode,
      keepP,
      block,
      positions,
      prefixes,
      rowOf,
      statsStart: new Int32Array(distinct),
      statsEnd: new Int32Array(distinct),
      statsBytes,
    };
    for (let t = 0; t < results.length; t++) {
      if (performance.now() - sliceStart > FORMAT_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      const id = unit.outputIds[t];
      formatTraitRows(outputs.get(id)!, stats[id], results[t], shared);
    }
  }
  const texts = new Map<string, Uint8Array>();
  for (const [id, rows] of outputs) texts.set(id, rows.finish());
  return { texts, stats, rotateMs: computed.rotateMs, testMs: computed.testMs };
}
