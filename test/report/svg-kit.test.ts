/**
 * withCommas groups digits by hand (no ICU locale data loaded): it must write what
 * toLocaleString('en-US') writes for every value it is given; and chromosome names that need the
 * collator (neither numbered nor X/Y/XY/MT) still sort naturally.
 */
import { describe, expect, it } from 'vitest';
import { withCommas } from '../../src/report/svg-kit.js';
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
