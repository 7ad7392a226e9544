/**
 * The table of element-wise products of rotated vectors that every likelihood evaluation sums over
 * (GEMMA's CalcUab). Rotated covariates are column-major: rotatedCovariates[k * n + i].
 * The table is column-major n x (c+2)(c+3)/2: products[col * n + i].
 */
import { abCount, abIndex } from './ab-index.js';

/** A zeroed product table with the covariate and phenotype columns filled (SNP columns left zero). */
export function covariateProducts(
  rotatedCovariates: Float64Array,
  rotatedPhenotype: Float64Array,
  nCvt: number,
): Float64Array {
  const n = rotatedPhenotype.length;
  const table = new Float64Array(n * abCount(nCvt));
  const column = (a: number): Float64Array =>
    a === nCvt + 2 ? rotatedPhenotype : rotatedCovariates.subarray((a - 1) * n, a * n);
  for (let a = 1; a <= nCvt + 2; a++) {
    if (a === nCvt + 1) continue;
    const va = column(a);
    for (let b = a; b >= 1; b--) {
      if (b === nCvt + 1) continue;
      const vb = column(b);
      const off = abIndex(a, b, nCvt) * n;
      for (let i = 0; i < n; i++) table[off + i] = va[i] * vb[i];
    }
  }
  return table;
}

/** Overwrites the SNP columns (x*w_k, x*x, x*y) of a product table for one rotated SNP. */
export function setSnpProducts(
  table: Float64Array,
  rotatedCovariates: Float64Array,
  rotatedPhenotype: Float64Array,
  rotatedSnp: Float64Array,
  nCvt: number,
): void {
  const n = rotatedPhenotype.length;
  for (let b = 1; b <= nCvt + 2; b++) {
    const off = abIndex(nCvt + 1, b, nCvt) * n;
    if (b === nCvt + 2) for (let i = 0; i < n; i++) table[off + i] = rotatedSnp[i] * rotatedPhenotype[i];
    else if (b === nCvt + 1) for (let i = 0; i < n; i++) table[off + i] = rotatedSnp[i] * rotatedSnp[i];
    else {
      const cb = (b - 1) * n;
      for (let i = 0; i < n; i++) table[off + i] = rotatedSnp[i] * rotatedCovariates[cb + i];
    }
  }
}
