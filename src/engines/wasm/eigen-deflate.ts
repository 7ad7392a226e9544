/**
 * The deflation step of the tiled eigensolver's top merge (eigen-tiled.ts), on eigenvector rows in a JS array: the
 * same decisions as the ordinary merge's (assembly/dc-merge.ts, mergePrepare), so the secular problem it leaves is
 * the one the ordinary solver would solve at its top level.
 */

const EPS = 2.220446049250313e-16;

/** What deflation leaves: the secular problem (k poles) and the deflated eigenpairs. */
export interface Deflated {
  /** Coupling 2|beta|. */
  rho: number;
  /** Rows of the basis entering the secular problem, in increasing pole order (k). */
  src: Int32Array;
  /** The poles (k, strictly increasing), their z entries (signed) and squares. */
  dlam: Float64Array;
  w: Float64Array;
  z2: Float64Array;
  /** Rows of the basis that are eigenvectors already, and their eigenvalues (n - k each). */
  dsrc: Int32Array;
  dval: Float64Array;
}

/**
 * Deflates the merge of two solved halves: `basis` (n x n row-major) holds their eigenvectors as rows (rows below
 * n1 nonzero in columns below n1 only, the others in columns from n1), `d` their eigenvalues, `beta` the coupling
 * the tear removed. Rows of `basis` are rotated in place where two poles (nearly) coincide.
 */
export function deflateTop(
  basis: Float64Array,
  d: Float64Array,
  n: number,
  n1: number,
  beta: number,
): Deflated {
  const half = Math.SQRT1_2,
    sgn = beta < 0 ? -half : half;
  const z = new Float64Array(n);
  for (let c = 0; c < n1; c++) z[c] = half * basis[c * n + n1 - 1]!;
  for (let c = n1; c < n; c++) z[c] = sgn * basis[c * n + n1]!;
  const rho = 2 * Math.abs(beta);
  const dloc = Float64Array.from(d);
  // Stable, as the kernel's merge sort is: equal poles keep their row order.
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => dloc[a]! - dloc[b]! || a - b);
  let zmax = 0,
    dmax = 0;
  for (let c = 0; c < n; c++) {
    zmax = Math.max(zmax, Math.abs(z[c]!));
    dmax = Math.max(dmax, Math.abs(dloc[c]!));
  }
  const tol = 8 * EPS * Math.max(dmax, zmax);
  const src: number[] = [],
    dsrc: number[] = [],
    dval: number[] = [];
  if (rho * zmax <= tol) {
    // A negligible coupling: the halves' eigenpairs already are the merged ones.
    for (let c = 0; c < n; c++) {
      dsrc.push(c);
      dval.push(dloc[c]!);
    }
  } else {
    let pj = -1;
    for (const j of idx) {
      if (rho * Math.abs(z[j]!) <= tol) {
        dsrc.push(j);
        dval.push(dloc[j]!);
        continue;
      }
      if (pj < 0) {
        pj = j;
        continue;
      }
      // Rotate (pj, j) so z_pj becomes 0; if the coupling it leaves behind, |t c s|, is negligible, pj deflates.
      const zp = z[pj]!,
        zj = z[j]!;
      const tau = Math.hypot(zj, zp);
      const c = zj / tau,
        s = -zp / tau;
      const t = dloc[j]! - dloc[pj]!;
      if (Math.abs(t * c * s) <= tol) {
        z[j] = tau;
        z[pj] = 0;
        rotateRows(basis, n, pj, j, c, s);
        const dp = dloc[pj]!,
          dj = dloc[j]!;
        dloc[pj] = dp * c * c + dj * s * s;
        dloc[j] = dp * s * s + dj * c * c;
        dsrc.push(pj);
        dval.push(dloc[pj]!);
      } else src.push(pj);
      pj = j;
    }
    if (pj >= 0) src.push(pj);
  }
  const k = src.length;
  const dlam = new Float64Array(k),
    w = new Float64Array(k),
    z2 = new Float64Array(k);
  for (let q = 0; q < k; q++) {
    dlam[q] = dloc[src[q]!]!;
    w[q] = z[src[q]!]!;
    z2[q] = w[q]! * w[q]!;
  }
  return {
    rho,
    src: Int32Array.from(src),
    dlam,
    w,
    z2,
    dsrc: Int32Array.from(dsrc),
    dval: Float64Array.from(dval),
  };
}

// (row x, row y) <- (c x + s y, c y - s x), as the kernel's rot().
function rotateRows(basis: Float64Array, n: number, x: number, y: number, c: number, s: number): void {
  const px = x * n,
    py = y * n;
  for (let i = 0; i < n; i++) {
    const xs = basis[px + i]!,
      ys = basis[py + i]!;
    basis[px + i] = c * xs + s * ys;
    basis[py + i] = c * ys - s * xs;
  }
}
