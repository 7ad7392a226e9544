/**
 * Shared fixtures for the WebGPU kernel tests: a seeded RNG, float64 references, and the adapter
 * policy (fail under CI, skip with a message elsewhere when no adapter exists).
 */
import { acquireGpu, type GpuContext } from '../../../src/engines/webgpu/device.js';
import type { LmmTestMode, ScanPlan } from '../../../src/model/plan.js';
import { DEFAULT_LAMBDA_SEARCH } from '../../../src/model/settings.js';
import { fitNullModel } from '../../../src/stats/null-model.js';
import { planOf } from '../../helpers/plans.js';
import { normals } from '../../helpers/random.js';

/** Acquires a device, or returns null with a console message; under CI=true a missing adapter throws. */
export async function acquireTestGpu(): Promise<GpuContext | null> {
  try {
    return await acquireGpu();
  } catch (error) {
    if (process.env['CI'] === 'true') throw error;
    console.warn(`WebGPU tests skipped: ${(error as Error).message}`);
    return null;
  }
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random orthogonal n x n matrix, row-major, by modified Gram-Schmidt (twice) on the columns of a random matrix. */
export function randomOrthogonal(n: number, random: () => number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) q[i] = random() * 2 - 1;
  for (let k = 0; k < n; k++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let c = 0; c < k; c++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i * n + c]! * q[i * n + k]!;
        for (let i = 0; i < n; i++) q[i * n + k]! -= dot * q[i * n + c]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * n + k]! /= norm;
  }
  return q;
}

export type GenotypeKind = 'hardcalls' | 'dosages' | 'mixed-scale';

/** A SNP-major block (b x n): hard calls 0/1/2, fractional dosages in [0, 2], or values near 1e-6 and 1e3 of both signs. */
export function randomBlock(n: number, b: number, kind: GenotypeKind, random: () => number): Float64Array {
  const block = new Float64Array(n * b);
  for (let i = 0; i < block.length; i++) {
    if (kind === 'hardcalls') block[i] = Math.floor(random() * 3);
    else if (kind === 'dosages') block[i] = random() * 2;
    else block[i] = (random() < 0.5 ? -1 : 1) * (random() < 0.5 ? 1e-6 : 1e3) * (0.5 + random());
  }
  return block;
}

/** Float64 reference of the rotation and the per-output scale sum_i |U_ik x_ji| that bounds its error. */
export function referenceRotate(
  u: Float64Array,
  n: number,
  block: Float64Array,
  b: number,
): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(b * n);
  const scale = new Float64Array(b * n);
  for (let j = 0; j < b; j++) {
    for (let i = 0; i < n; i++) {
      const x = block[j * n + i]!;
      for (let k = 0; k < n; k++) {
        const p = u[i * n + k]! * x;
        value[j * n + k]! += p;
        scale[j * n + k]! += Math.abs(p);
      }
    }
  }
  return { value, scale };
}

/** Float64 reference of K = X^T X over a SNP-major block and the scale sum_j |x_ji x_jk|. */
export function referenceKinship(
  n: number,
  block: Float64Array,
  b: number,
): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(n * n);
  const scale = new Float64Array(n * n);
  for (let j = 0; j < b; j++) {
    for (let i = 0; i < n; i++) {
      const xi = block[j * n + i]!;
      for (let k = 0; k < n; k++) {
        const p = xi * block[j * n + k]!;
        value[i * n + k]! += p;
        scale[i * n + k]! += Math.abs(p);
      }
    }
  }
  return { value, scale };
}

/** Largest |got - want| / scale over all entries (0/0 counts as 0, x/0 as Infinity). */
export function maxScaledError(got: Float64Array, want: Float64Array, scale: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    const ratio = err === 0 ? 0 : err / scale[i]!;
    if (!(ratio <= worst)) worst = ratio;
  }
  return worst;
}

/**
 * The plan of two traits (true lambda 0.1 and 3) over a unit's U, eigenvalues and rotated covariates w, with
 * SNP 1 of the rotated block (b x n) associated with both when b > 1; the traits' noise drawn from `next`.
 */
export function twoTraitPlan(
  next: () => number,
  unit: { u: Float64Array; eigenvalues: Float64Array; w: Float64Array; nCvt: number; mode: LmmTestMode },
  rotated: Float64Array,
  b: number,
): ScanPlan {
  const { u, eigenvalues, w, nCvt, mode } = unit;
  const n = eigenvalues.length;
  const traits = [0.1, 3].map((lambdaTrue) => {
    const e = normals(next, n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = e[i]! * Math.sqrt(lambdaTrue * eigenvalues[i]! + 1) + 0.5 * w[i]!;
      if (b > 1) y[i] += 0.4 * rotated[n + i]!; // SNP 1 is associated
    }
    return { rotatedPhenotype: y, nullModel: fitNullModel(eigenvalues, w, y, nCvt) };
  });
  const shared = {
    n,
    nCvt,
    eigenvalues,
    eigenvectors: u,
    rotatedCovariates: w,
    testMode: mode,
    search: DEFAULT_LAMBDA_SEARCH,
  };
  return planOf(shared, traits);
}
