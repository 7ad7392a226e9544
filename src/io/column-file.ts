/**
 * GEMMA's one-column per-individual files (-gxe environment, -widv residual weights; gemma_io.cpp
 * ReadFile_column): one line per individual in genotype order, the first field read, NA missing.
 */
import { parseValue } from './fields.js';
import { InputError } from './input-error.js';
import { readLines, splitFields } from './text-file.js';

/** The first field of each line of `path` (NaN for NA), one value per individual. */
export function readColumnFile(path: string, what: string): Float64Array {
  const lines = readLines(path, what);
  const out = new Float64Array(lines.length);
  lines.forEach((line, k) => {
    const field = splitFields(line.trim())[0];
    if (field === undefined) throw new InputError(path, `${what}: empty line (use NA for missing)`, k + 1);
    out[k] = parseValue(field, path, k + 1, what);
  });
  return out;
}
