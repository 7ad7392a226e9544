/**
 * decodeLayout2's byte path for blocks of unphased diploids at 8 and 16 bits (plink2's and UK
 * Biobank's files) gives the same doubles as its general path: the same samples decoded from a block
 * that also holds one triploid (which sends the whole block down the general loop).
 */
import { describe, expect, it } from 'vitest';
import { decodeLayout2 } from '../../src/io/bgen-probabilities.js';
import { rng } from '../helpers/random.js';

/** A layout-2 block: per sample [ploidy, missing, values], values stored at `bits` bits. */
function block(samples: { ploidy: number; missing: boolean; values: number[] }[], bits: 8 | 16): Uint8Array {
  const nValues = samples.reduce((s, x) => s + x.ploidy, 0);
  const data = new Uint8Array(10 + samples.length + (nValues * bits) / 8);
  const view = new DataView(data.buffer);
  view.setUint32(0, samples.length, true);
  view.setUint16(4, 2, true);
  data[6] = 1;
  data[7] = 3;
  samples.forEach((s, i) => (data[8 + i] = s.ploidy | (s.missing ? 128 : 0)));
  data[8 + samples.length] = 0;
  data[9 + samples.length] = bits;
  let at = 10 + samples.length;
  for (const s of samples) {
    for (const v of s.values) {
      data[at++] = v & 255;
      if (bits === 16) data[at++] = v >>> 8;
    }
  }
  return data;
}

describe('decodeLayout2 on unphased diploids', () => {
  it.each([8, 16] as const)('%i bits: the same doubles as the general loop, missing samples NaN', (bits) => {
    const random = rng(bits);
    const max = 2 ** bits - 1;
    const n = 37;
    const samples = Array.from({ length: n }, (_, i) => {
      const p0 = Math.floor(random() * (max + 1));
      const p1 = Math.floor(random() * (max + 1 - p0));
      // Hard calls (0 or max) for a third of the samples: plink2's exports of a .bed.
      const hard = i % 3 === 0;
      return { ploidy: 2, missing: i % 7 === 3, values: hard ? [i % 2 ? max : 0, 0] : [p0, p1] };
    });
    const diploid = new Float64Array(n);
    decodeLayout2(block(samples, bits), n, diploid);
    const general = new Float64Array(n + 1);
    decodeLayout2(
      block([...samples, { ploidy: 3, missing: false, values: [0, max, 0] }], bits),
      n + 1,
      general,
    );
    for (let i = 0; i < n; i++) {
      expect(Object.is(diploid[i], general[i])).toBe(true);
      if (samples[i].missing) expect(diploid[i]).toBeNaN();
      else {
        const [p0, p1] = samples[i].values.map((v) => v / max);
        expect(diploid[i]).toBeCloseTo(p1 + 2 * (1 - p0 - p1), 12);
      }
    }
    expect(general[n]).toBeCloseTo(1, 12);
  });
});
