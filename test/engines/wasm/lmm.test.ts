// The WASM per-SNP tests (assembly/lmm.ts via lmmScanOn) against the TS oracle testRotatedBlock, on fresh random
// plans of awkward sizes, lambdas at both grid ends, near-singular spectra and all four test modes, with both ways
// of getting the plan's SNP-independent sums:
// - 'direct': the kernels sum in the oracle's order (SIMD across columns, not across individuals; no fused
//   multiply-add), so lambdas, beta, se and the Wald and score p-values are bitwise the oracle's, including where
//   the optimum lies below lambda = 1e-3 and the derivative is rounding noise (there any other summation order
//   moves Newton's iterates, and can turn a converged fit into NaN). The log-likelihood uses WASM's log (and a log
//   of a product for log|H|), so logl_H1 and the LRT p-value agree within 1e-9 relative (-log10 scale for p).
// - 'interpolated' (the engine's default): the plan's sums come from a Chebyshev table in ln(lambda), within
//   rounding of the direct sums, so every statistic agrees within 1e-6 relative (-log10 scale for p) where both
//   lambdas are at least 1e-3 (typically 1e-13; Newton, stopping at 1e-5 relative steps, amplifies the rounding
//   where the fit is ill-conditioned: 3e-8 at n = 4, c = 1); below that, in the derivative's rounding noise, a
//   lambda may move by up to 1e-6 (the GEMMA parity rule) and the statistics of that fit within 1e-4.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { relaxedSimdSupported } from '../../../src/engines/wasm/loader.js';
import { ResidentLmmPlan, type CovariateSums } from '../../../src/engines/wasm/lmm.js';
import type { KernelRunner } from '../../../src/engines/wasm/runner.js';
import { traitPlan, type LmmTestMode, type ScanPlan } from '../../../src/model/plan.js';
import { testRotatedBlock } from '../../../src/stats/lmm-block.js';
import { fitNullModel } from '../../../src/stats/null-model.js';
import type { SnpResultBlock } from '../../../src/model/results.js';
import { normals, rng } from '../../helpers/random.js';
import { planOf } from '../../helpers/plans.js';
import { DEFAULT_LAMBDA_SEARCH } from '../../../src/model/settings.js';

type Spectrum = 'spread' | 'zero' | 'repeated';

interface PlanSpec {
  n: number;
  nCvt: number;
  /** Genetic-to-residual variance ratio the phenotype is drawn with (0: no genetic signal). */
  lambdaTrue: number;
  spectrum: Spectrum;
  seed: number;
}

/** A plan in the rotated space: y ~ N(W a, lambdaTrue D + I), plus b rotated SNPs, some with an effect on y. */
function randomPlan(spec: PlanSpec, mode: LmmTestMode, b: number): { plan: ScanPlan; rotated: Float64Array } {
  const { n, nCvt, lambdaTrue, spectrum, seed } = spec;
  const next = rng(seed);
  const eigenvalues = Float64Array.from({ length: n }, () => 0.02 + 4 * next() * next());
  if (spectrum !== 'spread') eigenvalues[0] = 0;
  if (spectrum === 'repeated')
    for (let i = 1; i < n; i++) eigenvalues[i] = i % 3 === 0 ? 1.5 : eigenvalues[i]! > 1 ? 1 : 0.25;
  eigenvalues.sort();
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1 + 0.3 * w[i]!; // an intercept, rotated
  const rotated = normals(next, n * b);
  const e = normals(next, n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = e[i]! * Math.sqrt(lambdaTrue * eigenvalues[i]! + 1) + 0.5 * w[i]!;
    if (b > 1) y[i] += 0.3 * rotated[n + i]!; // SNP 1 is associated
  }
  const nullModel = fitNullModel(eigenvalues, w, y, nCvt);
  const shared = {
    n,
    nCvt,
    eigenvalues,
    eigenvectors: new Float64Array(0),
    rotatedCovariates: w,
    testMode: mode,
    search: DEFAULT_LAMBDA_SEARCH,
  };
  return { plan: planOf(shared, [{ rotatedPhenotype: y, nullModel }]), rotated };
}

/** The TS oracle on trait t (default the only one) of a plan. */
const oracle = (plan: ScanPlan, rotated: Float64Array, b: number, t = 0): SnpResultBlock =>
  testRotatedBlock(traitPlan(plan, t), rotated, b);

function close(a: number, b: number, rel: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}

const NOISY_LAMBDA = 1e-3;

