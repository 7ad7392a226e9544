/**
 * Tables keyed by sample ID (plink2's --pheno / --covar layout, --kinship-ids lists) and their
 * matching to a genotype source's samples: by FID and IID where both sides have a FID, by IID alone
 * where one side has none (a VCF, an #IID table).
 */
import type { SampleId } from './genotypes.js';
import { InputError } from './input-error.js';
import { readLines, splitWhitespace } from './text-file.js';

/** Values plink2 reads as missing in a phenotype or covariate table. */
const MISSING = new Set(['NA', 'na', 'nan', 'NaN', '.', '-9']);

/** A table of numeric columns with one row per sample ID. */
export interface SampleTable {
  file: string;
  /** Column names after the ID columns (PHENO1, PHENO2, ... when the file has no header). */
  names: string[];
  ids: SampleId[];
  /** Line number of each row (1-based), for messages. */
  lines: number[];
  /** values[c][r]: column c, row r; NaN = missing. */
  values: Float64Array[];
}

/** The number of ID columns and whether a header line names them ("#FID IID", "#IID", "FID IID"). */
function idLayout(first: string[]): { idColumns: 1 | 2; header: boolean } {
  const head = first[0]?.replace(/^#/, '');
  if (head === 'FID') return { idColumns: 2, header: true };
  if (head === 'IID') return { idColumns: 1, header: true };
  return { idColumns: 2, header: false };
}

/** Reads a plink2-style table: whitespace separated, a header naming the columns, numbers or NA/-9. */
export function readSampleTable(path: string, what: string): SampleTable {
  const lines = readLines(path, what);
  const first = splitWhitespace(lines[0] ?? '');
  const { idColumns, header } = idLayout(first);
  if (header && idColumns === 2 && first[1] !== 'IID') {
    throw new InputError(path, `header "${first.slice(0, 2).join(' ')}": expected FID IID`, 1);
  }
  const names = header
    ? first.slice(idColumns)
    : Array.from({ length: Math.max(0, first.length - idColumns) }, (_, k) => `PHENO${k + 1}`);
  const ids: SampleId[] = [];
  const rowLines: number[] = [];
  const rows: number[][] = [];
  const seen = new Map<string, number>();
  lines.forEach((line, k) => {
    if (header && k === 0) return;
    const f = splitWhitespace(line);
    if (f.length === 0) return;
    if (f.length !== idColumns + names.length) {
      throw new InputError(
        path,
        `${f.length} fields, expected ${idColumns + names.length} (${header ? 'as the header' : 'as the first line'})`,
        k + 1,
      );
    }
    const id: SampleId = idColumns === 2 ? { fid: f[0], iid: f[1] } : { fid: null, iid: f[0] };
    const key = `${id.fid ?? ''}\t${id.iid}`;
    if (seen.has(key)) {
      throw new InputError(
        path,
        `duplicated sample ID ${id.fid === null ? id.iid : `${id.fid} ${id.iid}`} (first on line ${seen.get(key)})`,
        k + 1,
      );
    }
    seen.set(key, k + 1);
    ids.push(id);
    rowLines.push(k + 1);
    rows.push(
      f.slice(idColumns).map((v, c) => {
        if (MISSING.has(v)) return NaN;
        const x = Number(v);
        if (!Number.isFinite(x)) {
          throw new InputError(path, `${names[c]} "${v}" is not a number (NA or -9 = missing)`, k + 1);
        }
        return x;
      }),
    );
  });
  const values = names.map((_, c) => Float64Array.from(rows, (r) => r[c]));
  return { file: path, names, ids, lines: rowLines, values };
}

/** An ordered list of sample IDs (--kinship-ids): IID, or FID and IID, per line; an optional # header. */
export function readSampleIds(path: string): SampleId[] {
  const lines = readLines(path, 'sample ID list');
  const out: SampleId[] = [];
  let iidOnly: boolean | undefined;
  lines.forEach((line, k) => {
    const f = splitWhitespace(line);
    if (f.length === 0) return;
    if (k === 0 && f[0].startsWith('#')) {
      iidOnly = f[0] === '#IID';
      return;
    }
    out.push((iidOnly ?? f.length === 1) ? { fid: null, iid: f[0] } : { fid: f[0], iid: f[1] });
  });
  return out;
}

/** How a table's rows meet the genotype samples. */
export interface SampleMatch {
  /** Table row of each genotype sample, -1 when the table lacks it. */
  rowOf: Int32Array;
  /** Table rows whose ID is not among the genotype samples. */
  unmatched: number;
}

/**
 * Matches table IDs to genotype sample IDs. Both sides are keyed by FID and IID when both carry FIDs,
 * else by IID; an IID that names two genotype samples is then an InputError (ambiguous).
 */
export function matchSamples(
  samples: readonly SampleId[],
  table: readonly SampleId[],
  file: string,
  lines?: readonly number[],
): SampleMatch {
  const byFid = samples.every((s) => s.fid !== null) && table.every((t) => t.fid !== null);
  const key = (id: SampleId) => (byFid ? `${id.fid}\t${id.iid}` : id.iid);
  const rowByKey = new Map<string, number>();
  table.forEach((id, r) => {
    const k = key(id);
    if (rowByKey.has(k)) {
      throw new InputError(
        file,
        `duplicated sample ID ${id.iid} (first on line ${lines?.[rowByKey.get(k)!] ?? rowByKey.get(k)! + 1})`,
        lines?.[r] ?? r + 1,
      );
    }
    rowByKey.set(k, r);
  });
  const rowOf = new Int32Array(samples.length).fill(-1);
  const used = new Set<number>();
  samples.forEach((s, i) => {
    const r = rowByKey.get(key(s));
    if (r === undefined) return;
    if (used.has(r)) {
      throw new InputError(
        file,
        `sample ID ${s.iid} names two genotype samples (give FID and IID)`,
        lines?.[r] ?? r + 1,
      );
    }
    used.add(r);
    rowOf[i] = r;
  });
  return { rowOf, unmatched: table.length - used.size };
}
