/**
 * The SNP's effects on the d traits given (Vg, Ve): beta (d), Var(beta) (d x d) and the Wald
 * statistic's p-value, chi-square with d degrees of freedom (GEMMA's MphCalcP); and the fixed
 * effects of the covariates with their standard errors (MphCalcBeta).
 */
import { chiSquareUpperTail } from '../distributions.js';
import { luFactor, luInvert, luSolve } from './dense.js';
import {
  inverseQ,
  jointBasis,
  jointDiagonalise,
  leftMultiply,
  type JointBasis,
  type MvData,
} from './model.js';
import { IntScratch, Scratch } from './scratch.js';

// snpEffect's work arrays (it runs up to four times per SNP).
const effectBasis = new Map<number, JointBasis>();
const effectQi = new Scratch();
const effectYT = new Scratch();
const effectXPx = new Scratch();
const effectXPy = new Scratch();
const effectWHix = new Scratch();
const effectWHiy = new Scratch();
const effectXw = new Scratch();
const effectYw = new Scratch();
const effectPerm = new IntScratch();
const effectB = new Scratch();
const effectVInv = new Scratch();

/** beta, Var(beta) and the p-value of the SNP x (rotated, length n) over covariates `covariates` (its c rows). */
export function snpEffect(
  covariates: MvData,
  x: Float64Array,
  vg: Float64Array,
  ve: Float64Array,
  beta: Float64Array,
  vBeta: Float64Array,
): number {
  const { n, d, c, eigenvalues: ev, X: W, Y } = covariates;
  const dc = d * c;
  let basis = effectBasis.get(d);
  if (!basis) effectBasis.set(d, (basis = jointBasis(d)));
  jointDiagonalise(vg, ve, d, basis);
  const { dl, ultVeh, ultVehi } = basis;
  const qi = effectQi.get(dc * dc);
  inverseQ(covariates, dl, qi);
  const yT = effectYT.get(d * n);
  leftMultiply(ultVehi, Y, d, n, yT);
  const xPx = effectXPx.zeros(d * d);
  const xPy = effectXPy.get(d);
  const wHix = effectWHix.get(dc); // column l of the dc x d WHix has its only non-zeros at j * d + l
  const wHiy = effectWHiy.get(dc);
  const xw = effectXw.get(n); // x_k / (delta_k dl_l + 1)
  const yw = effectYw.get(n); // (UltVehi y_k)_l / (delta_k dl_l + 1)
  for (let l = 0; l < d; l++) {
    let xy = 0;
    let xx = 0;
    for (let k = 0; k < n; k++) {
      const w = 1 / (ev[k] * dl[l] + 1);
      xw[k] = x[k] * w;
      yw[k] = yT[l * n + k] * w;
      xy += xw[k] * yT[l * n + k];
      xx += xw[k] * x[k];
    }
    xPy[l] = xy;
    xPx[l * d + l] = xx;
    for (let j = 0; j < c; j++) {
      let wx = 0;
      let wy = 0;
      for (let k = 0; k < n; k++) {
        wx += xw[k] * W[j * n + k];
        wy += yw[k] * W[j * n + k];
      }
      wHix[j * d + l] = wx;
      wHiy[j * d + l] = wy;
    }
  }
  return effectFromSums(d, c, qi, xPx, xPy, wHix, wHiy, ultVeh, beta, vBeta);
}

/**
 * The end of snpEffect from its sums over individuals (in the joint basis): xPx (d x d, its diagonal
 * x'H^{-1}x per trait, zero elsewhere; overwritten), xPy (d; overwritten), WHix and WHiy (dc, index j * d + l)
 * and the covariates' Qi (dc x dc). Writes beta and Var(beta) in the traits' basis; returns the p-value.
 */
export function effectFromSums(
  d: number,
  c: number,
  qi: Float64Array,
  xPx: Float64Array,
  xPy: Float64Array,
  wHix: Float64Array,
  wHiy: Float64Array,
  ultVeh: Float64Array,
  beta: Float64Array,
  vBeta: Float64Array,
): number {
  const dc = d * c;
  // xPx -= WHix^T Qi WHix, xPy -= WHix^T Qi WHiy.
  for (let l1 = 0; l1 < d; l1++) {
    let sy = 0;
    for (let j1 = 0; j1 < c; j1++) {
      const a = j1 * d + l1;
      for (let b = 0; b < dc; b++) sy += wHix[a] * qi[a * dc + b] * wHiy[b];
    }
    xPy[l1] -= sy;
    for (let l2 = 0; l2 < d; l2++) {
      let s = 0;
      for (let j1 = 0; j1 < c; j1++)
        for (let j2 = 0; j2 < c; j2++)
          s += wHix[j1 * d + l1] * qi[(j1 * d + l1) * dc + j2 * d + l2] * wHix[j2 * d + l2];
      xPx[l1 * d + l2] -= s;
    }
  }
  const perm = effectPerm.get(d);
  luFactor(xPx, d, perm);
  const b = effectB.get(d);
  luSolve(xPx, d, perm, xPy, b);
  const vInv = effectVInv.get(d * d);
  luInvert(xPx, d, perm, vInv);
  let stat = 0;
  for (let l = 0; l < d; l++) stat += b[l] * xPy[l];
  // Back to the traits' basis: beta = UltVeh^T b, Var(beta) = UltVeh^T V UltVeh.
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let l = 0; l < d; l++) s += ultVeh[l * d + i] * b[l];
    beta[i] = s;
    for (let j = 0; j < d; j++) {
      let t = 0;
      for (let a = 0; a < d; a++)
        for (let e = 0; e < d; e++) t += ultVeh[a * d + i] * vInv[a * d + e] * ultVeh[e * d + j];
      vBeta[i * d + j] = t;
    }
  }
  return chiSquareUpperTail(stat, d);
}

/** GLS fixed effects B (d x c) and their standard errors at (Vg, Ve) (GEMMA's MphCalcBeta / MphInitial's B). */
export function covariateEffects(
  data: MvData,
  vg: Float64Array,
  ve: Float64Array,
  B: Float64Array,
  seB?: Float64Array,
): void {
  const { n, d, c, eigenvalues: ev, X, Y } = data;
  const dc = d * c;
  const basis = jointBasis(d);
  jointDiagonalise(vg, ve, d, basis);
  const { dl, ultVeh, ultVehi } = basis;
  const qi = new Float64Array(dc * dc);
  inverseQ(data, dl, qi);
  const yT = new Float64Array(d * n);
  leftMultiply(ultVehi, Y, d, n, yT);
  const wHiy = new Float64Array(dc);
  for (let l = 0; l < d; l++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (yT[l * n + k] * X[j * n + k]) / (ev[k] * dl[l] + 1);
      wHiy[j * d + l] = s;
    }
  }
  for (let j = 0; j < c; j++) {
    const qb = new Float64Array(d);
    for (let l = 0; l < d; l++) {
      let s = 0;
      for (let b = 0; b < dc; b++) s += qi[(j * d + l) * dc + b] * wHiy[b];
      qb[l] = s;
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let l = 0; l < d; l++) s += ultVeh[l * d + i] * qb[l];
      B[i * c + j] = s;
      if (seB) {
        let v = 0;
        for (let a = 0; a < d; a++)
          for (let e = 0; e < d; e++)
            v += ultVeh[a * d + i] * qi[(j * d + a) * dc + j * d + e] * ultVeh[e * d + i];
        seB[i * c + j] = Math.sqrt(Math.max(v, 0));
      }
    }
  }
}