// The interpolated path's rules (header): 1e-6 relative, or in the noisy regime lambda within 1e-6 absolute and the
// statistics of that fit within 1e-4.
function interpolatedDifferences(wasm: SnpResultBlock, ts: SnpResultBlock): string[] {
  const bad: string[] = [];
  const p = (x: number) => -Math.log10(x);
  for (let j = 0; j < ts.beta.length; j++) {
    const noisyRemle = ts.lambdaRemle[j]! < NOISY_LAMBDA && wasm.lambdaRemle[j]! < NOISY_LAMBDA;
    const noisyMle = ts.lambdaMle[j]! < NOISY_LAMBDA && wasm.lambdaMle[j]! < NOISY_LAMBDA;
    const check = (key: keyof SnpResultBlock, noisy: boolean, scale: (x: number) => number) => {
      const a = scale(wasm[key][j]!),
        t = scale(ts[key][j]!);
      const ok =
        Object.is(a, t) ||
        (key.startsWith('lambda') && noisy
          ? Math.abs(wasm[key][j]! - ts[key][j]!) <= 1e-6
          : key.startsWith('p')
            ? Math.abs(a - t) <= (noisy ? 1e-4 : 1e-6)
            : close(a, t, noisy ? 1e-4 : 1e-6));
      if (!ok) bad.push(`${key}[${j}] wasm ${wasm[key][j]} ts ${ts[key][j]}`);
    };
    for (const key of ['beta', 'se', 'lambdaRemle'] as const) check(key, noisyRemle, (x) => x);
    check('pWald', noisyRemle, p);
    check('pScore', false, p);
    for (const key of ['lambdaMle', 'logLikH1'] as const) check(key, noisyMle, (x) => x);
    check('pLrt', noisyMle, p);
  }
  return bad;
}

/** Lists every disagreement between the WASM and TS results beyond the documented tolerances of the sums' mode. */
function differences(wasm: SnpResultBlock, ts: SnpResultBlock, sums: CovariateSums = 'direct'): string[] {
  if (sums === 'interpolated') return interpolatedDifferences(wasm, ts);
  const bad: string[] = [];
  for (let j = 0; j < ts.beta.length; j++) {
    for (const key of ['beta', 'se', 'lambdaRemle', 'lambdaMle', 'pWald', 'pScore'] as const) {
      if (!Object.is(wasm[key][j], ts[key][j]))
        bad.push(`${key}[${j}] wasm ${wasm[key][j]} ts ${ts[key][j]}`);
    }
    if (!close(wasm.logLikH1[j]!, ts.logLikH1[j]!, 1e-9))
      bad.push(`logLikH1[${j}] wasm ${wasm.logLikH1[j]} ts ${ts.logLikH1[j]}`);
    const a = -Math.log10(wasm.pLrt[j]!),
      t = -Math.log10(ts.pLrt[j]!);
    if (!(Object.is(a, t) || Math.abs(a - t) <= 1e-9))
      bad.push(`pLrt[${j}] wasm ${wasm.pLrt[j]} ts ${ts.pLrt[j]}`);
  }
  return bad;
}

/** How many of the oracle's lambdas are below 1e-3 (the noisy regime) and how many are NaN. */
function regimes(ts: SnpResultBlock): { low: number; nan: number } {
  let low = 0,
    nan = 0;
  for (const l of [...ts.lambdaRemle, ...ts.lambdaMle]) {
    if (l < 1e-3) low++;
    if (Number.isNaN(l)) nan++;
  }
  return { low, nan };
}

/** Tests a block against a one-trait plan loaded for this call only. */
async function scanOnce(
  runner: KernelRunner,
  plan: ScanPlan,
  rotated: Float64Array,
  b: number,
  sums?: CovariateSums,
): Promise<SnpResultBlock> {
  const loaded = new ResidentLmmPlan(runner, plan, sums);
  try {
    return (await loaded.test(rotated, b))[0]!;
  } finally {
    await loaded.release();
  }
}

const flavours = relaxedSimdSupported() ? (['simd', 'relaxed'] as const) : (['simd'] as const);
const SUMS: CovariateSums[] = ['direct', 'interpolated'];
const SHAPES: Array<[n: number, nCvt: number]> = [
  [4, 1],
  [7, 2],
  [33, 3],
  [130, 1],
  [257, 2],
];
const BLOCKS = [1, 3, 130];

