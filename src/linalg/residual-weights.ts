/**
 * GEMMA's residual weights (-widv, gemma.cpp v0.98.5): the centred K is scaled to
 * K[i][j] / sqrt(w_i w_j) before its eigendecomposition, and each row i of the eigenvectors is then
 * multiplied by sqrt(w_i); an individual whose weight is not positive gets a zero row and column.
 * Everything rotated afterwards (covariates, phenotype, genotypes) goes through these scaled vectors.
 */

/** sqrt(w) where w > 0, else 0: the factor of each individual's row. */
function rootWeights(weights: Float64Array): Float64Array {
  return Float64Array.from(weights, (w) => (w > 0 ? Math.sqrt(w) : 0));
}

/** Scales a row-major n x n K in place to K[i][j] / sqrt(w_i w_j) (0 where either weight is not positive). */
export function weightKinship(kinship: Float64Array, weights: Float64Array): void {
  const n = weights.length;
  const root = rootWeights(weights);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = root[i] * root[j];
      kinship[i * n + j] = d > 0 ? kinship[i * n + j] / d : 0;
    }
  }
}

/** Multiplies each row i of the row-major n x n eigenvectors by sqrt(w_i) (0 where w_i is not positive), in place. */
export function weightEigenvectors(vectors: Float64Array, weights: Float64Array): void {
  const n = weights.length;
  const root = rootWeights(weights);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) vectors[i * n + k] *= root[i];
}
