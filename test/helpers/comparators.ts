/**
 * External comparators (gemma, Rscript, chromium, ...): a test that needs one runs when it is
 * installed; when it is missing the test fails under CI=true (never a silent skip there) and is
 * skipped with a message elsewhere.
 */
import { spawnSync } from 'node:child_process';

export const IN_CI = process.env.CI === 'true';

/** true when `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

/** Whether to run a comparator test; throws in CI when it is missing. */
export function requireComparator(command: string, debianPackage: string): boolean {
  if (hasCommand(command)) return true;
  const message = `${command} not found: install Debian package ${debianPackage} (npm test's pretest does this as root)`;
  if (IN_CI) throw new Error(`CI=true: ${message}`);
  console.warn(`skipping: ${message}`);
  return false;
}
