/**
 * The null-model lines GEMMA's log has for the multivariate LMM: REML and ML log-likelihoods, Vg and
 * Ve (REML as lower triangles, ML as full matrices, as GEMMA prints them), the standard errors of
 * their entries, and B (d x c) with se(B). Matrix rows are tab-separated values without "## ", as GEMMA.
 */
import type { MvNullModel } from '../stats/mvlmm/fit.js';
import { formatGeneral } from './number-format.js';

const g = (x: number): string => formatGeneral(x, 6);

/** Index of entry (i, j) among the upper-triangle entries of a d x d matrix (GEMMA's GetIndex). */
function entryIndex(i: number, j: number, d: number): number {
  const s = Math.min(i, j);
  const l = Math.max(i, j);
  return ((2 * d - s + 1) * s) / 2 + l - s;
}

function matrixLines(values: (i: number, j: number) => number, d: number, full: boolean): string[] {
  const lines: string[] = [];
  for (let i = 0; i < d; i++) {
    const row: string[] = [];
    for (let j = 0; j < (full ? d : i + 1); j++) row.push(g(values(i, j)));
    lines.push(row.join('\t'));
  }
  return lines;
}

/** The log lines of a multivariate null model over d traits and c covariates. */
export function mvNullModelLines(m: MvNullModel, d: number, c: number): string[] {
  const at = (a: Float64Array) => (i: number, j: number) => a[i * d + j];
  const se = (a: Float64Array) => (i: number, j: number) => Math.sqrt(a[entryIndex(i, j, d)]);
  const lines = [
    `## REMLE log-likelihood in the null model = ${g(m.reml.logLik)}`,
    `## MLE log-likelihood in the null model = ${g(m.mle.logLik)}`,
  ];
  lines.push('## REMLE estimate for Vg in the null model: ', ...matrixLines(at(m.reml.vg), d, false));
  lines.push('## se(Vg): ', ...matrixLines(se(m.reml.vgVariance), d, false));
  lines.push('## REMLE estimate for Ve in the null model: ', ...matrixLines(at(m.reml.ve), d, false));
  lines.push('## se(Ve): ', ...matrixLines(se(m.reml.veVariance), d, false));
  lines.push('## MLE estimate for Vg in the null model: ', ...matrixLines(at(m.mle.vg), d, true));
  lines.push('## se(Vg): ', ...matrixLines(se(m.mle.vgVariance), d, false));
  lines.push('## MLE estimate for Ve in the null model: ', ...matrixLines(at(m.mle.ve), d, true));
  lines.push('## se(Ve): ', ...matrixLines(se(m.mle.veVariance), d, false));
  const bRows = (a: Float64Array) =>
    Array.from({ length: d }, (_, i) => Array.from(a.subarray(i * c, (i + 1) * c), g).join('\t'));
  lines.push(
    '## estimate for B (d by c) in the null model (columns correspond to the covariates provided in the file): ',
    ...bRows(m.reml.B),
  );
  lines.push('## se(B): ', ...bRows(m.reml.seB));
  return lines;
}

/** A d x d matrix on one line: rows separated by "; ", entries by spaces. */
function matrixInline(a: Float64Array, d: number): string {
  return Array.from({ length: d }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d), g).join(' ')).join(
    '; ',
  );
}

/**
 * One line of a --loco log for a chromosome's multivariate null model (the full lines of
 * mvNullModelLines per chromosome would bury the log): n, both log-likelihoods, REML Vg and Ve.
 */
export function mvNullModelNote(label: string, n: number, m: MvNullModel, d: number): string {
  return `${label}: n = ${n}, REMLE logl = ${g(m.reml.logLik)}, MLE logl = ${g(m.mle.logLik)}, Vg = ${matrixInline(m.reml.vg, d)}, Ve = ${matrixInline(m.reml.ve, d)}`;
}
