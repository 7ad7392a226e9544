/**
 * --groups: one group label per individual (the random-intercept model). The kinship it implies is
 * K = D D^T, with D the individuals x groups incidence matrix: K[i][k] = 1 when i and k share a group.
 */
import { InputError } from '../io/input-error.js';
import { readLines, splitFields } from '../io/text-file.js';

/** Group labels in file order (one line per individual, first field); null = missing ("NA"). */
export function readGroupFile(path: string): (string | null)[] {
  const lines = readLines(path, 'group file');
  if (lines.length === 0) throw new InputError(path, 'group file is empty');
  return lines.map((line, k) => {
    const f = splitFields(line);
    if (f.length === 0)
      throw new InputError(path, 'empty line (every individual needs a group label, or NA)', k + 1);
    if (f.length > 1) throw new InputError(path, `expected one group label, found ${f.length} fields`, k + 1);
    return f[0] === 'NA' ? null : f[0];
  });
}

/** Checks the label count against the phenotype rows, and marks individuals without a group missing (NaN) in every trait. */
export function maskMissingGroups(
  labels: readonly (string | null)[],
  phenotypes: Float64Array[],
  groupFile: string,
  phenotypeFile: string,
): void {
  for (const p of phenotypes) {
    if (p.length !== labels.length) {
      throw new InputError(
        groupFile,
        `has ${labels.length} labels but ${phenotypeFile} has ${p.length} individuals`,
      );
    }
    labels.forEach((g, i) => {
      if (g === null) p[i] = NaN;
    });
  }
}

/** K = D D^T over all individuals (row-major nTotal x nTotal); an individual without a group has a zero row. */
export function groupKinship(labels: readonly (string | null)[]): Float64Array {
  const n = labels.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    if (labels[i] === null) continue;
    for (let j = 0; j < n; j++) if (labels[j] === labels[i]) k[i * n + j] = 1;
  }
  return k;
}
