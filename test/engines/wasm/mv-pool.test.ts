import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomData } from '../../stats/mvlmm/derivatives.test.js';
import { Random } from '../../../src/sim/random.js';
import { scanMvBlock, type MvScanModel } from '../../../src/stats/mvlmm/block.js';
import { fitMvNull } from '../../../src/stats/mvlmm/fit.js';
import { MvPool, mvWorkerPath } from '../../../src/engines/wasm/mv-pool.js';
import { MvKernel } from '../../../src/engines/wasm/mv-kernel.js';
import { WasmEngine } from '../../../src/engines/wasm/wasm-engine.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { TsEngine } from '../../../src/engines/ts/ts-engine.js';
import type { MvResultBlock } from '../../../src/model/results.js';

const search = { lMin: 1e-5, lMax: 1e5, nRegion: 10 };

function scenario(seed: number, n: number, d: number, c: number, b: number, mode: 1 | 2 | 3 | 4) {
  const rng = new Random(seed);
  const data = randomData(rng, n, d, c);
  const rotated = Float64Array.from({ length: b * n }, () => rng.normal());
  // Some SNPs tied to trait 1 (the Newton path), one constant column.
  for (let j = 1; j < b; j += 4)
    for (let k = 0; k < n; k++) rotated[j * n + k] = 2 * data.Y[k] + rng.normal();
  if (b > 2) rotated.fill(0.5, 2 * n, 3 * n);
  const model: MvScanModel = { data, nullModel: fitMvNull(data, search), mode };
  return { model, rotated, b };
}

function columns(block: MvResultBlock): Float64Array[] {
  return [block.pWald, block.pLrt, block.pScore, block.beta, block.se, ...block.effects];
}

