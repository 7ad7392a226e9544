import { describe, expect, it } from 'vitest';
import {
  chiSquare1FromP,
  genomicControlFromSorted,
  inverseNormal,
  CHI2_1_MEDIAN,
} from '../../src/report/normal-quantile.js';
import { chiSquareUpperTail } from '../../src/stats/distributions.js';

describe('inverseNormal (AS 241)', () => {
  it('matches reference quantiles', () => {
    expect(inverseNormal(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(inverseNormal(0.5)).toBe(0);
    expect(inverseNormal(0.025)).toBeCloseTo(-1.959963984540054, 14);
    expect(inverseNormal(1e-10)).toBeCloseTo(-6.361340902404056, 12);
    expect(inverseNormal(0)).toBe(-Infinity);
    expect(inverseNormal(1)).toBe(Infinity);
    expect(inverseNormal(1.5)).toBeNaN();
  });

  it('inverts chiSquareUpperTail(., 1) from p = 1e-300 to 1', () => {
    let worst = 0;
    for (let e = -300; e <= 0; e += 0.37) {
      const p = 10 ** e;
      const back = chiSquareUpperTail(chiSquare1FromP(p), 1);
      worst = Math.max(worst, Math.abs(back - p) / p);
    }
    expect(worst).toBeLessThan(1e-11);
  });

  it('gives qchisq(0.5, 1) as the null median, so lambda is 1 at the median p', () => {
    expect(chiSquare1FromP(0.5)).toBeCloseTo(CHI2_1_MEDIAN, 14);
    expect(genomicControlFromSorted(Float64Array.of(0.1, 0.5, 0.9))).toBeCloseTo(1, 12);
    expect(genomicControlFromSorted(new Float64Array(0))).toBeNaN();
  });
});
