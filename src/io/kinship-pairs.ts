/**
 * GEMMA's -km 2 kinship file (gemma_io.cpp ReadFile_kin, v0.98.5): one line per pair of individuals,
 * "ID1 ID2 VALUE" separated by spaces, commas or tabs, IDs being the .fam's individual IDs (IID).
 * Each pair sets K[ID1][ID2] and K[ID2][ID1]; pairs naming an individual not in the genotypes are skipped,
 * pairs not listed (the diagonal included) are 0, and a pair listed again with another value is an error
 * unless its first value was 0 (GEMMA's check).
 */
import type { SampleId } from './genotypes.js';
import { InputError } from './input-error.js';
import { readLines, splitFields } from './text-file.js';

/** The full kinship (row-major n x n over `samples`, in their order) that a -km 2 file gives. */
export function readKinshipPairs(path: string, samples: readonly SampleId[]): Float64Array {
  const n = samples.length;
  const rowOf = new Map<string, number>();
  // GEMMA's map from IID to .fam row: a repeated IID names its last row.
  samples.forEach((s, i) => rowOf.set(s.iid, i));
  const kinship = new Float64Array(n * n);
  readLines(path, 'kinship file (-km 2)').forEach((line, k) => {
    const f = splitFields(line.trim());
    if (f.length === 0) return;
    if (f.length < 3) throw new InputError(path, 'expected ID1 ID2 VALUE (-km 2)', k + 1);
    const value = Number(f[2]);
    if (!Number.isFinite(value))
      throw new InputError(path, `kinship value "${f[2]}" is not a finite number`, k + 1);
    const a = rowOf.get(f[0]);
    const b = rowOf.get(f[1]);
    if (a === undefined || b === undefined) return;
    const at = a * n + b;
    if (kinship[at] !== 0 && kinship[at] !== value) {
      throw new InputError(
        path,
        `the pair ${f[0]} ${f[1]} is listed twice with different values (${kinship[at]} and ${value})`,
        k + 1,
      );
    }
    kinship[at] = kinship[b * n + a] = value;
  });
  return kinship;
}
