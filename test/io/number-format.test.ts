import { describe, expect, it } from 'vitest';
import { generalMaxBytes, writeGeneral } from '../../src/io/number-bytes.js';
import {
  exactExponential,
  exactGeneral,
  formatExponential,
  formatFixed,
  formatGeneral,
} from '../../src/io/number-format.js';
import { neighbour, randomBitPattern } from '../helpers/doubles.js';

// Expected strings are what glibc's printf prints (checked with Python's % operator, which uses it).
describe('printf-compatible formatting', () => {
  it('%.6e with two-digit exponents, nan and negatives', () => {
    expect(formatExponential(0.1740933, 6)).toBe('1.740933e-01');
    expect(formatExponential(-3628.062, 6)).toBe('-3.628062e+03');
    expect(formatExponential(1e-5, 6)).toBe('1.000000e-05');
    expect(formatExponential(1.5e-300, 6)).toBe('1.500000e-300');
    expect(formatExponential(NaN, 6)).toBe('nan');
  });
  it('%.3f rounds exact ties to even like glibc', () => {
    expect(formatFixed(0.0625, 3)).toBe('0.062');
    expect(formatFixed(0.1875, 3)).toBe('0.188');
    expect(formatFixed(0.27611940298507465, 3)).toBe('0.276');
  });
  it('%g with 6 and 10 significant digits', () => {
    expect(formatGeneral(0.00100086, 6)).toBe('0.00100086');
    expect(formatGeneral(-42.72871234, 6)).toBe('-42.7287');
    expect(formatGeneral(9.2266500001, 6)).toBe('9.22665');
    expect(formatGeneral(2.51833e-5, 6)).toBe('2.51833e-05');
    expect(formatGeneral(0.02121978373123, 10)).toBe('0.02121978373');
    expect(formatGeneral(1234567, 6)).toBe('1.23457e+06');
    expect(formatGeneral(0, 6)).toBe('0');
  });
});

