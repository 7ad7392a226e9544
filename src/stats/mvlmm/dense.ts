/**
 * Dense helpers of the multivariate LMM, row-major Float64Array: Jacobi eigendecomposition of a small
 * symmetric matrix (d x d, d = traits), and LU with partial pivoting (as GSL's LUDecomp / LUInvert /
 * LULndet that GEMMA calls) for the dc x dc and 2v x 2v systems. Work arrays are module scratch, one set
 * per thread (no allocation per call); none of these functions calls itself, so they never share one.
 */
import { IntScratch, Scratch } from './scratch.js';

const eigenWork = new Scratch();
const eigenCopy = new Scratch();
const eigenOrder = new IntScratch();
const solveWork = new Scratch();
const invertUnit = new Scratch();
const invertColumn = new Scratch();
const factorWork = new Scratch();
const factorPerm = new IntScratch();

/**
 * Eigenvalues (ascending) and eigenvectors (column j of `vectors`, row-major m x m) of a symmetric
 * m x m matrix `a` (not modified). Cyclic Jacobi: accurate to rounding for the tiny matrices here.
 */
export function symmetricEigen(
  a: Float64Array,
  m: number,
  values: Float64Array,
  vectors: Float64Array,
): void {
  const w = eigenWork.get(m * m);
  for (let i = 0; i < m * m; i++) w[i] = a[i];
  vectors.fill(0, 0, m * m);
  for (let i = 0; i < m; i++) vectors[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < m; i++) {
      scale += w[i * m + i] * w[i * m + i];
      for (let j = i + 1; j < m; j++) off += w[i * m + j] * w[i * m + j];
    }
    if (off <= 1e-32 * scale || off === 0) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = w[p * m + q];
        if (apq === 0) continue;
        const theta = (w[q * m + q] - w[p * m + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = w[k * m + p];
          const akq = w[k * m + q];
          w[k * m + p] = c * akp - s * akq;
          w[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = w[p * m + k];
          const aqk = w[q * m + k];
          w[p * m + k] = c * apk - s * aqk;
          w[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = vectors[k * m + p];
          const vkq = vectors[k * m + q];
          vectors[k * m + p] = c * vkp - s * vkq;
          vectors[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  // Ascending order, as LAPACK's dsyev (GEMMA's EigenDecomp).
  // A stable insertion sort of the indices (the order Array.prototype.sort gave, without its arrays).
  const order = eigenOrder.get(m);
  for (let i = 0; i < m; i++) {
    const key = w[i * m + i];
    let j = i;
    while (j > 0 && w[order[j - 1] * m + order[j - 1]] > key) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  const v = eigenCopy.get(m * m);
  for (let i = 0; i < m * m; i++) v[i] = vectors[i];
  for (let j = 0; j < m; j++) {
    values[j] = w[order[j] * m + order[j]];
    for (let i = 0; i < m; i++) vectors[i * m + j] = v[i * m + order[j]];
  }
}

/** In-place LU factorisation with partial pivoting of an m x m matrix; `perm` receives the row order. */
export function luFactor(a: Float64Array, m: number, perm: Int32Array): void {
  for (let i = 0; i < m; i++) perm[i] = i;
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r * m + col]) > Math.abs(a[pivot * m + col])) pivot = r;
    if (pivot !== col) {
      for (let k = 0; k < m; k++) {
        const t = a[col * m + k];
        a[col * m + k] = a[pivot * m + k];
        a[pivot * m + k] = t;
      }
      const t = perm[col];
      perm[col] = perm[pivot];
      perm[pivot] = t;
    }
    const pv = a[col * m + col];
    for (let r = col + 1; r < m; r++) {
      const f = (a[r * m + col] /= pv);
      if (f === 0) continue;
      for (let k = col + 1; k < m; k++) a[r * m + k] -= f * a[col * m + k];
    }
  }
}

/** log |det| of a factorised matrix (GSL's LU_lndet). */
export function luLogDet(lu: Float64Array, m: number): number {
  let s = 0;
  for (let i = 0; i < m; i++) s += Math.log(Math.abs(lu[i * m + i]));
  return s;
}

/** Solves A x = b from A's factors; b and x may be the same array. */
export function luSolve(
  lu: Float64Array,
  m: number,
  perm: Int32Array,
  b: Float64Array,
  x: Float64Array,
): void {
  const y = solveWork.get(m);
  for (let i = 0; i < m; i++) {
    let s = b[perm[i]];
    for (let k = 0; k < i; k++) s -= lu[i * m + k] * y[k];
    y[i] = s;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < m; k++) s -= lu[i * m + k] * x[k];
    x[i] = s / lu[i * m + i];
  }
}

/** The inverse of A from its factors, into `out` (m x m). */
export function luInvert(lu: Float64Array, m: number, perm: Int32Array, out: Float64Array): void {
  const e = invertUnit.get(m);
  const col = invertColumn.get(m);
  for (let j = 0; j < m; j++) {
    e.fill(0, 0, m);
    e[j] = 1;
    luSolve(lu, m, perm, e, col);
    for (let i = 0; i < m; i++) out[i * m + j] = col[i];
  }
}

/** Inverts an m x m matrix (copied) into `out` and returns log |det A|. */
export function invertWithLogDet(a: Float64Array, m: number, out: Float64Array): number {
  const lu = factorWork.get(m * m);
  for (let i = 0; i < m * m; i++) lu[i] = a[i];
  const perm = factorPerm.get(m);
  luFactor(lu, m, perm);
  luInvert(lu, m, perm, out);
  return luLogDet(lu, m);
}
