import { describe, expect, it } from 'vitest';
import { entryPairs, evaluate, gradientHessian } from '../../../src/stats/mvlmm/derivatives.js';
import type { MvData } from '../../../src/stats/mvlmm/model.js';
import { Random } from '../../../src/sim/random.js';

/** Random rotated data: n samples, d traits, c covariate rows (an intercept first). */
export function randomData(rng: Random, n: number, d: number, c: number): MvData {
  const eigenvalues = Float64Array.from({ length: n }, () => (rng.uniform() < 0.1 ? 0 : 2 * rng.uniform()));
  const X = Float64Array.from({ length: c * n }, (_, i) => (i < n ? 1 + 0.1 * rng.normal() : rng.normal()));
  const Y = Float64Array.from({ length: d * n }, () => rng.normal());
  for (let k = 0; k < n; k++) for (let l = 1; l < d; l++) Y[l * n + k] += 0.5 * Y[k];
  return { n, d, c, eigenvalues, X, Y };
}

function spd(rng: Random, d: number, scale: number): Float64Array {
  const a = Float64Array.from({ length: d * d }, () => rng.normal());
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = i === j ? 0.5 : 0;
      for (let k = 0; k < d; k++) s += a[i * d + k] * a[j * d + k];
      m[i * d + j] = scale * s;
    }
  return m;
}

describe('multivariate LMM derivatives', () => {
  for (const kind of ['R', 'L'] as const) {
    for (const [d, c] of [
      [2, 1],
      [3, 2],
      [4, 3],
    ]) {
      it(`${kind}: gradient and Hessian match central differences of the log-likelihood (d = ${d}, c = ${c})`, () => {
        const rng = new Random(10 * d + c);
        const data = randomData(rng, 37, d, c);
        const vg = spd(rng, d, 0.5);
        const ve = spd(rng, d, 0.7);
        const pairs = entryPairs(d);
        const v = pairs.length;
        const np = 2 * v;
        const g = new Float64Array(np);
        const h = new Float64Array(np * np);
        gradientHessian(kind, data, evaluate(kind, data, vg, ve), g, h);
        const shifted = (p: number, delta: number, q?: number, deltaQ = 0) => {
          const a = Float64Array.from(vg);
          const b = Float64Array.from(ve);
          for (const [r, dr] of [
            [p, delta],
            [q ?? -1, deltaQ],
          ] as const) {
            if (r < 0) continue;
            const [i, j] = pairs[r % v];
            const t = r < v ? a : b;
            t[i * d + j] += dr;
            if (i !== j) t[j * d + i] += dr;
          }
          return evaluate(kind, data, a, b).logLik;
        };
        const e = 1e-4;
        for (let p = 0; p < np; p++) {
          const fd = (shifted(p, e) - shifted(p, -e)) / (2 * e);
          expect(g[p]).toBeCloseTo(fd, 5);
          for (let q = 0; q < np; q++) {
            const fd2 =
              (shifted(p, e, q, e) - shifted(p, e, q, -e) - shifted(p, -e, q, e) + shifted(p, -e, q, -e)) /
              (4 * e * e);
            expect(Math.abs(h[p * np + q] - fd2)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd2)));
          }
        }
      });
    }
  }
});