// What glibc prints (Python's % operator, which rounds exactly, half to even): exact ties, their neighbours one
// ulp away, powers of ten reached by rounding, subnormals and the largest double.
// [x, %.1g %.3g %.6g %.8g %.10g %.17g, %.0e %.2e %.6e, %.0f %.2f %.3f (null: too large for this table)]
const GLIBC: Array<[string, string[], string[], string[] | null]> = [
  [
    '0.5',
    ['0.5', '0.5', '0.5', '0.5', '0.5', '0.5'],
    ['5e-01', '5.00e-01', '5.000000e-01'],
    ['0', '0.50', '0.500'],
  ],
  [
    '1.5',
    ['2', '1.5', '1.5', '1.5', '1.5', '1.5'],
    ['2e+00', '1.50e+00', '1.500000e+00'],
    ['2', '1.50', '1.500'],
  ],
  [
    '2.5',
    ['2', '2.5', '2.5', '2.5', '2.5', '2.5'],
    ['2e+00', '2.50e+00', '2.500000e+00'],
    ['2', '2.50', '2.500'],
  ],
  [
    '-2.5',
    ['-2', '-2.5', '-2.5', '-2.5', '-2.5', '-2.5'],
    ['-2e+00', '-2.50e+00', '-2.500000e+00'],
    ['-2', '-2.50', '-2.500'],
  ],
  [
    '0.125',
    ['0.1', '0.125', '0.125', '0.125', '0.125', '0.125'],
    ['1e-01', '1.25e-01', '1.250000e-01'],
    ['0', '0.12', '0.125'],
  ],
  [
    '0.375',
    ['0.4', '0.375', '0.375', '0.375', '0.375', '0.375'],
    ['4e-01', '3.75e-01', '3.750000e-01'],
    ['0', '0.38', '0.375'],
  ],
  [
    '1.125',
    ['1', '1.12', '1.125', '1.125', '1.125', '1.125'],
    ['1e+00', '1.12e+00', '1.125000e+00'],
    ['1', '1.12', '1.125'],
  ],
  [
    '12345678.5',
    ['1e+07', '1.23e+07', '1.23457e+07', '12345678', '12345678.5', '12345678.5'],
    ['1e+07', '1.23e+07', '1.234568e+07'],
    ['12345678', '12345678.50', '12345678.500'],
  ],
  [
    '12345679.5',
    ['1e+07', '1.23e+07', '1.23457e+07', '12345680', '12345679.5', '12345679.5'],
    ['1e+07', '1.23e+07', '1.234568e+07'],
    ['12345680', '12345679.50', '12345679.500'],
  ],
  [
    '0.000244140625',
    ['0.0002', '0.000244', '0.000244141', '0.00024414062', '0.000244140625', '0.000244140625'],
    ['2e-04', '2.44e-04', '2.441406e-04'],
    ['0', '0.00', '0.000'],
  ],
  [
    '99999.5',
    ['1e+05', '1e+05', '99999.5', '99999.5', '99999.5', '99999.5'],
    ['1e+05', '1.00e+05', '9.999950e+04'],
    ['100000', '99999.50', '99999.500'],
  ],
  [
    '9.9999999995',
    ['1e+01', '10', '10', '10', '9.999999999', '9.9999999995'],
    ['1e+01', '1.00e+01', '1.000000e+01'],
    ['10', '10.00', '10.000'],
  ],
  [
    '9.9999999995e-05',
    ['0.0001', '0.0001', '0.0001', '0.0001', '0.0001', '9.9999999995000003e-05'],
    ['1e-04', '1.00e-04', '1.000000e-04'],
    ['0', '0.00', '0.000'],
  ],
  [
    '1e-05',
    ['1e-05', '1e-05', '1e-05', '1e-05', '1e-05', '1.0000000000000001e-05'],
    ['1e-05', '1.00e-05', '1.000000e-05'],
    ['0', '0.00', '0.000'],
  ],
  [
    '1.25e-05',
    ['1e-05', '1.25e-05', '1.25e-05', '1.25e-05', '1.25e-05', '1.2500000000000001e-05'],
    ['1e-05', '1.25e-05', '1.250000e-05'],
    ['0', '0.00', '0.000'],
  ],
  [
    '2.5e-05',
    ['3e-05', '2.5e-05', '2.5e-05', '2.5e-05', '2.5e-05', '2.5000000000000001e-05'],
    ['3e-05', '2.50e-05', '2.500000e-05'],
    ['0', '0.00', '0.000'],
  ],
  [
    '0.0625',
    ['0.06', '0.0625', '0.0625', '0.0625', '0.0625', '0.0625'],
    ['6e-02', '6.25e-02', '6.250000e-02'],
    ['0', '0.06', '0.062'],
  ],
  [
    '0.1875',
    ['0.2', '0.188', '0.1875', '0.1875', '0.1875', '0.1875'],
    ['2e-01', '1.88e-01', '1.875000e-01'],
    ['0', '0.19', '0.188'],
  ],
  [
    '1e+21',
    ['1e+21', '1e+21', '1e+21', '1e+21', '1e+21', '1e+21'],
    ['1e+21', '1.00e+21', '1.000000e+21'],
    ['1000000000000000000000', '1000000000000000000000.00', '1000000000000000000000.000'],
  ],
  [
    '1e+23',
    ['1e+23', '1e+23', '1e+23', '1e+23', '1e+23', '9.9999999999999992e+22'],
    ['1e+23', '1.00e+23', '1.000000e+23'],
    null,
  ],
  [
    '5e-324',
    ['5e-324', '4.94e-324', '4.94066e-324', '4.9406565e-324', '4.940656458e-324', '4.9406564584124654e-324'],
    ['5e-324', '4.94e-324', '4.940656e-324'],
    ['0', '0.00', '0.000'],
  ],
  [
    '1.7976931348623157e+308',
    ['2e+308', '1.8e+308', '1.79769e+308', '1.7976931e+308', '1.797693135e+308', '1.7976931348623157e+308'],
    ['2e+308', '1.80e+308', '1.797693e+308'],
    null,
  ],
  [
    '0.30000000000000004',
    ['0.3', '0.3', '0.3', '0.3', '0.3', '0.30000000000000004'],
    ['3e-01', '3.00e-01', '3.000000e-01'],
    ['0', '0.30', '0.300'],
  ],
  [
    '0.6666666666666666',
    ['0.7', '0.667', '0.666667', '0.66666667', '0.6666666667', '0.66666666666666663'],
    ['7e-01', '6.67e-01', '6.666667e-01'],
    ['1', '0.67', '0.667'],
  ],
  [
    '1000000000000000.5',
    ['1e+15', '1e+15', '1e+15', '1e+15', '1e+15', '1000000000000000.5'],
    ['1e+15', '1.00e+15', '1.000000e+15'],
    ['1000000000000000', '1000000000000000.50', '1000000000000000.500'],
  ],
  [
    '0.000732421875',
    ['0.0007', '0.000732', '0.000732422', '0.00073242188', '0.000732421875', '0.000732421875'],
    ['7e-04', '7.32e-04', '7.324219e-04'],
    ['0', '0.00', '0.001'],
  ],
  [
    '-0',
    ['-0', '-0', '-0', '-0', '-0', '-0'],
    ['-0e+00', '-0.00e+00', '-0.000000e+00'],
    ['-0', '-0.00', '-0.000'],
  ],
  [
    '0.49999999999999994',
    ['0.5', '0.5', '0.5', '0.5', '0.5', '0.49999999999999994'],
    ['5e-01', '5.00e-01', '5.000000e-01'],
    ['0', '0.50', '0.500'],
  ],
  [
    '0.5000000000000001',
    ['0.5', '0.5', '0.5', '0.5', '0.5', '0.50000000000000011'],
    ['5e-01', '5.00e-01', '5.000000e-01'],
    ['1', '0.50', '0.500'],
  ],
  [
    '2.4999999999999996',
    ['2', '2.5', '2.5', '2.5', '2.5', '2.4999999999999996'],
    ['2e+00', '2.50e+00', '2.500000e+00'],
    ['2', '2.50', '2.500'],
  ],
  [
    '2.5000000000000004',
    ['3', '2.5', '2.5', '2.5', '2.5', '2.5000000000000004'],
    ['3e+00', '2.50e+00', '2.500000e+00'],
    ['3', '2.50', '2.500'],
  ],
  [
    '0.12499999999999999',
    ['0.1', '0.125', '0.125', '0.125', '0.125', '0.12499999999999999'],
    ['1e-01', '1.25e-01', '1.250000e-01'],
    ['0', '0.12', '0.125'],
  ],
  [
    '0.12500000000000003',
    ['0.1', '0.125', '0.125', '0.125', '0.125', '0.12500000000000003'],
    ['1e-01', '1.25e-01', '1.250000e-01'],
    ['0', '0.13', '0.125'],
  ],
  [
    '12345678.499999998',
    ['1e+07', '1.23e+07', '1.23457e+07', '12345678', '12345678.5', '12345678.499999998'],
    ['1e+07', '1.23e+07', '1.234568e+07'],
    ['12345678', '12345678.50', '12345678.500'],
  ],
  [
    '12345678.500000002',
    ['1e+07', '1.23e+07', '1.23457e+07', '12345679', '12345678.5', '12345678.500000002'],
    ['1e+07', '1.23e+07', '1.234568e+07'],
    ['12345679', '12345678.50', '12345678.500'],
  ],
  [
    '0.00024414062499999997',
    ['0.0002', '0.000244', '0.000244141', '0.00024414062', '0.000244140625', '0.00024414062499999997'],
    ['2e-04', '2.44e-04', '2.441406e-04'],
    ['0', '0.00', '0.000'],
  ],
  [
    '0.00024414062500000005',
    ['0.0002', '0.000244', '0.000244141', '0.00024414063', '0.000244140625', '0.00024414062500000005'],
    ['2e-04', '2.44e-04', '2.441406e-04'],
    ['0', '0.00', '0.000'],
  ],
];

