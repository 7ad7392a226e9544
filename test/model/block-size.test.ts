// The scan's default block size (src/model/config.ts): genotype bytes and trait x SNP results bound it, and blocks
// of up to 1,024 SNPs may take twice the bytes (the lookup rotation builds its tables once per block).
import { describe, expect, test } from 'vitest';
import { scanBlockSize } from '../../src/model/config.js';

/** Block bytes of b SNPs of n float64 genotypes, in MiB. */
const mib = (b: number, n: number) => (8 * b * n) / 2 ** 20;

describe('scanBlockSize', () => {
  test('--block-size wins', () => {
    expect(scanBlockSize({ blockSize: 77 }, 1000, 50_000)).toBe(77);
  });

  test.each([
    [500, 2048],
    [1024, 2048],
    [1025, 1024],
    [1500, 1024],
    [2048, 1024],
    [2049, 1024],
    [4000, 1024],
    [4096, 1024],
    [4097, 512],
    [8192, 512],
    [8193, 256],
    [24_000, 256],
  ])('n = %i, one trait: %i SNPs', (n, want) => {
    const b = scanBlockSize({}, 1, n);
    expect(b).toBe(want);
    // Above 1,024 SNPs at most 16 MiB, at 1,024 or fewer at most 32 MiB, down to the floor of 256.
    if (b > 256) expect(mib(b, n)).toBeLessThanOrEqual(b > 1024 ? 16 : 32);
    // The next size up would break the bound that applies to it.
    if (b < 2048) expect(mib(2 * b, n)).toBeGreaterThan(2 * b > 1024 ? 16 : 32);
  });

  test('many traits shorten the block whatever n', () => {
    expect(scanBlockSize({}, 8, 100)).toBe(2048);
    expect(scanBlockSize({}, 9, 100)).toBe(1024);
    expect(scanBlockSize({}, 1000, 4000)).toBe(256);
  });
});
