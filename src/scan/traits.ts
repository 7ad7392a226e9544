/**
 * --traits: which phenotype columns to scan, and which of them can share one eigendecomposition and
 * one rotation (traits whose analysed individuals are the same: GEMMA's -n K drops the individuals
 * missing trait K or a covariate, for that trait only).
 */
import { UsageError } from '../io/input-error.js';

/** Parses "1-500", "1,3,7-9" or "all" (with the number of available columns) into ascending 1-based columns. */
export function parseTraitSpec(spec: string, available: number): number[] {
  if (spec.trim() === 'all') return Array.from({ length: available }, (_, k) => k + 1);
  const columns = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new UsageError(`--traits ${spec}: "${part}" is not a column or a range like 3-9`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || hi < lo) throw new UsageError(`--traits ${spec}: bad range "${part}"`);
    if (hi > available)
      throw new UsageError(
        `--traits ${spec}: column ${hi} does not exist (the phenotypes have ${available})`,
      );
    for (let c = lo; c <= hi; c++) columns.add(c);
  }
  return [...columns].sort((a, b) => a - b);
}

/**
 * Groups traits (indices into `phenotypes`) by their pattern of missing values combined with the
 * covariates' missingness: each group is analysed over the same individuals.
 */
export function groupByMissingness(
  phenotypes: readonly Float64Array[],
  covariateMissing: Uint8Array | null,
): number[][] {
  const groups = new Map<string, number[]>();
  phenotypes.forEach((p, t) => {
    let key = '';
    for (let i = 0; i < p.length; i++) key += Number.isNaN(p[i]) || covariateMissing?.[i] ? '0' : '1';
    const g = groups.get(key);
    if (g) g.push(t);
    else groups.set(key, [t]);
  });
  return [...groups.values()];
}
