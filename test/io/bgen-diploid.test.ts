/**
 * decodeLayout2's byte path for blocks of unphased diploids at 8 and 16 bits (plink2's and UK
 * Biobank's files) gives the same doubles as its general path: the same samples decoded from a block
 * that also holds one triploid (which sends the whole block down the general loop). A --keep subset
 * decodes, on every path, what decoding every sample and gathering gives.
 */
import { describe, expect, it } from 'vitest';
import { decodeLayout1, decodeLayout2 } from '../../src/io/bgen-probabilities.js';
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
    decodeLayout2(block(samples, bits), n, diploid, null, null);
    const general = new Float64Array(n + 1);
    decodeLayout2(
      block([...samples, { ploidy: 3, missing: false, values: [0, max, 0] }], bits),
      n + 1,
      general,
      null,
      null,
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

describe('a sample subset', () => {
  const random = rng(29);
  const n = 41;
  const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => random() < 0.5 || i === n - 1);

  /** Decodes with every sample, then with `rows`, and checks the subset is the gather of the whole. */
  function sameAsGathered(decode: (out: Float64Array, subset: Int32Array | null) => void): void {
    const whole = new Float64Array(n);
    decode(whole, null);
    const subset = new Float64Array(rows.length).fill(-1);
    decode(subset, rows);
    expect(Array.from(subset)).toEqual(Array.from(rows, (i) => whole[i]));
    expect(subset.some(Number.isNaN)).toBe(true);
  }

  it.each([8, 16] as const)('unphased diploids at %i bits (decoded by row)', (bits) => {
    const max = 2 ** bits - 1;
    const samples = Array.from({ length: n }, (_, i) => {
      const p0 = Math.floor(random() * (max + 1));
      return { ploidy: 2, missing: i % 5 === 1, values: [p0, Math.floor(random() * (max + 1 - p0))] };
    });
    const data = block(samples, bits);
    sameAsGathered((out, subset) => decodeLayout2(data, n, out, subset, new Float64Array(n)));
  });

  it('mixed ploidy (decoded whole, then gathered)', () => {
    const samples = Array.from({ length: n }, (_, i) => {
      const ploidy = 1 + (i % 3);
      const values = Array.from({ length: ploidy }, () => Math.floor(random() * (256 / ploidy)));
      return { ploidy, missing: i % 5 === 1, values };
    });
    const data = block(samples, 8);
    sameAsGathered((out, subset) => decodeLayout2(data, n, out, subset, new Float64Array(n)));
  });

  it('layout 1 (decoded by row)', () => {
    const data = new Uint8Array(6 * n);
    const view = new DataView(data.buffer);
    for (let i = 0; i < n; i++) {
      if (i % 5 === 1) continue; // all zero: missing
      const aa = Math.floor(random() * 32768);
      view.setUint16(6 * i, aa, true);
      view.setUint16(6 * i + 2, Math.floor(random() * (32768 - aa)), true);
    }
    sameAsGathered((out, subset) => decodeLayout1(data, n, out, subset));
  });
});
