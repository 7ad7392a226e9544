/**
 * GEMMA's EM for (Vg, Ve) of the multivariate LMM (MphEM, Zhou & Stephens 2014 supplement): in the
 * joint basis of (Vg, Ve) the conditional means of the random effects U and residuals E are
 * elementwise, and Vg, Ve are updated from their second moments. It stops when the (restricted)
 * log-likelihood changes by less than `tolerance`, a loose rule that the per-SNP fits (tolerance
 * 1e-3) inherit; GEMMA's numbers are reproduced step for step, including the ML variant's
 * reuse of the previous iteration's fixed effects.
 */
import { invertWithLogDet } from './dense.js';
import {
  crossXHiY,
  inverseQ,
  jointBasis,
  jointDiagonalise,
  leftMultiply,
  logLikConstant,
  partialLogLik,
  type JointBasis,
  type MvData,
} from './model.js';

/** Variance components and fixed effects that an EM or NR fit starts from and updates in place. */
export interface MvParameters {
  /** d x d. */
  vg: Float64Array;
  /** d x d. */
  ve: Float64Array;
  /** d x c fixed effects (read by 'L' at the first iteration, written by both). */
  B: Float64Array;
}

/** Work arrays reused across calls (a scan calls the EM twice per SNP): by name, grown as needed. */
const scratch = new Map<string, Float64Array>();
function work(name: string, length: number): Float64Array {
  let a = scratch.get(name);
  if (!a || a.length < length) {
    a = new Float64Array(length);
    scratch.set(name, a);
  }
  return a; // callers index within `length` (no view object: this runs every iteration)
}

const bases = new Map<number, JointBasis>();
function basisOf(d: number): JointBasis {
  let basis = bases.get(d);
  if (!basis) {
    basis = jointBasis(d);
    bases.set(d, basis);
  }
  return basis;
}

/** Runs GEMMA's EM for at most maxIter iterations; returns the last log-likelihood evaluated. */
export function mvEm(
  kind: 'R' | 'L',
  maxIter: number,
  tolerance: number,
  data: MvData,
  p: MvParameters,
): number {
  const { n, d, c, eigenvalues: ev, X, Y } = data;
  const dc = d * c;
  const basis = basisOf(d);
  const qi = work('qi', dc * dc);
  const xHiy = work('xHiy', dc);
  const yT = work('yT', d * n); // UltVehi Y
  const bxT = work('bxT', d * n).fill(0); // UltVehi B X
  const uT = work('uT', d * n); // UltVehi U
  const eT = work('eT', d * n); // UltVehi E
  const uHat = work('uHat', d * n);
  const eHat = work('eHat', d * n);
  const bT = work('bT', d * c); // UltVehi B
  const xxti = work('xxti', c * c);
  const xxt = work('xxt', c * c);
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += X[i * n + k] * X[j * n + k];
      xxt[i * c + j] = s;
    }
  }
  const constant = logLikConstant(kind, data, invertWithLogDet(xxt, c, xxti));
  const sigmaUU = work('sigmaUU', d * d);
  const sigmaEE = work('sigmaEE', d * d);
  let loglOld = 0;
  let loglNew = 0;
  for (let t = 0; t < maxIter; t++) {
    jointDiagonalise(p.vg, p.ve, d, basis);
    const { dl, ultVeh, ultVehi, logDetVe } = basis;
    const logDetQ = inverseQ(data, dl, qi);
    leftMultiply(ultVehi, Y, d, n, yT);
    crossXHiY(data, dl, yT, xHiy);
    loglNew = constant + partialLogLik(data, dl, yT, xHiy, qi) - 0.5 * n * logDetVe;
    if (kind === 'R') loglNew += -0.5 * (logDetQ - c * logDetVe);
    if (t !== 0 && Math.abs(loglNew - loglOld) < tolerance) break;
    loglOld = loglNew;

    if (kind === 'R') {
      // UltVehi B = Qi xHiy, the GLS estimate at the current (Vg, Ve).
      for (let a = 0; a < dc; a++) {
        let s = 0;
        for (let b = 0; b < dc; b++) s += qi[a * dc + b] * xHiy[b];
        bT[(a % d) * c + Math.floor(a / d)] = s;
      }
      multiplyDC(bT, X, d, c, n, bxT);
    } else if (t === 0) {
      leftMultiply(ultVehi, p.B, d, c, bT);
      multiplyDC(bT, X, d, c, n, bxT);
    }
    // Conditional mean of U: (Y - BX) scaled by delta dl / (delta dl + 1).
    for (let l = 0; l < d; l++) {
      for (let k = 0; k < n; k++) {
        const omegaE = (ev[k] * dl[l]) / (ev[k] * dl[l] + 1);
        uT[l * n + k] = (yT[l * n + k] - bxT[l * n + k]) * omegaE;
      }
    }
    if (kind === 'L') {
      // ML: B from the least squares of Y - U on X (this is where the next iteration's BX comes from).
      for (let i = 0; i < d * n; i++) bxT[i] = yT[i] - uT[i];
      for (let l = 0; l < d; l++) {
        for (let j = 0; j < c; j++) {
          let s = 0;
          for (let a = 0; a < c; a++) {
            let yx = 0;
            for (let k = 0; k < n; k++) yx += bxT[l * n + k] * X[a * n + k];
            s += yx * xxti[a * c + j];
          }
          bT[l * c + j] = s;
        }
      }
      multiplyDC(bT, X, d, c, n, bxT);
    }
    for (let i = 0; i < d * n; i++) eT[i] = yT[i] - bxT[i] - uT[i];
    // Back to the original basis: U = UltVeh^T uT, E = UltVeh^T eT, B = UltVeh^T bT.
    transposeMultiply(ultVeh, uT, d, n, uHat);
    transposeMultiply(ultVeh, eT, d, n, eHat);
    transposeMultiply(ultVeh, bT, d, c, p.B);
    conditionalCovariances(kind, data, dl, ultVeh, qi, sigmaUU, sigmaEE);
    // Vg = (sum_k u_k u_k^T / delta_k + Sigma_uu) / n, Ve = (E E^T + Sigma_ee) / n.
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        let g = 0;
        let e = 0;
        for (let k = 0; k < n; k++) {
          if (ev[k] !== 0) g += (uHat[i * n + k] * uHat[j * n + k]) / ev[k];
          e += eHat[i * n + k] * eHat[j * n + k];
        }
        p.vg[i * d + j] = p.vg[j * d + i] = (g + sigmaUU[i * d + j]) / n;
        p.ve[i * d + j] = p.ve[j * d + i] = (e + sigmaEE[i * d + j]) / n;
      }
    }
  }
  return loglNew;
}

