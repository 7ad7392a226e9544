// The WASM symmetric eigensolver on awkward and near-singular inputs. Tolerances (s = max(1, max |A|)):
// residual max |A U - U diag(values)| <= 1e-13 * n * s; max |U^T U - I| <= 1e-13 * n;
// values ascending; max |values - Jacobi| <= 1e-13 * n * s.
import { describe, expect, test } from 'vitest';
import type { Eigen } from '../../../src/engines/engine.js';
import { eigenOn } from '../../../src/engines/wasm/eigen.js';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { relaxedSimdSupported } from '../../../src/engines/wasm/loader.js';
import { centredKinship, jacobiEigenvalues, maxAbs, maxAbsDiff, randomArray, randomSymmetric } from './reference.js';

const flavours = relaxedSimdSupported() ? (['simd', 'relaxed'] as const) : (['simd'] as const);

/** Q diag(spectrum) Q^T with Q a product of three random Householder reflectors (orthogonal, dense). */
function withSpectrum(spectrum: number[], seed: number): Float64Array {
  const n = spectrum.length;
  const A = new Float64Array(n * n);
  spectrum.forEach((value, i) => { A[i * n + i] = value; });
  for (let r = 0; r < 3; r++) {
    const v = randomArray(n, seed + r);
    const vv = v.reduce((s, x) => s + x * x, 0);
    // A <- H A H with H = I - 2 v v^T / v^T v.
    const Av = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) Av[i] += A[i * n + k]! * v[k]!;
    const vAv = v.reduce((s, x, i) => s + x * Av[i]!, 0);
    const c = 2 / vv;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        A[i * n + k] += -c * (v[i]! * Av[k]! + Av[i]! * v[k]!) + c * c * vAv * v[i]! * v[k]!;
      }
    }
  }
  return A;
}

function check(A: Float64Array, n: number, { values, vectors }: Eigen, reference?: Float64Array): void {
  const s = Math.max(1, maxAbs(A));
  expect(values.length).toBe(n);
  expect(vectors.length).toBe(n * n);
  for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
  let residual = 0, orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      let au = 0, utu = 0;
      for (let j = 0; j < n; j++) {
        au += A[i * n + j]! * vectors[j * n + k]!;
        utu += vectors[j * n + i]! * vectors[j * n + k]!;
      }
      residual = Math.max(residual, Math.abs(au - vectors[i * n + k]! * values[k]!));
      orthogonality = Math.max(orthogonality, Math.abs(utu - (i === k ? 1 : 0)));
    }
  }
  expect(residual).toBeLessThanOrEqual(1e-13 * n * s);
  expect(orthogonality).toBeLessThanOrEqual(1e-13 * n);
  const ref = reference ?? jacobiEigenvalues(A, n);
  expect(maxAbsDiff(values, ref)).toBeLessThanOrEqual(1e-13 * n * s);
}

describe.each(flavours)('wasm eigen (%s build)', (flavour) => {
  const runner = LocalRunner.create(flavour);

  test.each([1, 2, 7, 33, 130, 257])('random symmetric n=%i', async (n) => {
    const A = randomSymmetric(n, 100 + n);
    check(A, n, await eigenOn(runner, A, n));
  });

  test('input matrix is not modified', async () => {
    const A = randomSymmetric(33, 5), copy = A.slice();
    await eigenOn(runner, A, 33);
    expect(A).toEqual(copy);
  });

  test.each([[7, 20], [130, 400], [130, 40], [257, 60]])('centred kinship n=%i from m=%i SNPs (singular)', async (n, m) => {
    const K = centredKinship(n, m, 7 * n + m);
    const eig = await eigenOn(runner, K, n);
    check(K, n, eig);
    // Rows centred: the all-ones vector is in the null space, so the smallest eigenvalue is 0 to rounding.
    expect(Math.abs(eig.values[0]!)).toBeLessThanOrEqual(1e-12 * maxAbs(K));
  });

  test.each([33, 130])('repeated eigenvalues n=%i', async (n) => {
    const spectrum = Array.from({ length: n }, (_, i) => [3, -1, 2, 2][i % 4]!);
    const A = withSpectrum(spectrum, 31 * n);
    check(A, n, await eigenOn(runner, A, n), Float64Array.from(spectrum).sort());
  });

  test('diagonal matrix with repeats, unsorted', async () => {
    const diag = [5, -2, 0, 5, 1e-3, -2, 7, 0, 3];
    const n = diag.length;
    const A = new Float64Array(n * n);
    diag.forEach((x, i) => { A[i * n + i] = x; });
    check(A, n, await eigenOn(runner, A, n), Float64Array.from(diag).sort());
  });

  test('empty matrix (n = 0)', async () => {
    const eig = await eigenOn(runner, new Float64Array(0), 0);
    expect(eig.values.length + eig.vectors.length).toBe(0);
  });

  test('zero matrix', async () => {
    const n = 7;
    const A = new Float64Array(n * n);
    check(A, n, await eigenOn(runner, A, n), new Float64Array(n));
  });
});
