/**
 * V8's tier-up budgets for the lmmscan command. V8 hands a JavaScript function to its optimising
 * compiler (TurboFan, on background threads) once it has run a budget of bytecode (--interrupt-budget),
 * and a wasm function to its optimising tier once it has run about a budget of bytes
 * (--wasm-tiering-budget). Those defaults suit a browser page that runs for minutes; an lmmscan run of a
 * GEMMA test-suite line lasts under a second, and TurboFan compiling the many functions that run a few
 * thousand times (the readers, the filters, the writers, the report) took about a third of its CPU time
 * (perf samples by thread, BXD -lm 4). With 8x the budgets only the really hot functions are compiled;
 * the hot loops of a large run still reach TurboFan within milliseconds. Same numbers either way: the
 * tiers compute the same IEEE operations.
 */
import { setFlagsFromString } from 'node:v8';

/** The factor applied to V8's default budgets (Node 20's V8 11.3: 67,584 and 1,800,000). */
const BUDGET_FACTOR = 8;
const FLAGS = [
  { name: 'interrupt-budget', value: 67_584 * BUDGET_FACTOR },
  { name: 'wasm-tiering-budget', value: 1_800_000 * BUDGET_FACTOR },
];

/**
 * Raises V8's tier-up budgets for this process (its worker threads included), unless the user set
 * one of them (on node's command line or in NODE_OPTIONS): theirs is kept. Returns the flags it set.
 */
export function raiseTierUpBudgets(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = `${execArgv.join(' ')} ${nodeOptions}`.replaceAll('_', '-');
  const set: string[] = [];
  for (const { name, value } of FLAGS) {
    // The flag itself, not a longer one that starts the same (--interrupt-budget-for-feedback-allocation).
    if (new RegExp(`--${name}(?:[= ]|$)`).test(given)) continue;
    const flag = `--${name}=${value}`;
    setFlagsFromString(flag);
    set.push(flag);
  }
  return set;
}
