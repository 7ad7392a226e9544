/**
 * Repairs an eigenbasis whose vectors are not orthonormal. ml-matrix's symmetric eigensolver returns
 * non-orthogonal vectors for a large null space with subnormal eigenvalues (seen on a double-centred
 * K = D D^T: 117 zero eigenvalues, |U'U - I| ~ 1). The likelihood needs U'U = I exactly, so the
 * vectors are re-orthonormalised, largest eigenvalue first, by two passes of modified Gram-Schmidt;
 * a vector that collapses is replaced by a canonical basis vector made orthogonal to the others.
 */

/** Largest |U'U - I| entry of a row-major n x n matrix whose columns are the vectors. */
export function orthonormalityError(vectors: Float64Array, n: number): number {
  // Transposed once so that every dot product reads contiguous memory.
  const columns = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) columns[k * n + i] = vectors[i * n + k];
  let worst = 0;
  for (let a = 0; a < n; a++) {
    const ca = a * n;
    for (let b = a; b < n; b++) {
      const cb = b * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += columns[ca + i] * columns[cb + i];
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

/**
 * Makes the columns of `vectors` (row-major n x n; columns ordered by ascending eigenvalue) orthonormal
 * in place, keeping each column's span with the larger-eigenvalue columns. Returns the number of
 * columns replaced. Correct eigenvectors of distinct eigenvalues are already orthogonal, so only
 * a degenerate (null) space is changed.
 */
export function orthonormaliseColumns(vectors: Float64Array, n: number): number {
  const columns: Float64Array[] = [];
  for (let k = 0; k < n; k++) columns.push(Float64Array.from({ length: n }, (_, i) => vectors[i * n + k]));
  const accepted: Float64Array[] = [];
  let replaced = 0;
  let canonical = 0;
  const project = (v: Float64Array) => {
    for (let pass = 0; pass < 2; pass++) {
      for (const q of accepted) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    return Math.sqrt(norm);
  };
  for (let k = n - 1; k >= 0; k--) {
    const v = columns[k];
    let norm = project(v);
    while (norm < 0.5 && canonical < n) {
      v.fill(0);
      v[canonical++] = 1;
      norm = project(v);
      if (norm >= 0.5) replaced++;
    }
    for (let i = 0; i < n; i++) v[i] /= norm;
    accepted.push(v);
  }
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) vectors[i * n + k] = columns[k][i];
  return replaced;
}
