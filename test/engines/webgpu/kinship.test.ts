import { afterAll, describe, expect, it } from 'vitest';
import { GpuKinship } from '../../../src/engines/webgpu/kinship.js';
import {
  acquireTestGpu,
  maxScaledError,
  randomBlock,
  referenceKinship,
  seededRandom,
  type GenotypeKind,
} from './helpers.js';

const gpu = await acquireTestGpu();
afterAll(() => gpu?.destroy());

/** Brief's target: |gpu - float64| <= 1e-10 * sum_j |x_ji x_jk| for every entry. */
const TOLERANCE = 1e-10;

function expectSymmetric(k: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let c = i + 1; c < n; c++) expect(k[i * n + c]).toBe(k[c * n + i]);
}

describe.skipIf(gpu === null)('GpuKinship (kinship_syrk.wgsl) against float64', () => {
  for (const n of [1, 7, 33, 257]) {
    for (const kind of ['hardcalls', 'dosages', 'mixed-scale'] as GenotypeKind[]) {
      it(`n=${n}, ${kind}: blocks of b = 1, 5, 130 accumulated on the GPU`, async () => {
        const random = seededRandom(2000 + n);
        const blocks = [1, 5, 130].map((b) => ({ b, block: randomBlock(n, b, kind, random) }));
        const all = new Float64Array(136 * n);
        let offset = 0;
        for (const { block } of blocks) {
          all.set(block, offset);
          offset += block.length;
        }
        const want = referenceKinship(n, all, 136);
        const kinship = new GpuKinship(gpu!, n);
        try {
          for (const { b, block } of blocks) await kinship.accumulate(block, b);
          const got = await kinship.read();
          if (kind === 'hardcalls') {
            // Tolerance 0: integer products and sums below 2^24 are exact in double-single.
            expect(maxScaledError(got, want.value, want.scale)).toBe(0);
          } else {
            // Tolerance: 1e-10 of sum|products| per entry.
            expect(maxScaledError(got, want.value, want.scale)).toBeLessThanOrEqual(TOLERANCE);
          }
          expectSymmetric(got, n);
        } finally {
          kinship.destroy();
        }
      });
    }
  }

  it('tiles the accumulator into row panels and the block into SNP chunks when bindings are small', async () => {
    for (const [n, rows] of [
      [33, 8], // panels of 8 rows (not tile-aligned), chunks of 4 SNPs
      [257, 70], // 70 rounds down to 64 rows: tile-aligned panels
    ] as const) {
      const random = seededRandom(n);
      const b = 130;
      const block = randomBlock(n, b, 'dosages', random);
      const want = referenceKinship(n, block, b);
      const kinship = new GpuKinship(gpu!, n, { maxBindingBytes: 8 * n * rows });
      try {
        await kinship.accumulate(block, b);
        const got = await kinship.read();
        // Tolerance: 1e-10 of sum|products| per entry.
        expect(maxScaledError(got, want.value, want.scale), `n=${n}`).toBeLessThanOrEqual(TOLERANCE);
        expectSymmetric(got, n);
      } finally {
        kinship.destroy();
      }
    }
  });

  it('reads zeros before any block', async () => {
    const kinship = new GpuKinship(gpu!, 5);
    try {
      expect(Array.from(await kinship.read())).toEqual(new Array(25).fill(0));
    } finally {
      kinship.destroy();
    }
  });
});
