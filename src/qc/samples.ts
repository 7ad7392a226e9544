/**
 * Which individuals are analysed and with which covariates: GEMMA's ProcessCvtPhen + CheckCvt.
 * An individual is kept only if every selected phenotype and every covariate is present. If no
 * covariate column is constant over the kept individuals, a column of 1s is appended (GEMMA 0.98.5);
 * if every column is constant, the intercept alone is used.
 */
import { InputError } from '../io/input-error.js';

export interface SampleSelection {
  /** Individuals in the genotype file. */
  nTotal: number;
  /** 1 = analysed, per individual in file order. */
  analysed: Uint8Array;
  nAnalysed: number;
  /** Phenotype of each selected trait over analysed individuals (trait-major: phenotypes[t][i]). */
  phenotypes: Float64Array[];
  /** Covariates over analysed individuals, column-major: covariates[k * nAnalysed + i]. */
  covariates: Float64Array;
  nCvt: number;
  /** true when lmmscan (like GEMMA) appended the intercept column. */
  interceptAppended: boolean;
}

export interface SampleInputs {
  nTotal: number;
  /** Per selected trait, a value per individual (NaN = missing). */
  phenotypes: Float64Array[];
  phenotypeFile: string;
  /** Covariate rows per individual (NaN inside a row = missing), or null for intercept only. */
  covariateRows: Float64Array[] | null;
  covariateFile?: string;
}

/** Applies GEMMA's sample rules; throws InputError on mismatched row counts or nobody left. */
export function selectSamples(input: SampleInputs): SampleSelection {
  const { nTotal, phenotypes, covariateRows } = input;
  phenotypes.forEach((p) => {
    if (p.length !== nTotal) {
      throw new InputError(
        input.phenotypeFile,
        `has ${p.length} rows but the genotypes have ${nTotal} individuals`,
      );
    }
  });
  if (covariateRows && covariateRows.length !== nTotal) {
    throw new InputError(
      input.covariateFile ?? 'covariates',
      `has ${covariateRows.length} rows but the genotypes have ${nTotal} individuals`,
    );
  }
  const analysed = new Uint8Array(nTotal);
  let nAnalysed = 0;
  for (let i = 0; i < nTotal; i++) {
    let keep = phenotypes.every((p) => !Number.isNaN(p[i]));
    if (keep && covariateRows) keep = !covariateRows[i].some((v) => Number.isNaN(v));
    analysed[i] = keep ? 1 : 0;
    if (keep) nAnalysed++;
  }
  if (nAnalysed === 0) {
    throw new InputError(
      input.phenotypeFile,
      'no individual has a phenotype and complete covariates: zero analysable individuals',
    );
  }
  const kept: number[] = [];
  for (let i = 0; i < nTotal; i++) if (analysed[i]) kept.push(i);

  let columns: Float64Array[] = [];
  let interceptAppended = false;
  if (covariateRows) {
    const width = covariateRows[kept[0]].length;
    for (let k = 0; k < width; k++) columns.push(Float64Array.from(kept, (i) => covariateRows[i][k]));
    const constant = columns.map((c) => c.every((v) => v === c[0]));
    if (constant.every(Boolean)) {
      columns = [new Float64Array(nAnalysed).fill(1)];
    } else if (!constant.some(Boolean)) {
      columns.push(new Float64Array(nAnalysed).fill(1));
      interceptAppended = true;
    }
  } else {
    columns = [new Float64Array(nAnalysed).fill(1)];
  }
  const nCvt = columns.length;
  const keptPhenotypes = phenotypes.map((p) => Float64Array.from(kept, (i) => p[i]));
  keptPhenotypes.forEach((p) => {
    if (p.every((v) => v === p[0])) {
      throw new InputError(
        input.phenotypeFile,
        `phenotype has zero variance over the ${nAnalysed} analysed individuals (every value is ${p[0]})`,
      );
    }
  });
  const collinear = firstCollinearColumn(columns);
  if (collinear >= 0) {
    throw new InputError(
      input.covariateFile ?? 'covariates',
      `covariates are collinear over the analysed individuals: column ${collinear + 1}${interceptAppended && collinear === columns.length - 1 ? ' (the appended intercept)' : ''} is a linear combination of the columns before it`,
    );
  }
  const covariates = new Float64Array(nCvt * nAnalysed);
  columns.forEach((c, k) => covariates.set(c, k * nAnalysed));
  return {
    nTotal,
    analysed,
    nAnalysed,
    phenotypes: keptPhenotypes,
    covariates,
    nCvt,
    interceptAppended,
  };
}

/** Index of the first column that is (numerically) a linear combination of the earlier ones, or -1 (Gram-Schmidt). */
function firstCollinearColumn(columns: Float64Array[]): number {
  const basis: Float64Array[] = [];
  for (let k = 0; k < columns.length; k++) {
    const v = Float64Array.from(columns[k]);
    let norm0 = 0;
    for (const x of v) norm0 += x * x;
    for (const q of basis) {
      let d = 0;
      for (let i = 0; i < v.length; i++) d += q[i] * v[i];
      for (let i = 0; i < v.length; i++) v[i] -= d * q[i];
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    if (norm0 === 0 || norm <= 1e-20 * norm0) return k;
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
    basis.push(v);
  }
  return -1;
}