/** out (d x n) = B (d x c) X (c x n). */
function multiplyDC(
  b: Float64Array,
  x: Float64Array,
  d: number,
  c: number,
  n: number,
  out: Float64Array,
): void {
  for (let l = 0; l < d; l++) {
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += b[l * c + j] * x[j * n + k];
      out[l * n + k] = s;
    }
  }
}

/** out (d x m) = M^T (d x d) A (d x m). */
function transposeMultiply(
  m: Float64Array,
  a: Float64Array,
  d: number,
  cols: number,
  out: Float64Array,
): void {
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < cols; k++) {
      let s = 0;
      for (let l = 0; l < d; l++) s += m[l * d + i] * a[l * cols + k];
      out[i * cols + k] = s;
    }
  }
}

/**
 * Sum over k of the conditional covariances of u_k and e_k, in the original basis (GEMMA's CalcSigma):
 * diagonal Omega terms, plus for REML the uncertainty of B through Qi.
 */
function conditionalCovariances(
  kind: 'R' | 'L',
  data: MvData,
  dl: Float64Array,
  ultVeh: Float64Array,
  qi: Float64Array,
  sigmaUU: Float64Array,
  sigmaEE: Float64Array,
): void {
  const { n, d, c, eigenvalues: ev, X } = data;
  const dc = d * c;
  const suu = work('suu', d * d).fill(0);
  const see = work('see', d * d).fill(0);
  for (let k = 0; k < n; k++) {
    for (let l = 0; l < d; l++) {
      const omegaU = dl[l] / (ev[k] * dl[l] + 1);
      suu[l * d + l] += omegaU;
      see[l * d + l] += ev[k] * omegaU;
    }
  }
  if (kind === 'R') {
    // M_e[j d + l, l] = x_jk / (delta dl_l + 1), M_u = M_e dl_l; add delta M_u^T Qi M_u and M_e^T Qi M_e.
    const me = work('me', dc);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < c; j++)
        for (let l = 0; l < d; l++) me[j * d + l] = X[j * n + k] / (ev[k] * dl[l] + 1);
      for (let l1 = 0; l1 < d; l1++) {
        for (let l2 = 0; l2 < d; l2++) {
          let s = 0;
          for (let j1 = 0; j1 < c; j1++) {
            for (let j2 = 0; j2 < c; j2++)
              s += me[j1 * d + l1] * qi[(j1 * d + l1) * dc + j2 * d + l2] * me[j2 * d + l2];
          }
          suu[l1 * d + l2] += ev[k] * dl[l1] * dl[l2] * s;
          see[l1 * d + l2] += s;
        }
      }
    }
  }
  // Sigma = UltVeh^T S UltVeh.
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let u = 0;
      let e = 0;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          u += ultVeh[a * d + i] * suu[a * d + b] * ultVeh[b * d + j];
          e += ultVeh[a * d + i] * see[a * d + b] * ultVeh[b * d + j];
        }
      }
      sigmaUU[i * d + j] = u;
      sigmaEE[i * d + j] = e;
    }
  }
}
