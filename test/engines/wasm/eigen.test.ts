// The WASM symmetric eigensolver (tridiagonalisation, divide and conquer, back-transformation) on awkward and
// near-singular inputs, on the main thread (both SIMD builds) and on a 2-thread pool (the team code paths).
// Tolerances (s = max(1, max |A|)): residual max |A U - U diag(values)| <= 1e-13 * s;
// max |U^T U - I| <= 1e-13; values ascending; max |values - reference| <= 1e-13 * n * s, the reference being
// ml-matrix's QL (the TypeScript engine) or an exactly known spectrum.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Eigen } from '../../../src/engines/engine.js';
import { eigenTs } from '../../../src/engines/ts/ts-eigen.js';
import { eigenOn } from '../../../src/engines/wasm/eigen.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { relaxedSimdSupported } from '../../../src/engines/wasm/loader.js';
import {
  centredKinship,
  maxAbs,
  maxAbsDiff,
  randomArray,
  randomSymmetric,
  seededRandom,
} from './reference.js';

const flavours = relaxedSimdSupported() ? (['simd', 'relaxed'] as const) : (['simd'] as const);

/** Q diag(spectrum) Q^T with Q a product of three random Householder reflectors (orthogonal, dense). */
function withSpectrum(spectrum: number[], seed: number): Float64Array {
  const n = spectrum.length;
  const A = new Float64Array(n * n);
  spectrum.forEach((value, i) => {
    A[i * n + i] = value;
  });
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

/** Kinship X^T X / m of genotypes (0/1/2, per-SNP frequency, SNPs centred), with some individuals duplicated. */
function genotypeKinship(n: number, m: number, twins: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const X = new Float64Array(m * n);
  for (let j = 0; j < m; j++) {
    const p = 0.05 + 0.9 * rand();
    for (let i = 0; i < n; i++) X[j * n + i] = i < twins ? 0 : (rand() < p ? 1 : 0) + (rand() < p ? 1 : 0);
    // Individual i < twins is an identical twin of individual n - 1 - i.
    for (let i = 0; i < twins; i++) X[j * n + i] = X[j * n + n - 1 - i]!;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += X[j * n + i]!;
    for (let i = 0; i < n; i++) X[j * n + i]! -= mean / n;
  }
  const K = new Float64Array(n * n);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) {
      const x = X[j * n + i]! / m;
      if (x !== 0) for (let k = 0; k < n; k++) K[i * n + k] += x * X[j * n + k]!;
    }
  }
  for (let i = 0; i < n; i++)
    for (let k = 0; k < i; k++) K[i * n + k] = K[k * n + i] = 0.5 * (K[i * n + k]! + K[k * n + i]!);
  return K;
}

/** Wilkinson's W+ matrix of order n (odd): diagonal |i - (n-1)/2|, off-diagonal 1; nearly equal eigenvalue pairs. */
function wilkinson(n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    A[i * n + i] = Math.abs(i - (n - 1) / 2);
    if (i + 1 < n) A[i * n + i + 1] = A[(i + 1) * n + i] = 1;
  }
  return A;
}

/** max |A U - U diag(values)| / s and max |U^T U - I|, with s = max(1, max |A|). */
function errors(
  A: Float64Array,
  n: number,
  { values, vectors }: Eigen,
): { residual: number; orthogonality: number } {
  const s = Math.max(1, maxAbs(A));
  const AU = new Float64Array(n * n),
    UtU = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const aij = A[i * n + j]!,
        uji = vectors[j * n + i]!;
      for (let k = 0; k < n; k++) {
        AU[i * n + k] += aij * vectors[j * n + k]!;
        UtU[i * n + k] += uji * vectors[j * n + k]!;
      }
    }
  }
  let residual = 0,
    orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      residual = Math.max(residual, Math.abs(AU[i * n + k]! - vectors[i * n + k]! * values[k]!));
      orthogonality = Math.max(orthogonality, Math.abs(UtU[i * n + k]! - (i === k ? 1 : 0)));
    }
  }
  return { residual: residual / s, orthogonality };
}

function check(A: Float64Array, n: number, eig: Eigen, reference?: Float64Array): void {
  const { values, vectors } = eig;
  const s = Math.max(1, maxAbs(A));
  expect(values.length).toBe(n);
  expect(vectors.length).toBe(n * n);
  for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
  const { residual, orthogonality } = errors(A, n, eig);
  expect(residual).toBeLessThanOrEqual(1e-13);
  expect(orthogonality).toBeLessThanOrEqual(1e-13);
  const ref = reference ?? eigenTs(A, n).values;
  expect(maxAbsDiff(values, ref)).toBeLessThanOrEqual(1e-13 * n * s);
}

