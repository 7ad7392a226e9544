/**
 * GEMMA's Newton-Raphson for (Vg, Ve) (MphNR): full steps halved (up to 10 times) until both
 * matrices are positive definite and the log-likelihood rises by at most 10; stops when a step
 * lowers it (restoring the previous point) or raises it by less than `tolerance`. The inverse
 * Hessian of the last point where derivatives were taken, negated, is the variance of the estimates.
 */
import { invertWithLogDet, symmetricEigen } from './dense.js';
import { entryPairs, evaluate, gradientHessian } from './derivatives.js';
import type { MvData } from './model.js';

/** The result of mvNewton: the log-likelihood GEMMA returns and the variance of (Vg, Ve) entries. */
export interface NewtonResult {
  logLik: number;
  /** -H^{-1}, 2v x 2v (Vg's upper-triangle entries, then Ve's). */
  variance: Float64Array;
}

function positiveDefinite(m: Float64Array, d: number): boolean {
  const values = new Float64Array(d);
  symmetricEigen(m, d, values, new Float64Array(d * d));
  for (let i = 0; i < d; i++) if (!(values[i] > 0)) return false;
  return true;
}

/** Runs at most maxIter Newton-Raphson iterations from (vg, ve), updated in place. */
export function mvNewton(
  kind: 'R' | 'L',
  maxIter: number,
  tolerance: number,
  data: MvData,
  vg: Float64Array,
  ve: Float64Array,
): NewtonResult {
  const d = data.d;
  const pairs = entryPairs(d);
  const v = pairs.length;
  const np = 2 * v;
  const gradient = new Float64Array(np);
  const hessian = new Float64Array(np * np);
  const hessianInverse = new Float64Array(np * np);
  const vgSave = new Float64Array(d * d);
  const veSave = new Float64Array(d * d);
  let loglOld = 0;
  let loglNew = 0;
  for (let t = 0; t < maxIter; t++) {
    vgSave.set(vg);
    veSave.set(ve);
    let step = 1;
    let stepIter = 0;
    let pd: boolean;
    let evaluation;
    do {
      vg.set(vgSave);
      ve.set(veSave);
      if (t !== 0) {
        // theta -= step H^{-1} g, over the upper-triangle entries (mirrored).
        for (let a = 0; a < np; a++) {
          let s = 0;
          for (let b = 0; b < np; b++) s += hessianInverse[a * np + b] * gradient[b];
          const [i, j] = pairs[a % v];
          const target = a < v ? vg : ve;
          const value = target[i * d + j] - step * s;
          target[i * d + j] = target[j * d + i] = value;
        }
      }
      pd = positiveDefinite(ve, d) && positiveDefinite(vg, d);
      if (pd) {
        evaluation = evaluate(kind, data, vg, ve);
        loglNew = evaluation.logLik;
      }
      step /= 2;
      stepIter++;
    } while ((!pd || loglNew < loglOld || loglNew - loglOld > 10) && stepIter < 10 && t !== 0);
    if (t !== 0) {
      if (loglNew < loglOld || !pd) {
        vg.set(vgSave);
        ve.set(veSave);
        break;
      }
      if (loglNew - loglOld < tolerance) break;
    }
    loglOld = loglNew;
    if (!evaluation) break; // a non positive definite start: GEMMA has nothing to differentiate either
    gradientHessian(kind, data, evaluation, gradient, hessian);
    invertWithLogDet(hessian, np, hessianInverse);
  }
  for (let i = 0; i < np * np; i++) hessianInverse[i] = -hessianInverse[i];
  return { logLik: loglNew, variance: hessianInverse };
}
