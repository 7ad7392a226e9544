/**
 * The EM's rearranged iteration (weights once per iteration, log |H| from running products, second
 * moments in the joint basis, REML covariance as quadratic forms) against the iteration written out
 * term by term as in GEMMA's MphEM / CalcSigma: a division per term, a logarithm per individual and
 * trait, the conditional means and covariances carried back to the traits' basis before summing.
 * Awkward sizes: n = 1, odd n, zero eigenvalues, d = 2..4, c = 1..4.
 */
import { describe, expect, it } from 'vitest';
import { randomData } from './derivatives.test.js';
import { Random } from '../../../src/sim/random.js';
import { invertWithLogDet } from '../../../src/stats/mvlmm/dense.js';
import { mvEm, type MvParameters } from '../../../src/stats/mvlmm/em.js';
import { jointBasis, jointDiagonalise, logLikConstant, type MvData } from '../../../src/stats/mvlmm/model.js';

/** M^T A for d x d M and d x m A (row-major). */
function tMul(m: Float64Array, a: Float64Array, d: number, cols: number): Float64Array {
  const out = new Float64Array(d * cols);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < cols; k++)
      for (let l = 0; l < d; l++) out[i * cols + k] += m[l * d + i] * a[l * cols + k];
  return out;
}

/** M^T S M for d x d M and S. */
function sandwich(m: Float64Array, s: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++)
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++) out[i * d + j] += m[a * d + i] * s[a * d + b] * m[b * d + j];
  return out;
}

/** GEMMA's EM iteration, term by term (what em.ts computed before its rearrangement). */
function referenceEm(kind: 'R' | 'L', iterations: number, data: MvData, p: MvParameters): number {
  const { n, d, c, eigenvalues: ev, X, Y } = data;
  const dc = d * c;
  const xxt = new Float64Array(c * c);
  for (let i = 0; i < c; i++)
    for (let j = 0; j < c; j++) for (let k = 0; k < n; k++) xxt[i * c + j] += X[i * n + k] * X[j * n + k];
  const xxti = new Float64Array(c * c);
  const constant = logLikConstant(kind, data, invertWithLogDet(xxt, c, xxti));
  const basis = jointBasis(d);
  let logl = 0;
  let bT = new Float64Array(d * c);
  let bxT = new Float64Array(d * n);
  for (let t = 0; t < iterations; t++) {
    jointDiagonalise(p.vg, p.ve, d, basis);
    const { dl, ultVeh, ultVehi, logDetVe } = basis;
    const q = new Float64Array(dc * dc);
    for (let i = 0; i < c; i++)
      for (let j = 0; j < c; j++)
        for (let l = 0; l < d; l++)
          for (let k = 0; k < n; k++)
            q[(i * d + l) * dc + j * d + l] += (X[i * n + k] * X[j * n + k]) / (ev[k] * dl[l] + 1);
    const qi = new Float64Array(dc * dc);
    const logDetQ = invertWithLogDet(q, dc, qi);
    const yT = new Float64Array(d * n);
    for (let l = 0; l < d; l++)
      for (let k = 0; k < n; k++)
        for (let a = 0; a < d; a++) yT[l * n + k] += ultVehi[l * d + a] * Y[a * n + k];
    const xHiy = new Float64Array(dc);
    let s = 0;
    for (let l = 0; l < d; l++)
      for (let k = 0; k < n; k++) {
        const h = ev[k] * dl[l] + 1;
        s += (yT[l * n + k] * yT[l * n + k]) / h + Math.log(h);
        for (let j = 0; j < c; j++) xHiy[j * d + l] += (X[j * n + k] * yT[l * n + k]) / h;
      }
    let quad = 0;
    for (let a = 0; a < dc; a++) for (let b = 0; b < dc; b++) quad += xHiy[a] * qi[a * dc + b] * xHiy[b];
    logl = constant - 0.5 * (s - quad) - 0.5 * n * logDetVe;
    if (kind === 'R') logl -= 0.5 * (logDetQ - c * logDetVe);
    const bx = (b: Float64Array) => {
      const out = new Float64Array(d * n);
      for (let l = 0; l < d; l++)
        for (let k = 0; k < n; k++) for (let j = 0; j < c; j++) out[l * n + k] += b[l * c + j] * X[j * n + k];
      return out;
    };
    if (kind === 'R') {
      bT = new Float64Array(d * c);
      for (let a = 0; a < dc; a++)
        for (let b = 0; b < dc; b++) bT[(a % d) * c + Math.floor(a / d)] += qi[a * dc + b] * xHiy[b];
      bxT = bx(bT);
    } else if (t === 0) {
      bT = new Float64Array(d * c);
      for (let l = 0; l < d; l++)
        for (let j = 0; j < c; j++)
          for (let a = 0; a < d; a++) bT[l * c + j] += ultVehi[l * d + a] * p.B[a * c + j];
      bxT = bx(bT);
    }
    const uT = new Float64Array(d * n);
    for (let l = 0; l < d; l++)
      for (let k = 0; k < n; k++)
        uT[l * n + k] = ((yT[l * n + k] - bxT[l * n + k]) * ev[k] * dl[l]) / (ev[k] * dl[l] + 1);
    if (kind === 'L') {
      bT = new Float64Array(d * c);
      for (let l = 0; l < d; l++)
        for (let j = 0; j < c; j++)
          for (let a = 0; a < c; a++)
            for (let k = 0; k < n; k++)
              bT[l * c + j] += (yT[l * n + k] - uT[l * n + k]) * X[a * n + k] * xxti[a * c + j];
      bxT = bx(bT);
    }
    const eT = new Float64Array(d * n);
    for (let i = 0; i < d * n; i++) eT[i] = yT[i] - bxT[i] - uT[i];
    const uHat = tMul(ultVeh, uT, d, n);
    const eHat = tMul(ultVeh, eT, d, n);
    p.B.set(tMul(ultVeh, bT, d, c));
    // Conditional covariances per individual, in the joint basis, then carried back.
    const suu = new Float64Array(d * d);
    const see = new Float64Array(d * d);
    for (let k = 0; k < n; k++) {
      for (let l = 0; l < d; l++) {
        suu[l * d + l] += dl[l] / (ev[k] * dl[l] + 1);
        see[l * d + l] += (ev[k] * dl[l]) / (ev[k] * dl[l] + 1);
      }
      if (kind === 'R')
        for (let l1 = 0; l1 < d; l1++)
          for (let l2 = 0; l2 < d; l2++) {
            let v = 0;
            for (let j1 = 0; j1 < c; j1++)
              for (let j2 = 0; j2 < c; j2++)
                v +=
                  (X[j1 * n + k] / (ev[k] * dl[l1] + 1)) *
                  qi[(j1 * d + l1) * dc + j2 * d + l2] *
                  (X[j2 * n + k] / (ev[k] * dl[l2] + 1));
            suu[l1 * d + l2] += ev[k] * dl[l1] * dl[l2] * v;
            see[l1 * d + l2] += v;
          }
    }
    const sigmaUU = sandwich(ultVeh, suu, d);
    const sigmaEE = sandwich(ultVeh, see, d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let g = 0;
        let e = 0;
        for (let k = 0; k < n; k++) {
          if (ev[k] !== 0) g += (uHat[i * n + k] * uHat[j * n + k]) / ev[k];
          e += eHat[i * n + k] * eHat[j * n + k];
        }
        p.vg[i * d + j] = (g + sigmaUU[i * d + j]) / n;
        p.ve[i * d + j] = (e + sigmaEE[i * d + j]) / n;
      }
  }
  return logl;
}

