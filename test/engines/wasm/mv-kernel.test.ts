/**
 * The multivariate LMM's kernel steps (assembly/mvlmm.ts through src/engines/wasm/mv-kernel.ts) against the TS
 * oracle (mvEm, snpEffect, scanMvBlock): the same iteration with sums taken two individuals per lane, so only
 * rounding may differ. Awkward sizes: n = 1, odd n, zero eigenvalues, d = 2..4, c = 1..3 covariates (plus the
 * SNP), and data whose individuals missing a trait were dropped by the sample rules (GEMMA
 * 0.98.5's -lmm imputes no phenotype: it drops the individual).
 */
import { describe, expect, it } from 'vitest';
import { randomData } from '../../stats/mvlmm/derivatives.test.js';
import { Random } from '../../../src/sim/random.js';
import { MvKernel } from '../../../src/engines/wasm/mv-kernel.js';
import { scanMvBlock, type MvScanModel } from '../../../src/stats/mvlmm/block.js';
import { mvEm, type MvParameters } from '../../../src/stats/mvlmm/em.js';
import { fitMvNull } from '../../../src/stats/mvlmm/fit.js';
import type { MvData } from '../../../src/stats/mvlmm/model.js';
import { snpEffect } from '../../../src/stats/mvlmm/wald.js';
import { selectSamples } from '../../../src/qc/samples.js';
import type { MvResultBlock } from '../../../src/model/results.js';

const search = { lMin: 1e-5, lMax: 1e5, nRegion: 10 };

/**
 * Relative agreement of the kernel's numbers with the oracle's (NaN only where the oracle has NaN): 1e-9 for
 * the steps, 1e-8 for the block's outputs (the Newton-Raphson that follows the EM, the oracle's own code on
 * both paths, carries the EM's rounding differences forward); `floor` is an absolute allowance for numbers
 * that are sums of terms much larger than themselves (a log-likelihood near 0).
 */
