/**
 * lmmscan's default per-SNP search (src/stats/lambda.ts) against GEMMA 0.98.5's CalcLambda written out here from
 * the GSL solvers: every sign change of the grid's slopes refined (minima included), Newton evaluating after its
 * last step. lmmscan skips the minima and that last evaluation; the lambda and likelihood must stay GEMMA's bit
 * for bit, with fewer evaluations.
 */
import { describe, expect, it } from 'vitest';
import { MixedModelLikelihood, type LikelihoodKind } from '../../src/stats/likelihood.js';
import { optimiseLambda } from '../../src/stats/lambda.js';
import {
  BrentSolver,
  GSL_CONTINUE,
  GSL_SUCCESS,
  NewtonSolver,
  testDelta,
  testInterval,
} from '../../src/stats/root-finding.js';
import { covariateProducts, setSnpProducts } from '../../src/stats/products.js';
import { DEFAULT_LAMBDA_SEARCH, lambdaGrid } from '../../src/model/settings.js';
import { CountingModel } from '../helpers/counting-model.js';
import { normals, rng } from '../helpers/random.js';

/** GEMMA's CalcLambda as written in its lmm.cpp (with lmmscan's bisection where Newton fails). */
function gemmaCalcLambda(
  model: MixedModelLikelihood,
  kind: LikelihoodKind,
): { lambda: number; logf: number } {
  const { lMin, lMax } = DEFAULT_LAMBDA_SEARCH;
  const grid = lambdaGrid(DEFAULT_LAMBDA_SEARCH);
  const slope = Array.from(grid, (l) => model.derivative1(kind, l));
  const regions = [];
  for (let i = 0; i + 1 < grid.length; i++) if (slope[i]! * slope[i + 1]! <= 0) regions.push(i);
  const fLo = model.logLikelihood(kind, lMin);
  const fHi = model.logLikelihood(kind, lMax);
  if (regions.length === 0) return fLo >= fHi ? { lambda: lMin, logf: fLo } : { lambda: lMax, logf: fHi };
  const brent = new BrentSolver((x) => model.derivative1(kind, x));
  const newton = new NewtonSolver((x) => {
    model.derivatives12(kind, x);
    return [model.lastDev1, model.lastDev2] as const;
  });
  let lambda = NaN;
  let logf = NaN;
  for (let r = 0; r < regions.length; r++) {
    brent.set(grid[regions[r]!]!, grid[regions[r]! + 1]!);
    let status: number;
    let l = brent.root;
    let iter = 0;
    do {
      iter++;
      status = brent.iterate();
      if (status !== GSL_SUCCESS && status !== GSL_CONTINUE) break;
      l = brent.root;
      status = testInterval(brent.lower, brent.upper, 0, 1e-1);
    } while (status === GSL_CONTINUE && iter < 100);
    if (status === GSL_CONTINUE) break;
    newton.set(l);
    let lPrev = l;
    iter = 0;
    do {
      iter++;
      status = newton.iterate();
      if (status !== GSL_SUCCESS && status !== GSL_CONTINUE) break;
      lPrev = l;
      l = newton.root;
      status = testDelta(l, lPrev, 0, 1e-5);
    } while (status === GSL_CONTINUE && iter < 100 && l > lMin && l < lMax);
    let root = lPrev;
    if (status !== GSL_SUCCESS) {
      for (let k = 0; k < 100; k++) {
        if (testInterval(brent.lower, brent.upper, 0, 1e-5) === GSL_SUCCESS) break;
        if (brent.iterate() !== GSL_SUCCESS) break;
      }
      root = brent.root;
    }
    root = Math.min(lMax, Math.max(lMin, root));
    const f = model.logLikelihood(kind, root);
    if (r === 0 || logf < f) {
      logf = f;
      lambda = root;
    }
  }
  if (Number.isNaN(logf)) return { lambda: NaN, logf: NaN };
  if (fLo > logf) [lambda, logf] = [lMin, fLo];
  if (fHi > logf) [lambda, logf] = [lMax, fHi];
  return { lambda, logf };
}

/** A SNP in the rotated space with a phenotype of genetic-to-residual ratio lambdaTrue. */
function randomSnp(seed: number, n: number, nCvt: number, lambdaTrue: number): CountingModel {
  const next = rng(seed);
  const eigenvalues = Float64Array.from({ length: n }, () => 0.02 + 4 * next() * next());
  eigenvalues[0] = 0;
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1 + 0.3 * w[i]!;
  const x = normals(next, n);
  const e = normals(next, n);
  const y = Float64Array.from(e, (v, i) => v * Math.sqrt(1 + lambdaTrue * eigenvalues[i]!) + 0.2 * x[i]!);
  const table = covariateProducts(w, y, nCvt);
  setSnpProducts(table, w, y, x, nCvt);
  return new CountingModel(eigenvalues, nCvt, table);
}

describe("the default per-SNP search is GEMMA's CalcLambda with fewer passes", () => {
  for (const kind of ['R', 'L'] as LikelihoodKind[]) {
    it(`${kind}: the same lambda and likelihood bit for bit, fewer evaluations`, () => {
      const grid = lambdaGrid(DEFAULT_LAMBDA_SEARCH);
      let gemmaPasses = 0;
      let ours = 0;
      let withMinimum = 0;
      let interior = 0;
      let fits = 0;
      for (const [nCvt, n] of [
        [1, 29],
        [2, 97],
        [3, 211],
        [1, 6],
      ] as const) {
        for (const lambdaTrue of [0, 0.01, 0.3, 2, 40]) {
          for (let s = 0; s < 8; s++) {
            const model = randomSnp(
              7919 * s + 31 * n + nCvt + Math.round(100 * lambdaTrue),
              n,
              nCvt,
              lambdaTrue,
            );
            const slopes = Array.from(grid, (l) => model.derivative1(kind, l));
            if (slopes.some((v, i) => i > 0 && slopes[i - 1]! < 0 && v > 0)) withMinimum++;
            model.evaluations = 0;
            const gemma = gemmaCalcLambda(model, kind);
            gemmaPasses += model.evaluations;
            model.evaluations = 0;
            const fit = optimiseLambda(model, kind);
            ours += model.evaluations;
            const where = `n ${n} c ${nCvt} lambda ${lambdaTrue} seed ${s}`;
            expect(Object.is(fit.lambda, gemma.lambda), `${where}: ${fit.lambda} vs ${gemma.lambda}`).toBe(
              true,
            );
            expect(Object.is(fit.logLikelihood, gemma.logf), where).toBe(true);
            if (fit.lambda > DEFAULT_LAMBDA_SEARCH.lMin && fit.lambda < DEFAULT_LAMBDA_SEARCH.lMax)
              interior++;
            fits++;
          }
        }
      }
      // Both savings are exercised: interior optima (Newton's last step) and, for ML, brackets of minima.
      expect(interior).toBeGreaterThan(fits / 4);
      if (kind === 'L') expect(withMinimum).toBeGreaterThan(fits / 4);
      expect(ours).toBeLessThan(gemmaPasses);
      console.log(
        `${kind}: ${fits} fits, evaluations per fit GEMMA ${gemmaPasses / fits}, lmmscan ${ours / fits}`,
      );
    });
  }
});
