/**
 * GEMMA's EM for (Vg, Ve) of the multivariate LMM (MphEM, Zhou & Stephens 2014 supplement): in the
 * joint basis of (Vg, Ve) the conditional means of the random effects U and residuals E are
 * elementwise, and Vg, Ve are updated from their second moments. It stops when the (restricted)
 * log-likelihood changes by less than `tolerance`, a loose rule that the per-SNP fits (tolerance
 * 1e-3) inherit; GEMMA's numbers are reproduced step for step, including the ML variant's
 * reuse of the previous iteration's fixed effects.
 *
 * Every sum over individuals k weighs by w_lk = 1 / (delta_k dl_l + 1), which changes with (Vg, Ve)
 * each iteration, so an iteration is O(n) work however it is arranged; it is arranged so that the
 * n d divisions are done once (not once per sum), the logarithms of log |H| once per
 * run of products, the covariate cross products x_ik x_jk once per fit, and the second moments summed in
 * the joint basis (one d x d transform per iteration instead of two d x n ones).
 */
import { invertWithLogDet } from './dense.js';
import {
  jointBasis,
  jointDiagonalise,
  leftMultiply,
  logLikConstant,
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

/**
 * log |H| = sum of log h over individuals and traits is taken as the log of running products of h
 * (h >= 1 here, as delta_k and dl_l are not negative), one logarithm whenever the product passes
 * this bound: far below the largest double times any single h that a fit meets.
 */
const LOG_FLUSH = 1e150;

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
  const pairs = (c * (c + 1)) / 2;
  const basis = basisOf(d);
  const qi = work('qi', dc * dc);
  const q = work('q', dc * dc);
  const xHiy = work('xHiy', dc);
  const w = work('w', d * n); // 1 / (delta_k dl_l + 1)
  const yT = work('yT', d * n); // UltVehi Y
  const yw = work('yw', d * n); // w UltVehi Y
  const bxT = work('bxT', d * n).fill(0, 0, d * n); // UltVehi B X
  const uT = work('uT', d * n); // UltVehi U
  const eT = work('eT', d * n); // UltVehi E
  const bT = work('bT', d * c); // UltVehi B
  const xxti = work('xxti', c * c);
  const xxt = work('xxt', c * c);
  const xx = work('xx', pairs * n); // x_ik x_jk for i <= j, pair-major
  const inverseEv = work('inverseEv', n);
  for (let k = 0; k < n; k++) inverseEv[k] = ev[k] !== 0 ? 1 / ev[k] : 0;
  for (let i = 0, t = 0; i < c; i++) {
    for (let j = i; j < c; j++, t++) {
      for (let k = 0; k < n; k++) xx[t * n + k] = X[i * n + k] * X[j * n + k];
    }
  }
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += X[i * n + k] * X[j * n + k];
      xxt[i * c + j] = s;
    }
  }
  const constant = logLikConstant(kind, data, invertWithLogDet(xxt, c, xxti));
  const moments = work('moments', 2 * d * d);
  let loglOld = 0;
  let loglNew = 0;
  for (let t = 0; t < maxIter; t++) {
    jointDiagonalise(p.vg, p.ve, d, basis);
    const { dl, ultVeh, ultVehi, logDetVe } = basis;
    const logDetH = weights(ev, dl, n, d, w);
    const logDetQ = inverseQ(xx, w, n, d, c, q, qi);
    leftMultiply(ultVehi, Y, d, n, yT);
    let yHy = 0;
    for (let i = 0; i < d * n; i++) {
      yw[i] = yT[i] * w[i];
      yHy += yT[i] * yw[i];
    }
    for (let l = 0; l < d; l++) {
      for (let j = 0; j < c; j++) xHiy[j * d + l] = dot(X, j * n, yw, l * n, n);
    }
    let quad = 0;
    for (let a = 0; a < dc; a++) {
      let s = 0;
      for (let b = 0; b < dc; b++) s += qi[a * dc + b] * xHiy[b];
      quad += xHiy[a] * s;
    }
    loglNew = constant - 0.5 * (yHy + logDetH - quad) - 0.5 * n * logDetVe;
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
    // Conditional mean of U: (Y - BX) scaled by delta dl / (delta dl + 1) = delta dl w.
    for (let l = 0; l < d; l++) {
      const dll = dl[l];
      for (let k = l * n, e = k + n, i = 0; k < e; k++, i++) {
        uT[k] = (yT[k] - bxT[k]) * (ev[i] * dll * w[k]);
      }
    }
    if (kind === 'L') {
      // ML: B from the least squares of Y - U on X (this is where the next iteration's BX comes from).
      const yx = work('yx', c);
      for (let i = 0; i < d * n; i++) bxT[i] = yT[i] - uT[i];
      for (let l = 0; l < d; l++) {
        for (let a = 0; a < c; a++) yx[a] = dot(bxT, l * n, X, a * n, n);
        for (let j = 0; j < c; j++) {
          let s = 0;
          for (let a = 0; a < c; a++) s += yx[a] * xxti[a * c + j];
          bT[l * c + j] = s;
        }
      }
      multiplyDC(bT, X, d, c, n, bxT);
    }
    // Second moments in the joint basis: sum_k u u^T / delta_k and sum_k e e^T with e = y - bx - u,
    // plus the conditional covariances; Vg = UltVeh^T (that) UltVeh / n, likewise Ve.
    for (let i = 0; i < d * n; i++) eT[i] = yT[i] - bxT[i] - uT[i];
    moments.fill(0, 0, 2 * d * d);
    for (let l1 = 0; l1 < d; l1++) {
      for (let l2 = l1; l2 < d; l2++) {
        let g = 0;
        let e = 0;
        const o1 = l1 * n;
        const o2 = l2 * n;
        for (let k = 0; k < n; k++) {
          g += uT[o1 + k] * uT[o2 + k] * inverseEv[k];
          e += eT[o1 + k] * eT[o2 + k];
        }
        moments[l1 * d + l2] = moments[l2 * d + l1] = g;
        moments[d * d + l1 * d + l2] = moments[d * d + l2 * d + l1] = e;
      }
    }
    conditionalCovariances(kind, ev, xx, w, n, d, c, dl, qi, moments);
    transposeMultiply(ultVeh, bT, d, c, p.B);
    sandwich(ultVeh, moments, 0, d, n, p.vg);
    sandwich(ultVeh, moments, d * d, d, n, p.ve);
  }
  return loglNew;
}

