/**
 * The multivariate LMM after rotation by K's eigenvectors (Zhou & Stephens 2014): column k of the
 * rotated traits Y (d x n) is N(B x_k, delta_k Vg + Ve) independently over k, with x_k the rotated
 * covariates (c x n) and delta_k K's eigenvalues. Shared pieces of GEMMA's EM and Newton-Raphson:
 * the joint diagonalisation of (Vg, Ve) and the GLS solve for B.
 */
import { invertWithLogDet, symmetricEigen } from './dense.js';
import { Scratch } from './scratch.js';

const diagValues = new Scratch();
const diagVectors = new Scratch();
const diagVeh = new Scratch();
const diagVehi = new Scratch();
const diagLambda = new Scratch();
const qWork = new Scratch();
const qWeights = new Scratch();
const xxtWork = new Scratch();
const xxtInverse = new Scratch();

/** Rotated data of one fit; arrays row-major, a row per covariate or trait. */
export interface MvData {
  n: number;
  /** Traits. */
  d: number;
  /** Rows of X (covariates, and the SNP last when one is tested). */
  c: number;
  /** Eigenvalues of K, length n. */
  eigenvalues: Float64Array;
  /** U^T W (and U^T x), c x n. */
  X: Float64Array;
  /** U^T Y, d x n. */
  Y: Float64Array;
}

/**
 * (Vg, Ve) in the basis that diagonalises both: Ve^{-1/2} Vg Ve^{-1/2} = Ul diag(dl) Ul^T, so that
 * H_k^{-1} = UltVehi^T diag(1 / (delta_k dl + 1)) UltVehi (GEMMA's EigenProc).
 */
export interface JointBasis {
  dl: Float64Array;
  /** Ul^T Ve^{1/2}, d x d. */
  ultVeh: Float64Array;
  /** Ul^T Ve^{-1/2}, d x d. */
  ultVehi: Float64Array;
  logDetVe: number;
}

/** An empty JointBasis for d traits. */
export function jointBasis(d: number): JointBasis {
  return {
    dl: new Float64Array(d),
    ultVeh: new Float64Array(d * d),
    ultVehi: new Float64Array(d * d),
    logDetVe: 0,
  };
}

/** Fills `out` for (Vg, Ve) (d x d); non-positive eigenvalues of Ve are skipped and negative dl set to 0, as GEMMA. */
export function jointDiagonalise(vg: Float64Array, ve: Float64Array, d: number, out: JointBasis): void {
  const values = diagValues.get(d);
  const vectors = diagVectors.get(d * d);
  symmetricEigen(ve, d, values, vectors);
  const veh = diagVeh.zeros(d * d);
  const vehi = diagVehi.zeros(d * d);
  let logDet = 0;
  for (let l = 0; l < d; l++) {
    const ev = values[l];
    if (ev <= 0) continue;
    logDet += Math.log(ev);
    const s = Math.sqrt(ev);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const uu = vectors[i * d + l] * vectors[j * d + l];
        veh[i * d + j] += s * uu;
        vehi[i * d + j] += uu / s;
      }
    }
  }
  // Lambda = Ve^{-1/2} Vg Ve^{-1/2}
  const lambda = diagLambda.get(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++) s += vehi[i * d + a] * vg[a * d + b] * vehi[b * d + j];
      lambda[i * d + j] = s;
    }
  }
  symmetricEigen(lambda, d, out.dl, vectors);
  for (let l = 0; l < d; l++) if (out.dl[l] < 0) out.dl[l] = 0;
  for (let l = 0; l < d; l++) {
    for (let j = 0; j < d; j++) {
      let sh = 0;
      let shi = 0;
      for (let a = 0; a < d; a++) {
        sh += vectors[a * d + l] * veh[a * d + j];
        shi += vectors[a * d + l] * vehi[a * d + j];
      }
      out.ultVeh[l * d + j] = sh;
      out.ultVehi[l * d + j] = shi;
    }
  }
  out.logDetVe = logDet;
}

/**
 * Qi = (sum_k x_k x_k^T (x) (delta_k diag(dl) + I)^{-1})^{-1} in the joint basis (dc x dc, index
 * j * d + l for covariate j, trait l); returns log |Q| (GEMMA's CalcQi).
 */
export function inverseQ(data: MvData, dl: Float64Array, qi: Float64Array): number {
  const { n, d, c, eigenvalues, X } = data;
  const dc = d * c;
  const q = qWork.zeros(dc * dc);
  const w = qWeights.get(n); // one division per individual and trait, not one per sum
  for (let l = 0; l < d; l++) {
    for (let k = 0; k < n; k++) w[k] = 1 / (dl[l] * eigenvalues[k] + 1);
    for (let i = 0; i < c; i++) {
      for (let j = i; j < c; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += X[i * n + k] * X[j * n + k] * w[k];
        q[(i * d + l) * dc + j * d + l] = s;
        q[(j * d + l) * dc + i * d + l] = s;
      }
    }
  }
  return invertWithLogDet(q, dc, qi);
}

/** out (d x n) = M (d x d) Y (d x n). */
export function leftMultiply(
  m: Float64Array,
  y: Float64Array,
  d: number,
  n: number,
  out: Float64Array,
): void {
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += m[i * d + a] * y[a * n + k];
      out[i * n + k] = s;
    }
  }
}

/** log |X X^T| of the c x n covariates (for the REML constant). */
export function logDetXXt(data: MvData): number {
  const { n, c, X } = data;
  const xxt = xxtWork.get(c * c);
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += X[i * n + k] * X[j * n + k];
      xxt[i * c + j] = s;
    }
  }
  return invertWithLogDet(xxt, c, xxtInverse.get(c * c));
}

/**
 * GEMMA's constant of the log-likelihood ('L') or restricted log-likelihood ('R'); `logDetXxt` is
 * log |X X^T| when the caller has it already (the EM inverts X X^T anyway).
 */
export function logLikConstant(kind: 'R' | 'L', data: MvData, logDetXxt?: number): number {
  const { n, d, c } = data;
  const log2pi = Math.log(2 * Math.PI);
  if (kind !== 'R') return -0.5 * n * d * log2pi;
  return -0.5 * (n - c) * d * log2pi + 0.5 * d * (logDetXxt ?? logDetXXt(data));
}
