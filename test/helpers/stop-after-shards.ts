/**
 * Runs the built CLI and stops it with a signal the moment its checkpoint holds `shards` block shards,
 * from inside the process (signal-after-shards.mjs), so that the stop cannot come too late.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

const PRELOAD = join(REPO_ROOT, 'test', 'helpers', 'signal-after-shards.mjs');

/** Resolves with the exit code, or null when the run died of `signal`. */
export function runStoppedAfterShards(
  cliArgs: string[],
  shards: number,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, ...cliArgs], {
      stdio: 'ignore',
      env: { ...process.env, LMMSCAN_TEST_STOP_SHARDS: String(shards), LMMSCAN_TEST_STOP_SIGNAL: signal },
    });
    child.on('error', reject);
    child.on('exit', (code, sig) => resolve(sig === 'SIGKILL' ? null : code));
  });
}
