/** Kinship sub-matrix for the analysed individuals, double-centred as GEMMA's CenterMatrix does before the eigendecomposition. */

/** [start, end) of each run of kept individuals, and how many are kept. */
function keptRuns(nTotal: number, keep: Uint8Array): { runs: number[]; n: number } {
  const runs: number[] = [];
  for (let i = 0; i < nTotal; i++) {
    if (!keep[i]) continue;
    let j = i + 1;
    while (j < nTotal && keep[j]) j++;
    runs.push(i, j);
    i = j;
  }
  let n = 0;
  for (let r = 0; r < runs.length; r += 2) n += runs[r + 1] - runs[r];
  return { runs, n };
}

/** Rows/columns of the analysed individuals (mask over all individuals) of a row-major nTotal x nTotal matrix. */
export function subsetSquare(matrix: Float64Array, nTotal: number, keep: Uint8Array): Float64Array {
  // Runs of kept columns, copied a run at a time: a row is a few runs when few individuals are left out.
  const { runs, n } = keptRuns(nTotal, keep);
  const out = new Float64Array(n * n);
  if (runs.length > n / 4) return subsetByIndex(matrix, nTotal, runs, n, out);
  let at = 0;
  for (let r = 0; r < runs.length; r += 2)
    for (let row = runs[r]; row < runs[r + 1]; row++)
      for (let q = 0; q < runs.length; q += 2) {
        const from = row * nTotal;
        out.set(matrix.subarray(from + runs[q], from + runs[q + 1]), at);
        at += runs[q + 1] - runs[q];
      }
  return out;
}

/**
 * subsetSquare() moved into the first n^2 values of `matrix` itself (an array its caller owns and no longer reads
 * whole), returned as a view of them: no second n x n array, whose fresh pages cost more than the copy (n = 4,000:
 * about 0.4 s of page faults on the main thread). Each value moves to an index no larger than its own, in order, so
 * no value is overwritten before it is read.
 */
export function subsetSquareInPlace(matrix: Float64Array, nTotal: number, keep: Uint8Array): Float64Array {
  const { runs, n } = keptRuns(nTotal, keep);
  let at = 0;
  if (runs.length > n / 4) {
    for (let r = 0; r < runs.length; r += 2)
      for (let row = runs[r]; row < runs[r + 1]; row++)
        for (let q = 0; q < runs.length; q += 2)
          for (let c = row * nTotal + runs[q], end = row * nTotal + runs[q + 1]; c < end; c++)
            matrix[at++] = matrix[c];
  } else {
    for (let r = 0; r < runs.length; r += 2)
      for (let row = runs[r]; row < runs[r + 1]; row++)
        for (let q = 0; q < runs.length; q += 2) {
          const from = row * nTotal;
          matrix.copyWithin(at, from + runs[q], from + runs[q + 1]);
          at += runs[q + 1] - runs[q];
        }
  }
  return matrix.subarray(0, n * n);
}

/** subsetSquare() value by value: for short runs (many individuals left out here and there). */
function subsetByIndex(
  matrix: Float64Array,
  nTotal: number,
  runs: number[],
  n: number,
  out: Float64Array,
): Float64Array {
  const idx = new Int32Array(n);
  let k = 0;
  for (let r = 0; r < runs.length; r += 2) for (let i = runs[r]; i < runs[r + 1]; i++) idx[k++] = i;
  for (let a = 0; a < n; a++) {
    const row = idx[a] * nTotal;
    for (let b = 0; b < n; b++) out[a * n + b] = matrix[row + idx[b]];
  }
  return out;
}

/**
 * G <- G - (G1 1' + 1 1'G)/n + (1'G1/n^2) 1 1', symmetrised from the upper triangle (GEMMA's CenterMatrix).
 * `out` may be `matrix` itself (the same bits: each upper entry is read before it is written, and the lower
 * entries written are never read).
 */
export function doubleCentre(
  matrix: Float64Array,
  n: number,
  out: Float64Array = new Float64Array(n * n),
): Float64Array {
  const rowSums = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += matrix[i * n + k];
    rowSums[i] = s;
    total += s;
  }
  const grand = total / (n * n);
  for (let i = 0; i < n; i++) {
    for (let k = i; k < n; k++) {
      const v = matrix[i * n + k] - (rowSums[i] + rowSums[k]) / n + grand;
      out[i * n + k] = v;
      out[k * n + i] = v;
    }
  }
  return out;
}
