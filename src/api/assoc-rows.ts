/** A block's .assoc.txt bytes as row objects keyed by the header's column names. */
import { assocHeader, type AnalysisKind } from '../io/assoc-format.js';

/** One result row: the SNP's metadata and the statistics, named as in the .assoc.txt header. */
export interface AssocRow {
  chr: string;
  rs: string;
  /** Base-pair position. */
  ps: number;
  allele1: string;
  allele0: string;
  /** Frequency of allele1 among the analysed individuals, as written (3 decimals). */
  af: number;
  /** n_miss (-lmm) or n_mis, n_obs (-lm); beta, se, logl_H1, l_remle, l_mle, p_wald, p_lrt, p_score. */
  [column: string]: string | number;
}

const TEXT_COLUMNS = new Set(['chr', 'rs', 'allele1', 'allele0']);

/** Parses rows as written to the .assoc.txt (so equal to the file's values); nan becomes NaN. */
export function parseAssocRows(bytes: Uint8Array, kind: AnalysisKind, mode: number): AssocRow[] {
  const columns = assocHeader(kind, mode).trimEnd().split('\t');
  const rows: AssocRow[] = [];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split('\t');
    const row: Record<string, string | number> = {};
    for (let c = 0; c < columns.length; c++) {
      row[columns[c]] = TEXT_COLUMNS.has(columns[c]) ? fields[c] : Number(fields[c]);
    }
    rows.push(row as AssocRow);
  }
  return rows;
}