describe('multivariate LMM on worker threads', () => {
  // The wasm pool's own workers (started at once: no main-thread allowance) run the ranges.
  let threads: WasmPool;
  let pool: MvPool;
  let wasm: WasmEngine | undefined;
  beforeAll(async () => {
    threads = await WasmPool.create(3);
    pool = new MvPool(threads);
  });
  afterAll(async () => {
    await threads.close();
    await wasm?.close();
  });

  it('finds the compiled worker (npm run build)', () => {
    expect(mvWorkerPath()).toMatch(/mv-worker\.js$/);
  });

  // Awkward sizes: odd n, b not a multiple of the ranges, a single SNP, d = 2..4, every mode.
  const cases = [
    [29, 2, 1, 13, 4],
    [17, 3, 2, 7, 1],
    [11, 4, 2, 5, 2],
    [6, 2, 3, 1, 3],
    [33, 3, 1, 26, 4],
  ] as const;
  // The kernels' arithmetic against the oracle's is test/engines/wasm/mv-kernel.test.ts; here the pool must give
  // what one kernel instance on this thread gives, whatever thread and range each SNP lands in.
  const local = MvKernel.create();
  it.each(cases)(
    'n = %i, d = %i, c = %i, b = %i, -lmm %i: one kernel on this thread, bit for bit',
    async (n, d, c, b, mode) => {
      const s = scenario(1000 * n + 10 * d + c, n, d, c, b, mode);
      const expected = scanMvBlock(s.model, s.rotated, b, local);
      const pooled = await pool.scan(s.model, s.rotated, b);
      expect(threads.threaded).toBe(true);
      expect(columns(pooled)).toEqual(columns(expected));
    },
  );

  // The warm-up runs the workers' kernels on made-up data of its own shape; the next scans keep their bits.
  it.each([
    [2, 3, 23, 2, 2],
    [3, 1, 17, 3, 1],
  ] as const)(
    'warmed for d = %i, c = %i: n = %i, d = %i, c = %i scans as before',
    async (wd, wc, n, d, c) => {
      const s = scenario(7 * n + d, n, d, c, 9, 4);
      pool.warm(wd, wc);
      const pooled = await pool.scan(s.model, s.rotated, s.b);
      expect(columns(pooled)).toEqual(columns(scanMvBlock(s.model, s.rotated, s.b, local)));
    },
  );

  // A worker leaves the SNPs that need Newton-Raphson to the pool's thread (mv-pool.ts): they are listed, their rows
  // NaN, the other rows those of the whole scan; each left SNP tested alone gives the whole scan's row.
  it.each([
    [29, 2, 1, 13, 4],
    [17, 3, 2, 7, 1],
    [11, 4, 2, 5, 2],
    [9, 2, 3, 6, 4],
  ] as const)(
    'n = %i, d = %i, c = %i, b = %i, -lmm %i: Newton-Raphson SNPs left out, then tested alone',
    (n, d, c, b, mode) => {
      const s = scenario(31 * n + d + c, n, d, c, b, mode);
      const whole = scanMvBlock(s.model, s.rotated, b, local);
      const left = scanMvBlock(s.model, s.rotated, b, local, true);
      expect(left.newton.length).toBeGreaterThan(0);
      expect(left.newton.length).toBeLessThan(b);
      const wholeColumns = columns(whole);
      const leftColumns = columns(left);
      for (let j = 0; j < b; j++) {
        const isLeft = left.newton.includes(j);
        for (let col = 0; col < wholeColumns.length; col++)
          if (isLeft) expect(leftColumns[col][j]).toBeNaN();
          else expect(leftColumns[col][j]).toBe(wholeColumns[col][j]);
      }
      for (const j of left.newton) {
        const alone = columns(scanMvBlock(s.model, s.rotated.subarray(j * n, (j + 1) * n), 1, local));
        alone.forEach((column, col) => expect(column[0]).toBe(wholeColumns[col][j]));
      }
    },
  );

  // As the univariate tests: a job whose estimated work stays within the pool's main-thread allowance starts no
  // workers and runs its fits here; one past it starts them and runs there. The same bits either way.
  it.each([
    ['within the allowance: on this thread, no workers started', 1e15, false],
    ['past the allowance: on the workers, started for it', 1, true],
  ] as const)('%s', async (_, allowanceNs, startsWorkers) => {
    const small = await WasmPool.create(2, undefined, allowanceNs);
    try {
      const s = scenario(77, 23, 2, 2, 11, 4);
      expect(small.threaded).toBe(false);
      const block = await new MvPool(small).scan(s.model, s.rotated, s.b);
      expect(small.threaded).toBe(startsWorkers);
      expect(columns(block)).toEqual(columns(scanMvBlock(s.model, s.rotated, s.b, local)));
    } finally {
      await small.close();
    }
  });

  it("the TS engine answers testMultivariate with the oracle block, the wasm engine with the kernels'", async () => {
    const s = scenario(5, 21, 3, 2, 9, 4);
    wasm = await WasmEngine.create(2);
    expect(columns(await wasm.testMultivariate(s.model, s.rotated, s.b))).toEqual(
      columns(scanMvBlock(s.model, s.rotated, s.b, local)),
    );
    expect(columns(await new TsEngine().testMultivariate(s.model, s.rotated, s.b))).toEqual(
      columns(scanMvBlock(s.model, s.rotated, s.b)),
    );
  });

  it("the wasm engine fits the null model with the kernels' EM: the oracle's fit but for rounding", async () => {
    for (const [seed, n, d, c] of [
      [6, 41, 2, 1],
      [7, 37, 3, 3],
      [10, 120, 4, 2],
    ] as const) {
      const data = randomData(new Random(seed), n, d, c);
      const oracle = fitMvNull(data, search);
      wasm ??= await WasmEngine.create(2);
      const fitted = await wasm.fitMultivariateNull(data, search);
      for (const kind of ['reml', 'mle'] as const) {
        const [a, b] = [fitted[kind], oracle[kind]];
        for (const key of ['vg', 've', 'vgVariance', 'veVariance', 'B', 'seB'] as const)
          b[key].forEach((x, i) =>
            expect(Math.abs(a[key][i] - x)).toBeLessThanOrEqual(1e-8 * Math.abs(x) + 1e-14),
          );
        expect(Math.abs(a.logLik - b.logLik)).toBeLessThanOrEqual(1e-9 * Math.abs(b.logLik));
      }
    }
  });
});
