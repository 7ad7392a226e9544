import { describe, expect, it } from 'vitest';
import { formatExponential, formatFixed, formatGeneral } from '../../src/io/number-format.js';

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
