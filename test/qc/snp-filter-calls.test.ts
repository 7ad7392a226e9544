// The SNP pass's reading of hard calls from a reader's byte codes (CallCodes) against the same SNPs as dosages:
// SnpFilter.evaluateCalls gives evaluate()'s summary (missing count, af to the bit, verdict) and
// HardCallBuffer.pushCalls gathers what push() gathers, on random SNPs (all missing, monomorphic, rare alleles),
// random analysed subsets, covariates whose r2 rule is in play, short blocks, blocks past the missing share and
// blocks that mix in SNPs pushed as dosages.
import { expect, test } from 'vitest';
import { SnpFilter } from '../../src/qc/snp-filter.js';
import { HardCallBuffer } from '../../src/kinship/hard-call-buffer.js';
import { decodeCalls, MISSING_CALL } from '../../src/io/call-codes.js';
import { DEFAULT_FILTERS } from '../../src/model/settings.js';
import { normals, rng } from '../helpers/random.js';

/** One SNP's codes at codes[offset..] by `kind`, with its counts over all n: missing, sum, 2s. */
function randomSnp(next: () => number, codes: Uint8Array, offset: number, n: number, kind: number): number[] {
  const one = Math.floor(next() * 3);
  const missingRate = [0, 0.01, 0.3][kind % 3]!;
  for (let i = 0; i < n; i++) {
    let code = next() < missingRate ? MISSING_CALL : Math.floor(next() * 3);
    if (kind === 0) code = MISSING_CALL;
    else if (kind === 1 && code !== MISSING_CALL) code = one;
    else if (kind === 4 && code !== MISSING_CALL) code = next() < 0.02 ? 2 : 0;
    codes[offset + i] = code;
  }
  const row = codes.subarray(offset, offset + n);
  const missing = row.filter((c) => c === MISSING_CALL).length;
  const sum = row.reduce((s, c) => (c === MISSING_CALL ? s : s + c), 0);
  return [missing, sum, row.filter((c) => c === 2).length];
}

test.each([1, 2, 3, 7, 53, 1021])("n = %i: evaluateCalls gives evaluate()'s summary", (n) => {
  const next = rng(6100 + n);
  let passed = 0;
  let failed = 0;
  for (const nCvt of [1, 2, 3, 5])
    // All analysed, most (the others' calls taken out of the counts), a few (their calls counted).
    for (const share of [1, 0.8, 0.3]) {
      const analysed = Uint8Array.from({ length: n }, () => (next() < share ? 1 : 0));
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
      const filter = new SnpFilter(settings, analysed, covariates, nCvt, 'bimbam');
      const codes = new Uint8Array(n + 5);
      const dosages = new Float64Array(n + 2);
      for (let s = 0; s < 60; s++) {
        const [missing, sum, twos] = randomSnp(next, codes, 5, n, s % 6);
        decodeCalls(codes, 5, n, dosages, 2);
        const want = filter.evaluate(dosages, 2);
        const got = filter.evaluateCalls(codes, 5, missing!, sum!, twos!);
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

test.each([1, 2, 5, 40, 1021])('n = %i: pushCalls gathers what push gathers', (n) => {
  const next = rng(800 + n);
  const dosages = new Float64Array(n);
  const codes = new Uint8Array(n + 3);
  let taken = 0;
  let declined = 0;
  let leftAt = 0;
  for (let round = 0; round < 30; round++) {
    const share = [0.02, 1, 0.001][round % 3]!;
    const capacity = round % 5 === 4 ? 15 : 16;
    const calls = new HardCallBuffer(n, capacity, share);
    const floats = new HardCallBuffer(n, capacity, share);
    for (let again = 0; again < 2; again++) {
      const b = 1 + Math.floor(next() * capacity);
      let left = -1;
      for (let s = 0; s < b; s++) {
        const kind = next() < 0.05 ? 0 : next() < 0.1 ? 1 : 2 + Math.floor(next() * 3);
        const [missing, sum] = randomSnp(next, codes, 3, n, kind);
        decodeCalls(codes, 3, n, dosages, 0);
        floats.push(dosages);
        // Some blocks mix in SNPs pushed as dosages (a reader's row of hard calls that its calls do not hold).
        if (round % 4 === 3 && s % 3 === 1) calls.push(dosages);
        else calls.pushCalls(codes, 3, missing!, sum!);
        expect(calls.gathering).toBe(floats.gathering);
        // As the SNP pass does when a block leaves the exact path: the SNPs before this one, from their codes.
        if (!calls.gathering && left < 0) {
          left = s;
          leftAt++;
          const decoded = [new Float64Array(s * n), new Float64Array(s * n)];
          floats.decode(decoded[0]!, 0, s);
          calls.decode(decoded[1]!, 0, s);
          expect(decoded[1]).toEqual(decoded[0]);
        }
      }
      const got = calls.take();
      expect(got).toEqual(floats.take());
      if (got) taken++;
      else declined++;
    }
  }
  expect(taken).toBeGreaterThan(5);
  expect(declined).toBeGreaterThan(5);
  expect(leftAt).toBeGreaterThan(5);
});
