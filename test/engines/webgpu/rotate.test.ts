import { afterAll, describe, expect, it } from 'vitest';
import { GpuRotator } from '../../../src/engines/webgpu/rotate.js';
import {
  acquireTestGpu,
  maxScaledError,
  randomBlock,
  randomOrthogonal,
  referenceRotate,
  seededRandom,
  type GenotypeKind,
} from './helpers.js';

const gpu = await acquireTestGpu();
afterAll(() => gpu?.destroy());

/** Brief's target: |gpu - float64| <= 1e-9 * sum_i |U_ik x_ji| for every output. */
const TOLERANCE = 1e-9;
const kinds: GenotypeKind[] = ['hardcalls', 'dosages', 'mixed-scale'];

/** U^T x of one block on a rotator made for it and freed after. */
async function rotateOnce(u: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array> {
  const rotator = new GpuRotator(gpu!, u, n);
  try {
    return await rotator.rotate(block, b);
  } finally {
    rotator.destroy();
  }
}

describe.skipIf(gpu === null)('GpuRotator (rotate_gemm.wgsl) against float64', () => {
  for (const n of [1, 7, 33, 257]) {
    it(`n=${n}: b = 1, 5, 130 x hard calls, dosages, values near 1e-6 and 1e3; one upload of U`, async () => {
      const random = seededRandom(1000 + n);
      const u = randomOrthogonal(n, random);
      const rotator = new GpuRotator(gpu!, u, n);
      try {
        for (const b of [1, 5, 130]) {
          for (const kind of kinds) {
            const block = randomBlock(n, b, kind, random);
            const want = referenceRotate(u, n, block, b);
            const got = await rotator.rotate(block, b);
            expect(got.length).toBe(b * n);
            // Tolerance: 1e-9 of sum|terms| per output (double-single typically lands near 1e-14).
            expect(maxScaledError(got, want.value, want.scale), `n=${n} b=${b} ${kind}`).toBeLessThanOrEqual(
              TOLERANCE,
            );
          }
        }
      } finally {
        rotator.destroy();
      }
    });
  }

  it("a block's SNPs rotate bitwise as each alone (the prepare step rotates a unit's trait matrix in one call)", async () => {
    for (const [n, b] of [
      [7, 3],
      [33, 37],
    ]) {
      const random = seededRandom(77 + n);
      const u = randomOrthogonal(n, random);
      const block = randomBlock(n, b, 'mixed-scale', random);
      const together = await rotateOnce(u, n, block, b);
      for (let j = 0; j < b; j++) {
        const alone = await rotateOnce(u, n, block.slice(j * n, (j + 1) * n), 1);
        expect(together.subarray(j * n, (j + 1) * n), `n=${n} SNP ${j}`).toEqual(alone);
      }
    }
  });

  it('tiles U into row panels and the block into SNP chunks when bindings are small', async () => {
    const n = 33;
    const b = 130;
    const random = seededRandom(42);
    const u = randomOrthogonal(n, random);
    const block = randomBlock(n, b, 'dosages', random);
    // 10 rows of packed U per binding: 4 panels of U, 13 chunks of SNPs.
    const rotator = new GpuRotator(gpu!, u, n, { maxBindingBytes: 16 * n * 10 });
    try {
      const want = referenceRotate(u, n, block, b);
      const got = await rotator.rotate(block, b);
      // Tolerance: 1e-9 of sum|terms|, as above; panel sums are added in double-single on the GPU.
      expect(maxScaledError(got, want.value, want.scale)).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      rotator.destroy();
    }
  });

  it('streams U through two panel buffers above maxResidentBytes, bitwise the resident panels', async () => {
    const n = 257;
    const b = 70;
    const random = seededRandom(22);
    const u = randomOrthogonal(n, random);
    const block = randomBlock(n, b, 'mixed-scale', random);
    // 10 rows of U per panel either way (26 panels); the streamed rotator may keep half of U on the device, so
    // its panels (budget / 8 = 16 rows) are cut by the same binding limit as the resident ones.
    const limits = { maxBindingBytes: 16 * n * 10 };
    const resident = new GpuRotator(gpu!, u, n, limits);
    const streamed = new GpuRotator(gpu!, u, n, { ...limits, maxResidentBytes: (16 * n * n) / 2 });
    // Panels of 3 rows (86) and chunks of 3 SNPs: each of the 4 chunks of 12 SNPs streams all of U again.
    const chunked = new GpuRotator(gpu!, u, n, {
      maxBindingBytes: 16 * n * 3,
      maxResidentBytes: 16 * n * 24,
    });
    try {
      const want = await resident.rotate(block, b);
      expect(await streamed.rotate(block, b)).toEqual(want);
      expect(await streamed.rotate(block.subarray(0, 5 * n), 5)).toEqual(want.subarray(0, 5 * n));
      const reference = referenceRotate(u, n, block, 12);
      // Tolerance: 1e-9 of sum|terms|, as above (3-row panels sum in another order than 10-row ones).
      expect(
        maxScaledError(await chunked.rotate(block, 12), reference.value, reference.scale),
      ).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      resident.destroy();
      streamed.destroy();
      chunked.destroy();
    }
  });

  it('matches on a small block, and b = 0 gives an empty result', async () => {
    const n = 7;
    const random = seededRandom(7);
    const u = randomOrthogonal(n, random);
    const block = randomBlock(n, 5, 'mixed-scale', random);
    const want = referenceRotate(u, n, block, 5);
    // Tolerance: 1e-9 of sum|terms|.
    expect(maxScaledError(await rotateOnce(u, n, block, 5), want.value, want.scale)).toBeLessThanOrEqual(
      TOLERANCE,
    );
    expect((await rotateOnce(u, n, block, 0)).length).toBe(0);
  });

  it('is far more accurate than f32 on a cancelling sum (would be ~1e-8 in plain f32)', async () => {
    const n = 64;
    const u = new Float64Array(n * n);
    const random = seededRandom(3);
    for (let i = 0; i < n * n; i++) u[i] = (i % 2 === 0 ? 1 : -1) * (1 + random() * 1e-7);
    const block = new Float64Array(n);
    for (let i = 0; i < n; i++) block[i] = 1 + random() * 1e-7;
    const want = referenceRotate(u, n, block, 1);
    const got = await rotateOnce(u, n, block, 1);
    // Tolerance: 1e-13 of sum|terms| (double-single carries ~2^-44 per product).
    expect(maxScaledError(got, want.value, want.scale)).toBeLessThanOrEqual(1e-13);
  });

  it('rejects NaN and wrong lengths at the boundary', async () => {
    const rotator = new GpuRotator(gpu!, new Float64Array([1]), 1);
    try {
      await expect(rotator.rotate(new Float64Array([NaN]), 1)).rejects.toThrow(RangeError);
      await expect(rotator.rotate(new Float64Array(1), 2)).rejects.toThrow(/need b\*n = 2/);
    } finally {
      rotator.destroy();
    }
    expect(() => new GpuRotator(gpu!, new Float64Array(3), 2)).toThrow(/need n\*n = 4/);
  });
});
