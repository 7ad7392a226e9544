/** runHere(): set-up calls on this thread's kernels, at once, with the results run() gets from a worker. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EigenSize } from '../../../src/engines/wasm/layout.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import type { KernelRunner } from '../../../src/engines/wasm/runner.js';

const runnerOf = (pool: WasmPool) => pool['runner'] as KernelRunner;

describe('runHere', () => {
  let pool: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it.each([1, 31, 64, 1420, 4001])('n=%i: the eigensolver sizes a worker computes', async (n) => {
    const runner = runnerOf(pool);
    const [here, there] = await runner.exclusive(async () => {
      const a = runner.arena.alloc(4 * EigenSize.count),
        b = runner.arena.alloc(4 * EigenSize.count);
      await runner.runHere([['eigenSizes', [n, a]]]);
      await runner.run([['eigenSizes', [n, b]]]);
      const read = (at: number) =>
        Array.from(new Int32Array(runner.arena.memory.buffer, at, EigenSize.count));
      return [read(a), read(b)];
    });
    expect(here.some((v) => v > 0)).toBe(true);
    expect(here).toEqual(there);
  });

  // As the SNP pass does while the eigensolver starts: this thread busy, its awaits microtasks only.
  it('resolves while this thread only awaits microtasks (no message to a worker and back)', async () => {
    const runner = runnerOf(pool);
    const want = await runner.run([['gemmWorkBytes', []]]); // also: the workers are up
    let got = -1;
    void runner.runHere([['gemmWorkBytes', []]]).then((bytes) => (got = bytes));
    for (let k = 0; k < 100 && got < 0; k++) await Promise.resolve();
    expect(got).toBe(want);
    expect(got).toBeGreaterThan(0);
  });
});