/** w[l n + k] = 1 / (delta_k dl_l + 1); returns sum_lk log(delta_k dl_l + 1). */
function weights(ev: Float64Array, dl: Float64Array, n: number, d: number, w: Float64Array): number {
  let logSum = 0;
  for (let l = 0; l < d; l++) {
    const dll = dl[l];
    let product = 1;
    for (let k = 0; k < n; k++) {
      const h = ev[k] * dll + 1;
      w[l * n + k] = 1 / h;
      product *= h;
      if (product > LOG_FLUSH) {
        logSum += Math.log(product);
        product = 1;
      }
    }
    logSum += Math.log(product);
  }
  return logSum;
}

/**
 * Qi = (sum_k x_k x_k^T (x) diag(w_k))^{-1} (dc x dc, index j * d + l for covariate j, trait l) from
 * the pair-major products xx; returns log |Q| (GEMMA's CalcQi).
 */
function inverseQ(
  xx: Float64Array,
  w: Float64Array,
  n: number,
  d: number,
  c: number,
  q: Float64Array,
  qi: Float64Array,
): number {
  const dc = d * c;
  q.fill(0, 0, dc * dc);
  for (let i = 0, t = 0; i < c; i++) {
    for (let j = i; j < c; j++, t++) {
      for (let l = 0; l < d; l++) {
        const s = dot(xx, t * n, w, l * n, n);
        q[(i * d + l) * dc + j * d + l] = s;
        q[(j * d + l) * dc + i * d + l] = s;
      }
    }
  }
  return invertWithLogDet(q, dc, qi);
}

