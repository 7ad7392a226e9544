/** Kinship: centring/standardising with missing calls, accumulation in blocks, double centring. */
import { expect, it } from 'vitest';
import { accumulateKinshipTs } from '../../src/engines/ts/ts-engine.js';
import { KinshipAccumulator, prepareKinshipSnp } from '../../src/kinship/kinship.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { doubleCentre } from '../../src/linalg/centre.js';
import { rng } from '../helpers/random.js';

it('centres over all individuals with missing calls at the mean, and standardises for -gk 2', () => {
  const snp = Float64Array.from([0, 1, 2, NaN, 2]);
  const centred = Float64Array.from(snp);
  prepareKinshipSnp(centred, 1);
  expect(Array.from(centred)).toEqual([-1.25, -0.25, 0.75, 0, 0.75]);
  const standardised = Float64Array.from(snp);
  prepareKinshipSnp(standardised, 2);
  // variance over all 5 with the missing call at the mean: (1.5625 + 0.0625 + 0.5625 + 0 + 0.5625) / 5
  const sd = Math.sqrt(2.75 / 5);
  standardised.forEach((v, i) => expect(v).toBeCloseTo(centred[i] / sd, 14));
});

it('accumulating in uneven blocks equals X X^T / m computed directly', async () => {
  const next = rng(3);
  const n = 11;
  const m = 23;
  const snps = Array.from({ length: m }, () => {
    const s = Float64Array.from({ length: n }, () => (next() < 0.05 ? NaN : Math.floor(3 * next())));
    prepareKinshipSnp(s, 1);
    return s;
  });
  const acc = new KinshipAccumulator(new TsEngine(), n);
  for (const [start, end] of [
    [0, 5],
    [5, 6],
    [6, 23],
  ]) {
    const block = new Float64Array((end - start) * n);
    snps.slice(start, end).forEach((s, j) => block.set(s, j * n));
    await acc.add(block, end - start);
  }
  const k = await acc.finish();
  for (let i = 0; i < n; i++)
    for (let l = 0; l < n; l++) {
      let s = 0;
      for (const snp of snps) s += snp[i] * snp[l];
      expect(k[i * n + l]).toBeCloseTo(s / m, 12);
    }
});

it('double centring leaves zero row sums and keeps symmetry', () => {
  const next = rng(8);
  const n = 9;
  const x = Float64Array.from({ length: 4 * n }, () => next());
  const k = new Float64Array(n * n);
  accumulateKinshipTs(k, n, x, 4);
  const c = doubleCentre(k, n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let l = 0; l < n; l++) {
      s += c[i * n + l];
      expect(c[i * n + l]).toBe(c[l * n + i]);
    }
    expect(Math.abs(s)).toBeLessThan(1e-12);
  }
});

it('double-centres in place with the same bits as into a new array, even from an unsymmetric input', () => {
  const n = 37;
  const next = rng(22);
  // The lower triangle differs from the upper one: only the upper is read, in place as into a copy.
  const k = Float64Array.from({ length: n * n }, () => next() - 0.5);
  const copy = doubleCentre(k, n);
  const inPlace = Float64Array.from(k);
  expect(doubleCentre(inPlace, n, inPlace)).toBe(inPlace);
  expect(inPlace).toEqual(copy);
});
