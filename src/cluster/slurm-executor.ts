/**
 * `--executor slurm`: the three steps as Slurm jobs. prepare is one job; the N shards one job
 * array that depends on it; merge one job that depends on the array. While waiting, progress comes
 * from squeue; shards that end without their shard file (failed, cancelled, timed out) are
 * resubmitted up to --retries times, with a new merge job depending on them. Job scripts use
 * absolute paths and this node binary, so the compute nodes need the same filesystem and Node.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearPlan, MANIFEST, parseExact, readManifest } from '../scan/plan-folder.js';
import { isActive, sbatch, scancel, shellQuote, squeueStates } from './slurm.js';
import { shardFileName } from '../scan/shard-file.js';
import type { MergeRecord } from './steps.js';

export interface SlurmRun {
  /** Absolute plan folder. */
  planDir: string;
  shards: number;
  retries: number;
  /** Extra sbatch options for every job (--partition, --time, --mem, --cpus-per-task ...). */
  sbatchOptions: string[];
  wait: boolean;
  quiet: boolean;
  /** Scan flags for `lmmscan prepare` (without executor flags). */
  prepareFlags: string[];
  /** -gk / --loco: the kinship runs first as an array of `lmmscan kinship --shard I/N` tasks (prepare merges). */
  kinshipShards?: boolean;
}

export interface SubmittedJobs {
  /** The kinship array (-gk / --loco), when the run computes a kinship. */
  kinship?: string;
  prepare: string;
  array: string;
  merge: string;
  logs: string;
}

const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

function script(path: string, lines: string[]): string {
  writeFileSync(
    path,
    ['#!/bin/bash', '# Written by lmmscan --executor slurm.', 'set -e', ...lines, ''].join('\n'),
    { mode: 0o755 },
  );
  return path;
}

/** The last line of a job log that says what went wrong (or its last line). */
function lastWords(log: string): string {
  if (!existsSync(log)) return 'no log written';
  const lines = readFileSync(log, 'utf8')
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter(Boolean);
  return (
    [...lines].reverse().find((l) => /lmmscan|error|CANCELLED|killed|DUE TO/i.test(l)) ??
    lines[lines.length - 1] ??
    'empty log'
  );
}

