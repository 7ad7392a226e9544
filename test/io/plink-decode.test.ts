// decodeBedSnp decodes whole bytes through a lookup table; check it against the 2-bit definition on random bytes,
// at sample counts that leave 0-3 samples in the last byte and at a non-zero offset.
import { expect, test } from 'vitest';
import { decodeBedSnp } from '../../src/io/plink.js';
import { rng } from '../helpers/random.js';

const CODE_TO_DOSAGE = [2, NaN, 1, 0]; // PLINK: 00 hom allele1, 01 missing, 10 het, 11 hom allele2

test.each([1, 2, 3, 4, 5, 7, 8, 9, 1499, 1500, 1501])('n = %i samples decode as the 2-bit codes say', (n) => {
  const next = rng(1000 + n);
  const offset = 5;
  const raw = Uint8Array.from({ length: offset + Math.ceil(n / 4) + 2 }, () => Math.floor(next() * 256));
  const out = new Float64Array(n + 1).fill(-7);
  decodeBedSnp(raw, offset, n, out);
  const want = Array.from(
    { length: n },
    (_, i) => CODE_TO_DOSAGE[(raw[offset + (i >> 2)]! >> ((i & 3) * 2)) & 3],
  );
  expect(Array.from(out.subarray(0, n))).toEqual(want);
  expect(out[n]).toBe(-7); // nothing written past the SNP
  expect(want.some(Number.isNaN) || n < 8).toBe(true);
});
