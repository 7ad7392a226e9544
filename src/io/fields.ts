/** Parsing single numeric fields with GEMMA's missing-value conventions, strictly (no silent atof zeros). */
import { InputError, shown } from './input-error.js';

/** A number, or NaN for "NA" (and for any of `extraMissing`); anything non-numeric is an InputError. */
export function parseValue(
  field: string,
  file: string,
  line: number,
  what: string,
  extraMissing: readonly string[] = [],
): number {
  if (field === 'NA' || extraMissing.includes(field)) return NaN;
  const v = Number(field);
  if (field.length === 0 || !Number.isFinite(v)) {
    throw new InputError(file, `${what} ${shown(field)} is not a number (use NA for missing)`, line);
  }
  return v;
}
