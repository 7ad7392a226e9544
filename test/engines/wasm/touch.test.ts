/** touchAside(): fresh shared memory zeroed on the workers alone, this thread free meanwhile. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import type { KernelRunner } from '../../../src/engines/wasm/runner.js';

/** Views of shared memory full of 7s: one of several parts, one smaller than a part, one empty. */
function views(): Uint8Array[] {
  return [(9 << 20) + 5, 1000, 0].map((bytes) => new Uint8Array(new SharedArrayBuffer(bytes)).fill(7));
}

const runnerOf = (pool: WasmPool) => pool['runner'] as KernelRunner;

describe('touchAside', () => {
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

  it('resolves with every byte of every view zeroed, written by the workers', async () => {
    const touched = views();
    const done = runnerOf(pool).touchAside(touched);
    // This thread writes nothing: until the workers answer (a later turn of the event loop), the 7s are there.
    expect(touched[0][0]).toBe(7);
    await done;
    for (const view of touched) expect(view.every((b) => b === 0)).toBe(true);
  });

  it('writes nothing where the workers have not started (the memory is left to its first writer)', async () => {
    const untouched = views();
    await runnerOf(unstarted).touchAside(untouched);
    for (const view of untouched) expect(view.every((b) => b === 7)).toBe(true);
  });
});
