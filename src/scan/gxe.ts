/**
 * The scan's part of -gxe: the rotated environment in the plan, and per block the rotation of x and
 * x * e through the engine (its kernels) followed by the interaction tests on this thread in float64
 * (src/stats/gxe-tests.ts; no engine has a kernel of its own for them).
 */
import type { Engine, PlanHandle } from '../engines/engine.js';
import { traitPlans, type ScanPlan } from '../model/plan.js';
import type { SnpResultBlock } from '../model/results.js';
import type { SampleSelection } from '../qc/samples.js';
import { testGxeBlock } from '../stats/gxe-tests.js';

/** The log's line about where -gxe runs. */
export const GXE_NOTE =
  '-gxe: the engine rotates the genotypes; the SNP x environment tests run in float64 on the main thread (TS path)';

/** The analysed individuals' environment values, in order. */
export function analysedEnvironment(environment: Float64Array, selection: SampleSelection): Float64Array {
  const out = new Float64Array(selection.nAnalysed);
  let k = 0;
  for (let i = 0; i < selection.nTotal; i++) if (selection.analysed[i]) out[k++] = environment[i];
  return out;
}

/** Adds U^T e to the plan (every trait is tested with the same environment). */
export async function attachEnvironment(
  plan: ScanPlan,
  environment: Float64Array,
  engine: Engine,
): Promise<void> {
  plan.rotatedEnvironment = await engine.rotate(plan.eigenvectors, plan.n, environment, 1);
}

/** Tests b analysed genotype columns (SNP-major b x n) for their interaction with the environment, per trait. */
export async function testGxeColumns(
  plan: ScanPlan,
  loaded: PlanHandle,
  environment: Float64Array,
  genotypes: Float64Array,
  b: number,
): Promise<SnpResultBlock[]> {
  const n = environment.length;
  const products = new Float64Array(b * n);
  for (let j = 0; j < b; j++)
    for (let i = 0; i < n; i++) products[j * n + i] = genotypes[j * n + i] * environment[i];
  const rotatedX = await loaded.rotate(genotypes, b);
  const rotatedXE = await loaded.rotate(products, b);
  return traitPlans(plan).map((trait) => testGxeBlock(trait, rotatedX, rotatedXE, b));
}
