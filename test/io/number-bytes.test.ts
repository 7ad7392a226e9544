/**
 * The byte writers (number-bytes.ts) against the string formatters (number-format.ts, themselves
 * checked against glibc and their exact path in number-format.test.ts): the same text for every double,
 * written only where it should be.
 */
import { describe, expect, it } from 'vitest';
import {
  assocStatisticsMaxBytes,
  statisticColumns,
  writeAssocStatistics,
} from '../../src/io/assoc-format.js';
import {
  exponentialMaxBytes,
  generalMaxBytes,
  writeExponentialOf,
  writeGeneral,
  writeGeneral10,
} from '../../src/io/number-bytes.js';
import { formatExponential } from '../../src/io/number-format.js';
import { emptyResultBlock } from '../../src/model/results.js';
import { rng } from '../helpers/random.js';
import { neighbour, randomBitPattern } from '../helpers/doubles.js';

const FILL = 0xee;
const scratch = new Uint8Array(512);
const scratchView = new DataView(scratch.buffer);
const one = new Float64Array(3);

/** writeExponentialOf's text of x, checking its length bound and that no byte around it changed. */
function written(x: number, digits: number): string {
  scratch.fill(FILL);
  const start = 17;
  one[1] = x;
  const end = writeExponentialOf(scratch, start, one, 1, digits);
  if (end - start > exponentialMaxBytes(digits))
    expect.fail(`%.${digits}e of ${x} takes ${end - start} bytes`);
  if (scratch[start - 1] !== FILL || scratch[end] !== FILL)
    expect.fail(`%.${digits}e of ${x} wrote outside its bytes`);
  return String.fromCharCode(...scratch.subarray(start, end));
}

function expectSame(x: number, digits: number): void {
  const w = written(x, digits);
  const f = formatExponential(x, digits);
  if (w !== f)
    expect.fail(
      `%.${digits}e of ${x} (${Object.is(x, -0) ? '-0' : x.toExponential(20)}): bytes ${w} != string ${f}`,
    );
}

describe('writeExponentialOf == formatExponential', () => {
  it('on zeros, signs, nan, infinities and the extremes', () => {
    const specials = [
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      2.2250738585072014e-308,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      1,
      -1,
      0.5,
      9.9999995,
      1e-5,
      1e22,
      1e23,
      1e-300,
      123456789012345680000,
    ];
    for (const x of specials) for (let digits = 0; digits <= 17; digits++) expectSame(x, digits);
    expect(written(-0, 6)).toBe('-0.000000e+00');
    expect(written(0, 0)).toBe('0e+00');
    expect(written(NaN, 6)).toBe('nan');
    expect(written(-Infinity, 6)).toBe('-inf');
    expect(written(Number.MIN_VALUE, 6)).toBe('4.940656e-324');
  });

  it('on 200000 random doubles: any bit pattern, every magnitude, p-value-like and statistics-like', () => {
    const next = rng(20240611);
    let nonzero = 0;
    for (let i = 0; i < 200_000; i++) {
      let x: number;
      switch (i % 5) {
        case 0: // any bit pattern: subnormals, nan and infinities included
          x = randomBitPattern(next);
          break;
        case 1: // uniform mantissa, decimal exponent -320..308
          x = (next() + 0.01) * 10 ** Math.floor(next() * 629 - 320);
          break;
        case 2: // p-values down to 1e-300
          x = Math.exp(-next() * 700);
          break;
        case 3: // betas, log-likelihoods, lambdas
          x = (next() - 0.5) * 10 ** Math.floor(next() * 12 - 6);
          break;
        default: // few decimal digits: often exact or near ties at 7 significant digits
          x = Math.floor(next() * 1e9) / 10 ** Math.floor(next() * 12);
      }
      if (next() < 0.5) x = -x;
      if (x !== 0) nonzero++;
      expectSame(x, 6);
      expectSame(x, Math.floor(next() * 17));
    }
    expect(nonzero).toBeGreaterThan(199_000);
  });

  it('on exact decimal ties, the doubles either side of them, and roundings up to the next power of ten', () => {
    const next = rng(77);
    for (let i = 0; i < 20_000; i++) {
      // odd / 2^q has exactly q decimals, the last a 5: a tie when rounded one significant digit shorter.
      const q = 1 + Math.floor(next() * 24);
      const x = (2 * Math.floor(next() * 2 ** Math.floor(next() * 28)) + 1) / 2 ** q;
      const digits = x.toFixed(q).replace('.', '').replace(/^0+/, '').length;
      for (const v of [x, neighbour(x, true), neighbour(x, false), -x]) {
        expectSame(v, Math.min(16, Math.max(0, digits - 2)));
        expectSame(v, 6);
      }
    }
    for (let p = 1; p <= 16; p++) {
      for (let e = -310; e <= 300; e += 7) {
        const x = Number(`${'9'.repeat(p)}5e${e - p}`);
        if (x === 0 || !Number.isFinite(x)) continue;
        for (const v of [x, neighbour(x, true), neighbour(x, false)]) expectSame(v, p - 1);
      }
    }
  });
});

/** writeGeneral10's text of x against writeGeneral(x, 10)'s (checked against the string formatter and glibc). */
function expectSameGeneral10(x: number): void {
  scratch.fill(FILL);
  const start = 9;
  const end = writeGeneral10(scratch, scratchView, start, x);
  // Past its end it may leave digits (of the trailing zeros it dropped), never past generalMaxBytes().
  if (
    scratch[start - 1] !== FILL ||
    scratch[start + generalMaxBytes(10)] !== FILL ||
    end - start > generalMaxBytes(10)
  )
    expect.fail(`%.10g of ${x}: wrote outside its bytes`);
  const fast = String.fromCharCode(...scratch.subarray(start, end));
  const reference = new Uint8Array(64);
  const exact = String.fromCharCode(...reference.subarray(0, writeGeneral(reference, 0, x, 10)));
  if (fast !== exact)
    expect.fail(`%.10g of ${Object.is(x, -0) ? '-0' : x.toExponential(20)}: fast ${fast} != ${exact}`);
}