function start(rng: Random, d: number, c: number): MvParameters {
  const vg = new Float64Array(d * d);
  const ve = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    vg[i * d + i] = 0.5 + rng.uniform();
    ve[i * d + i] = 0.5 + rng.uniform();
    for (let j = 0; j < i; j++) vg[i * d + j] = vg[j * d + i] = 0.1 * rng.normal();
  }
  return { vg, ve, B: Float64Array.from({ length: d * c }, () => rng.normal()) };
}

function relative(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
  return worst;
}

describe('multivariate EM iteration', () => {
  const cases: [number, number, number][] = [
    [1, 2, 1],
    [7, 2, 2],
    [33, 3, 2],
    [64, 4, 3],
    [101, 3, 4],
    [250, 2, 4],
  ];
  for (const kind of ['R', 'L'] as const) {
    it.each(cases)(`${kind}: n = %i, d = %i, c = %i: the term-by-term iteration's numbers`, (n, d, c) => {
      const rng = new Random(n * 100 + d * 10 + c);
      const data = randomData(rng, n, d, c);
      const init = start(rng, d, c);
      const ours = { vg: init.vg.slice(), ve: init.ve.slice(), B: init.B.slice() };
      const reference = { vg: init.vg.slice(), ve: init.ve.slice(), B: init.B.slice() };
      // Tolerance 0: every one of the iterations runs, so both do the same number of updates.
      const logLik = mvEm(kind, 6, 0, data, ours);
      const expected = referenceEm(kind, 6, data, reference);
      expect(Math.abs(logLik - expected)).toBeLessThan(1e-9 * Math.max(1, Math.abs(expected)));
      expect(relative(ours.vg, reference.vg)).toBeLessThan(1e-9);
      expect(relative(ours.ve, reference.ve)).toBeLessThan(1e-9);
      expect(relative(ours.B, reference.B)).toBeLessThan(1e-9);
    });
  }

  it('log |H| from running products survives individuals with huge delta dl', () => {
    const rng = new Random(5);
    const data = randomData(rng, 400, 2, 1);
    for (let k = 0; k < 400; k++) data.eigenvalues[k] = 1e6 * (1 + rng.uniform());
    const init = {
      vg: Float64Array.of(1e6, 0, 0, 2e6),
      ve: Float64Array.of(1e-6, 0, 0, 1e-6),
      B: new Float64Array(2),
    };
    const ours = { vg: init.vg.slice(), ve: init.ve.slice(), B: init.B.slice() };
    const reference = { vg: init.vg.slice(), ve: init.ve.slice(), B: init.B.slice() };
    const logLik = mvEm('L', 1, 0, data, ours);
    const expected = referenceEm('L', 1, data, reference);
    expect(Number.isFinite(logLik)).toBe(true);
    expect(Math.abs(logLik - expected)).toBeLessThan(1e-9 * Math.abs(expected));
  });
});
