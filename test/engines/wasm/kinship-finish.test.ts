// finishKinship(m), what -gk uses (issue 22: no copy of the double-double pair beside K): the bits of
// kinshipFromSum(finishSum(), m) on every layout (resident, resident after another session evicted it, banded
// with one-tile bands, the TS engine), on 1 and 2 threads, at awkward n and block sizes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { KINSHIP_TILE_ROWS, type KinshipResidence } from '../../../src/engines/wasm/ops.js';
import { TsEngine } from '../../../src/engines/ts/ts-engine.js';
import type { KinshipSession } from '../../../src/engines/engine.js';
import type { KernelRunner } from '../../../src/engines/wasm/runner.js';
import { kinshipFromSum } from '../../../src/linalg/double-double.js';
import { randomArray } from './reference.js';

const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function addAll(session: KinshipSession, blocks: Float64Array[], sizes: number[]): Promise<void> {
  for (let s = 0; s < sizes.length; s++) await session.add(blocks[s]!, sizes[s]!);
}

describe('finishKinship', () => {
  let one: WasmPool, two: WasmPool;
  beforeAll(async () => {
    [one, two] = await Promise.all([WasmPool.create(1), WasmPool.create(2)]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  test.each([
    [1, [3, 1]],
    [7, [3]],
    [97, [5, 64]],
    [KINSHIP_TILE_ROWS + 5, [33, 1, 130]],
  ])('n=%i blocks %j: kinshipFromSum of the pair, bit for bit, on every layout', async (n, sizes) => {
    const blocks = sizes.map((b, s) => randomArray(n * b, 31 * n + s));
    const snps = sizes.reduce((a, b) => a + b, 0);
    const ts = new TsEngine().startKinship(n);
    await addAll(ts, blocks, sizes);
    const want = kinshipFromSum(await ts.finishSum(), snps);
    const tsK = new TsEngine().startKinship(n);
    await addAll(tsK, blocks, sizes);
    expect(bytes(await tsK.finishKinship(snps)).equals(bytes(want))).toBe(true);
    const tsUse = new TsEngine().startKinship(n);
    await addAll(tsUse, blocks, sizes);
    expect(bytes(await tsUse.useKinship(snps, (k) => k.slice())).equals(bytes(want))).toBe(true);
    for (const pool of [one, two]) {
      const resident = pool.startKinship(n);
      await addAll(resident, blocks, sizes);
      const fromSum = pool.startKinship(n);
      await addAll(fromSum, blocks, sizes);
      // The second session's blocks moved the first one's sum out of shared memory (evicted): both places read.
      const evicted = await resident.finishKinship(snps);
      expect(bytes(await fromSum.finishKinship(snps)).equals(bytes(evicted))).toBe(true);
      const sumSession = pool.startKinship(n);
      await addAll(sumSession, blocks, sizes);
      const wasmWant = kinshipFromSum(await sumSession.finishSum(), snps);
      expect(bytes(evicted).equals(bytes(wasmWant))).toBe(true);
      const banded = pool.startKinship(n, 0, 16 * n * KINSHIP_TILE_ROWS);
      await addAll(banded, blocks, sizes);
      expect(bytes(await banded.finishKinship(snps)).equals(bytes(wasmWant))).toBe(true);
      // useKinship (what -gk writes from): in place in shared memory, or the session's array; copied inside `use`.
      for (const session of [pool.startKinship(n), pool.startKinship(n, 0, 16 * n * KINSHIP_TILE_ROWS)]) {
        await addAll(session, blocks, sizes);
        expect(bytes(await session.useKinship(snps, (k) => k.slice())).equals(bytes(wasmWant))).toBe(true);
      }
      // Entries agree with the TS engine's to rounding (the engines' partials sum in different orders).
      for (let i = 0; i < n * n; i++) expect(Math.abs(wasmWant[i]! - want[i]!)).toBeLessThan(1e-13);
    }
  });

  test('an empty resident session gives zeros and frees nothing it did not hold; a finished one refuses blocks', async () => {
    const empty = one.startKinship(5);
    expect(await empty.finishKinship(3)).toEqual(new Float64Array(25));
    const session = one.startKinship(4);
    await session.add(randomArray(8, 3), 2);
    const k = await session.finishKinship(2);
    expect(k[1]).toBe(k[4]);
    await expect(session.add(randomArray(8, 4), 2)).rejects.toThrow(/already finished/);
    // Shared memory is free again: a new session sums from zero.
    const again = one.startKinship(4);
    await again.add(randomArray(8, 3), 2);
    expect(bytes(await again.finishKinship(2)).equals(bytes(k))).toBe(true);
  });

  test('useKinship frees the resident sum after `use`, also when `use` throws; the session is closed', async () => {
    const runner = one['runner'] as KernelRunner & { kinship: KinshipResidence };
    // The arena's top, read without evicting a resident sum (retain() would move it out first).
    const top = () => runner.kinship.hold(() => runner.arena.mark());
    const before = await top();
    const session = one.startKinship(6);
    await session.add(randomArray(18, 5), 3);
    expect(await top()).toBeGreaterThan(before);
    await expect(
      session.useKinship(3, () => {
        throw new Error('writer failed');
      }),
    ).rejects.toThrow('writer failed');
    // Freed: the arena is back where it was, and the next session's sum starts from zero in the same place.
    expect(await top()).toBe(before);
    const next = one.startKinship(6);
    await next.add(randomArray(18, 5), 3);
    const viaUse = await next.useKinship(3, (k) => k.slice());
    const plain = one.startKinship(6);
    await plain.add(randomArray(18, 5), 3);
    expect(bytes(viaUse).equals(bytes(await plain.finishKinship(3)))).toBe(true);
    await expect(next.add(randomArray(18, 6), 3)).rejects.toThrow(/already finished/);
  });

  test('an asynchronous `use` reads the resident K until its promise settles; the sum is freed after', async () => {
    const runner = one['runner'] as KernelRunner & { kinship: KinshipResidence };
    const top = () => runner.kinship.hold(() => runner.arena.mark());
    const before = await top();
    const plain = one.startKinship(6);
    await plain.add(randomArray(18, 5), 3);
    const want = await plain.finishKinship(3);
    const session = one.startKinship(6);
    await session.add(randomArray(18, 5), 3);
    // The writer's ranges run on the workers while K stays where it is: K is still there after a round trip.
    const copied = await session.useKinship(3, async (k) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return k.slice();
    });
    expect(bytes(copied).equals(bytes(want))).toBe(true);
    expect(await top()).toBe(before);
    const failing = one.startKinship(6);
    await failing.add(randomArray(18, 5), 3);
    await expect(
      failing.useKinship(3, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('late writer failure');
      }),
    ).rejects.toThrow('late writer failure');
    expect(await top()).toBe(before);
  });
});
