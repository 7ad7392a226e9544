/**
 * The (restricted) log-likelihood of the multivariate LMM at (Vg, Ve), its gradient and Hessian in
 * the v = d(d+1)/2 free entries of Vg then of Ve (GEMMA's CalcHiQi, CalcDev). Written from the
 * exact derivatives: with D = dV/dtheta (delta_k E_a for an entry of Vg, E_a for Ve, E_a the
 * symmetric unit matrix of entry a) and P the REML projection,
 *   dl/dtheta = -0.5 tr(P D) + 0.5 y'PDPy,  d2l = 0.5 tr(P Da P Db) - y'P Da P Db P y
 * (H^{-1} in place of P in the traces for ML). The traces reduce to per-sample d x d products.
 */
import { invertWithLogDet } from './dense.js';
import { jointBasis, jointDiagonalise, logLikConstant, type JointBasis, type MvData } from './model.js';
import { Scratch } from './scratch.js';

// Work arrays of evaluate and gradientHessian (Newton-Raphson calls them every step): one set per thread. An
// evaluation's hi, qi and py are these arrays, valid until the next evaluate.
const bases = new Map<number, JointBasis>();
const pairsByD = new Map<number, number[][]>();
const hiWork = new Scratch();
const qWork = new Scratch();
const xHiyWork = new Scratch();
const qiWork = new Scratch();
const bWork = new Scratch();
const pyWork = new Scratch();
const residWork = new Scratch();
const uWork = new Scratch();
const mWork = new Scratch();
const fWork = new Scratch();
const cKWork = new Scratch();
const rrWork = new Scratch();
const hEhWork = new Scratch();
const hErWork = new Scratch();
const quWork = new Scratch();
const qmWork = new Scratch();

/** The (restricted) log-likelihood and what its derivatives need, at one (Vg, Ve). */
export interface MvEvaluation {
  logLik: number;
  /** H_k^{-1}, n blocks of d x d. */
  hi: Float64Array;
  /** (sum_k x_k x_k^T (x) H_k^{-1})^{-1}, dc x dc, index j * d + l. */
  qi: Float64Array;
  /** P y per sample: H_k^{-1} (y_k - B x_k), d x n. */
  py: Float64Array;
}

/** Pairs (p, q) of the symmetric unit matrix of upper-triangle entry a (GEMMA's GetIndex order). */
export function entryPairs(d: number): number[][] {
  const pairs: number[][] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) pairs.push(i === j ? [i, i] : [i, j, j, i]);
  return pairs;
}

/*
 * The sums over individuals of evaluate() and gradientHessian() are loops of their own functions, each called once
 * per evaluation: V8 compiles a hot loop on its own (on-stack replacement) before the code after it has run, and in
 * one large function that code then had no type feedback, so the compiled loop was thrown away at its end on every
 * call, and Newton-Raphson's first few dozen evaluations ran unoptimised (several times slower).
 */

/** H_k^{-1} (n blocks of d x d) into hi; returns logDetH plus sum_k sum_l log(delta_k dl_l + 1). */
function inverseBlocks(
  n: number,
  d: number,
  ev: Float64Array,
  dl: Float64Array,
  ultVehi: Float64Array,
  hi: Float64Array,
  logDetH: number,
): number {
  for (let k = 0; k < n; k++) {
    for (let l = 0; l < d; l++) logDetH += Math.log(ev[k] * dl[l] + 1);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        let s = 0;
        for (let l = 0; l < d; l++) s += (ultVehi[l * d + i] * ultVehi[l * d + j]) / (ev[k] * dl[l] + 1);
        hi[k * d * d + i * d + j] = hi[k * d * d + j * d + i] = s;
      }
    }
  }
  return logDetH;
}

