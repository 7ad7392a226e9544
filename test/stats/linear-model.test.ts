/** The linear model computes the p-values its mode writes, the same bits as mode 4's, and leaves the others NaN. */
import { expect, it } from 'vitest';
import { LinearModel, testLinearBlock } from '../../src/stats/linear-model.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

it.each([1, 2, 3])('-lm %i: its p-value is mode 4 bit for bit, the others NaN', (mode) => {
  const random = seeded(17 + mode);
  const n = 37;
  const nCvt = 2;
  const covariates = Float64Array.from({ length: n * nCvt }, (_, k) => (k < n ? 1 : random()));
  const phenotype = Float64Array.from({ length: n }, () => random() * 3 - 1);
  const b = 11;
  const genotypes = Float64Array.from({ length: n * b }, () => Math.floor(random() * 3));
  const model = new LinearModel(covariates, phenotype, nCvt);
  const [all] = testLinearBlock([model], genotypes, b, 4);
  const [one] = testLinearBlock([model], genotypes, b, mode);
  const field = mode === 1 ? 'pWald' : mode === 2 ? 'pLrt' : 'pScore';
  for (const p of ['pWald', 'pLrt', 'pScore'] as const) {
    if (p === field) {
      expect(Array.from(one[p])).toEqual(Array.from(all[p]));
      for (const v of one[p]) expect(v).toBeGreaterThan(0);
    } else for (const v of one[p]) expect(v).toBeNaN();
  }
  expect(Array.from(one.beta)).toEqual(Array.from(all.beta));
});
