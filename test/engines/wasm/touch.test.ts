/** touchAlongside(): fresh shared memory zeroed on the workers and this thread while `op` runs here. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import type { KernelRunner } from '../../../src/engines/wasm/runner.js';

/** Views of shared memory full of 7s: one of several parts, one smaller than a part, one empty. */
function views(): Uint8Array[] {
  return [(9 << 20) + 5, 1000, 0].map((bytes) => new Uint8Array(new SharedArrayBuffer(bytes)).fill(7));
}

const runnerOf = (pool: WasmPool) => pool['runner'] as KernelRunner;

describe('touchAlongside', () => {
  let pool: WasmPool;
  let unstarted: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
    unstarted = await WasmPool.create(2, undefined, 1e12);
  });
  afterAll(async () => {
    await pool.close();
    await unstarted.close();
  });

  it("returns op's result with every byte of every view zeroed, also when op throws", async () => {
    const touched = views();
    let seen = -1;
    expect(await runnerOf(pool).touchAlongside(touched, () => (seen = 42))).toBe(42);
    expect(seen).toBe(42);
    for (const view of touched) expect(view.every((b) => b === 0)).toBe(true);
    const failed = views();
    await expect(
      runnerOf(pool).touchAlongside(failed, () => {
        throw new Error('read failed');
      }),
    ).rejects.toThrow('read failed');
    for (const view of failed) expect(view.every((b) => b === 0)).toBe(true);
  });

  it('only runs op where the workers have not started (the memory is left to its first writer)', async () => {
    const untouched = views();
    expect(await runnerOf(unstarted).touchAlongside(untouched, () => 'read')).toBe('read');
    for (const view of untouched) expect(view.every((b) => b === 7)).toBe(true);
  });
});
