/** The -lm run's young generation: held at its size unless the user sized it. */
import { describe, expect, it } from 'vitest';
import { holdYoungGeneration } from '../../src/cli/young-generation.js';

describe('holdYoungGeneration', () => {
  it('stops the growth of the young generation', () => {
    expect(holdYoungGeneration([], '')).toEqual(['--semi-space-growth-factor=1']);
  });

  it("keeps a size the user gave on node's command line or in NODE_OPTIONS, in either spelling", () => {
    expect(holdYoungGeneration(['--max-semi-space-size=64'], '')).toEqual([]);
    expect(holdYoungGeneration([], '--min_semi_space_size=4')).toEqual([]);
    expect(holdYoungGeneration(['--semi-space-growth-factor', '4'], '')).toEqual([]);
  });

  it('is not kept from it by other flags', () => {
    expect(holdYoungGeneration(['--max-old-space-size=100'], '--interrupt-budget=9')).toEqual([
      '--semi-space-growth-factor=1',
    ]);
  });
});