describe.each(flavours)('wasm eigen (%s build)', (flavour) => {
  const runner = LocalRunner.create(flavour);

  // 1-3: tiny; 17: one leaf; 65, 131: a few merges, sizes off every block; 450: four merge levels.
  test.each([1, 2, 3, 7, 17, 33, 65, 131, 257, 450])('random symmetric n=%i', async (n) => {
    const A = randomSymmetric(n, 100 + n);
    check(A, n, await eigenOn(runner, A, n));
  });

  test('input matrix is not modified', async () => {
    const A = randomSymmetric(33, 5),
      copy = A.slice();
    await eigenOn(runner, A, 33);
    expect(A).toEqual(copy);
  });

  test.each([
    [7, 20],
    [130, 400],
    [130, 40],
    [257, 60],
    [400, 90],
  ])('centred kinship n=%i from m=%i SNPs (singular)', async (n, m) => {
    const K = centredKinship(n, m, 7 * n + m);
    const eig = await eigenOn(runner, K, n);
    check(K, n, eig);
    // Rows centred: the all-ones vector is in the null space, so the smallest eigenvalue is 0 to rounding.
    expect(Math.abs(eig.values[0]!)).toBeLessThanOrEqual(1e-12 * maxAbs(K));
  });

  test('genotype kinship n=300, m=120 with 10 twin pairs (many exact zero eigenvalues)', async () => {
    const n = 300;
    const K = genotypeKinship(n, 120, 10, 77);
    const eig = await eigenOn(runner, K, n);
    check(K, n, eig);
    // rank <= m = 120: at least n - 120 eigenvalues vanish (to rounding).
    const zeros = eig.values.filter((v) => Math.abs(v) <= 1e-12 * maxAbs(K)).length;
    expect(zeros).toBeGreaterThanOrEqual(n - 120);
  });

  test.each([33, 130, 300])('repeated eigenvalues n=%i', async (n) => {
    const spectrum = Array.from({ length: n }, (_, i) => [3, -1, 2, 2][i % 4]!);
    const A = withSpectrum(spectrum, 31 * n);
    check(A, n, await eigenOn(runner, A, n), Float64Array.from(spectrum).sort());
  });

  test('clustered eigenvalues (gaps of 1e-12 and 1e-9) n=200', async () => {
    const n = 200;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 100 ? 1 + 1e-12 * i : 2 + 1e-9 * i));
    const A = withSpectrum(spectrum, 5);
    check(A, n, await eigenOn(runner, A, n), Float64Array.from(spectrum).sort());
  });

  test('near-singular: eigenvalues from 1 down to 1e-18, n=160', async () => {
    const n = 160;
    const spectrum = Array.from({ length: n }, (_, i) => 10 ** ((-18 * i) / (n - 1)));
    const A = withSpectrum(spectrum, 9);
    check(A, n, await eigenOn(runner, A, n), Float64Array.from(spectrum).sort());
  });

  test('Wilkinson W+ n=201 (pairs of eigenvalues equal to 1e-15 and beyond)', async () => {
    const n = 201;
    const A = wilkinson(n);
    check(A, n, await eigenOn(runner, A, n));
  });

  test.each([9, 200])('diagonal matrix with repeats, unsorted, n=%i', async (n) => {
    const base = [5, -2, 0, 5, 1e-3, -2, 7, 0, 3];
    const diag = Array.from(
      { length: n },
      (_, i) => base[i % base.length]! + (i >= base.length ? 1e-3 * (i % 7) : 0),
    );
    const A = new Float64Array(n * n);
    diag.forEach((x, i) => {
      A[i * n + i] = x;
    });
    check(A, n, await eigenOn(runner, A, n), Float64Array.from(diag).sort());
  });

  test('empty matrix (n = 0)', async () => {
    const eig = await eigenOn(runner, new Float64Array(0), 0);
    expect(eig.values.length + eig.vectors.length).toBe(0);
  });

  test.each([7, 100])('zero matrix n=%i', async (n) => {
    const A = new Float64Array(n * n);
    check(A, n, await eigenOn(runner, A, n), new Float64Array(n));
  });
});

describe('wasm eigen on a 2-thread pool', () => {
  let pool: WasmPool;
  beforeAll(async () => {
    pool = await WasmPool.create(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  // 450 and 600 split the tridiagonalisation's products and share the top merges between the threads.
  test.each([
    [1, 5],
    [2, 1],
    [33, 6],
    [65, 2],
    [450, 3],
    [600, 4],
  ])('random symmetric n=%i: accurate, and equal to the main thread bit for bit', async (n, seed) => {
    const A = randomSymmetric(n, 500 + seed);
    const eig = await pool.eigen(A, n);
    const local = await eigenOn(LocalRunner.create(pool.flavour), A, n);
    expect(eig.values).toEqual(local.values);
    expect(eig.vectors).toEqual(local.vectors);
    // Residual and orthogonality bound the error of every pair; the values' reference is the main thread's.
    check(A, n, eig, local.values);
  });

  test('genotype kinship n=500, m=200 with twins', async () => {
    const n = 500;
    const K = genotypeKinship(n, 200, 5, 3);
    check(K, n, await pool.eigen(K, n));
  });

  test('concurrent eigen calls on one pool are serialised and both right', async () => {
    const A = randomSymmetric(300, 1),
      B = withSpectrum(
        Array.from({ length: 300 }, (_, i) => i % 3),
        2,
      );
    const [ea, eb] = await Promise.all([pool.eigen(A, 300), pool.eigen(B, 300)]);
    check(A, 300, ea);
    check(B, 300, eb, Float64Array.from({ length: 300 }, (_, i) => i % 3).sort());
  });
});
