/** The lmmscan command's V8 tier-up budgets: raised unless the user chose them. */
import { describe, expect, it } from 'vitest';
import { raiseTierUpBudgets } from '../../src/cli/tier-up-budget.js';

describe('raiseTierUpBudgets', () => {
  it('raises the JavaScript and the wasm budget to 8x V8 11.3 defaults', () => {
    expect(raiseTierUpBudgets([], '')).toEqual([
      '--interrupt-budget=540672',
      '--wasm-tiering-budget=14400000',
    ]);
  });

  it("keeps a budget the user gave on node's command line or in NODE_OPTIONS, in either spelling", () => {
    expect(raiseTierUpBudgets(['--interrupt-budget=1000'], '')).toEqual(['--wasm-tiering-budget=14400000']);
    expect(raiseTierUpBudgets([], '--max-old-space-size=100 --wasm_tiering_budget=5')).toEqual([
      '--interrupt-budget=540672',
    ]);
    expect(raiseTierUpBudgets(['--interrupt_budget=9'], '--wasm-tiering-budget=5')).toEqual([]);
    expect(raiseTierUpBudgets(['--interrupt-budget', '9'], '')).toEqual(['--wasm-tiering-budget=14400000']);
  });

  it('is not kept from its budget by a longer flag that starts the same', () => {
    expect(raiseTierUpBudgets(['--interrupt-budget-for-feedback-allocation=100'], '')).toEqual([
      '--interrupt-budget=540672',
      '--wasm-tiering-budget=14400000',
    ]);
  });
});