/** Submits the jobs; with run.wait, waits for them (retrying shards) and returns the merge record. */
export async function runOnSlurm(run: SlurmRun): Promise<{ jobs: SubmittedJobs; record?: MergeRecord }> {
  const { planDir, shards } = run;
  const jobsDir = join(planDir, 'jobs');
  const logs = join(jobsDir, 'logs');
  clearPlan(planDir);
  rmSync(jobsDir, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  const cwd = process.cwd();
  const node = process.execPath;
  const call = (words: string[]) => words.map(shellQuote).join(' ');
  const prepareScript = script(join(jobsDir, 'prepare.sh'), [
    `cd ${shellQuote(cwd)}`,
    `exec ${call([node, MAIN, 'prepare', ...run.prepareFlags, '--quiet', '--plan', planDir])}`,
  ]);
  const shardScript = script(join(jobsDir, 'shard.sh'), [
    `exec ${call([node, MAIN, 'scan', '--plan', planDir, '--quiet'])} --shard "\${SLURM_ARRAY_TASK_ID}/${shards}"`,
  ]);
  const mergeScript = script(join(jobsDir, 'merge.sh'), [
    `exec ${call([node, MAIN, 'merge', '--plan', planDir, '--quiet'])}`,
  ]);
  const common = [`--chdir=${cwd}`, ...run.sbatchOptions];
  rmSync(join(planDir, 'kinship'), { recursive: true, force: true });
  const kinship = run.kinshipShards ? submitKinshipArray(run, jobsDir, common) : undefined;
  const afterKinship = kinship ? [`--dependency=afterok:${kinship}`, '--kill-on-invalid-dep=yes'] : [];
  const submitShards = (list: number[], attempt: number, after?: string) =>
    sbatch([
      `--job-name=lmmscan-shard`,
      `--array=${list.join(',')}`,
      `--output=${join(logs, `shard-%a.try${attempt}.out`)}`,
      ...(after ? [`--dependency=afterok:${after}`, '--kill-on-invalid-dep=yes'] : []),
      ...common,
      shardScript,
    ]);
  const submitMerge = (after?: string) =>
    sbatch([
      `--job-name=lmmscan-merge`,
      ...(after ? [`--dependency=afterok:${after}`, '--kill-on-invalid-dep=yes'] : []),
      `--output=${join(logs, 'merge.out')}`,
      ...common,
      mergeScript,
    ]);

  const all = Array.from({ length: shards }, (_, k) => k + 1);
  const prepare = sbatch([
    `--job-name=lmmscan-prepare`,
    ...afterKinship,
    `--output=${join(logs, 'prepare.out')}`,
    ...common,
    prepareScript,
  ]);
  let array = submitShards(all, 1, prepare);
  let merge = submitMerge(array);
  const jobs: SubmittedJobs = { kinship, prepare, array, merge, logs };
  if (!run.wait) return { jobs };

  const say = (text: string) => run.quiet || process.stderr.write(`slurm: ${text}\n`);
  if (kinship) say(`kinship array ${kinship} (${shards} tasks)`);
  say(`prepare job ${prepare}, shard array ${array} (${shards} tasks), merge job ${merge}; logs in ${logs}`);
  let phase: 'prepare' | 'shards' | 'merge' = 'prepare';
  let attempt = 1;
  let mergeResubmitted = false;
  let current = all;
  const lastState = new Map<number, string>();
  let lastLine = '';
  let pause = 250;
  for (;;) {
    await new Promise((r) => setTimeout(r, pause));
    const states = squeueStates([...(kinship ? [kinship] : []), prepare, array, merge]);
    let line: string;
    if (phase === 'prepare') {
      const s = states.get(prepare);
      const kinshipTasks = kinship
        ? [...states].filter(([id, st]) => id.startsWith(`${kinship}_`) && isActive(st)).length
        : 0;
      if (isActive(s))
        line = kinshipTasks > 0 ? `kinship ${kinshipTasks} task(s) active, prepare ${s}` : `prepare ${s}`;
      else {
        if (!existsSync(join(planDir, MANIFEST))) {
          scancel([array, merge]);
          const kinshipLogs = kinship ? `; kinship logs ${join(logs, 'kinship-*.out')}` : '';
          throw new Error(
            `slurm: the prepare job ${prepare} ended (${s ?? 'no longer queued'}) without a plan; log ${join(logs, 'prepare.out')}: ${lastWords(join(logs, 'prepare.out'))}${kinshipLogs}`,
          );
        }
        phase = 'shards';
        continue;
      }
    } else if (phase === 'shards') {
      let running = 0;
      let waiting = 0;
      for (const i of current) {
        const s = states.get(`${array}_${i}`);
        if (s) lastState.set(i, s);
        if (s === 'RUNNING' || s === 'COMPLETING') running++;
        else if (isActive(s)) waiting++;
      }
      const done = all.filter((i) => existsSync(join(planDir, 'shards', shardFileName(i, shards)))).length;
      line = `shards ${done}/${shards} done, ${running} running, ${waiting} pending${attempt > 1 ? ` (retry ${attempt - 1})` : ''}`;
      if (running + waiting === 0) {
        const failed = current.filter((i) => !existsSync(join(planDir, 'shards', shardFileName(i, shards))));
        if (failed.length === 0) {
          phase = 'merge';
          continue;
        }
        const what = failed
          .map((i) => `${i} (${lastState.get(i) ?? 'ended without its shard file'})`)
          .join(', ');
        scancel([merge]);
        if (attempt > run.retries) {
          const logFiles = failed.map((i) => join(logs, `shard-${i}.try${attempt}.out`));
          throw new Error(
            `slurm: shard${failed.length > 1 ? 's' : ''} ${what} of ${shards} failed after ${attempt} attempt${attempt > 1 ? 's' : ''}; logs: ${logFiles.map((f) => `${f} (${lastWords(f)})`).join(', ')}`,
          );
        }
        attempt++;
        current = failed;
        for (const i of failed) lastState.delete(i);
        array = submitShards(failed, attempt);
        merge = submitMerge(array);
        Object.assign(jobs, { array, merge });
        say(
          `shard${failed.length > 1 ? 's' : ''} ${what} failed: resubmitted as array ${array} (attempt ${attempt} of ${run.retries + 1}), merge job ${merge}`,
        );
        continue;
      }
    } else {
      const s = states.get(merge);
      if (isActive(s)) line = `merge ${s}`;
      else {
        const recordPath = join(planDir, 'merge.json');
        const record = existsSync(recordPath)
          ? parseExact<MergeRecord>(readFileSync(recordPath, 'utf8'))
          : undefined;
        if (!record || record.planId !== readManifest(planDir).id) {
          // A shard task that ends badly after its shard file is in place (cancelled while exiting) fails the
          // array, and Slurm kills the merge that depends on it before it starts. Every shard is there: merge again.
          const neverRan = !existsSync(join(logs, 'merge.out'));
          const shardsThere = all.every((i) => existsSync(join(planDir, 'shards', shardFileName(i, shards))));
          if (neverRan && shardsThere && !mergeResubmitted) {
            mergeResubmitted = true;
            const killed = merge;
            merge = submitMerge();
            jobs.merge = merge;
            say(
              `the merge job ${killed} ended (${s ?? 'no longer queued'}) before it ran, with every shard done: resubmitted as ${merge}`,
            );
            continue;
          }
          throw new Error(
            `slurm: the merge job ${merge} ended (${s ?? 'no longer queued'}) without results; log ${join(logs, 'merge.out')}: ${lastWords(join(logs, 'merge.out'))}`,
          );
        }
        return { jobs, record };
      }
    }
    if (line !== lastLine) {
      say(line);
      lastLine = line;
      pause = 250;
    } else pause = Math.min(5000, pause * 1.25);
  }
}

/** The array of `lmmscan kinship --shard I/N` tasks (no dependency); returns its job id. */
function submitKinshipArray(run: SlurmRun, jobsDir: string, common: string[]): string {
  const call = (words: string[]) => words.map(shellQuote).join(' ');
  const kinshipScript = script(join(jobsDir, 'kinship.sh'), [
    `cd ${shellQuote(process.cwd())}`,
    `exec ${call([process.execPath, MAIN, 'kinship', ...run.prepareFlags, '--quiet', '--plan', run.planDir])} --shard "\${SLURM_ARRAY_TASK_ID}/${run.shards}"`,
  ]);
  const all = Array.from({ length: run.shards }, (_, k) => k + 1);
  return sbatch([
    `--job-name=lmmscan-kinship`,
    `--array=${all.join(',')}`,
    `--output=${join(jobsDir, 'logs', 'kinship-%a.out')}`,
    ...common,
    kinshipScript,
  ]);
}

/**
 * -gk alone on Slurm: the kinship array, then one job that merges the parts and writes the .cXX/.sXX file and
 * the log (`lmmscan <flags> --plan DIR`); waits for it unless run.wait is false. Returns the job ids.
 */
export async function runKinshipOnSlurm(
  run: SlurmRun,
  output: string,
): Promise<{ kinship: string; write: string; logs: string }> {
  const jobsDir = join(run.planDir, 'jobs');
  const logs = join(jobsDir, 'logs');
  rmSync(jobsDir, { recursive: true, force: true });
  rmSync(join(run.planDir, 'kinship'), { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  const common = [`--chdir=${process.cwd()}`, ...run.sbatchOptions];
  const call = (words: string[]) => words.map(shellQuote).join(' ');
  rmSync(output, { force: true });
  const kinship = submitKinshipArray(run, jobsDir, common);
  const writeScript = script(join(jobsDir, 'write.sh'), [
    `cd ${shellQuote(process.cwd())}`,
    `exec ${call([process.execPath, MAIN, ...run.prepareFlags, '--quiet', '--plan', run.planDir])}`,
  ]);
  const write = sbatch([
    `--job-name=lmmscan-kinship-merge`,
    `--dependency=afterok:${kinship}`,
    '--kill-on-invalid-dep=yes',
    `--output=${join(logs, 'write.out')}`,
    ...common,
    writeScript,
  ]);
  if (!run.wait) return { kinship, write, logs };
  if (!run.quiet)
    process.stderr.write(
      `slurm: kinship array ${kinship} (${run.shards} tasks), merge job ${write}; logs in ${logs}\n`,
    );
  for (let pause = 250; ; pause = Math.min(5000, pause * 1.25)) {
    await new Promise((r) => setTimeout(r, pause));
    const states = squeueStates([kinship, write]);
    if (
      isActive(states.get(write)) ||
      [...states].some(([id, st]) => id.startsWith(`${kinship}_`) && isActive(st))
    )
      continue;
    if (!existsSync(output)) {
      throw new Error(
        `slurm: the kinship merge job ${write} ended (${states.get(write) ?? 'no longer queued'}) without ${output}; logs ${join(logs, 'write.out')}: ${lastWords(join(logs, 'write.out'))}, ${join(logs, 'kinship-*.out')}`,
      );
    }
    return { kinship, write, logs };
  }
}

/** The plan folder of a scan run through an executor: --plan DIR, else OUTDIR/NAME.plan. */
export function defaultPlanDir(outDir: string, outPrefix: string, plan?: string): string {
  return resolve(plan ?? join(outDir, `${outPrefix}.plan`));
}

export { MAIN as CLI_MAIN };
