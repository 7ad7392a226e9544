/**
 * `lmmscan plot --assoc FILE -o NAME [-outdir DIR] [--plot-test wald|lrt|score] [--gwas-line P] [--suggestive-line P]`:
 * the report of any assoc file.
 */
import { claimOutputs, unlockOutput } from '../io/output-lock.js';
import { formatGeneral } from '../io/number-format.js';
import type { PlotTest } from './assoc-table.js';
import { writeReport } from './write-report.js';
import type { ThresholdSpec } from '../model/settings.js';

export interface PlotConfig {
  assoc: string;
  outDir: string;
  outPrefix: string;
  test?: PlotTest;
  quiet: boolean;
  gwasLine?: ThresholdSpec;
  suggestiveLine?: ThresholdSpec;
}

/** Writes the plots, summary and page; prints lambda_GC per test and the files written. */
export async function runPlotCommand(config: PlotConfig): Promise<number> {
  const lock = claimOutputs(config.outDir, config.outPrefix);
  let result: Awaited<ReturnType<typeof writeReport>>;
  try {
    result = await writeReport(config.assoc, {
      outDir: config.outDir,
      outPrefix: config.outPrefix,
      test: config.test,
      lines: { gwas: config.gwasLine, suggestive: config.suggestiveLine },
    });
  } finally {
    unlockOutput(lock);
  }
  const lines = result.genomicControl.map((g) => `lambda_GC (p_${g.test}) = ${formatGeneral(g.lambda, 6)}`);
  for (const note of result.summary.notes) lines.push(`note: ${note}`);
  lines.push(`wrote: ${result.outputs.join(', ')}`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
