/**
 * Tiny dense solvers for c x c systems (c = number of covariates), row-major Float64Array.
 * LU with partial pivoting, as GSL's LUDecomp/LUSolve/LUInvert that GEMMA calls.
 */

/** Inverse of a c x c row-major matrix; throws if singular. */
export function invertSmall(matrix: Float64Array, c: number): Float64Array {
  const a = Float64Array.from(matrix);
  const inv = new Float64Array(c * c);
  for (let i = 0; i < c; i++) inv[i * c + i] = 1;
  for (let col = 0; col < c; col++) {
    let pivot = col;
    for (let r = col + 1; r < c; r++) if (Math.abs(a[r * c + col]) > Math.abs(a[pivot * c + col])) pivot = r;
    const pv = a[pivot * c + col];
    if (pv === 0 || !Number.isFinite(pv)) throw new Error('singular matrix');
    if (pivot !== col) {
      for (let k = 0; k < c; k++) {
        let t = a[col * c + k];
        a[col * c + k] = a[pivot * c + k];
        a[pivot * c + k] = t;
        t = inv[col * c + k];
        inv[col * c + k] = inv[pivot * c + k];
        inv[pivot * c + k] = t;
      }
    }
    for (let k = 0; k < c; k++) {
      a[col * c + k] /= pv;
      inv[col * c + k] /= pv;
    }
    for (let r = 0; r < c; r++) {
      if (r === col) continue;
      const f = a[r * c + col];
      if (f === 0) continue;
      for (let k = 0; k < c; k++) {
        a[r * c + k] -= f * a[col * c + k];
        inv[r * c + k] -= f * inv[col * c + k];
      }
    }
  }
  return inv;
}

/** y = M v for a c x c row-major M. */
export function multiplySmall(matrix: Float64Array, vector: Float64Array, c: number): Float64Array {
  const out = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += matrix[i * c + k] * vector[k];
    out[i] = s;
  }
  return out;
}
