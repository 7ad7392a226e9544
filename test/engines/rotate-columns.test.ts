// The prepare step rotates a unit's trait matrix (n x traits) in one engine.rotate call: every column must come out
// bitwise as that column rotated on its own (how traits were rotated before the plan held the matrix), so that the
// null models and every output stay byte-identical. At awkward n and trait counts, on the TS engine and on the wasm
// engine (main thread and a 2-worker pool, whose row split differs with the block's width).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engines/engine.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';
import { randomArray } from './wasm/reference.js';

describe.each(['ts', 'wasm 1 thread', 'wasm 2 threads'] as const)('%s: rotating a trait matrix', (label) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = label === 'ts' ? new TsEngine() : await WasmEngine.create(label === 'wasm 1 thread' ? 1 : 2);
  });
  afterAll(async () => {
    await engine.close();
  });

  test.each([
    [5, 3],
    [33, 7],
    [130, 13],
    [257, 6],
  ])('n=%i, %i traits: each column is bitwise its rotation alone', async (n, traits) => {
    const u = randomArray(n * n, 3 * n + traits);
    const y = randomArray(n * traits, n + 17 * traits);
    y[n + 2] = 0; // a zero the TS engine skips
    const together = await engine.rotate(u, n, y, traits);
    for (let t = 0; t < traits; t++) {
      const alone = await engine.rotate(u, n, y.slice(t * n, (t + 1) * n), 1);
      expect(together.subarray(t * n, (t + 1) * n), `trait ${t}`).toEqual(alone);
    }
  });
});