function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  tolerance = 1e-9,
  floor = 1e-300,
): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(a, `${what}[${i}]`).toBeNaN();
      continue;
    }
    expect(Math.abs(a - e), `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(
      tolerance * Math.abs(e) + floor,
    );
  }
}

/** Data with the SNP as X's last row, and positive definite starting (Vg, Ve) near the truth. */
function withSnp(data: MvData, x: Float64Array): MvData {
  const { n, c } = data;
  const X = new Float64Array((c + 1) * n);
  X.set(data.X.subarray(0, c * n));
  X.set(x, c * n);
  return { ...data, c: c + 1, X };
}

function start(d: number, c: number, rng: Random): MvParameters {
  const vg = new Float64Array(d * d);
  const ve = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      vg[i * d + j] = i === j ? 0.6 + 0.2 * rng.uniform() : 0.15;
      ve[i * d + j] = i === j ? 0.8 + 0.2 * rng.uniform() : -0.1;
    }
  }
  return { vg, ve, B: Float64Array.from({ length: d * c }, () => 0.1 * rng.normal()) };
}

function copy(p: MvParameters): MvParameters {
  return { vg: Float64Array.from(p.vg), ve: Float64Array.from(p.ve), B: Float64Array.from(p.B) };
}

const cases = [
  [1, 2, 1],
  [2, 2, 1],
  [7, 3, 2],
  [33, 2, 3],
  [50, 4, 2],
  [101, 3, 1],
  [64, 4, 3],
] as const;

// Both builds: the plain SIMD one and the relaxed one (fused multiply-adds).
describe.each(['simd', 'relaxed'] as const)(
  'multivariate LMM kernels (%s build) against the TS oracle',
  (flavour) => {
    const kernel = MvKernel.create(flavour);

    it.each(cases)('n = %i, d = %i, c = %i: EM iterations (REML and ML) and the Wald step', (n, d, c) => {
      const rng = new Random(100 * n + 10 * d + c);
      const data = randomData(rng, n, d, c);
      const x = Float64Array.from({ length: n }, () => rng.normal());
      for (let k = 0; k < n; k++) x[k] += 0.3 * data.Y[k];
      const full = withSnp(data, x);
      kernel.prepare(full);
      kernel.loadSnp(full);
      const p0 = start(d, c + 1, rng);
      for (const kind of ['R', 'L'] as const) {
        // A tolerance of 0 runs every iteration, so that each path takes the same steps.
        for (const iterations of [1, 2, 6]) {
          const oracle = copy(p0);
          const mine = copy(p0);
          const expected = mvEm(kind, iterations, 0, full, oracle);
          const actual = kernel.em(kind, iterations, 0, full, mine);
          const what = `${kind} ${iterations}`;
          expectClose([actual], [expected], `${what} logLik`, 1e-9, 1e-12 * n);
          expectClose(mine.vg, oracle.vg, `${what} Vg`);
          expectClose(mine.ve, oracle.ve, `${what} Ve`);
          expectClose(mine.B, oracle.B, `${what} B`);
        }
      }
      const beta = [new Float64Array(d), new Float64Array(d)];
      const vBeta = [new Float64Array(d * d), new Float64Array(d * d)];
      const pOracle = snpEffect(data, x, p0.vg, p0.ve, beta[0], vBeta[0]);
      const pKernel = kernel.effect(data, x, p0.vg, p0.ve, beta[1], vBeta[1]);
      expectClose([pKernel], [pOracle], 'p');
      expectClose(beta[1], beta[0], 'beta');
      expectClose(vBeta[1], vBeta[0], 'Vbeta');
    });

    it('reuses the sums an EM leaves only at the same SNP and (Vg, Ve): the bits of a fresh kernel', () => {
      const [n, d, c] = [41, 3, 2];
      const rng = new Random(4321);
      const data = randomData(rng, n, d, c);
      const snps = [0, 1].map(() =>
        Float64Array.from({ length: n }, (_, k) => rng.normal() + 0.3 * data.Y[k]),
      );
      const fresh = MvKernel.create(flavour);
      const p = start(d, c + 1, rng);
      const first = withSnp(data, snps[0]);
      kernel.prepare(first);
      kernel.loadSnp(first);
      // Stops on its tolerance, so the workspace holds the sums at the returned (Vg, Ve).
      kernel.em('L', 1000, 1e-3, first, p);
      const effectOf = (k: MvKernel, x: Float64Array) => {
        const beta = new Float64Array(d);
        const vBeta = new Float64Array(d * d);
        const pWald = k.effect(data, x, p.vg, p.ve, beta, vBeta);
        return { pWald, beta, vBeta };
      };
      const reused = effectOf(kernel, snps[0]);
      fresh.prepare(first);
      fresh.loadSnp(first);
      expect(reused).toEqual(effectOf(fresh, snps[0]));
      // Another SNP at the same (Vg, Ve): its own sums, not the first SNP's.
      const second = withSnp(data, snps[1]);
      kernel.loadSnp(second);
      const other = effectOf(kernel, snps[1]);
      const freshSecond = MvKernel.create(flavour);
      freshSecond.prepare(second);
      freshSecond.loadSnp(second);
      expect(other).toEqual(effectOf(freshSecond, snps[1]));
      expect(other.beta).not.toEqual(reused.beta);
    });

    // c + 1 rows of X give (c + 1)(c + 2)/2 pairs: the SNP's pairs fall in the multi-row sums' groups of four, after
    // them, or both.
    it.each([
      [1, 2, 1],
      [7, 2, 2],
      [33, 3, 3],
      [20, 4, 4],
      [15, 3, 5],
      [9, 2, 6],
    ] as const)(
      'n = %i, d = %i, c = %i: SNPs at the block base reuse its sums, the bits of a fresh kernel',
      (n, d, c) => {
        const rng = new Random(900 + 10 * n + d + c);
        const data = randomData(rng, n, d, c);
        const p0 = start(d, c + 1, rng);
        const fits = (k: MvKernel, full: MvData, x: Float64Array) => {
          const p = copy(p0);
          const beta = new Float64Array(d);
          const vBeta = new Float64Array(d * d);
          const pScore = k.effect(data, x, p.vg, p.ve, beta, vBeta);
          const logLiks = [k.em('L', 3, 0, full, p), k.em('R', 2, 0, full, p)];
          const pWald = k.effect(data, x, p.vg, p.ve, beta, vBeta);
          return { pScore, logLiks, pWald, beta, vBeta, p };
        };
        const block = MvKernel.create(flavour);
        for (let snp = 0; snp < 3; snp++) {
          const x = Float64Array.from({ length: n }, (_, k) => rng.normal() + 0.2 * data.Y[k]);
          const full = withSnp(data, x);
          if (snp === 0) block.prepare(full);
          block.loadSnp(full);
          const fresh = MvKernel.create(flavour);
          fresh.prepare(full);
          fresh.loadSnp(full);
          expect(fits(block, full, x), `SNP ${snp}`).toEqual(fits(fresh, full, x));
        }
      },
    );

    function columns(block: MvResultBlock): Float64Array[] {
      return [block.pWald, block.pLrt, block.pScore, ...block.effects];
    }

    function scenario(seed: number, data: MvData, b: number, mode: 1 | 2 | 3 | 4) {
      const rng = new Random(seed);
      const { n } = data;
      const rotated = Float64Array.from({ length: b * n }, () => rng.normal());
      // Some SNPs tied to trait 1 (the Newton path).
      for (let j = 1; j < b; j += 3)
        for (let k = 0; k < n; k++) rotated[j * n + k] = data.Y[k] + rng.normal();
      const model: MvScanModel = { data, nullModel: fitMvNull(data, search), mode };
      return { model, rotated };
    }

    /** Rows of `block` that move by more than 1e-8 relative when the traits move by 1e-14 relative. */
    function unstableRows(
      s: { model: MvScanModel; rotated: Float64Array },
      b: number,
      block: MvResultBlock,
    ): Set<number> {
      const data = s.model.data;
      const nudged = {
        ...s.model,
        data: { ...data, Y: data.Y.map((y, i) => y * (1 + (i % 2 ? 1e-14 : -1e-14))) },
      };
      const other = columns(scanMvBlock(nudged, s.rotated, b));
      const rows = new Set<number>();
      columns(block).forEach((col, i) => {
        for (let j = 0; j < b; j++) {
          const e = col[j];
          const same = Number.isNaN(e)
            ? Number.isNaN(other[i][j])
            : Math.abs(other[i][j] - e) <= 1e-8 * Math.abs(e);
          if (!same) rows.add(j);
        }
      });
      return rows;
    }

    // The scenarios are well conditioned: the oracle's own result moves by less than 1e-8 when the traits move by
    // 1e-14 (checked). In an ill-conditioned one (n = 29, d = 2, c = 1 with these seeds: the ML EM still moving
    // after its 1000 iterations, 6 of 7 rows moving by more than 1e-8 under the nudge) rounding alone decides
    // where GEMMA's EM and Newton-Raphson stop, and no two summation orders agree to 1e-8.
    it.each([
      [31, 2, 1, 7, 4],
      [17, 3, 2, 5, 1],
      [12, 4, 2, 4, 2],
      [40, 3, 3, 6, 4],
      [9, 2, 2, 3, 3],
    ] as const)(
      'n = %i, d = %i, c = %i, %i SNPs, -lmm %i: the oracle block within 1e-8',
      (n, d, c, b, mode) => {
        const s = scenario(7 * n + d, randomData(new Random(n + 31 * d + c), n, d, c), b, mode);
        const expected = scanMvBlock(s.model, s.rotated, b);
        expect(unstableRows(s, b, expected).size).toBe(0);
        const actual = scanMvBlock(s.model, s.rotated, b, kernel);
        columns(expected).forEach((e, i) => expectClose(columns(actual)[i], e, `column ${i}`, 1e-8));
      },
    );

    it('data of the sample rules, individuals missing one trait dropped', () => {
      const rng = new Random(77);
      const nTotal = 45;
      const d = 3;
      const phenotypes = Array.from({ length: d }, () =>
        Float64Array.from({ length: nTotal }, () => rng.normal()),
      );
      for (const i of [3, 10, 11, 30]) phenotypes[1][i] = NaN;
      phenotypes[2][20] = NaN;
      const covariateRows = Array.from({ length: nTotal }, () => Float64Array.of(rng.normal()));
      const selection = selectSamples({ nTotal, phenotypes, phenotypeFile: 'p', covariateRows });
      const n = selection.nAnalysed;
      expect(n).toBe(nTotal - 5);
      const Y = new Float64Array(d * n);
      selection.phenotypes.forEach((p, t) => Y.set(p, t * n));
      const eigenvalues = Float64Array.from({ length: n }, () => 2 * rng.uniform());
      const data: MvData = { n, d, c: selection.nCvt, eigenvalues, X: selection.covariates, Y };
      const s = scenario(78, data, 5, 4);
      const expected = scanMvBlock(s.model, s.rotated, 5);
      expect(unstableRows(s, 5, expected).size).toBe(0);
      const actual = scanMvBlock(s.model, s.rotated, 5, kernel);
      columns(expected).forEach((e, i) => expectClose(columns(actual)[i], e, `column ${i}`, 1e-8));
    });
  },
);