/** Adds X'H^{-1}X into q (zeros, dc x dc) and X'H^{-1}y into xHiy (zeros, dc); returns y'H^{-1}y. */
function weightedSums(
  n: number,
  d: number,
  c: number,
  X: Float64Array,
  Y: Float64Array,
  hi: Float64Array,
  q: Float64Array,
  xHiy: Float64Array,
): number {
  const dc = d * c;
  let yHiy = 0;
  for (let k = 0; k < n; k++) {
    const h = k * d * d;
    for (let l1 = 0; l1 < d; l1++) {
      let hy = 0;
      for (let l2 = 0; l2 < d; l2++) hy += hi[h + l1 * d + l2] * Y[l2 * n + k];
      yHiy += Y[l1 * n + k] * hy;
      for (let j = 0; j < c; j++) xHiy[j * d + l1] += X[j * n + k] * hy;
    }
    for (let j1 = 0; j1 < c; j1++) {
      for (let j2 = 0; j2 < c; j2++) {
        const xx = X[j1 * n + k] * X[j2 * n + k];
        for (let l1 = 0; l1 < d; l1++)
          for (let l2 = 0; l2 < d; l2++) q[(j1 * d + l1) * dc + j2 * d + l2] += xx * hi[h + l1 * d + l2];
      }
    }
  }
  return yHiy;
}

/** P y per individual: H_k^{-1} (y_k - B x_k) into py (d x n); b is B (index j * d + l); resid is d work values. */
function projectedTraits(
  n: number,
  d: number,
  c: number,
  X: Float64Array,
  Y: Float64Array,
  b: Float64Array,
  hi: Float64Array,
  resid: Float64Array,
  py: Float64Array,
): void {
  for (let k = 0; k < n; k++) {
    for (let l = 0; l < d; l++) {
      let s = Y[l * n + k];
      for (let j = 0; j < c; j++) s -= b[j * d + l] * X[j * n + k];
      resid[l] = s;
    }
    for (let l1 = 0; l1 < d; l1++) {
      let s = 0;
      for (let l2 = 0; l2 < d; l2++) s += hi[k * d * d + l1 * d + l2] * resid[l2];
      py[l1 * n + k] = s;
    }
  }
}

/** Evaluates the log-likelihood of kind at (Vg, Ve), with GEMMA's constants. */
export function evaluate(kind: 'R' | 'L', data: MvData, vg: Float64Array, ve: Float64Array): MvEvaluation {
  const { n, d, c, eigenvalues: ev, X, Y } = data;
  const dc = d * c;
  let basis = bases.get(d);
  if (!basis) bases.set(d, (basis = jointBasis(d)));
  jointDiagonalise(vg, ve, d, basis);
  const { dl, ultVehi, logDetVe } = basis;
  const hi = hiWork.get(n * d * d);
  const logDetH = inverseBlocks(n, d, ev, dl, ultVehi, hi, n * logDetVe);
  const q = qWork.zeros(dc * dc);
  const xHiy = xHiyWork.zeros(dc);
  const yHiy = weightedSums(n, d, c, X, Y, hi, q, xHiy);
  const qi = qiWork.get(dc * dc);
  const logDetQ = invertWithLogDet(q, dc, qi);
  const b = bWork.get(dc);
  let xPx = 0;
  for (let a = 0; a < dc; a++) {
    let s = 0;
    for (let e = 0; e < dc; e++) s += qi[a * dc + e] * xHiy[e];
    b[a] = s;
    xPx += xHiy[a] * s;
  }
  const yPy = yHiy - xPx;
  const py = pyWork.get(d * n);
  projectedTraits(n, d, c, X, Y, b, hi, residWork.get(d), py);
  const constant = logLikConstant(kind, data);
  const logLik =
    kind === 'R'
      ? constant - 0.5 * logDetH - 0.5 * logDetQ - 0.5 * yPy
      : constant - 0.5 * logDetH - 0.5 * yPy;
  return { logLik, hi, qi, py };
}

/** tr(A E_a B E_b) for symmetric d x d A, B (offsets into their arrays) and entry pairs pa, pb. */
function traceAEBE(
  A: Float64Array,
  ao: number,
  pa: number[],
  B: Float64Array,
  bo: number,
  pb: number[],
  d: number,
): number {
  let s = 0;
  for (let x = 0; x < pa.length; x += 2) {
    for (let y = 0; y < pb.length; y += 2) s += A[ao + pb[y + 1] * d + pa[x]] * B[bo + pa[x + 1] * d + pb[y]];
  }
  return s;
}

