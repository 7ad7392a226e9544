/**
 * Scan units: one eigendecomposition each, with the traits it tests and (for LOCO) the chromosome
 * whose SNPs it tests. A plain run has one unit; --traits has one per group of traits with the same
 * missingness; --loco has one per chromosome (kinship without that chromosome).
 */
import type { Eigen, Engine } from '../engines/engine.js';
import type { TraitGroup } from './inputs.js';
import type { TestedSnps } from './snp-pass.js';
import type { ScanPlan, LmmTestMode } from '../model/plan.js';
import { LinearModel } from '../stats/linear-model.js';
import { buildPlan } from './prepare.js';
import { analysedEnvironment, attachEnvironment } from './gxe.js';
import type { LambdaSearch } from '../model/settings.js';
import type { AnalysisKind } from '../io/assoc-format.js';
import type { MvPlan } from './mv-plan.js';

export interface ScanUnit {
  /** For logs and errors: "all", "trait group 2", "chromosome 7 left out". */
  label: string;
  group: TraitGroup;
  tested: TestedSnps;
  /** Output id per trait of the group (e.g. "assoc" or "trait3"). */
  outputIds: string[];
  /** LOCO: only tested SNPs with this chromosome code are this unit's. */
  chromosomeCode?: number;
  /** Union position -> index into `tested`, or -1 when the unit does not test that SNP. */
  rowOfPosition: Int32Array;
  /** Last union position this unit tests (its eigendecomposition can be released after). */
  lastPosition: number;
  /** Computes the unit's eigendecomposition when first needed. */
  eigen?: () => Promise<Eigen>;
}

/**
 * A unit ready to test: its plan (LMM: the trait matrix), a linear model (LM) per trait, or one multivariate plan
 * for all.
 */
export interface PreparedUnit {
  unit: ScanUnit;
  plan?: ScanPlan;
  linearModels: LinearModel[];
  mvPlan?: MvPlan;
}

/** Sorted union of every unit's tested SNP file indices. */
export function unionOfTested(tested: TestedSnps[]): Int32Array {
  const set = new Set<number>();
  for (const t of tested) for (const i of t.indices) set.add(i);
  return Int32Array.from([...set].sort((a, b) => a - b));
}

/** Maps union positions to rows of `tested` (restricted to a chromosome code when given). */
export function rowsOfPositions(
  union: Int32Array,
  tested: TestedSnps,
  chromosomeCode?: number,
): { rows: Int32Array; last: number } {
  const rows = new Int32Array(union.length).fill(-1);
  let r = 0;
  let last = -1;
  for (let p = 0; p < union.length && r < tested.indices.length; p++) {
    if (union[p] !== tested.indices[r]) continue;
    if (chromosomeCode === undefined || tested.chromosome[r] === chromosomeCode) {
      rows[p] = r;
      last = p;
    }
    r++;
  }
  return { rows, last };
}

/** Builds a unit's plan (or linear models): rotation of covariates and phenotypes, null models. */
export async function prepareUnit(
  unit: ScanUnit,
  kind: AnalysisKind,
  mode: LmmTestMode,
  search: LambdaSearch,
  engine: Engine,
): Promise<PreparedUnit> {
  const sel = unit.group.selection;
  if (kind === 'lm') {
    return {
      unit,
      linearModels: sel.phenotypes.map((p) => new LinearModel(sel.covariates, p, sel.nCvt)),
    };
  }
  if (!unit.eigen) throw new Error(`internal: no kinship for ${unit.label}`);
  const eigen = await unit.eigen();
  if (kind === 'mvlmm') {
    // The multivariate model's modules load only for a multivariate scan.
    const { buildMvPlan } = await import('./mv-plan.js');
    return { unit, linearModels: [], mvPlan: await buildMvPlan(eigen, sel, mode, search, engine) };
  }
  const plan = await buildPlan(eigen, sel, mode, search, engine);
  const environment = unit.group.environment;
  if (environment) await attachEnvironment(plan, analysedEnvironment(environment, sel), engine);
  return { unit, plan, linearModels: [] };
}
