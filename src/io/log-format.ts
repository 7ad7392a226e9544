/**
 * NAME.log.txt: the summary lines GEMMA writes (counts, null-model estimates, timings), with
 * lmmscan's own header. Numbers use the ostream default (%g, 6 significant digits) as GEMMA does.
 */
import { formatGeneral } from './number-format.js';
import type { NullModel } from '../model/plan.js';
import type { MvNullModel } from '../stats/mvlmm/fit.js';
import { mvNullModelLines } from './mv-log-format.js';

export interface RunSummary {
  version: string;
  commandLine: string;
  engine: string;
  nTotal: number;
  nAnalysed: number;
  nCvt: number;
  nPhenotypes: number;
  snpsTotal: number;
  snpsAnalysed: number;
  nullModel?: NullModel;
  /** The multivariate LMM's null fits (with nPhenotypes traits and nCvt covariates). */
  mvNullModel?: MvNullModel;
  /** lambda_GC per test in the assoc file (median 1-df chi-square / 0.4549364), when plots were made. */
  genomicControl?: { test: string; lambda: number }[];
  timings: { label: string; minutes: number }[];
  totalMinutes: number;
  notes: string[];
}

const g = (x: number): string => formatGeneral(x, 6);

/** The whole log text. */
export function formatLog(s: RunSummary): string {
  const lines = [
    '##',
    `## lmmscan Version  = ${s.version}`,
    `## engine           = ${s.engine}`,
    '##',
    `## Command Line Input = ${s.commandLine} `,
    '##',
    `## Date = ${new Date().toUTCString()}`,
    '##',
    '## Summary Statistics:',
    `## number of total individuals = ${s.nTotal}`,
    `## number of analyzed individuals = ${s.nAnalysed}`,
    `## number of covariates = ${s.nCvt}`,
    `## number of phenotypes = ${s.nPhenotypes}`,
    `## number of total SNPs/var = ${s.snpsTotal}`,
    `## number of analyzed SNPs/var = ${s.snpsAnalysed}`,
  ];
  const nm = s.nullModel;
  if (nm) {
    lines.push(
      `## REMLE log-likelihood in the null model = ${g(nm.reml.logLikelihood)}`,
      `## MLE log-likelihood in the null model = ${g(nm.mle.logLikelihood)}`,
      `## pve estimate in the null model = ${g(nm.pve)}`,
      `## se(pve) in the null model = ${g(nm.pveSe)}`,
      `## vg estimate in the null model = ${g(nm.reml.vg)}`,
      `## ve estimate in the null model = ${g(nm.reml.ve)}`,
      `## beta estimate in the null model = ${Array.from(nm.reml.beta, (b) => `  ${g(b)}`).join('')}`,
      `## se(beta) = ${Array.from(nm.reml.se, (b) => `  ${g(b)}`).join('')}`,
    );
  }
  if (s.mvNullModel) lines.push(...mvNullModelLines(s.mvNullModel, s.nPhenotypes, s.nCvt));
  for (const gc of s.genomicControl ?? [])
    lines.push(`## lambda_GC (genomic control, p_${gc.test}) = ${g(gc.lambda)}`);
  for (const note of s.notes) lines.push(`## ${note}`);
  lines.push(
    '##',
    '## Computation Time:',
    `## total computation time = ${g(s.totalMinutes)} min `,
    '## computation time break down: ',
  );
  for (const t of s.timings) lines.push(`##      time on ${t.label} = ${g(t.minutes)} min `);
  lines.push('##');
  return lines.join('\n') + '\n';
}
