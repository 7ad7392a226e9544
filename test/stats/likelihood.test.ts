/**
 * The likelihood's derivatives against finite differences, the optimiser against a dense grid,
 * and the P_ab recursion against direct GLS projections, on random inputs of awkward sizes.
 */
import { describe, expect, it } from 'vitest';
import { MixedModelLikelihood, type LikelihoodKind } from '../../src/stats/likelihood.js';
import { optimiseLambda } from '../../src/stats/lambda.js';
import { covariateProducts, setSnpProducts } from '../../src/stats/products.js';
import { normals, rng } from '../helpers/random.js';

function randomProblem(seed: number, n: number, nCvt: number) {
  const next = rng(seed);
  const eigenvalues = Float64Array.from({ length: n }, () => 0.05 + 3 * next());
  eigenvalues[0] = 0; // centred kinship: one zero eigenvalue
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1 + 0.3 * w[i];
  const x = normals(next, n);
  const y = Float64Array.from(normals(next, n), (v, i) => v * Math.sqrt(1 + 2 * eigenvalues[i]) + 0.4 * x[i]);
  const table = covariateProducts(w, y, nCvt);
  setSnpProducts(table, w, y, x, nCvt);
  return { eigenvalues, w, x, y, table, model: new MixedModelLikelihood(eigenvalues, nCvt, table) };
}

describe.each([
  [1, 37],
  [3, 101],
  [2, 5],
])('with %i covariates, n = %i', (nCvt, n) => {
  for (const kind of ['R', 'L'] as LikelihoodKind[]) {
    for (const calcNull of [true, false]) {
      it(`${kind} ${calcNull ? 'null' : 'alternative'}: derivatives match finite differences`, () => {
        const { model } = randomProblem(11 * n + nCvt, n, nCvt);
        model.calcNull = calcNull;
        for (const lambda of [0.013, 0.7, 4.2, 250]) {
          const h = lambda * 1e-5;
          const f = (l: number) => model.logLikelihood(kind, l);
          const numeric1 = (f(lambda + h) - f(lambda - h)) / (2 * h);
          model.derivatives12(kind, lambda);
          const d1 = model.lastDev1;
          const d2 = model.lastDev2;
          expect(Math.abs(d1 - numeric1)).toBeLessThan(1e-5 * Math.max(1, Math.abs(d1)));
          expect(model.derivative1(kind, lambda)).toBeCloseTo(d1, 12);
          const numeric2 =
            (model.derivative1(kind, lambda + h) - model.derivative1(kind, lambda - h)) / (2 * h);
          expect(Math.abs(d2 - numeric2)).toBeLessThan(1e-4 * Math.max(1, Math.abs(d2)));
        }
      });
    }
    it(`${kind}: the optimiser finds the maximum of a dense log grid`, () => {
      const { model } = randomProblem(5 * n + nCvt, n, nCvt);
      const fit = optimiseLambda(model, kind);
      let best = -Infinity;
      for (let k = 0; k <= 2000; k++)
        best = Math.max(best, model.logLikelihood(kind, 1e-5 * Math.pow(1e10, k / 2000)));
      expect(fit.logLikelihood).toBeGreaterThanOrEqual(best - 1e-6);
      expect(fit.lambda).toBeGreaterThanOrEqual(1e-5);
      expect(fit.lambda).toBeLessThanOrEqual(1e5);
    });
  }
});

it("the P_ab recursion equals the direct GLS projection y'P y", () => {
  const n = 23;
  const nCvt = 2;
  const { eigenvalues, w, y, model } = randomProblem(99, n, nCvt);
  const lambda = 1.37;
  const h = Float64Array.from(eigenvalues, (d) => 1 / (lambda * d + 1));
  // Direct: y'Hy - y'HW (W'HW)^-1 W'Hy with 2 covariates.
  const dot = (a: (i: number) => number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a(i);
    return s;
  };
  const w0 = (i: number) => w[i];
  const w1 = (i: number) => w[n + i];
  const a = dot((i) => h[i] * w0(i) * w0(i));
  const b = dot((i) => h[i] * w0(i) * w1(i));
  const c = dot((i) => h[i] * w1(i) * w1(i));
  const u0 = dot((i) => h[i] * w0(i) * y[i]);
  const u1 = dot((i) => h[i] * w1(i) * y[i]);
  const det = a * c - b * b;
  const direct = dot((i) => h[i] * y[i] * y[i]) - (c * u0 * u0 - 2 * b * u0 * u1 + a * u1 * u1) / det;
  expect(model.projections(lambda).pyy).toBeCloseTo(direct, 10);
});