/** gradientHessian's work arrays for individualTerms. */
interface TermWork {
  u: Float64Array;
  m: Float64Array;
  f: Float64Array;
  cK: Float64Array;
  rr: Float64Array;
  hEh: Float64Array;
  hEr: Float64Array;
}

/**
 * gradientHessian's sums over individuals: the gradient, the upper triangle and the ge block of the Hessian
 * without the X-projection terms, and the u_p and M_p those terms need.
 */
function individualTerms(
  reml: boolean,
  data: MvData,
  at: MvEvaluation,
  pairs: number[][],
  gradient: Float64Array,
  hessian: Float64Array,
  work: TermWork,
): void {
  const { n, d, c, eigenvalues: ev, X } = data;
  const { hi, qi, py } = at;
  const { u, m, f, cK, rr, hEh, hEr } = work;
  const dc = d * c;
  const dd = d * d;
  const v = pairs.length;
  const np = 2 * v;
  for (let k = 0; k < n; k++) {
    const h = k * dd;
    for (let l1 = 0; l1 < d; l1++)
      for (let l2 = 0; l2 < d; l2++) rr[l1 * d + l2] = py[l1 * n + k] * py[l2 * n + k];
    if (reml) {
      cK.fill(0);
      for (let j1 = 0; j1 < c; j1++) {
        for (let j2 = 0; j2 < c; j2++) {
          const xx = X[j1 * n + k] * X[j2 * n + k];
          for (let l1 = 0; l1 < d; l1++)
            for (let l2 = 0; l2 < d; l2++) cK[l1 * d + l2] += xx * qi[(j1 * d + l1) * dc + j2 * d + l2];
        }
      }
      for (let l1 = 0; l1 < d; l1++) {
        for (let l2 = 0; l2 < d; l2++) {
          let s = 0;
          for (let a = 0; a < d; a++)
            for (let b = 0; b < d; b++) s += hi[h + l1 * d + a] * cK[a * d + b] * hi[h + b * d + l2];
          f[l1 * d + l2] = s;
        }
      }
    }
    for (let a = 0; a < v; a++) {
      const pa = pairs[a];
      let rEr = 0;
      let trHiE = 0;
      let trFE = 0;
      hEr.fill(0);
      for (let x = 0; x < pa.length; x += 2) {
        const p = pa[x];
        const q = pa[x + 1];
        rEr += py[p * n + k] * py[q * n + k];
        trHiE += hi[h + q * d + p];
        trFE += f[q * d + p];
        for (let l = 0; l < d; l++) hEr[l] += hi[h + l * d + p] * py[q * n + k];
      }
      // Vg's parameter a (weight delta_k), then Ve's (weight 1); no array per k (this is the hot loop).
      for (let side = 0; side < 2; side++) {
        const p = side === 0 ? a : a + v;
        const w = side === 0 ? ev[k] : 1;
        gradient[p] += w * (0.5 * rEr - 0.5 * (trHiE - (reml ? trFE : 0)));
        for (let j = 0; j < c; j++)
          for (let l = 0; l < d; l++) u[p * dc + j * d + l] += w * X[j * n + k] * hEr[l];
      }
      if (reml) {
        hEh.fill(0);
        for (let x = 0; x < pa.length; x += 2) {
          for (let l1 = 0; l1 < d; l1++)
            for (let l2 = 0; l2 < d; l2++)
              hEh[l1 * d + l2] += hi[h + l1 * d + pa[x]] * hi[h + pa[x + 1] * d + l2];
        }
        for (let j1 = 0; j1 < c; j1++) {
          for (let j2 = 0; j2 < c; j2++) {
            const xx = X[j1 * n + k] * X[j2 * n + k];
            for (let l1 = 0; l1 < d; l1++) {
              for (let l2 = 0; l2 < d; l2++) {
                const val = xx * hEh[l1 * d + l2];
                const idx = (j1 * d + l1) * dc + j2 * d + l2;
                m[a * dc * dc + idx] += ev[k] * val;
                m[(a + v) * dc * dc + idx] += val;
              }
            }
          }
        }
      }
      for (let b = a; b < v; b++) {
        const pb = pairs[b];
        const t1 = traceAEBE(hi, h, pa, hi, h, pb, d);
        const t2 = traceAEBE(rr, 0, pa, hi, h, pb, d);
        const t3 = reml ? traceAEBE(f, 0, pa, hi, h, pb, d) : 0;
        const term = 0.5 * (t1 - 2 * t3) - t2;
        const dk = ev[k];
        hessian[a * np + b] += dk * dk * term;
        hessian[(a + v) * np + b + v] += term;
        hessian[a * np + b + v] += dk * term;
        if (b !== a) hessian[b * np + a + v] += dk * term;
      }
    }
  }
}

