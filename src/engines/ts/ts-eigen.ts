/** The TS engine's eigendecomposition (ml-matrix), in its own module so that ml-matrix loads only when used. */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { orthonormaliseColumns, orthonormalityError } from '../../linalg/orthonormalise.js';
import type { Eigen } from '../engine.js';

/** Symmetric eigendecomposition with ml-matrix (tridiagonal QL), ascending eigenvalues. */
export function eigenTs(matrix: Float64Array, n: number): Eigen {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) m.set(i, k, matrix[i * n + k]);
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const raw = e.realEigenvalues;
  const order = raw.map((_, k) => k).sort((a, c) => raw[a] - raw[c]);
  const vectors = new Float64Array(n * n);
  const v = e.eigenvectorMatrix;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) vectors[i * n + k] = v.get(i, order[k]);
  // ml-matrix can return a non-orthonormal basis for a large null space (subnormal eigenvalues of a
  // rank-deficient K); the rotation needs U'U = I, so such a basis is repaired.
  if (orthonormalityError(vectors, n) > 1e-9) orthonormaliseColumns(vectors, n);
  return { values: Float64Array.from(order, (k) => raw[k]), vectors };
}
