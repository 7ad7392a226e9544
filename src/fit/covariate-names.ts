/**
 * The covariate file for --fit, where fixed effects are reported by name: the same rows as -c
 * (GEMMA's format), plus an optional header line naming the columns.
 */
import { parseValue } from '../io/fields.js';
import { InputError } from '../io/input-error.js';
import { readLines, splitColumns } from '../io/text-file.js';
import type { SampleSelection } from '../qc/samples.js';

export interface NamedCovariates {
  /** One row per individual (NaN = missing), as readCovariateFile gives. */
  rows: Float64Array[];
  /** One name per column: the header's, or c1, c2, ... */
  names: string[];
}

/** A first line with any field that is neither a number nor NA is a header. */
function isHeader(fields: string[]): boolean {
  return fields.some((f) => f !== 'NA' && !Number.isFinite(Number(f)));
}

/** Reads a covariate file whose first line may name the columns. */
export function readNamedCovariates(path: string): NamedCovariates {
  const lines = readLines(path, 'covariate file');
  if (lines.length === 0) throw new InputError(path, 'covariate file is empty');
  const first = splitColumns(lines[0], path, 1);
  const header = isHeader(first) ? first : null;
  const rows: Float64Array[] = [];
  let width = header ? header.length : -1;
  lines.forEach((line, k) => {
    if (k === 0 && header) return;
    const f = splitColumns(line, path, k + 1);
    if (f.length === 0) throw new InputError(path, 'empty line (every individual needs a row)', k + 1);
    if (width === -1) width = f.length;
    if (f.length !== width)
      throw new InputError(
        path,
        `${f.length} covariates, but ${header ? 'the header names' : 'earlier rows have'} ${width}`,
        k + 1,
      );
    rows.push(Float64Array.from(f, (v) => parseValue(v, path, k + 1, 'covariate')));
  });
  if (rows.length === 0) throw new InputError(path, 'covariate file has a header but no rows');
  return { rows, names: header ?? Array.from({ length: width }, (_, k) => `c${k + 1}`) };
}

/**
 * Names of the fixed effects in the order selectSamples put the columns: the file's columns, then
 * "intercept" when a column of 1s was appended; a lone constant column (or all-constant columns,
 * which GEMMA collapses to one column of 1s) is "intercept".
 */
export function fixedEffectNames(fileNames: readonly string[] | null, selection: SampleSelection): string[] {
  if (!fileNames) return ['intercept'];
  if (selection.interceptAppended) return [...fileNames, 'intercept'];
  if (selection.nCvt !== fileNames.length || fileNames.length === 1) return ['intercept'];
  return [...fileNames];
}
