// Plain float64 references for the WASM kernel tests: seeded random data, naive products, cyclic Jacobi.

/** Mulberry32: a small seeded generator, so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` values uniform in [-1, 1). */
export function randomArray(count: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: count }, () => 2 * rand() - 1);
}

/** out[j*n + k] = sum_i U[i*n + k] * block[j*n + i]. */
export function refRotate(U: Float64Array, n: number, block: Float64Array, b: number): Float64Array {
  const out = new Float64Array(n * b);
  for (let j = 0; j < b; j++) {
    for (let i = 0; i < n; i++) {
      const x = block[j * n + i]!;
      for (let k = 0; k < n; k++) out[j * n + k] += U[i * n + k]! * x;
    }
  }
  return out;
}

/** K[i*n + k] += sum_j block[j*n + i] * block[j*n + k]. */
export function refKinship(K: Float64Array, n: number, block: Float64Array, b: number): void {
  for (let j = 0; j < b; j++) {
    for (let i = 0; i < n; i++) {
      const x = block[j * n + i]!;
      for (let k = 0; k < n; k++) K[i * n + k] += x * block[j * n + k]!;
    }
  }
}

/** Centred kinship X^T X / m from m random SNPs with each SNP (row) centred: rank <= min(m, n - 1). */
export function centredKinship(n: number, m: number, seed: number): Float64Array {
  const X = randomArray(n * m, seed);
  for (let j = 0; j < m; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += X[j * n + i]!;
    mean /= n;
    for (let i = 0; i < n; i++) X[j * n + i]! -= mean;
  }
  const K = new Float64Array(n * n);
  refKinship(K, n, X, m);
  for (let i = 0; i < n * n; i++) K[i]! /= m;
  return K;
}

/** Random symmetric matrix with entries in [-1, 1). */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const R = randomArray(n * n, seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) A[i * n + k] = A[k * n + i] = R[i * n + k]!;
  return A;
}

/** Largest |a - b| over two arrays of equal length. */
export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Largest |x| in an array (1 for an all-zero array, so relative errors stay defined). */
export function maxAbs(a: Float64Array): number {
  let worst = 0;
  for (const x of a) worst = Math.max(worst, Math.abs(x));
  return worst || 1;
}