describe.each(flavours.flatMap((f) => SUMS.map((s) => [f, s] as const)))(
  'wasm LMM tests (%s build, %s sums, main thread)',
  (flavour, sums) => {
    const runner = LocalRunner.create(flavour);

    test.each(SHAPES.flatMap(([n, c]) => BLOCKS.map((b) => [n, c, b])))(
      'n=%i c=%i b=%i, -lmm 4',
      async (n, nCvt, b) => {
        const { plan, rotated } = randomPlan(
          { n, nCvt, lambdaTrue: 2, spectrum: 'zero', seed: 97 * n + 7 * nCvt + b },
          4,
          b,
        );
        const ts = oracle(plan, rotated, b);
        const wasm = await scanOnce(runner, plan, rotated, b, sums);
        expect(differences(wasm, ts, sums)).toEqual([]);
      },
    );

    test.each([1, 2, 3, 9] as LmmTestMode[])(
      '-lmm %i leaves the other statistics NaN as the oracle does',
      async (mode) => {
        const { plan, rotated } = randomPlan(
          { n: 130, nCvt: 2, lambdaTrue: 1, spectrum: 'zero', seed: 5 + mode },
          mode,
          3,
        );
        const ts = oracle(plan, rotated, 3);
        const wasm = await scanOnce(runner, plan, rotated, 3, sums);
        expect(differences(wasm, ts, sums)).toEqual([]);
      },
    );

    test("the noisy low-lambda regime is exercised and matches within the mode's rules", async () => {
      let low = 0;
      for (const seed of [1, 2, 3]) {
        const { plan, rotated } = randomPlan(
          { n: 257, nCvt: 2, lambdaTrue: 0.02, spectrum: 'zero', seed: 500 + seed },
          4,
          130,
        );
        const ts = oracle(plan, rotated, 130);
        low += regimes(ts).low;
        expect(differences(await scanOnce(runner, plan, rotated, 130, sums), ts, sums)).toEqual([]);
      }
      expect(low).toBeGreaterThan(20);
    });

    test("the mode is in force: interpolated and direct sums give different last bits, direct ones the oracle's", async () => {
      const { plan, rotated } = randomPlan(
        { n: 130, nCvt: 2, lambdaTrue: 1.5, spectrum: 'spread', seed: 77 },
        4,
        40,
      );
      const ts = oracle(plan, rotated, 40);
      const wasm = await scanOnce(runner, plan, rotated, 40, sums);
      const bitwise = (['lambdaRemle', 'lambdaMle', 'beta', 'se'] as const).every((key) =>
        wasm[key].every((v, j) => Object.is(v, ts[key][j])),
      );
      expect(bitwise).toBe(sums === 'direct');
    });

    test.each([0.02, 2, 1e5])(
      'the safeguarded Newton search (snpMethod newton), true lambda %f: the oracle within the rules, and in force',
      async (lambdaTrue) => {
        let moved = 0;
        for (const [n, nCvt, b] of [
          [4, 1, 3],
          [33, 3, 130],
          [257, 2, 130],
        ] as const) {
          const { plan: gemmaPlan, rotated } = randomPlan(
            { n, nCvt, lambdaTrue, spectrum: 'zero', seed: 300 + n + nCvt },
            4,
            b,
          );
          const plan: ScanPlan = { ...gemmaPlan, search: { ...gemmaPlan.search, snpMethod: 'newton' } };
          const ts = oracle(plan, rotated, b);
          expect(differences(await scanOnce(runner, plan, rotated, b, sums), ts, sums)).toEqual([]);
          const gemma = oracle(gemmaPlan, rotated, b);
          moved += ts.lambdaRemle.filter((l, j) => !Object.is(l, gemma.lambdaRemle[j])).length;
        }
        if (lambdaTrue < 1e4) expect(moved).toBeGreaterThan(0);
      },
    );

    test.each([
      ['no genetic signal (lambda at 1e-5)', 0, 'spread'],
      ['strong genetic signal (large lambda)', 1e5, 'spread'],
      ['one zero eigenvalue', 3, 'zero'],
      ['repeated eigenvalues', 0.5, 'repeated'],
    ] as Array<[string, number, Spectrum]>)('%s', async (_label, lambdaTrue, spectrum) => {
      for (const [n, nCvt] of [
        [33, 1],
        [257, 3],
      ] as const) {
        const b = 130;
        const { plan, rotated } = randomPlan({ n, nCvt, lambdaTrue, spectrum, seed: 1000 + n + nCvt }, 4, b);
        const ts = oracle(plan, rotated, b);
        const wasm = await scanOnce(runner, plan, rotated, b, sums);
        expect(differences(wasm, ts, sums)).toEqual([]);
      }
    });
  },
);

