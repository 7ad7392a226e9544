// WasmPool: results with 2 workers are bitwise identical to 1 worker and to the main-thread runner
// (work is split only along independent rows/columns, and every element sums in the same order).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eigenOn } from '../../../src/engines/wasm/eigen.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { accumulateKinshipOn, rotateOn } from '../../../src/engines/wasm/ops.js';
import { centredKinship, maxAbsDiff, randomArray, refRotate } from './reference.js';

describe('WasmPool', () => {
  let one: WasmPool, two: WasmPool;
  beforeAll(async () => {
    [one, two] = await Promise.all([WasmPool.create(1), WasmPool.create(2)]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  test.each([
    [33, 3],
    [257, 130],
    [130, 1],
  ])('rotate n=%i b=%i: 2 threads == 1 thread == main thread', async (n, b) => {
    const U = randomArray(n * n, n),
      X = randomArray(n * b, b + 1000);
    const [r1, r2] = await Promise.all([one.rotate(U, n, X, b), two.rotate(U, n, X, b)]);
    expect(r2).toEqual(r1);
    expect(await rotateOn(LocalRunner.create(one.flavour), U, n, X, b)).toEqual(r1);
    expect(maxAbsDiff(r1, refRotate(U, n, X, b))).toBeLessThan(1e-13 * n * 10);
  });

  test('busyReport: the main thread and each worker, busy no longer than the wall time; the process CPU', async () => {
    const n = 257;
    await two.rotate(randomArray(n * n, 1), n, randomArray(n * 400, 2), 400);
    const report = two.busyReport();
    const m =
      /busy time over ([\d.]+) s: main thread ([\d.]+) s \(\d+%\), 2 workers ([\d.]+) s \(([\d.]+), ([\d.]+);/.exec(
        report,
      );
    expect(m, report).not.toBeNull();
    const [wall, main, total, w0, w1] = m!.slice(1).map(Number);
    expect(main).toBeLessThanOrEqual(wall! + 0.05);
    expect(w0! + w1!).toBeCloseTo(total!, 0);
    expect(Math.max(w0!, w1!)).toBeLessThanOrEqual(wall! + 0.05);
    expect(total).toBeGreaterThan(0);
    // The process's CPU seconds since the pool started: the rotation ran on the workers, so it counted.
    const cpu = /; process CPU ([\d.]+) s\n$/.exec(report);
    expect(cpu, report).not.toBeNull();
    expect(Number(cpu![1])).toBeGreaterThan(0);
  });

  test.each([
    [257, 130],
    [7, 3],
  ])('kinship n=%i b=%i: 2 threads == 1 thread', async (n, b) => {
    const X = randomArray(n * b, 2 * n + b);
    const K1 = randomArray(n * n, 3),
      K2 = K1.slice(),
      K3 = K1.slice();
    await one.accumulateKinship(K1, n, X, b);
    await two.accumulateKinship(K2, n, X, b);
    await accumulateKinshipOn(LocalRunner.create(one.flavour), K3, n, X, b);
    expect(K2).toEqual(K1);
    expect(K3).toEqual(K1);
  });

  test.each([130, 257])('eigen n=%i: 2 threads == 1 thread == main thread', async (n) => {
    const K = centredKinship(n, 2 * n, n);
    const [e1, e2] = await Promise.all([one.eigen(K, n), two.eigen(K, n)]);
    expect(e2.values).toEqual(e1.values);
    expect(e2.vectors).toEqual(e1.vectors);
    const local = await eigenOn(LocalRunner.create(one.flavour), K, n);
    expect(local.vectors).toEqual(e1.vectors);
  });

  test('concurrent calls on one pool are serialised, not interleaved', async () => {
    const n = 130,
      b = 130;
    const U = randomArray(n * n, 1);
    const blocks = [0, 1, 2, 3].map((s) => randomArray(n * b, 50 + s));
    const results = await Promise.all(blocks.map((X) => two.rotate(U, n, X, b)));
    results.forEach((r, s) => expect(maxAbsDiff(r, refRotate(U, n, blocks[s]!, b))).toBeLessThan(1e-10));
  });

  test('describe names the SIMD flavour and thread count', () => {
    expect(two.describe()).toMatch(/wasm .*2 threads/);
  });
});

// A pool given a main-thread allowance (what createEngine makes) runs a small job's kernels on this thread and
// starts its workers only once the job's estimated work passes the allowance; the results do not change.
describe('WasmPool with a main-thread allowance', () => {
  let two: WasmPool, lazy: WasmPool;
  beforeAll(async () => {
    [two, lazy] = await Promise.all([WasmPool.create(2), WasmPool.create(2, undefined, 5e7)]);
  });
  afterAll(async () => {
    await Promise.all([two.close(), lazy.close()]);
  });

  test('small calls on this thread equal the workers bit for bit; past the allowance the workers take over', async () => {
    expect(two.threaded).toBe(true);
    const n = 130,
      b = 57;
    const K = centredKinship(n, 2 * n, n);
    const U = randomArray(n * n, 7),
      X = randomArray(n * b, 8);
    // rotate: 0.1 ns x n^2 b = 1e5 ns; kinship half that; eigen 0.15 ns x 9 n^3 = 3e6 ns: all under 5e7.
    expect(await lazy.rotate(U, n, X, b)).toEqual(await two.rotate(U, n, X, b));
    const [K1, K2] = [K.slice(), K.slice()];
    await lazy.accumulateKinship(K1, n, X, b);
    await two.accumulateKinship(K2, n, X, b);
    expect(K1).toEqual(K2);
    const [s1, s2] = [lazy.startKinship(n), two.startKinship(n)];
    for (const block of [X, randomArray(n * b, 9)]) await Promise.all([s1.add(block, b), s2.add(block, b)]);
    expect(await s1.finish()).toEqual(await s2.finish());
    // The eigensolver's team is this thread alone: a team of two here would wait for a helper that never runs.
    const [e1, e2] = [await lazy.eigen(K, n), await two.eigen(K, n)];
    expect(e1.values).toEqual(e2.values);
    expect(e1.vectors).toEqual(e2.vectors);
    expect(lazy.threaded).toBe(false);
    expect(lazy.busyReport()).toMatch(/no workers \(the kernels ran on the main thread\)/);

    // A block of 600 SNPs at n = 1,000 is 6e7 ns of rotation: the workers start, and the results stay the same.
    const big = 1000;
    const Ub = randomArray(big * big, 10),
      Xb = randomArray(big * 600, 11);
    const rotated = await lazy.rotate(Ub, big, Xb, 600);
    expect(lazy.threaded).toBe(true);
    expect(lazy.busyReport()).toMatch(/2 workers/);
    expect(rotated).toEqual(await two.rotate(Ub, big, Xb, 600));
    const [e3, e4] = [await lazy.eigen(K, n), await two.eigen(K, n)];
    expect(e3.vectors).toEqual(e4.vectors);
  });

  test('expectKinship: a kinship estimated past the allowance starts the workers before its first block', async () => {
    const pool = await WasmPool.create(2, undefined, 5e7);
    try {
      // 0.1 ns x n^2 x SNPs / 2: 2.5e4 ns, then 1e7 ns (both under 5e7), then 5.6e8 ns.
      pool.expectKinship(100, 50);
      pool.expectKinship(1000, 200);
      expect(pool.threaded).toBe(false);
      pool.expectKinship(1500, 5000);
      expect(pool.threaded).toBe(true);
    } finally {
      await pool.close();
    }
  });

  test('expectEigen: 0.15 ns x 9 n^3 counted against the allowance', async () => {
    const pool = await WasmPool.create(2, undefined, 5e7);
    try {
      pool.expectEigen(300); // 3.6e7 ns
      expect(pool.threaded).toBe(false);
      pool.expectEigen(150); // 4.6e6 more: 4.1e7
      expect(pool.threaded).toBe(false);
      pool.expectEigen(200); // 1.1e7 more: past 5e7
      expect(pool.threaded).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
