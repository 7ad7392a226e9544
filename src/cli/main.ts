#!/usr/bin/env node
/** The lmmscan command: parses flags, runs one job, turns errors into one line and an exit code. */
import { removePendingOutputs } from '../io/atomic-file.js';
import { InputError, UsageError } from '../io/input-error.js';
import { releaseAllLocks } from '../io/output-lock.js';
import { createEngine } from '../engines/select.js';
import { BUSY_REPORT_ENV } from '../engines/wasm/busy-report.js';
import { runEigenJob, runJob } from '../scan/job.js';
import { checkScanConfig } from '../scan/preflight.js';
import { VERSION } from '../version.js';
import { parseFlags, toPlotConfig, toScanConfig } from './args.js';
import { helpText } from './flags.js';
import { printSummary } from './report-summary.js';
import { raiseTierUpBudgets } from './tier-up-budget.js';
import { holdYoungGeneration } from './young-generation.js';
import { mark } from '../io/timeline.js';
import { readAhead } from '../io/text-file.js';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'demo') {
    const { runDemo } = await import('./demo.js');
    return runDemo(argv.slice(1));
  }
  if (argv[0] === 'plot') {
    const { runPlotCommand } = await import('../report/plot-command.js');
    return runPlotCommand(toPlotConfig(parseFlags(argv.slice(1))));
  }
  if (argv[0] === 'prepare' || argv[0] === 'scan' || argv[0] === 'merge' || argv[0] === 'kinship') {
    const { runStepCommand } = await import('./cluster-commands.js');
    return runStepCommand(argv[0], argv.slice(1));
  }
  if (argv[0] === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  const args = parseFlags(argv);
  if (args.has('help') || argv.length === 0) {
    process.stdout.write(helpText());
    return argv.length === 0 ? 2 : 0;
  }
  if (args.has('version')) {
    process.stdout.write(`lmmscan ${VERSION}\n`);
    return 0;
  }
  const config = toScanConfig(args, ['lmmscan', ...argv].join(' '));
  mark('flags read');
  if (config.lm !== undefined) holdYoungGeneration();
  // Every setting and input file checked before an engine starts or a SNP is read.
  if (!config.fit) checkScanConfig(config);
  if (['executor', 'shards', 'slurm-opts', 'retries', 'no-wait', 'plan', 'shard'].some((f) => args.has(f))) {
    const { runWithExecutor } = await import('./cluster-commands.js');
    const code = await runWithExecutor(args, config);
    if (code !== undefined) return code;
  }
  // A BIMBAM file starts inflating before the engine is made (runJob reads it; --fit and -eigen do not).
  if (config.geno && !config.fit && !config.writeEigen) readAhead(config.geno);
  // -lm tests each SNP on this thread and needs no kinship, eigendecomposition or rotation: with
  // --engine auto it starts no worker pool and no GPU probe (a third of a small -lm run's CPU time).
  const lmOnly = config.lm !== undefined && config.engine === 'auto';
  const selected = await createEngine(lmOnly ? 'ts' : config.engine, { threads: config.threads });
  const { engine } = selected;
  mark('engine made');
  const reason = lmOnly
    ? 'auto: -lm tests each SNP on the main thread; no worker pool or GPU needed'
    : selected.reason;
  try {
    if (config.fit) {
      if (config.phenotypeColumns.length > 1) throw new UsageError('--fit takes one phenotype column (-n K)');
      const { runFitJob } = await import('../fit/fit-job.js');
      process.stdout.write((await runFitJob(config, engine)).table);
      return 0;
    }
    if (config.ml) throw new UsageError('--ml applies to --fit only');
    if (config.writeEigen) {
      const files = await runEigenJob(config, engine);
      if (!config.quiet) process.stderr.write(`wrote ${files.join(', ')}\n`);
      return 0;
    }
    // -gk / --loco given --plan DIR: the kinship comes from DIR's kinship shards (lmmscan kinship --shard I/N).
    const plan = args.get('plan');
    const kinshipSums =
      typeof plan === 'string'
        ? (await import('../cluster/kinship-shards.js')).kinshipShardsOf(plan, config)
        : undefined;
    const result = await runJob(config, engine, reason, { kinshipSums });
    printSummary(result.summary, result.outputs);
    return 0;
  } finally {
    await engine.close();
    mark('engine closed');
  }
}

function fail(error: unknown, debug: boolean): number {
  removePendingOutputs();
  releaseAllLocks();
  if (error instanceof UsageError) {
    process.stderr.write(`lmmscan: ${error.message}\n`);
    return 2;
  }
  if (error instanceof InputError) {
    process.stderr.write(`lmmscan: error: ${error.message}\n`);
  } else {
    process.stderr.write(`lmmscan: error: ${(error as Error)?.message ?? String(error)}\n`);
  }
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}

mark('command loaded');
raiseTierUpBudgets();
const argv = process.argv.slice(2);
const debug = argv.includes('--debug') || argv.includes('-debug');
// lmmscan's --debug (not GEMMA's -debug, which GEMMA's test suites pass and whose stderr they read) also reports
// each WASM pool's per-thread busy time on stderr when it closes.
if (argv.includes('--debug')) process.env[BUSY_REPORT_ENV] = '1';
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    removePendingOutputs();
    releaseAllLocks();
    process.stderr.write(`lmmscan: stopped by ${signal}\n`);
    process.exit(130);
  });
}
main(argv).then(
  (code) => process.exit(code),
  (error) => process.exit(fail(error, debug)),
);
