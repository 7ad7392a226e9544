/**
 * The per-SNP safeguarded Newton search (src/stats/lambda-newton.ts) against GEMMA's Brent-then-Newton
 * (src/stats/lambda.ts) and against an independent optimum on random SNPs of awkward sizes: the optimum each
 * finds, how close it is to the true one, and how many evaluations each takes.
 */
import { describe, expect, it } from 'vitest';
import { MixedModelLikelihood, type LikelihoodKind } from '../../src/stats/likelihood.js';
import { optimiseLambda } from '../../src/stats/lambda.js';
import { newtonCounters, optimiseLambdaNewton } from '../../src/stats/lambda-newton.js';
import { covariateProducts, setSnpProducts } from '../../src/stats/products.js';
import { DEFAULT_LAMBDA_SEARCH } from '../../src/model/settings.js';
import { CountingModel } from '../helpers/counting-model.js';
import { normals, rng } from '../helpers/random.js';

/** A SNP in the rotated space with a phenotype of genetic-to-residual ratio lambdaTrue. */
function randomSnp(seed: number, n: number, nCvt: number, lambdaTrue: number) {
  const next = rng(seed);
  const eigenvalues = Float64Array.from({ length: n }, () => 0.02 + 4 * next() * next());
  eigenvalues[0] = 0;
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1 + 0.3 * w[i]!;
  const x = normals(next, n);
  const e = normals(next, n);
  const y = Float64Array.from(e, (v, i) => v * Math.sqrt(1 + lambdaTrue * eigenvalues[i]!) + 0.3 * x[i]!);
  const table = covariateProducts(w, y, nCvt);
  setSnpProducts(table, w, y, x, nCvt);
  return new CountingModel(eigenvalues, nCvt, table);
}

/**
 * The root of the slope near `lambda` found without Newton: the sign change bracketed on a ladder of steps of
 * 1e-3 relative, then 200 bisections (to the last bit).
 */
function bisectedRoot(model: MixedModelLikelihood, kind: LikelihoodKind, lambda: number): number {
  let lo = lambda * (1 - 1e-3);
  let hi = lambda * (1 + 1e-3);
  const sLo = model.derivative1(kind, lo);
  if (sLo * model.derivative1(kind, hi) > 0) return NaN;
  for (let k = 0; k < 200; k++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (model.derivative1(kind, mid) * sLo > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const cases: [number, number, number][] = [];
for (const [nCvt, n] of [
  [1, 37],
  [2, 101],
  [3, 263],
  [1, 5],
])
  for (const lambdaTrue of [0, 0.05, 0.8, 4, 60]) cases.push([nCvt, n, lambdaTrue]);

describe('safeguarded Newton per SNP', () => {
  for (const kind of ['R', 'L'] as LikelihoodKind[]) {
    it(`${kind}: the same optimum as GEMMA's search, closer to the true one, in fewer evaluations`, () => {
      let gemmaEvaluations = 0;
      let newtonEvaluations = 0;
      let interior = 0;
      for (const [nCvt, n, lambdaTrue] of cases) {
        for (let s = 0; s < 6; s++) {
          const model = randomSnp(
            1000 * s + 17 * n + nCvt + Math.round(10 * lambdaTrue),
            n,
            nCvt,
            lambdaTrue,
          );
          model.evaluations = 0;
          const gemma = optimiseLambda(model, kind);
          gemmaEvaluations += model.evaluations;
          model.evaluations = 0;
          const fit = optimiseLambdaNewton(model, kind);
          newtonEvaluations += model.evaluations;
          const where = `n ${n} c ${nCvt} lambda ${lambdaTrue} seed ${s}: ${fit.lambda} vs GEMMA ${gemma.lambda}`;
          // Never a worse likelihood than GEMMA's search, and a dense grid of ln lambda finds no better one.
          expect(fit.logLikelihood, where).toBeGreaterThanOrEqual(gemma.logLikelihood - 1e-9);
          let best = -Infinity;
          for (let k = 0; k <= 2000; k++)
            best = Math.max(best, model.logLikelihood(kind, 1e-5 * Math.pow(1e10, k / 2000)));
          expect(fit.logLikelihood, where).toBeGreaterThanOrEqual(best - 1e-9);
          const { lMin, lMax } = DEFAULT_LAMBDA_SEARCH;
          if (fit.lambda === lMin || fit.lambda === lMax || fit.lambda < 1e-3) {
            // At an end, or in the derivative's rounding noise: GEMMA's answer within its parity rule.
            expect(Math.abs(fit.lambda - gemma.lambda), where).toBeLessThanOrEqual(
              Math.max(1e-6, 1e-4 * gemma.lambda),
            );
            continue;
          }
          interior++;
          // Within GEMMA's parity tolerance of GEMMA's lambda, within 1e-8 of the bisected root, and never
          // farther from it than GEMMA's.
          expect(Math.abs(fit.lambda - gemma.lambda), where).toBeLessThanOrEqual(1e-4 * gemma.lambda);
          const root = bisectedRoot(model, kind, fit.lambda);
          expect(Math.abs(fit.lambda - root), where).toBeLessThanOrEqual(1e-8 * root);
          expect(Math.abs(fit.lambda - root), where).toBeLessThanOrEqual(Math.abs(gemma.lambda - root));
        }
      }
      expect(interior).toBeGreaterThan(cases.length * 2);
      console.log(
        `${kind}: evaluations per SNP, GEMMA's search ${(gemmaEvaluations / (cases.length * 6)).toFixed(1)}, ` +
          `safeguarded Newton ${(newtonEvaluations / (cases.length * 6)).toFixed(1)} (grid and ends included)`,
      );
      // The grid (11) and both ends (2) are common to both; the refinement itself is what shrinks. GEMMA's
      // search as lmmscan runs it already skips minima and the pass after Newton's last step (lambda.ts);
      // the safeguarded Newton needs about half its refinement passes on these SNPs.
      expect(newtonEvaluations - 13 * cases.length * 6).toBeLessThan(
        0.6 * (gemmaEvaluations - 13 * cases.length * 6),
      );
    });
  }

  it('counts its evaluations', () => {
    const model = randomSnp(5, 37, 1, 0.8);
    const before = newtonCounters.slopes + newtonCounters.likelihoods;
    model.evaluations = 0;
    optimiseLambdaNewton(model, 'R');
    expect(newtonCounters.slopes + newtonCounters.likelihoods - before).toBe(model.evaluations - 11);
  });
});