/**
 * Gradient (length 2v) and Hessian (2v x 2v, row-major) of the log-likelihood of kind at the point
 * `at` was evaluated for; parameters are Vg's upper-triangle entries, then Ve's.
 */
export function gradientHessian(
  kind: 'R' | 'L',
  data: MvData,
  at: MvEvaluation,
  gradient: Float64Array,
  hessian: Float64Array,
): void {
  const { d, c } = data;
  const dc = d * c;
  const dd = d * d;
  let pairs = pairsByD.get(d);
  if (!pairs) pairsByD.set(d, (pairs = entryPairs(d)));
  const v = pairs.length;
  const np = 2 * v;
  const { qi } = at;
  const reml = kind === 'R';
  gradient.fill(0);
  hessian.fill(0);
  // Per-parameter dc-vectors u_p = X'H^{-1} D_p P y and dc x dc matrices M_p = X'H^{-1} D_p H^{-1} X.
  const u = uWork.zeros(np * dc);
  const m = mWork.zeros(reml ? np * dc * dc : 0);
  const f = fWork.zeros(dd); // H^{-1} C_k H^{-1}, C_k = sum x_j1 x_j2 Qi[j1 block, j2 block]
  const cK = cKWork.get(dd);
  const rr = rrWork.get(dd);
  const hEh = hEhWork.get(dd);
  const hEr = hErWork.get(d);
  individualTerms(reml, data, at, pairs, gradient, hessian, { u, m, f, cK, rr, hEh, hEr });
  // The X-projection terms: +0.5 tr(Qi M_p Qi M_q) (REML) and + u_p' Qi u_q.
  const qu = quWork.get(np * dc);
  for (let p = 0; p < np; p++) {
    for (let a = 0; a < dc; a++) {
      let s = 0;
      for (let b = 0; b < dc; b++) s += qi[a * dc + b] * u[p * dc + b];
      qu[p * dc + a] = s;
    }
  }
  const qm = qmWork.get(reml ? np * dc * dc : 0);
  if (reml) {
    for (let p = 0; p < np; p++) {
      for (let a = 0; a < dc; a++) {
        for (let b = 0; b < dc; b++) {
          let s = 0;
          for (let e = 0; e < dc; e++) s += qi[a * dc + e] * m[p * dc * dc + e * dc + b];
          qm[p * dc * dc + a * dc + b] = s;
        }
      }
    }
  }
  for (let p = 0; p < np; p++) {
    for (let q = p; q < np; q++) {
      // Only the upper triangle and the ge block were filled above; they are completed below.
      let extra = 0;
      for (let a = 0; a < dc; a++) extra += u[p * dc + a] * qu[q * dc + a];
      if (reml) {
        let tr = 0;
        for (let a = 0; a < dc; a++)
          for (let b = 0; b < dc; b++) tr += qm[p * dc * dc + a * dc + b] * qm[q * dc * dc + b * dc + a];
        extra += 0.5 * tr;
      }
      hessian[p * np + q] += extra;
    }
  }
  for (let p = 0; p < np; p++) for (let q = 0; q < p; q++) hessian[p * np + q] = hessian[q * np + p];
}
