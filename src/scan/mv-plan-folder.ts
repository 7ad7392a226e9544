/**
 * A multivariate LMM unit in a cluster plan folder (plan-folder.ts): the arrays its shards scan
 * against (eigendecomposition of the unit's K, covariates and traits rotated by it) in data/*.bin,
 * and its null fits (Vg, Ve, B and their errors, REML and ML) in plan.json, which is all a shard
 * needs to give the rows of a local run, bit for bit.
 */
import type { MvNullModel } from '../stats/mvlmm/fit.js';
import type { LmmTestMode } from '../model/plan.js';
import type { MvNullModelRecord } from './phase-merge.js';
import type { MvPlan } from './mv-plan.js';
import type { ScanUnit } from './units.js';

/** The manifest's part of a multivariate unit: data/ file names and the null fits. */
export interface MvUnitEntry {
  eigenvalues: string;
  eigenvectors: string;
  /** U^T W, c x n. */
  covariates: string;
  /** U^T Y, d x n. */
  traits: string;
  nullModel: MvNullModel;
}

/** Saves data/NAME, returns NAME (plan-folder's writer, which records size and sha256). */
type SaveArray = (name: string, array: Float64Array) => string;
/** Reads data/NAME, checked against the manifest. */
type ReadArray = (name: string) => Float64Array;

/** Saves unit `u`'s multivariate plan; returns its manifest entry. */
export function saveMvUnit(u: number, plan: MvPlan, save: SaveArray): MvUnitEntry {
  return {
    eigenvalues: save(`unit${u}.eigenvalues.f64`, plan.data.eigenvalues),
    eigenvectors: save(`unit${u}.eigenvectors.f64`, plan.eigenvectors),
    covariates: save(`unit${u}.mv-rotated-covariates.f64`, plan.data.X),
    traits: save(`unit${u}.mv-rotated-traits.f64`, plan.data.Y),
    nullModel: plan.nullModel,
  };
}

/** The plan of a multivariate unit read back (n, d, c from its group's selection). */
export function loadMvUnit(entry: MvUnitEntry, unit: ScanUnit, mode: LmmTestMode, read: ReadArray): MvPlan {
  if (mode === 9) throw new Error('internal: a multivariate plan with -lmm 9');
  const sel = unit.group.selection;
  const data = {
    n: sel.nAnalysed,
    d: sel.phenotypes.length,
    c: sel.nCvt,
    eigenvalues: read(entry.eigenvalues),
    X: read(entry.covariates),
    Y: read(entry.traits),
  };
  return { data, nullModel: entry.nullModel, mode, eigenvectors: read(entry.eigenvectors) };
}

/** The record of a multivariate unit's null fits (the log's lines, a --loco log's note per chromosome). */
export function mvRecord(unit: ScanUnit, nullModel: MvNullModel): MvNullModelRecord {
  return {
    label: unit.label,
    columns: unit.group.traitColumns,
    n: unit.group.selection.nAnalysed,
    mvNullModel: nullModel,
  };
}
