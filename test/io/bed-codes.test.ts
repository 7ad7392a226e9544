// countBedCalls counts a SNP's calls by whole bytes through a table keyed by byte and sample mask: check it
// against the 2-bit definition on random bytes (padding bits random too), random sample selections, sample
// counts that leave 0-3 samples in the last byte, and SNPs longer than one packed count holds (255 bytes).
import { expect, test } from 'vitest';
import { bedCode, bedSampleMasks, countBedCalls } from '../../src/io/bed-codes.js';
import { rng } from '../helpers/random.js';

test.each([1, 2, 3, 4, 5, 7, 8, 53, 1019, 1020, 1021, 1500, 4083])(
  'n = %i: the counts of the selected samples, padding ignored',
  (n) => {
    const next = rng(300 + n);
    const offset = 7;
    for (const share of [1, 0.6, 0]) {
      const selected = Uint8Array.from({ length: n }, () => (next() < share ? 1 : 0));
      const raw = Uint8Array.from({ length: offset + Math.ceil(n / 4) + 3 }, () => Math.floor(next() * 256));
      const counts = { missing: -1, one: -1, two: -1 };
      countBedCalls(raw, offset, bedSampleMasks(n, share === 1 ? undefined : selected), counts);
      const want = { missing: 0, one: 0, two: 0 };
      for (let i = 0; i < n; i++) {
        if (share !== 1 && !selected[i]) continue;
        const code = (raw[offset + (i >> 2)]! >> ((i & 3) * 2)) & 3;
        expect(bedCode(raw, offset, i)).toBe(code);
        if (code === 1) want.missing++;
        else if (code === 2) want.one++;
        else if (code === 0) want.two++;
      }
      expect(counts).toEqual(want);
    }
  },
);

test('a SNP of 4,000 samples all of one call counts them all (each packed field near its limit)', () => {
  const n = 4000;
  for (const [byte, field] of [
    [0x00, 'two'],
    [0x55, 'missing'],
    [0xaa, 'one'],
  ] as const) {
    const raw = new Uint8Array(n / 4).fill(byte);
    const counts = { missing: 0, one: 0, two: 0 };
    countBedCalls(raw, 0, bedSampleMasks(n), counts);
    expect(counts[field]).toBe(n);
    expect(counts.missing + counts.one + counts.two).toBe(n);
  }
});
