/**
 * GEMMA's packing of the symmetric table of products of the rotated vectors (covariates w_1..w_c,
 * the SNP x = c+1, the phenotype y = c+2; 1-based): column index of the pair (a, b) among the
 * (c+2)(c+3)/2 upper-triangle columns, as in GEMMA's GetabIndex.
 */
export function abIndex(a: number, b: number, nCvt: number): number {
  const cols = nCvt + 2;
  const lo = a <= b ? a : b;
  const hi = a <= b ? b : a;
  return ((2 * cols - lo + 2) * (lo - 1)) / 2 + hi - lo;
}

/** Number of product columns for c covariates: (c+2)(c+3)/2. */
export function abCount(nCvt: number): number {
  return ((nCvt + 3) * (nCvt + 2)) / 2;
}
