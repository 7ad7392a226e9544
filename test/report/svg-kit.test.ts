/**
 * withCommas groups digits by hand (no ICU locale data loaded): it must write what
 * toLocaleString('en-US') writes for every value it is given; and chromosome names that need the
 * collator (neither numbered nor X/Y/XY/MT) still sort naturally.
 */
import { describe, expect, it } from 'vitest';
import { r1, svgDocument, withCommas } from '../../src/report/svg-kit.js';
import { compareChromosomes } from '../../src/report/chromosome-layout.js';

const viaLocale = (x: number) => Math.round(x).toLocaleString('en-US');

describe('withCommas', () => {
  it('writes what toLocaleString("en-US") writes', () => {
    const values = [
      0,
      7,
      99,
      999,
      1000,
      1001,
      9999,
      10_000,
      999_999,
      1_000_000,
      1_850_000,
      7317,
      123_456_789,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 53,
      1e21,
      1e300,
      -1000,
      -999,
      -1_234_567,
      1.5,
      2.5,
      -2.5,
      999.5,
      -0.4,
      -0,
      0.4,
      NaN,
      Infinity,
      -Infinity,
    ];
    // A deterministic spread of magnitudes and signs.
    let seed = 12345;
    for (let k = 0; k < 2000; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const digits = 1 + (seed % 16);
      const value = (seed / 2 ** 31) * 10 ** digits;
      values.push(k % 3 === 0 ? -value : value);
    }
    for (const x of values) expect(withCommas(x), String(x)).toBe(viaLocale(x));
  });
});

describe('compareChromosomes', () => {
  it('orders other names naturally, after the numbered and sex chromosomes', () => {
    const names = ['contig10', 'X', 'contig2', '2', 'Contig3', 'chr1', 'MT'];
    expect([...names].sort(compareChromosomes)).toEqual([
      'chr1',
      '2',
      'X',
      'MT',
      'contig2',
      'Contig3',
      'contig10',
    ]);
  });
});

describe('r1', () => {
  it('writes what toString() writes of the value rounded to tenths', () => {
    const viaToString = (v: number) => (Math.round(v * 10) / 10).toString();
    const values = [0, -0, 0.04, -0.04, -0.05, 0.05, 0.15, 1.25, -7.05, 99.95, 1099.99, 123456789.123];
    values.push(9.99999999999994e12, 1e13, 1e14, 1e15, 1e21, -1e22, 5e-324, NaN, Infinity, -Infinity);
    for (let k = 0; k < 20_000; k++) values.push((((k * 7919) % 10_007) / 10_007 - 0.3) * 10 ** (k % 17));
    for (const v of values) expect(r1(v), String(v)).toBe(viaToString(v));
  });
});

describe('svgDocument', () => {
  it('ends every line, those of the body too, with a newline', () => {
    const head = (w: number) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="2" viewBox="0 0 ${w} 2" font-family="DejaVu Sans">\n<rect width="${w}" height="2" fill="#ffffff"/>\n`;
    expect(svgDocument(3, 2, [])).toBe(`${head(3)}</svg>\n`);
    expect(svgDocument(3, 2, ['<a/>', '<b/>'])).toBe(`${head(3)}<a/>\n<b/>\n</svg>\n`);
  });
});
