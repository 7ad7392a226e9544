/**
 * V8's young generation (where new objects are made) for an -lm run. V8 starts it small and doubles it as the
 * objects that survive its collections add up; the command finds it at two 2 MiB semi-spaces, and a cold -lm scan
 * (V8's interpreter boxes every floating-point result until a function is compiled) doubled it twice more within its
 * first block. Each page of the larger semi-spaces then cost a page fault the first time it was used, 11-20 us on
 * this VM: holding the young generation at its size saves about 1,500 of BXD's -lm 4 faults and 30 ms of its
 * main-thread CPU (more, smaller collections cost less), and the n = 1,500 -lm as much. Same numbers: only when
 * garbage is collected changes.
 */
import { setFlagsFromString } from 'node:v8';

/** The flags that size the young generation: a user who gave one chose it. */
const SIZING_FLAGS = ['semi-space-growth-factor', 'max-semi-space-size', 'min-semi-space-size'];

/**
 * Stops the young generation from growing for the rest of this process (its worker threads included), unless the
 * user sized it (on node's command line or in NODE_OPTIONS). Returns the flags it set.
 */
export function holdYoungGeneration(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = `${execArgv.join(' ')} ${nodeOptions}`.replaceAll('_', '-');
  if (SIZING_FLAGS.some((name) => new RegExp(`--${name}(?:[= ]|$)`).test(given))) return [];
  const flag = '--semi-space-growth-factor=1';
  setFlagsFromString(flag);
  return [flag];
}
