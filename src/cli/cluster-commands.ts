/**
 * Command-line entry points of the cluster path: the subcommands `lmmscan prepare|scan|merge` and
 * `--executor slurm` on a normal scan command. Flag parsing is the CLI's; these turn flags into calls.
 */
import { createEngine } from '../engines/select.js';
import { UsageError } from '../io/input-error.js';
import { engineFlag, parseFlags, toScanConfig, type ParsedArgs } from './args.js';
import { printSummary } from './report-summary.js';
import type { ScanConfig } from '../model/config.js';
import { readManifest } from '../scan/plan-folder.js';
import { join, resolve } from 'node:path';
import { CLI_MAIN, defaultPlanDir, runKinshipOnSlurm, runOnSlurm } from '../cluster/slurm-executor.js';
import { splitOptions } from '../cluster/slurm.js';
import { runMergeStep, runPrepareStep, runShardStep } from '../cluster/steps.js';
import { computesKinship, kinshipEngineOf, runKinshipShard } from '../cluster/kinship-shards.js';

/** Flags of the executor itself, never passed on to the steps. */
export const EXECUTOR_FLAGS = ['executor', 'shards', 'slurm-opts', 'retries', 'no-wait', 'plan', 'shard'];

const text = (args: ParsedArgs, name: string) => {
  const v = args.get(name);
  return typeof v === 'string' ? v : undefined;
};

function onlyFlags(args: ParsedArgs, command: string, allowed: string[]): void {
  for (const name of args.keys())
    if (!allowed.includes(name))
      throw new UsageError(
        `-${name} does not apply to lmmscan ${command} (flags: ${allowed.map((f) => `--${f}`).join(', ')})`,
      );
}

function planFlag(args: ParsedArgs, command: string): string {
  const plan = text(args, 'plan');
  if (!plan) throw new UsageError(`lmmscan ${command} needs --plan DIR`);
  return plan;
}

/** `lmmscan prepare|scan|merge|kinship ...`: runs one step and returns the exit code. */
export async function runStepCommand(
  command: 'prepare' | 'scan' | 'merge' | 'kinship',
  argv: string[],
): Promise<number> {
  const args = parseFlags(argv);
  const quiet = args.has('quiet');
  if (command === 'kinship') {
    const plan = planFlag(args, command);
    const shard = text(args, 'shard');
    if (!shard) throw new UsageError('lmmscan kinship needs --shard I/N (e.g. --shard 1/4)');
    for (const name of EXECUTOR_FLAGS)
      if (name !== 'plan' && name !== 'shard' && args.has(name))
        throw new UsageError(`--${name} does not apply to lmmscan kinship`);
    const config = toScanConfig(args, ['lmmscan', command, ...argv].join(' '));
    // The webgpu engine sums K in double-single: kinship shards run on a CPU engine (double-double sums).
    const { engine } = await createEngine(kinshipEngineOf(config), { threads: config.threads });
    try {
      const r = await runKinshipShard(config, plan, shard, engine);
      if (!quiet) process.stderr.write(`wrote ${r.path} (${r.snps} file SNPs)\n`);
      return 0;
    } finally {
      await engine.close();
    }
  }
  if (command === 'prepare') {
    const plan = planFlag(args, command);
    for (const name of EXECUTOR_FLAGS)
      if (name !== 'plan' && args.has(name))
        throw new UsageError(`--${name} does not apply to lmmscan prepare`);
    const config = toScanConfig(args, ['lmmscan', command, ...argv].join(' '));
    const { engine, reason } = await createEngine(config.engine, { threads: config.threads });
    try {
      const { id, manifest } = await runPrepareStep(config, engine, reason, plan);
      const dir = defaultPlanDir('', '', plan);
      process.stdout.write(
        `plan ${dir} (id ${id.slice(0, 12)}): ${manifest.totalBlocks} blocks of ${manifest.blockSize} SNPs, ${manifest.units.length} unit(s)\n` +
          `next: lmmscan scan --plan ${dir} --shard I/N (for I = 1..N), then lmmscan merge --plan ${dir}\n`,
      );
      return 0;
    } finally {
      await engine.close();
    }
  }
  if (command === 'scan') {
    onlyFlags(args, command, ['plan', 'shard', 'engine', 'threads', 'quiet', 'debug']);
    const plan = planFlag(args, command);
    const shard = text(args, 'shard');
    if (!shard) throw new UsageError('lmmscan scan needs --shard I/N (e.g. --shard 1/4)');
    const { manifest } = readManifest(defaultPlanDir('', '', plan));
    const choice = engineFlag(text(args, 'engine') ?? manifest.config.engine);
    const threads = args.has('threads') ? Number(text(args, 'threads')) : manifest.config.threads;
    const { engine } = await createEngine(choice, { threads });
    try {
      const r = await runShardStep(plan, shard, engine, quiet);
      if (!quiet) process.stderr.write(`wrote ${r.path} (${r.blocks} blocks, ${r.seconds.toFixed(1)} s)\n`);
      return 0;
    } finally {
      await engine.close();
    }
  }
  onlyFlags(args, command, ['plan', 'quiet', 'debug']);
  const record = await runMergeStep(planFlag(args, command));
  if (!quiet) printSummary(record.summary, record.outputs);
  return 0;
}

