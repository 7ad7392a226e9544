// SnpFilter.evaluate against a direct transcription of GEMMA's per-SNP rules (class counts [0,0.5], (0.5,1.5),
// [1.5,2]; polymorphic = two observed dosages differ; af over observed calls) on random SNPs with missing calls,
// monomorphic SNPs, dosages outside [0, 2] and -0, for PLINK and BIMBAM, with and without covariates.
import { expect, test } from 'vitest';
import { SnpFilter } from '../../src/qc/snp-filter.js';
import { normals, rng } from '../helpers/random.js';
import { DEFAULT_FILTERS } from '../../src/model/settings.js';

function reference(
  dosages: Float64Array,
  analysed: Uint8Array,
  format: 'plink' | 'bimbam',
  maf: number,
  miss: number,
) {
  const g = Array.from(dosages).filter((_, i) => analysed[i]);
  const observed = g.filter((v) => !Number.isNaN(v));
  const nMiss = g.length - observed.length;
  const af = observed.reduce((s, v) => s + v, 0) / (2 * observed.length);
  const n0 = observed.filter((v) => v >= 0 && v <= 0.5).length;
  const n1 = observed.filter((v) => v > 0.5 && v < 1.5).length;
  const n2 = observed.filter((v) => v >= 1.5 && v <= 2).length;
  let pass = nMiss / g.length <= miss && !((af < maf || af > 1 - maf) && maf !== -1);
  if (pass && format === 'plink') pass = !(n0 + n1 === 0 || n1 + n2 === 0 || n2 + n0 === 0);
  if (pass && format === 'bimbam')
    pass = observed.some((v) => !Object.is(v, observed[0]) && v !== observed[0]);
  return { nMiss, af, pass };
}

test.each(['plink', 'bimbam'] as const)('%s: evaluate matches the rules on 2,000 random SNPs', (format) => {
  const next = rng(format === 'plink' ? 17 : 18);
  const nAll = 53;
  const analysed = Uint8Array.from({ length: nAll }, () => (next() < 0.85 ? 1 : 0));
  const nA = analysed.reduce((s, a) => s + a, 0);
  const covariates = new Float64Array(nA).fill(1); // intercept only: the r2 rule is not in play
  const filter = new SnpFilter({ ...DEFAULT_FILTERS, maf: 0.05, miss: 0.1 }, analysed, covariates, 1, format);
  let passed = 0;
  for (let s = 0; s < 2000; s++) {
    const kind = s % 5;
    const base = Math.floor(next() * 3);
    const dosages = Float64Array.from({ length: nAll }, () => {
      if (next() < (kind === 4 ? 0.3 : 0.03)) return NaN;
      if (kind === 0) return base; // monomorphic hard calls
      if (kind === 1) return format === 'plink' ? Math.floor(next() * 3) : Math.round(2000 * next()) / 1000;
      if (kind === 2) return next() < 0.5 ? -0 : 0; // -0 and 0 are one dosage
      return [0, 1, 2, 2.5, -0.2, 0.5, 1.5][Math.floor(next() * 7)]!;
    });
    const offset = 3;
    const padded = new Float64Array(nAll + offset).fill(9);
    padded.set(dosages, offset);
    const got = filter.evaluate(padded, offset);
    const want = reference(dosages, analysed, format, 0.05, 0.1);
    expect(got.nMiss).toBe(want.nMiss);
    expect(Object.is(got.af, want.af) || got.af === want.af).toBe(true);
    expect(got.pass).toBe(want.pass);
    if (got.pass) passed++;
  }
  expect(passed).toBeGreaterThan(200);
  expect(passed).toBeLessThan(1900);
});

test('r2 with covariates removes a SNP that is a covariate', () => {
  const next = rng(5);
  const n = 40;
  const analysed = new Uint8Array(n).fill(1);
  const w = normals(next, n);
  const covariates = new Float64Array(2 * n);
  covariates.fill(1, 0, n);
  const snp = Float64Array.from({ length: n }, () => Math.floor(next() * 3));
  covariates.set(snp, n);
  const filter = new SnpFilter(DEFAULT_FILTERS, analysed, covariates, 2, 'plink');
  expect(filter.evaluate(snp).pass).toBe(false);
  const other = Float64Array.from(w, (v) => (v > 0.4 ? 2 : v > -0.4 ? 1 : 0));
  expect(filter.evaluate(other).pass).toBe(true);
});
