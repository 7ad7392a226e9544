/** The short human summary printed on stdout after a run. */
import { formatGeneral } from '../io/number-format.js';
import type { RunSummary } from '../io/log-format.js';

/** Prints counts, the null model and the files written. */
export function printSummary(s: RunSummary, outputs: string[]): void {
  const g = (x: number) => formatGeneral(x, 6);
  const lines = [
    `## number of total individuals = ${s.nTotal}`,
    `## number of analyzed individuals = ${s.nAnalysed}`,
    `## number of covariates = ${s.nCvt}`,
    `## number of total SNPs/var = ${s.snpsTotal}`,
    `## number of analyzed SNPs/var = ${s.snpsAnalysed}`,
  ];
  if (s.nullModel) {
    const m = s.nullModel;
    lines.push(
      `REMLE log-likelihood in the null model = ${g(m.reml.logLikelihood)}`,
      `MLE log-likelihood in the null model = ${g(m.mle.logLikelihood)}`,
      `pve estimate in the null model = ${g(m.pve)}`,
      `se(pve) in the null model = ${g(m.pveSe)}`,
      `vg estimate in the null model = ${g(m.reml.vg)}`,
      `ve estimate in the null model = ${g(m.reml.ve)}`,
    );
  }
  lines.push(`engine: ${s.engine}`, `wrote: ${outputs.join(', ')}`);
  process.stdout.write(lines.join('\n') + '\n');
}