/** sum_k a[ao + k] b[bo + k]. */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[ao + k] * b[bo + k];
  return s;
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
export function transposeMultiply(
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

/** out (d x d) = M^T S M / n, S the d x d at s[from]. */
export function sandwich(
  m: Float64Array,
  s: Float64Array,
  from: number,
  d: number,
  n: number,
  out: Float64Array,
): void {
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let v = 0;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) v += m[a * d + i] * s[from + a * d + b] * m[b * d + j];
      }
      out[i * d + j] = out[j * d + i] = v / n;
    }
  }
}

/**
 * Adds the sum over k of the conditional covariances of u_k and e_k, in the joint basis (GEMMA's
 * CalcSigma), to moments (Sigma_uu at 0, Sigma_ee at d * d): diagonal Omega terms, plus for REML the
 * uncertainty of B through Qi, w_l1 w_l2 x_k^T Qi[l1, l2] x_k (times delta_k dl_l1 dl_l2 for U).
 */
function conditionalCovariances(
  kind: 'R' | 'L',
  ev: Float64Array,
  xx: Float64Array,
  w: Float64Array,
  n: number,
  d: number,
  c: number,
  dl: Float64Array,
  qi: Float64Array,
  moments: Float64Array,
): void {
  const dc = d * c;
  const dd = d * d;
  for (let l = 0; l < d; l++) {
    let su = 0;
    let se = 0;
    for (let k = 0; k < n; k++) {
      su += w[l * n + k];
      se += ev[k] * w[l * n + k];
    }
    moments[l * d + l] += dl[l] * su;
    moments[dd + l * d + l] += dl[l] * se;
  }
  if (kind !== 'R') return;
  // x^T Qi[l1, l2] x = sum over pairs i <= j of a[i, j] x_i x_j, with a the symmetrised block.
  const pairs = (c * (c + 1)) / 2;
  const traitPairs = (d * (d + 1)) / 2;
  const a = work('sigmaA', traitPairs * pairs);
  const sums = work('sigmaSums', 2 * traitPairs);
  for (let l1 = 0, tp = 0; l1 < d; l1++) {
    for (let l2 = l1; l2 < d; l2++, tp++) {
      for (let i = 0, t = 0; i < c; i++) {
        for (let j = i; j < c; j++, t++) {
          const v = qi[(i * d + l1) * dc + j * d + l2];
          a[tp * pairs + t] = i === j ? v : v + qi[(j * d + l1) * dc + i * d + l2];
        }
      }
    }
  }
  for (let l1 = 0, tp = 0; l1 < d; l1++) {
    for (let l2 = l1; l2 < d; l2++, tp++) {
      let se = 0;
      let su = 0;
      for (let k = 0; k < n; k++) {
        let f = 0;
        for (let t = 0; t < pairs; t++) f += a[tp * pairs + t] * xx[t * n + k];
        const ww = w[l1 * n + k] * w[l2 * n + k] * f;
        se += ww;
        su += ev[k] * ww;
      }
      sums[2 * tp] = se;
      sums[2 * tp + 1] = su;
    }
  }
  for (let l1 = 0, tp = 0; l1 < d; l1++) {
    for (let l2 = l1; l2 < d; l2++, tp++) {
      const u = dl[l1] * dl[l2] * sums[2 * tp + 1];
      const e = sums[2 * tp];
      moments[l1 * d + l2] += u;
      moments[dd + l1 * d + l2] += e;
      if (l2 !== l1) {
        moments[l2 * d + l1] += u;
        moments[dd + l2 * d + l1] += e;
      }
    }
  }
}
