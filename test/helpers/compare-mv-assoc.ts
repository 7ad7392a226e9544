/**
 * Row-by-row comparison of multivariate LMM .assoc.txt files (GEMMA's beta_i, Vbeta_i_j, p_* columns):
 * text columns identical, beta and Vbeta within 1e-4 relative, p-values within 1e-4 on -log10.
 * Vbeta_i_j off the diagonal can be near zero by cancellation, so its difference is scaled by
 * sqrt(Vbeta_i_i Vbeta_j_j) (a correlation of 1e-4) rather than by itself.
 */
import { readAssoc } from './compare-assoc.js';

const TEXT = ['chr', 'rs', 'ps', 'n_miss', 'allele1', 'allele0', 'af'];
export const MV_TOLERANCE = 1e-4;

const log10p = (p: number) => -Math.log10(Math.max(p, 1e-300));

/** The largest difference (as defined above) between two rows of the same header. */
export function rowDifference(header: string[], a: string[], b: string[]): { worst: number; column: string } {
  let worst = 0;
  let column = '';
  const value = (row: string[], name: string) => Number(row[header.indexOf(name)]);
  header.forEach((name, c) => {
    if (TEXT.includes(name)) {
      if (a[c] !== b[c]) {
        worst = Infinity;
        column = name;
      }
      return;
    }
    const x = Number(a[c]);
    const y = Number(b[c]);
    if (Number.isNaN(x) && Number.isNaN(y)) return;
    let diff: number;
    if (name.startsWith('p_')) diff = Math.abs(log10p(x) - log10p(y));
    else {
      let scale = Math.max(Math.abs(x), Math.abs(y));
      const m = /^Vbeta_(\d+)_(\d+)$/.exec(name);
      if (m && m[1] !== m[2])
        scale = Math.sqrt(value(b, `Vbeta_${m[1]}_${m[1]}`) * value(b, `Vbeta_${m[2]}_${m[2]}`));
      diff = Math.abs(x - y) / (scale || 1);
    }
    if (!(diff <= worst)) {
      worst = Number.isNaN(diff) ? Infinity : diff;
      column = name;
    }
  });
  return { worst, column };
}

export interface MvComparison {
  rows: number;
  /** Rows where GEMMA and GEMMA on nudged phenotypes agree within the tolerance. */
  stable: number;
  /** Stable rows where lmmscan and GEMMA differ by more than the tolerance (rs: column difference). */
  problems: string[];
  /** rs of GEMMA's unstable rows. */
  unstable: string[];
  /** Largest difference over the stable rows. */
  worst: number;
}

/** Compares lmmscan with GEMMA on the rows where GEMMA agrees with itself under a nudge of the phenotypes. */
export function compareMvAssoc(oursPath: string, gemmaPath: string, nudgedGemmaPath: string): MvComparison {
  const ours = readAssoc(oursPath);
  const ref = readAssoc(gemmaPath);
  const nudged = readAssoc(nudgedGemmaPath);
  const problems: string[] = [];
  const unstable: string[] = [];
  if (ours.header.join('\t') !== ref.header.join('\t'))
    problems.push(`header: ${ours.header.join(' ')} vs ${ref.header.join(' ')}`);
  if (ours.rows.length !== ref.rows.length) problems.push(`rows: ${ours.rows.length} vs ${ref.rows.length}`);
  let stable = 0;
  let worst = 0;
  ref.rows.forEach((row, r) => {
    const rs = row[1];
    if (rowDifference(ref.header, nudged.rows[r], row).worst > MV_TOLERANCE) {
      unstable.push(rs);
      return;
    }
    stable++;
    const d = rowDifference(ref.header, ours.rows[r] ?? [], row);
    worst = Math.max(worst, d.worst);
    if (d.worst > MV_TOLERANCE) problems.push(`${rs}: ${d.column} differs by ${d.worst.toExponential(2)}`);
  });
  return { rows: ref.rows.length, stable, problems, unstable, worst };
}
