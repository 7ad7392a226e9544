// HardCallBuffer.pushBed (a SNP's .bed bytes kept and written into the codes column-wise when the block is read)
// against push() of the same SNP decoded as decodeBedSnp decodes it: the same block from take() (codes, means,
// missing calls), the same decode() of a block declined, with SNPs of both kinds mixed in one block, on awkward
// n (not a multiple of 4, padding bits random; n = 1), short blocks, capacities that are and are not a multiple
// of 4, all-missing and monomorphic SNPs, and blocks past the share of missing calls.
import { expect, test } from 'vitest';
import { HardCallBuffer } from '../../src/kinship/hard-call-buffer.js';
import { decodeBedSnp } from '../../src/io/plink.js';
import { rng } from '../helpers/random.js';

function randomSnp(next: () => number, n: number, missingRate: number, kind: number): Uint8Array {
  const bytes = Uint8Array.from({ length: Math.ceil(n / 4) }, () => Math.floor(next() * 256));
  const one = [0, 2, 3][Math.floor(next() * 3)]!;
  for (let i = 0; i < n; i++) {
    let code = next() < missingRate ? 1 : [0, 2, 3][Math.floor(next() * 3)]!;
    if (kind === 1) code = 1; // all missing
    if (kind === 2 && code !== 1) code = one; // monomorphic
    bytes[i >> 2] = (bytes[i >> 2]! & ~(3 << ((i & 3) * 2))) | (code << ((i & 3) * 2));
  }
  return bytes;
}

test.each([1, 2, 3, 5, 7, 9, 40, 1021])('n = %i: pushBed gathers what push gathers', (n) => {
  const next = rng(700 + n);
  const dosages = new Float64Array(n);
  let taken = 0;
  let declined = 0;
  for (let round = 0; round < 40; round++) {
    const share = [0.02, 1, 0.001][round % 3]!;
    // 16: four SNPs' codes a word where the four came as bytes; 15: code by code.
    const capacity = round % 5 === 4 ? 15 : 16;
    const bed = new HardCallBuffer(n, capacity, share);
    const floats = new HardCallBuffer(n, capacity, share);
    // Twice each: the second block reuses the buffers.
    for (let again = 0; again < 2; again++) {
      const b = 1 + Math.floor(next() * capacity);
      const missingRate = [0, 0.01, 0.3][Math.floor(next() * 3)]!;
      const mixed = round % 4 === 3;
      for (let s = 0; s < b; s++) {
        const snp = randomSnp(next, n, missingRate, next() < 0.05 ? 1 : next() < 0.1 ? 2 : 0);
        const offset = 3;
        const raw = new Uint8Array(offset + snp.length).fill(0x55);
        raw.set(snp, offset);
        decodeBedSnp(raw, offset, n, dosages);
        floats.push(dosages);
        if (mixed && s >= 8 && s % 3 === 0) bed.push(dosages);
        else bed.pushBed(raw, offset);
        expect(bed.gathering).toBe(floats.gathering);
      }
      // Before take(): the block so far decodes alike (as the SNP pass does when a block leaves the path).
      const before = [new Float64Array(b * n), new Float64Array(b * n)];
      if (bed.gathering) {
        floats.decode(before[0]!, 0, b);
        bed.decode(before[1]!, 0, b);
        expect(before[1]).toEqual(before[0]);
      }
      const wasGathering = bed.gathering;
      const got = bed.take();
      const want = floats.take();
      expect(got).toEqual(want);
      if (got) taken++;
      else declined++;
      if (!got && wasGathering) {
        const after = [new Float64Array(b * n).fill(5), new Float64Array(b * n).fill(5)];
        floats.decode(after[0]!, 0, b);
        bed.decode(after[1]!, 0, b);
        expect(after[1]).toEqual(after[0]);
      }
    }
  }
  expect(taken).toBeGreaterThan(5);
  expect(declined).toBeGreaterThan(5);
});
