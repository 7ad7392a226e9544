/**
 * The few Slurm commands the executor uses: sbatch (submit), squeue (states, one line per array
 * task), scancel. No accounting is assumed (sacct is not used): a finished job simply leaves squeue,
 * and its success is read from the files it was to write.
 */
import { spawnSync } from 'node:child_process';
import { UsageError } from '../io/input-error.js';

/** Job states after which a job no longer runs (squeue's %T). */
const FINISHED = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'SPECIAL_EXIT',
  'REVOKED',
]);

/** Whether a job in this state may still run (pending, running, completing, suspended, requeued...). */
export function isActive(state: string | undefined): boolean {
  return state !== undefined && !FINISHED.has(state);
}

function run(command: string, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new UsageError(
      `--executor slurm: ${command} not found on PATH (run lmmscan on a Slurm login node, or install slurm-client)`,
    );
  }
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Submits a batch script; returns the job id. */
export function sbatch(args: string[]): string {
  const r = run('sbatch', ['--parsable', ...args]);
  if (r.status !== 0)
    throw new Error(
      `sbatch failed: ${r.stderr.trim() || `exit status ${r.status}`} (options: ${args.join(' ')})`,
    );
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed "${r.stdout.trim()}", not a job id`);
  return id;
}

/** State of each listed job and array task still known to the controller ("123", "124_3"). */
export function squeueStates(jobIds: string[]): Map<string, string> {
  const states = new Map<string, string>();
  if (jobIds.length === 0) return states;
  const r = run('squeue', ['-h', '-r', '-t', 'all', '-j', jobIds.join(','), '-o', '%i|%T']);
  // Every listed job already purged: squeue says "Invalid job id specified".
  if (r.status !== 0) {
    if (/Invalid job id/i.test(r.stderr)) return states;
    throw new Error(`squeue failed: ${r.stderr.trim()}`);
  }
  for (const line of r.stdout.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (id && state) states.set(id, state);
  }
  return states;
}

/** Cancels jobs (unknown or finished ones are ignored). */
export function scancel(jobIds: string[]): void {
  if (jobIds.length > 0) run('scancel', jobIds);
}

/** Splits --slurm-opts like a shell would (spaces, single and double quotes). */
export function splitOptions(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let current = '';
  let last = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const part = m[1] ?? m[2] ?? m[3];
    if (last >= 0 && m.index === last) current += part;
    else {
      if (last >= 0) out.push(current);
      current = part;
    }
    last = m.index + m[0].length;
  }
  if (last >= 0) out.push(current);
  return out;
}

/** Single-quotes a word for a bash script. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=,+@%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