describe('wasm LMM tests on the pool', () => {
  let two: WasmPool;
  beforeAll(async () => {
    two = await WasmPool.create(2);
  });
  afterAll(async () => {
    await two.close();
  });

  test('2 workers == main thread, bitwise; the oracle within the interpolated rules; the plan is reused across blocks and replaced by a new plan', async () => {
    const local = LocalRunner.create(two.flavour);
    const first = randomPlan({ n: 257, nCvt: 2, lambdaTrue: 1, spectrum: 'zero', seed: 42 }, 4, 130);
    const second = randomPlan({ n: 130, nCvt: 1, lambdaTrue: 4, spectrum: 'zero', seed: 43 }, 4, 3);
    const loaded = new Map([first, second].map((p) => [p, two.loadPlan(p.plan)]));
    for (const one of [first, first, second, first]) {
      const { plan, rotated } = one;
      const b = rotated.length / plan.n;
      const [pooled] = await loaded.get(one)!.test(rotated, b);
      expect(pooled).toEqual(await scanOnce(local, plan, rotated, b));
      expect(differences(pooled!, oracle(plan, rotated, b), 'interpolated')).toEqual([]);
    }
    for (const l of loaded.values()) await l.release();
  });

  test('on a pool whose workers have not started (a main-thread allowance), the same numbers bit for bit', async () => {
    const lazy = await WasmPool.create(2, undefined, 1e12);
    try {
      const { plan, rotated } = randomPlan(
        { n: 257, nCvt: 2, lambdaTrue: 1, spectrum: 'zero', seed: 44 },
        4,
        130,
      );
      const b = rotated.length / plan.n;
      const [here, pooled] = [lazy.loadPlan(plan), two.loadPlan(plan)];
      const [fromHere] = await here.test(rotated, b);
      const [fromPool] = await pooled.test(rotated, b);
      expect(lazy.threaded).toBe(false);
      expect(fromHere).toEqual(fromPool);
      await Promise.all([here.release(), pooled.release()]);
    } finally {
      await lazy.close();
    }
  });

  // Traits of one set of individuals: same eigenvalues and covariates, a phenotype each (one with no genetic
  // signal, one near the upper grid end), and a call with another plan in between that must not disturb them.
  function traitMatrix(
    n: number,
    nCvt: number,
    b: number,
    seed: number,
  ): { plan: ScanPlan; rotated: Float64Array } {
    const base = randomPlan({ n, nCvt, lambdaTrue: 1, spectrum: 'zero', seed }, 4, b);
    const traits = [0, 1e4, 0.3, 2, 7].map((lambdaTrue, t) => {
      const next = rng(seed * 31 + t);
      const e = normals(next, n);
      const y = Float64Array.from(
        e,
        (v, i) =>
          v * Math.sqrt(lambdaTrue * base.plan.eigenvalues[i]! + 1) +
          0.2 * t * base.plan.rotatedCovariates[i]! +
          (t === 3 && b > 2 ? 0.4 * base.rotated[2 * n + i]! : 0),
      );
      return {
        rotatedPhenotype: y,
        nullModel: fitNullModel(base.plan.eigenvalues, base.plan.rotatedCovariates, y, nCvt),
      };
    });
    return { plan: planOf(base.plan, traits), rotated: base.rotated };
  }

  test.each([
    [33, 1, 1],
    [131, 3, 37],
    [257, 2, 130],
  ])(
    'traits batched: n=%i c=%i b=%i, each trait bitwise in the batch and after another plan, the oracle within the interpolated rules (bitwise in groups and in one shared call with direct sums)',
    async (n, nCvt, b) => {
      const { plan, rotated } = traitMatrix(n, nCvt, b, 700 + n + b);
      const other = randomPlan({ n: 33, nCvt: 1, lambdaTrue: 2, spectrum: 'zero', seed: 9 }, 4, 3);
      const unit = two.loadPlan(plan);
      const batched = await unit.test(rotated, b);
      const otherUnit = two.loadPlan(other.plan);
      await otherUnit.test(other.rotated, 3);
      await otherUnit.release();
      const again = await unit.test(rotated, b);
      await unit.release();
      // A budget of one trait forces groups of one, rebuilt every call, with direct sums (no lambda tables to rebuild).
      const grouped = await new ResidentLmmPlan(
        LocalRunner.create(two.flavour),
        plan,
        'interpolated',
        1,
      ).test(rotated, b);
      // All traits in one kernel call per range (lmmScanPlans: the products without y made once), direct sums.
      const sharedDirect = await new ResidentLmmPlan(LocalRunner.create(two.flavour), plan, 'direct').test(
        rotated,
        b,
      );
      expect(batched).toHaveLength(plan.traits);
      for (let t = 0; t < plan.traits; t++) {
        const ts = oracle(plan, rotated, b, t);
        expect(differences(batched[t]!, ts, 'interpolated')).toEqual([]);
        expect(again[t]).toEqual(batched[t]);
        expect(differences(grouped[t]!, ts, 'direct')).toEqual([]);
        expect(differences(sharedDirect[t]!, ts, 'direct')).toEqual([]);
      }
    },
  );

  test('rejects a block of the wrong size', async () => {
    const { plan, rotated } = randomPlan({ n: 33, nCvt: 1, lambdaTrue: 1, spectrum: 'zero', seed: 3 }, 4, 3);
    const loaded = two.loadPlan(plan);
    await expect(loaded.test(rotated, 4)).rejects.toThrow(/expected/);
    await loaded.release();
  });
});
