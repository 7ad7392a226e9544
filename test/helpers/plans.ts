/**
 * Plans for engine tests: a unit's shared arrays (eigenvalues, eigenvectors, rotated covariates) with one or more
 * traits, put in the plan's column-major trait matrix.
 */
import type { NullModel, ScanPlan } from '../../src/model/plan.js';

/** What a plan's traits share. */
export type SharedPlan = Omit<ScanPlan, 'traits' | 'rotatedPhenotypes' | 'nullModels'>;

/** A trait: U^T y (length n) and its fitted null model. */
export interface PlanTrait {
  rotatedPhenotype: Float64Array;
  nullModel: NullModel;
}

/** The plan of `traits` (in column order) over `shared`. */
export function planOf(shared: SharedPlan, traits: PlanTrait[]): ScanPlan {
  const { n } = shared;
  const rotatedPhenotypes = new Float64Array(n * traits.length);
  traits.forEach((t, k) => rotatedPhenotypes.set(t.rotatedPhenotype, k * n));
  return { ...shared, traits: traits.length, rotatedPhenotypes, nullModels: traits.map((t) => t.nullModel) };
}
