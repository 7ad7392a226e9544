import { afterAll, describe, expect, it } from 'vitest';
import { randomData } from '../../stats/mvlmm/derivatives.test.js';
import { Random } from '../../../src/sim/random.js';
import { scanMvBlock, type MvScanModel } from '../../../src/stats/mvlmm/block.js';
import { fitMvNull } from '../../../src/stats/mvlmm/fit.js';
import { MvPool, mvWorkerPath } from '../../../src/engines/wasm/mv-pool.js';
import { MvKernel } from '../../../src/engines/wasm/mv-kernel.js';
import { WasmEngine } from '../../../src/engines/wasm/wasm-engine.js';
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
  const pool = new MvPool(3);
  let wasm: WasmEngine | undefined;
  afterAll(async () => {
    await pool.close();
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
      expect(columns(pooled)).toEqual(columns(expected));
    },
  );

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
});
