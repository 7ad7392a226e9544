/**
 * GEMMA's -nind N for BIMBAM input (param.cpp trim_individuals, v0.98.5): the individuals are cut to the
 * first rows of the files, counting individuals with complete phenotypes, covariates, -gxe and -widv until N of them
 * are seen, then keeping that many rows. When N or more such individuals exist that is the first N rows;
 * otherwise GEMMA keeps as many rows as there are complete individuals, wherever they are.
 */
import { readCovariateFile, readPhenotypeFile } from '../io/bimbam.js';
import type { ScanConfig } from '../model/config.js';
import { readColumnFile } from '../io/column-file.js';

/** The rows of the BIMBAM files that -nind keeps, or undefined when it keeps them all (or is absent). */
export function gemmaFirstRows(config: ScanConfig, rowCount: number): number | undefined {
  if (config.nind === undefined || !config.pheno) return undefined;
  const phenotypes = readPhenotypeFile(config.pheno, config.phenotypeColumns);
  const covariates = config.covariates ? readCovariateFile(config.covariates).rows : null;
  const columns = [config.gxe, config.widv].flatMap((f) => (f ? [readColumnFile(f, 'column file')] : []));
  let complete = 0;
  for (let i = 0; i < rowCount; i++) {
    if (phenotypes.some((p) => Number.isNaN(p[i]))) continue;
    if (covariates?.[i]?.some((v) => Number.isNaN(v))) continue;
    if (columns.some((c) => Number.isNaN(c[i]))) continue;
    complete++;
  }
  const kept = Math.min(config.nind, complete);
  return kept === rowCount ? undefined : kept;
}
