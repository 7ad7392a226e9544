/**
 * Starts (or reuses) the one-node Slurm of scripts/slurm-local.sh for the cluster tests. Without
 * Slurm the tests skip with a message, except in CI (CI=true), where a missing Slurm is a failure.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

export interface LocalSlurm {
  ok: boolean;
  /** Why there is no cluster (when !ok). */
  reason?: string;
  /** true when this process started the daemons (and stops them at the end). */
  started: boolean;
  /** Environment for clients: SLURM_CONF set. */
  env: NodeJS.ProcessEnv;
  stop(): void;
}

const SCRIPT = join(REPO_ROOT, 'scripts', 'slurm-local.sh');

/** Starts the local Slurm (idempotent); never throws. */
export function startLocalSlurm(): LocalSlurm {
  const r = spawnSync('bash', [SCRIPT, 'start'], { encoding: 'utf8', timeout: 120_000 });
  const lines = (r.stdout ?? '').trim().split('\n');
  const conf = lines.find((l) => l.startsWith('SLURM_CONF='))?.slice('SLURM_CONF='.length);
  if (r.status !== 0 || conf === undefined) {
    return {
      ok: false,
      reason: `scripts/slurm-local.sh start failed (status ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`,
      started: false,
      env: process.env,
      stop() {},
    };
  }
  const started = lines[0] === 'started';
  const env = { ...process.env, ...(conf ? { SLURM_CONF: conf } : {}) };
  return {
    ok: true,
    started,
    env,
    stop() {
      if (started) spawnSync('bash', [SCRIPT, 'stop'], { encoding: 'utf8', timeout: 120_000 });
    },
  };
}
