/**
 * The per-trait figures of a --traits run, read back from each NAME.trait<K>.assoc.txt one at a
 * time (one table in memory at once): lambda_GC, SNPs at or below the genome-wide and suggestive
 * lines, independent loci, the best SNP, and the hit SNPs themselves for the hit map.
 * A --keep-p file lacks the rows above P: lambda_GC is then unknown (null) unless every row is
 * there, and a line above P has no count (null); both are said in the notes.
 */
import { statSync } from 'node:fs';
import { readAssocTable, type PlotTest } from './assoc-table.js';
import { clumpLoci } from './loci.js';
import { genomicControlFromSorted } from './normal-quantile.js';
import {
  choosePlotTest,
  countAtOrBelow,
  smallestRows,
  sortedFinite,
  MAX_CLUMPED_ROWS,
  type LineOptions,
} from './scan-results.js';
import { readTraitColumns, type TraitColumns } from './trait-file.js';
import { resolveThresholds, type Thresholds } from './thresholds.js';

/** Files up to this size are read whole (a JavaScript string holds at most about 512 MiB). */
const WHOLE_FILE_BYTES = 256 * 2 ** 20;

/** The trait file's columns: the lean reader, or the streaming one for a file too large to hold as text. */
async function readColumns(path: string, requested: PlotTest | undefined): Promise<TraitColumns> {
  if (statSync(path).size <= WHOLE_FILE_BYTES) return readTraitColumns(path, requested);
  const table = await readAssocTable(path);
  const test = choosePlotTest(table, requested).test;
  return {
    rows: table.rows,
    test,
    chromosomes: table.chromosomes,
    chrIndex: table.chrIndex,
    pos: table.pos,
    p: table.p[test]!,
    rs: table.rs,
  };
}

/** What a --traits run knows of each trait before its file is read. */
export interface TraitInput {
  /** Phenotype column (1-based). */
  column: number;
  assocPath: string;
  /** Individuals analysed, and SNPs tested (rows before --keep-p). */
  nAnalysed: number;
  snpsTested: number;
}

/** A hit SNP for the map: chromosome name, position, p. */
export interface TraitHit {
  chr: string;
  pos: number;
  p: number;
}

export interface TraitSummary {
  column: number;
  assoc: string;
  nAnalysed: number;
  snpsTested: number;
  test: PlotTest;
  lambdaGC: number | null;
  thresholds: Thresholds;
  /** SNPs at or below each line; null when --keep-p dropped rows the count needs. */
  genomeWide: number | null;
  suggestive: number | null;
  /** Independent loci at or below the less strict line (null when that count is unknown). */
  loci: number | null;
  best: { rs: string; chr: string; ps: number; p: number } | null;
  /** Hits at or below the less strict line, ascending p, at most MAX_CLUMPED_ROWS. */
  hits: TraitHit[];
  /** Smallest and largest position per chromosome of the rows in the file (the map's x axis). */
  extents: Map<string, [number, number]>;
}

/** Reads one trait's assoc file and summarises it; keepP is the run's --keep-p (undefined: every row). */
export async function summariseTrait(
  input: TraitInput,
  lines: LineOptions,
  requested: PlotTest | undefined,
  keepP: number | undefined,
): Promise<TraitSummary> {
  const table = await readColumns(input.assocPath, requested);
  const { test, p } = table;
  const sorted = sortedFinite(p);
  const complete = keepP === undefined || table.rows === input.snpsTested;
  // Bonferroni counts every SNP tested, kept or not; NaN rows are few and GEMMA counts them too.
  const thresholds = resolveThresholds(
    complete ? sorted.length : input.snpsTested,
    lines.gwas,
    lines.suggestive,
  );
  const known = (line: number) => complete || line <= keepP!;
  const count = (line: number) => (known(line) ? countAtOrBelow(sorted, line) : null);
  const loose = Math.max(thresholds.genomeWide, thresholds.suggestive);
  const rows = smallestRows(p, sorted, Math.min(countAtOrBelow(sorted, loose), MAX_CLUMPED_ROWS));
  const hits = Array.from(rows, (k) => ({
    chr: table.chromosomes[table.chrIndex[k]],
    pos: table.pos[k],
    p: p[k],
  }));
  const first = rows.length ? rows[0] : sorted.length ? smallestRows(p, sorted, 1)[0] : -1;
  const lambda = complete ? genomicControlFromSorted(sorted) : NaN;
  const extents = new Map<string, [number, number]>();
  for (let k = 0; k < table.rows; k++) {
    const x = Number.isFinite(table.pos[k]) ? table.pos[k] : 0;
    const name = table.chromosomes[table.chrIndex[k]];
    const e = extents.get(name);
    if (!e) extents.set(name, [x, x]);
    else if (x < e[0]) e[0] = x;
    else if (x > e[1]) e[1] = x;
  }
  return {
    column: input.column,
    assoc: input.assocPath,
    nAnalysed: input.nAnalysed,
    snpsTested: input.snpsTested,
    test,
    lambdaGC: Number.isFinite(lambda) ? lambda : null,
    thresholds,
    genomeWide: count(thresholds.genomeWide),
    suggestive: count(thresholds.suggestive),
    loci: known(loose) ? clumpLoci(rows, table.chrIndex, table.pos, p).length : null,
    best:
      first >= 0
        ? {
            rs: table.rs(first),
            chr: table.chromosomes[table.chrIndex[first]],
            ps: table.pos[first],
            p: p[first],
          }
        : null,
    hits,
    extents,
  };
}
