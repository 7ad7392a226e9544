// Reference values: closed forms (t with 1 df, chi-square limits) and Python math.lgamma.
import { describe, expect, it } from 'vitest';
import {
  chiSquareUpperTail,
  fDistUpperTail,
  incompleteBeta,
  logGamma,
} from '../../src/stats/distributions.js';

describe('distributions', () => {
  it('logGamma matches known values', () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(437.5)).toBeCloseTo(2220.849649442945, 9);
  });
  it('chi-square(1) upper tail in the far tail (relative 1e-10)', () => {
    expect(chiSquareUpperTail(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    const p = chiSquareUpperTail(100, 1);
    expect(Math.abs(p / 1.523970604832e-23 - 1)).toBeLessThan(1e-10);
    expect(chiSquareUpperTail(0, 1)).toBe(1);
  });
  it('F(1, df) upper tail agrees with t^2 and with the chi-square limit', () => {
    // F(1, df) at t^2 equals the two-sided t p-value; for df = 1 it is 1 - 2 atan(t)/pi.
    for (const t of [0.3, 1.7, 12])
      expect(fDistUpperTail(t * t, 1, 1)).toBeCloseTo(1 - (2 * Math.atan(t)) / Math.PI, 12);
    // Large df: F(1, df) -> chi-square(1).
    const f = fDistUpperTail(30, 1, 1e10);
    expect(Math.abs(f / chiSquareUpperTail(30, 1) - 1)).toBeLessThan(1e-5);
    // The small-p branch keeps relative accuracy (GEMMA prints p down to 1e-300).
    const tiny = fDistUpperTail(200, 1, 874);
    expect(tiny).toBeGreaterThan(0);
    expect(tiny).toBeLessThan(1e-38);
  });
  it('p-values do not depend on the calls before them (the last degrees of freedom are remembered)', () => {
    const cases: Array<[number, number]> = [
      [3.2, 195],
      [0.01, 195],
      [45, 12],
      [3.2, 12],
      [7, 1e6],
      [3.2, 195],
    ];
    const alone = cases.map(([f, df]) => {
      fDistUpperTail(1, 3, 7); // something else first, each time
      chiSquareUpperTail(2, 5);
      return [fDistUpperTail(f, 1, df), chiSquareUpperTail(f, 1)];
    });
    const inARow = cases.map(([f, df]) => [fDistUpperTail(f, 1, df), chiSquareUpperTail(f, 1)]);
    inARow.forEach((pair, k) => pair.forEach((p, j) => expect(Object.is(p, alone[k][j])).toBe(true)));
  });
  it('incompleteBeta is symmetric: I_x(a,b) = 1 - I_{1-x}(b,a)', () => {
    for (const [x, a, b] of [
      [0.2, 2.5, 7],
      [0.9, 0.5, 30],
      [0.5, 3, 3],
    ]) {
      expect(incompleteBeta(x, a, b)).toBeCloseTo(1 - incompleteBeta(1 - x, b, a), 13);
    }
  });
});
