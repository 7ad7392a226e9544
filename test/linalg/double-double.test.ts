/**
 * Double-double kinship sums against exact rational (BigInt) sums: the folded running sum (lo rounded to float32)
 * stays within its error bound of the exact sum, its hi is the exact sum correctly rounded, and sums of the same partials grouped
 * into shards and merged give the same hi as the one running sum (where plain float64 sums differ).
 */
import { describe, expect, it } from 'vitest';
import {
  addDoubleDouble,
  foldDoubleDouble,
  kinshipFromSum,
  zeroKinshipSum,
  type KinshipSum,
} from '../../src/linalg/double-double.js';
import { seededRandom } from '../engines/wasm/reference.js';

// Every finite double is an integer multiple of 2^-1074: exact sums are BigInts in those units.
const view = new DataView(new ArrayBuffer(8));

function exact(x: number): bigint {
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (exponent === 0) return sign * fraction; // subnormal: fraction x 2^-1074
  return sign * ((fraction | (1n << 52n)) << BigInt(exponent - 1)); // (1.f x 2^52) x 2^(e - 1075) in 2^-1074 units
}

/** |a| in units of 2^-1074, as a double-free magnitude for comparisons. */
const abs = (a: bigint) => (a < 0n ? -a : a);

/** Half an ulp of x in 2^-1074 units. */
function halfUlp(x: number): bigint {
  view.setFloat64(0, Math.abs(x));
  const exponent = Number((view.getBigUint64(0) >> 52n) & 0x7ffn);
  return exponent <= 1 ? 0n : 1n << BigInt(exponent - 2);
}

/** Partials of one entry (n = 1): `count` random doubles of mixed sign and magnitude, some cancelling. */
function partials(count: number, seed: number, integer: boolean): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: count }, (_, k) => {
    const magnitude = 2 ** Math.floor(rand() * 60 - 20);
    const v = (rand() - 0.5) * magnitude;
    // Every third term nearly cancels a large earlier one, as centred kinship entries do.
    const x = k % 3 === 2 ? -v * 1e6 : v;
    return integer ? Math.round(x * 2 ** 20) : x;
  });
}

function foldAll(values: Float64Array, from = 0, to = values.length): KinshipSum {
  const sum = zeroKinshipSum(1);
  for (let k = from; k < to; k++) foldDoubleDouble(sum.hi, sum.lo, values.subarray(k, k + 1));
  return sum;
}

describe('double-double kinship sums', () => {
  for (const integer of [true, false]) {
    it(`${integer ? 'integer-valued' : 'random double'} partials: within the bound of the exact sum, hi correctly rounded`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const values = partials(2000, seed, integer);
        const truth = values.reduce((s, v) => s + exact(v), 0n);
        const { hi, lo } = foldAll(values);
        const error = abs(exact(hi[0]!) + exact(lo[0]!) - truth);
        // Each fold errs by at most ~2^-77 of the running sum (lo rounded to float32: 2^-24 of |lo| <= 2^-53 |hi|),
        // which is at most 2000 times the largest partial.
        let largest = 0n;
        for (const v of values) if (abs(exact(v)) > largest) largest = abs(exact(v));
        expect(error * 2n ** 76n <= largest * 2000n * 2000n, `seed ${seed}`).toBe(true);
        // hi is the exact sum rounded to nearest (the pair is normalised): within half an ulp.
        expect(abs(exact(hi[0]!) - truth) <= halfUlp(hi[0]!) + error, `seed ${seed}`).toBe(true);
        expect(Math.abs(lo[0]!) <= Math.abs(hi[0]!) * 2 ** -53).toBe(true);
        expect(Math.fround(lo[0]!)).toBe(lo[0]);
      }
    });
  }

  it('shards merged in order give the one-node hi for 1..6 shards, where float64 sums do not', () => {
    let plainDiffers = 0;
    for (let seed = 100; seed < 140; seed++) {
      const values = partials(600, seed, false);
      const one = foldAll(values);
      for (let shards = 1; shards <= 6; shards++) {
        const cut = (s: number) => Math.floor((s * values.length) / shards);
        const merged = foldAll(values, 0, cut(1));
        for (let s = 1; s < shards; s++) addDoubleDouble(merged, foldAll(values, cut(s), cut(s + 1)));
        expect(merged.hi[0], `seed ${seed}, ${shards} shards`).toBe(one.hi[0]);
        // kinshipFromSum spends its sum (K over hi): a copy of the one-node pair serves the next shard count.
        const oneCopy = { hi: one.hi.slice(), lo: one.lo.slice() };
        expect(kinshipFromSum(merged, 7)[0]).toBe(kinshipFromSum(oneCopy, 7)[0]);
        let plain = 0;
        for (let s = 0; s < shards; s++) {
          let part = 0;
          for (let k = cut(s); k < cut(s + 1); k++) part += values[k]!;
          plain += part;
        }
        let running = 0;
        for (const v of values) running += v;
        if (plain !== running) plainDiffers++;
      }
    }
    // The test data do expose the order dependence that the double-double sums remove.
    expect(plainDiffers).toBeGreaterThan(20);
  });

  it('addDoubleDouble is exact-to-bound against BigInt on pairs, and symmetric in its operands', () => {
    for (let k = 0; k < 500; k++) {
      const a = foldAll(partials(50, 1000 + k, false)),
        b = foldAll(partials(50, 5000 + k, false));
      const truth = exact(a.hi[0]!) + exact(a.lo[0]!) + exact(b.hi[0]!) + exact(b.lo[0]!);
      const ab = { hi: Float64Array.from(a.hi), lo: Float64Array.from(a.lo) };
      addDoubleDouble(ab, b);
      const ba = { hi: Float64Array.from(b.hi), lo: Float64Array.from(b.lo) };
      addDoubleDouble(ba, a);
      expect(ab.hi[0]).toBe(ba.hi[0]);
      const scale = abs(exact(a.hi[0]!)) + abs(exact(b.hi[0]!));
      // The addition's error (~2^-104) and lo's rounding to float32 (at most 2^-77 of hi).
      expect(abs(exact(ab.hi[0]!) + exact(ab.lo[0]!) - truth) * 2n ** 76n <= scale).toBe(true);
      expect(Math.fround(ab.lo[0]!)).toBe(ab.lo[0]);
    }
  });
});
