// SnpFilter.evaluateBed (the calls counted from .bed bytes) against evaluate() on the same SNP decoded as
// decodeBedSnp decodes it: the same missing count, the same af to the bit, the same verdict, on random SNPs of
// awkward sizes (n not a multiple of 4, with random padding bits; n = 1), all-missing and monomorphic SNPs,
// random analysed subsets, both polymorphism tests, and covariates whose r2 rule is in play.
import { expect, test } from 'vitest';
import { SnpFilter } from '../../src/qc/snp-filter.js';
import { decodeBedSnp } from '../../src/io/plink.js';
import { DEFAULT_FILTERS } from '../../src/model/settings.js';
import { normals, rng } from '../helpers/random.js';

/** One SNP's bytes: calls drawn by `kind`, padding bits random. */
function randomSnp(next: () => number, n: number, kind: number): Uint8Array {
  const bytes = Uint8Array.from({ length: Math.ceil(n / 4) }, () => Math.floor(next() * 256));
  const one = Math.floor(next() * 4);
  for (let i = 0; i < n; i++) {
    let code: number;
    if (kind === 0)
      code = 1; // all missing
    else if (kind === 1)
      code = one === 1 ? 3 : one; // monomorphic
    else if (kind === 2)
      code = next() < 0.5 ? 1 : one; // one call among missing ones
    else if (kind === 3)
      code = next() < 0.02 ? 1 : next() < 0.9 ? 3 : Math.floor(next() * 4); // rare allele
    else code = Math.floor(next() * 4);
    bytes[i >> 2] = (bytes[i >> 2]! & ~(3 << ((i & 3) * 2))) | (code << ((i & 3) * 2));
  }
  return bytes;
}

test.each([1, 2, 3, 5, 7, 13, 53, 1021])("n = %i: evaluateBed gives evaluate()'s summary", (n) => {
  const next = rng(4000 + n);
  let passed = 0;
  let failed = 0;
  for (const format of ['plink', 'bimbam'] as const)
    for (const nCvt of [1, 2, 3, 5])
      for (const subset of [false, true]) {
        const analysed = Uint8Array.from({ length: n }, () => (!subset || next() < 0.8 ? 1 : 0));
        const nA = analysed.reduce((s, a) => s + a, 0);
        if (nCvt > 1 && nCvt >= nA) continue; // W'W singular
        const covariates = new Float64Array(nCvt * nA);
        covariates.fill(1, 0, nA);
        covariates.set(normals(next, (nCvt - 1) * nA), nA);
        const settings = {
          ...DEFAULT_FILTERS,
          maf: [0.01, -1, 0][Math.floor(next() * 3)]!,
          miss: [0.05, 0.5, 1][Math.floor(next() * 3)]!,
          hwe: next() < 0.5 ? 0 : 0.001,
          r2: [0.9999, 0.05, 0.2][Math.floor(next() * 3)]!,
        };
        const filter = new SnpFilter(settings, analysed, covariates, nCvt, format);
        const offset = 5;
        const dosages = new Float64Array(n + 3).fill(7);
        for (let s = 0; s < 60; s++) {
          const snp = randomSnp(next, n, s % 6);
          const raw = new Uint8Array(offset + snp.length + 2).fill(0x55);
          raw.set(snp, offset);
          decodeBedSnp(raw, offset, n, dosages.subarray(2, 2 + n));
          const want = filter.evaluate(dosages, 2);
          const got = filter.evaluateBed(raw, offset);
          expect(got.nMiss).toBe(want.nMiss);
          expect(Object.is(got.af, want.af)).toBe(true);
          expect(got.pass).toBe(want.pass);
          if (got.pass) passed++;
          else failed++;
        }
      }
  if (n > 3) expect(passed).toBeGreaterThan(20);
  expect(failed).toBeGreaterThan(20);
});

test('evaluateBed fails a SNP equal to a covariate by the r2 rule, as evaluate() does', () => {
  const next = rng(9);
  const n = 41;
  const snp = randomSnp(next, n, 4);
  const dosages = new Float64Array(n);
  decodeBedSnp(snp, 0, n, dosages);
  const mean = dosages.reduce((s, v) => (Number.isNaN(v) ? s : s + v), 0);
  const observed = dosages.filter((v) => !Number.isNaN(v)).length;
  const covariates = new Float64Array(2 * n).fill(1, 0, n);
  covariates.set(
    Array.from(dosages, (v) => (Number.isNaN(v) ? mean / observed : v)),
    n,
  );
  const filter = new SnpFilter(DEFAULT_FILTERS, new Uint8Array(n).fill(1), covariates, 2, 'plink');
  expect(filter.evaluate(dosages).pass).toBe(false);
  expect(filter.evaluateBed(snp, 0).pass).toBe(false);
  const other = randomSnp(next, n, 4);
  decodeBedSnp(other, 0, n, dosages);
  expect(filter.evaluateBed(other, 0).pass).toBe(filter.evaluate(dosages).pass);
});