/**
 * `--executor local|slurm` on a scan command. Returns undefined for the local executor (the caller
 * runs the job as always), else the exit code of the Slurm run.
 */
export async function runWithExecutor(args: ParsedArgs, config: ScanConfig): Promise<number | undefined> {
  const executor = text(args, 'executor') ?? (args.get('executor') === true ? '' : 'local');
  if (executor !== 'local' && executor !== 'slurm')
    throw new UsageError(`--executor ${executor}: expected local or slurm`);
  if (executor === 'local') {
    // -gk / --loco with --plan DIR alone: the kinship is merged from DIR's kinship shards.
    const kinshipFromPlan =
      computesKinship(config) &&
      args.has('plan') &&
      EXECUTOR_FLAGS.every((f) => f === 'plan' || !args.has(f));
    if (kinshipFromPlan) return undefined;
    for (const name of EXECUTOR_FLAGS)
      if (args.has(name))
        throw new UsageError(
          `--${name} applies to --executor slurm${name === 'plan' || name === 'shard' ? ' or the lmmscan prepare/scan/merge steps' : ''}`,
        );
    return undefined;
  }
  if (args.has('shard')) throw new UsageError('--shard belongs to lmmscan scan --plan DIR --shard I/N');
  const kinshipAlone =
    computesKinship(config) && config.lmm === undefined && config.lm === undefined && !config.writeEigen;
  if (config.lmm === undefined && config.lm === undefined && !kinshipAlone)
    throw new UsageError('--executor slurm shards a scan (-lmm or -lm) or a kinship (-gk)');
  if (config.fit || config.writeEigen)
    throw new UsageError('--executor slurm runs scans (-lmm / -lm) and kinships (-gk), not --fit or -eigen');
  if (config.resume)
    throw new UsageError(
      '--resume applies to --executor local (a failed shard is retried whole with --retries)',
    );
  const count = (name: string, fallback: number, min: number) => {
    const raw = text(args, name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min)
      throw new UsageError(`--${name} ${raw}: expected an integer >= ${min}`);
    return v;
  };
  const prepareFlags: string[] = [];
  for (const [name, value] of args) {
    if (EXECUTOR_FLAGS.includes(name) || name === 'quiet') continue;
    prepareFlags.push(value === true ? `--${name}` : `--${name}=${value}`);
  }
  const slurmRun = {
    planDir: defaultPlanDir(config.outDir, config.outPrefix, text(args, 'plan')),
    shards: count('shards', 1, 1),
    retries: count('retries', 2, 0),
    sbatchOptions: splitOptions(text(args, 'slurm-opts') ?? ''),
    wait: !args.has('no-wait'),
    quiet: config.quiet,
    prepareFlags,
    kinshipShards: computesKinship(config),
  };
  if (kinshipAlone) {
    const output = join(
      resolve(config.outDir),
      `${config.outPrefix}.${config.kinshipKind === 2 ? 'sXX' : 'cXX'}.txt`,
    );
    const jobs = await runKinshipOnSlurm(slurmRun, output);
    process.stdout.write(
      slurmRun.wait
        ? `wrote: ${output}\n`
        : `submitted: kinship array ${jobs.kinship}, merge job ${jobs.write} (logs in ${jobs.logs})\n`,
    );
    return 0;
  }
  const { jobs, record } = await runOnSlurm(slurmRun);
  if (!record) {
    const plan = defaultPlanDir(config.outDir, config.outPrefix, text(args, 'plan'));
    process.stdout.write(
      `submitted: ${jobs.kinship ? `kinship array ${jobs.kinship}, ` : ''}prepare job ${jobs.prepare}, shard array ${jobs.array}, merge job ${jobs.merge} (logs in ${jobs.logs})\n` +
        `the merge job runs: lmmscan merge --plan ${plan}\n` +
        `(by hand: ${process.execPath} ${CLI_MAIN} merge --plan ${plan})\n`,
    );
    return 0;
  }
  printSummary(record.summary, record.outputs);
  return 0;
}