describe('printf-compatible formatting: glibc table', () => {
  it.each(GLIBC)('%s', (text, g, e, f) => {
    const x = Number(text);
    [1, 3, 6, 8, 10, 17].forEach((p, k) => {
      expect(formatGeneral(x, p)).toBe(g[k]);
      expect(exactGeneral(x, p)).toBe(g[k]);
      expect(written(x, p)).toBe(g[k]);
    });
    [0, 2, 6].forEach((d, k) => {
      expect(formatExponential(x, d)).toBe(e[k]);
      expect(exactExponential(x, d)).toBe(e[k]);
    });
    if (f) {
      [0, 2, 3].forEach((d, k) => {
        expect(formatFixed(x, d)).toBe(f[k]);
        expect(fixedOracle(x, d)).toBe(f[k]);
      });
    }
  });

  it('nan, inf and zeros', () => {
    for (const [x, text] of [
      [NaN, 'nan'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
    ] as const) {
      expect(formatGeneral(x, 10)).toBe(text);
      expect(written(x, 10)).toBe(text);
      expect(formatExponential(x, 6)).toBe(text);
      expect(formatFixed(x, 3)).toBe(text);
    }
    expect(written(0, 10)).toBe('0');
    expect(written(-0, 10)).toBe('-0');
    expect(formatExponential(0, 3)).toBe('0.000e+00');
    expect(formatFixed(-0, 2)).toBe('-0.00');
  });
});

/** writeGeneral's bytes as text, checking it stays within generalMaxBytes(). */
const scratch = new Uint8Array(256);
function written(x: number, precision: number): string {
  const end = writeGeneral(scratch, 10, x, precision);
  if (end - 10 > generalMaxBytes(precision)) expect.fail(`%.${precision}g of ${x} takes ${end - 10} bytes`);
  return String.fromCharCode(...scratch.subarray(10, end));
}

/**
 * C's "%.{digits}f" from the double's exact value m * 2^e in BigInt arithmetic, rounded half to even:
 * a reference independent of the formatter's own paths.
 */
function fixedOracle(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  let scaled = m * 10n ** BigInt(digits); // |x| * 10^digits = scaled * 2^e
  if (e >= 0) scaled <<= BigInt(e);
  else {
    const den = 1n << BigInt(-e);
    const q = scaled / den;
    const twice = 2n * (scaled % den);
    scaled = twice > den || (twice === den && q % 2n === 1n) ? q + 1n : q;
  }
  const text = scaled.toString().padStart(digits + 1, '0');
  const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return x < 0 || Object.is(x, -0) ? `-${body}` : body;
}

/** Mulberry32: seeded, so a failure reproduces. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('printf-compatible formatting: fast path == exact path', () => {
  // The fast path (scaled double, rounded when provably far from .5) against the exact one (decimal expansion).
  function expectSame(x: number, p: number, d: number, f: number): void {
    const g = formatGeneral(x, p);
    if (g !== exactGeneral(x, p)) expect.fail(`%.${p}g of ${x}: ${g} != ${exactGeneral(x, p)}`);
    const w = written(x, p);
    if (w !== g) expect.fail(`writeGeneral %.${p}g of ${x}: ${w} != ${g}`);
    const e = formatExponential(x, d);
    if (e !== exactExponential(x, d)) expect.fail(`%.${d}e of ${x}: ${e} != ${exactExponential(x, d)}`);
    const fx = formatFixed(x, f);
    if (fx !== fixedOracle(x, f)) expect.fail(`%.${f}f of ${x}: ${fx} != ${fixedOracle(x, f)}`);
  }

  it('on 300000 random doubles of every magnitude and precision', () => {
    const rand = seeded(2024);
    for (let i = 0; i < 300_000; i++) {
      let x: number;
      switch (i % 5) {
        case 0: // any bit pattern (subnormals and the extremes included)
          x = randomBitPattern(rand);
          if (!Number.isFinite(x)) x = Number.MIN_VALUE;
          break;
        case 1: // uniform mantissa, decimal exponent -25..24
          x = (rand() - 0.5) * 10 ** Math.floor(rand() * 50 - 25);
          break;
        case 2: // kinship-like values
          x = (rand() - 0.3) * 10 ** -Math.floor(rand() * 4);
          break;
        case 3: // dyadic rationals: short exact decimal expansions, often exact ties
          x = (2 * Math.floor(rand() * 2 ** 20) + 1) / 2 ** Math.floor(rand() * 30);
          break;
        default: // few decimal digits
          x = Math.floor(rand() * 1e10) / 10 ** Math.floor(rand() * 14);
      }
      if (rand() < 0.5) x = -x;
      expectSame(x, 1 + Math.floor(rand() * 17), Math.floor(rand() * 17), Math.floor(rand() * 21));
      expectSame(x, 10, 6, 3);
    }
  });

  it('on exact ties at every precision and on the doubles either side of them', () => {
    const rand = seeded(7);
    for (let i = 0; i < 20_000; i++) {
      // odd / 2^q has exactly q decimals, the last one a 5: a tie when rounded one digit shorter.
      const q = 1 + Math.floor(rand() * 24);
      const x = (2 * Math.floor(rand() * 2 ** Math.floor(rand() * 28)) + 1) / 2 ** q;
      const digits = x.toFixed(q).replace('.', '').replace(/^0+/, '').length; // significant digits
      for (const v of [x, neighbour(x, true), neighbour(x, false), -x]) {
        if (v === 0) continue;
        if (digits <= 18) expectSame(v, Math.max(1, digits - 1), Math.max(0, digits - 2), q - 1);
        expectSame(v, 10, 6, 3);
      }
    }
  });

  it('where rounding reaches the next power of ten', () => {
    for (let p = 1; p <= 16; p++) {
      for (let e = -30; e <= 30; e++) {
        // 9.99..95 x 10^e with p nines: rounds to 10^(e+1) at p significant digits.
        const x = Number(`${'9'.repeat(p)}5e${e - p}`);
        for (const v of [x, neighbour(x, true), neighbour(x, false), 10 ** e, neighbour(10 ** e, false)])
          expectSame(v, p, p - 1, Math.min(20, Math.max(0, p - e)));
      }
    }
  });
});