describe('writeGeneral10 == writeGeneral(x, 10)', () => {
  it('on zeros, specials, powers of ten and the roundings up to them, extremes', () => {
    const specials = [0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, 2.2250738585072014e-308];
    specials.push(Number.MAX_VALUE, 1, 0.5, 9.9999999995, 9.99999999949, 0.99999999995, 99999.999995);
    for (const x of specials) for (const v of [x, -x]) expectSameGeneral10(v);
    for (let e = -330; e <= 310; e++) {
      for (const x of [Number(`1e${e}`), Number(`9.9999999995e${e}`), Number(`1.0000000005e${e}`)]) {
        if (x === 0 || !Number.isFinite(x)) continue;
        for (const v of [x, neighbour(x, true), neighbour(x, false), -x]) expectSameGeneral10(v);
      }
    }
    const text = (x: number) => {
      const out = new Uint8Array(48).subarray(8);
      const view = new DataView(out.buffer, out.byteOffset);
      return String.fromCharCode(...out.subarray(0, writeGeneral10(out, view, 0, x)));
    };
    expect(text(0.3791480055)).toBe('0.3791480055');
    expect(text(-0.0001234567891)).toBe('-0.0001234567891');
    expect(text(1200)).toBe('1200');
    expect(text(1234567891)).toBe('1234567891');
    expect(text(12.5)).toBe('12.5');
    expect(text(9.99999999996)).toBe('10');
    expect(text(-0)).toBe('-0');
  });

  it('on 300000 random doubles: kinship-like, every magnitude, any bit pattern, few digits', () => {
    const next = rng(2026125);
    for (let i = 0; i < 300_000; i++) {
      let x: number;
      switch (i % 5) {
        case 0: // kinship-like: diagonal near 1, the rest small around 0
          x = i % 2 ? 0.8 + next() * 0.4 : (next() - 0.5) * 10 ** -Math.floor(next() * 6);
          break;
        case 1: // uniform mantissa, decimal exponent -12..12 (both sides of the fixed-point range)
          x = (next() + 0.01) * 10 ** Math.floor(next() * 25 - 12);
          break;
        case 2:
          x = randomBitPattern(next);
          break;
        case 3: // denormals
          x = next() * 2.2250738585072014e-308;
          break;
        default: // few decimal digits: trailing zeros, exact values, near ties
          x = Math.floor(next() * 1e11) / 10 ** Math.floor(next() * 16);
      }
      expectSameGeneral10(next() < 0.5 ? -x : x);
    }
  });

  it('on exact ties at the 11th significant digit and the doubles either side of them', () => {
    const next = rng(11);
    let ties = 0;
    for (let i = 0; i < 50_000; i++) {
      // A 10-digit integer and a 5 after it, scaled by 2^-q so that it is exact in a double: a tie at 11 digits.
      const q = Math.floor(next() * 40);
      const x = ((Math.floor(next() * 9e9 + 1e9) * 10 + 5) / 2 ** q) * (q % 2 ? 1 : 2 ** -Math.floor(q / 2));
      if (x.toPrecision(11) === x.toPrecision(17).slice(0, 12)) ties++;
      for (const v of [x, neighbour(x, true), neighbour(x, false), -x]) expectSameGeneral10(v);
    }
    // Decimal ties (x * 10^k an odd multiple of a half) for every exponent of the fixed-point range.
    for (let e = -5; e <= 10; e++) {
      for (let i = 0; i < 2000; i++) {
        const x = (Math.floor(next() * 9e9 + 1e9) + 0.5) * 2 ** Math.floor(next() * 4) * 10 ** (e - 9);
        for (const v of [x, neighbour(x, true), neighbour(x, false)]) expectSameGeneral10(v);
      }
    }
    expect(ties).toBeGreaterThan(0);
  });
});

describe('assoc rows as bytes', () => {
  it('writeAssocStatistics == the statistics joined by tabs, every mode', () => {
    const next = rng(5);
    const b = 300;
    const r = emptyResultBlock(b);
    for (const column of Object.values(r))
      for (let j = 0; j < b; j++)
        column[j] = next() < 0.1 ? NaN : (next() - 0.3) * 10 ** Math.floor(next() * 40 - 30);
    const out = new Uint8Array(b * assocStatisticsMaxBytes('lmm', 4));
    for (const [kind, mode] of [
      ['lmm', 1],
      ['lmm', 2],
      ['lmm', 3],
      ['lmm', 4],
      ['lm', 1],
      ['lm', 2],
      ['lm', 3],
      ['lm', 4],
    ] as const) {
      const columns = statisticColumns(kind, mode, r);
      let pos = 0;
      let expected = '';
      for (let j = 0; j < b; j++) {
        const end = writeAssocStatistics(out, pos, columns, j);
        if (end - pos > assocStatisticsMaxBytes(kind, mode)) expect.fail(`row ${j} takes ${end - pos} bytes`);
        pos = end;
        expected += columns.map((c) => formatExponential(c[j], 6)).join('\t') + '\n';
      }
      expect(Buffer.from(out.subarray(0, pos)).toString('latin1')).toBe(expected);
    }
  });
});
