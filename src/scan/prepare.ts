/**
 * The prepare phase of an LMM scan: K for the analysed individuals (double-centred), its
 * eigendecomposition, rotation of covariates and traits, and each trait's null model -> a ScanPlan.
 */
import type { Eigen, Engine } from '../engines/engine.js';
import { weightEigenvectors, weightKinship } from '../linalg/residual-weights.js';
import { InputError, UsageError } from '../io/input-error.js';
import { readSquareMatrix, readVector } from '../io/matrix-file.js';
import { doubleCentre, subsetSquare, subsetSquareInPlace } from '../linalg/centre.js';
import type { SampleSelection } from '../qc/samples.js';
import { fitNullModel } from '../stats/null-model.js';
import type { LmmTestMode, ScanPlan } from '../model/plan.js';
import type { LambdaSearch } from '../model/settings.js';
import { ZERO_EIGENVALUE } from '../model/settings.js';
import { mark } from '../io/timeline.js';
import { recycleBlockBuffer } from '../io/block-buffers.js';

/** The -k matrix's rows of the genotype samples, in their order, when the matrix is not simply in it. */
export interface KinshipRows {
  /** Rows (and columns) of the matrix in the file. */
  size: number;
  /** Matrix row of each genotype sample. */
  rows: Int32Array;
}

export interface KinshipSource {
  /** Full kinship over all individuals (row-major nTotal x nTotal), from -k or computed. */
  kinship?: Float64Array;
  kinshipFile?: string;
  kinshipRows?: KinshipRows;
  eigenValuesFile?: string;
  eigenVectorsFile?: string;
  /** No progress on stderr while a large file is read. */
  quiet?: boolean;
  /** -widv: a residual weight per genotype sample (GEMMA scales K and its eigenvectors with them). */
  weights?: Float64Array;
}

/** Below this (relative to the largest eigenvalue, at least GEMMA's absolute 1e-10) an eigenvalue is negative, not rounding. */
const NEGATIVE_EIGENVALUE = 1e-10;

/**
 * GEMMA's check of K (validate_K): more than one clearly negative eigenvalue means K is not a
 * kinship (not positive semi-definite), and the variance components fitted with it mean little.
 * Returns the warning, or undefined. The double centring leaves one eigenvalue at zero, which
 * rounding may put just below it: hence "more than one", as GEMMA counts.
 */
export function negativeEigenvalueWarning(values: Float64Array, what: string): string | undefined {
  let largest = 0;
  for (const v of values) largest = Math.max(largest, Math.abs(v));
  const threshold = -NEGATIVE_EIGENVALUE * Math.max(1, largest);
  let count = 0;
  let smallest = 0;
  for (const v of values) {
    if (v < threshold) count++;
    smallest = Math.min(smallest, v);
  }
  if (count <= 1) return undefined;
  return `WARNING: ${what} has ${count} negative eigenvalues (smallest ${smallest.toPrecision(4)}): it is not positive semi-definite, so it is not a kinship matrix; GEMMA warns "K has more than one negative eigenvalues!"; vg, pve and se(pve) may be meaningless`;
}

/**
 * Eigendecomposition of the centred analysed sub-matrix of K, or the -d/-u files as given; `warn`
 * receives the warning of a K with negative eigenvalues; `handedOver` is called once this thread is free
 * while the engine's threads go on: when they parse a K (or -u) file's text (readSquareMatrix's textRead),
 * else when K is read and given to the engine to decompose. It may be called twice, or not at all (-d/-u
 * read here).
 */
export async function eigenForAnalysed(
  source: KinshipSource,
  selection: SampleSelection,
  engine: Engine,
  warn?: (message: string) => void,
  handedOver?: () => void,
): Promise<Eigen> {
  const n = selection.nAnalysed;
  if (source.eigenValuesFile || source.eigenVectorsFile) {
    if (!source.eigenValuesFile || !source.eigenVectorsFile)
      throw new UsageError('-d and -u must be given together');
    const values = await readVector(source.eigenValuesFile, 'eigenvalue file');
    const vectors = await readSquareMatrix(source.eigenVectorsFile, 'eigenvector file', {
      quiet: source.quiet,
      likelySize: n,
      parseRows: engine.parseMatrixRows?.bind(engine),
      textRead: handedOver,
    });
    if (values.length !== n)
      throw new InputError(
        source.eigenValuesFile,
        `has ${values.length} eigenvalues but ${n} individuals are analysed`,
      );
    if (vectors.n !== n)
      throw new InputError(
        source.eigenVectorsFile,
        `is ${vectors.n} x ${vectors.n} but ${n} individuals are analysed`,
      );
    const warning = negativeEigenvalueWarning(values, `the eigendecomposition ${source.eigenValuesFile}`);
    if (warning) warn?.(warning);
    for (let i = 0; i < n; i++) if (values[i] < ZERO_EIGENVALUE) values[i] = 0;
    return { values, vectors: vectors.data };
  }
  // No name in this frame holds K or its centred copy across the await: the collector may free a K read
  // from a file (8 n^2 bytes) while the eigensolver runs, and the centred copy once it is in shared memory.
  const weights = source.weights ? analysedValues(source.weights, selection) : undefined;
  const centred = engine.eigen(
    await centredAnalysed(source, selection, engine, weights, handedOver),
    n,
    true,
  );
  mark('K with the engine, eigendecomposition starts');
  handedOver?.();
  const eigen = await centred;
  const warning = negativeEigenvalueWarning(
    eigen.values,
    `the kinship ${source.kinshipFile ?? '(from --groups)'}`,
  );
  if (warning) warn?.(warning);
  for (let i = 0; i < n; i++) if (eigen.values[i] < ZERO_EIGENVALUE) eigen.values[i] = 0;
  if (weights) weightEigenvectors(eigen.vectors, weights);
  return eigen;
}

/** The values of the analysed individuals, in order. */
function analysedValues(values: Float64Array, selection: SampleSelection): Float64Array {
  const out = new Float64Array(selection.nAnalysed);
  let k = 0;
  for (let i = 0; i < selection.nTotal; i++) if (selection.analysed[i]) out[k++] = values[i];
  return out;
}

/**
 * The analysed individuals' K, double-centred (row-major nAnalysed x nAnalysed) and scaled by -widv's
 * weights when given, from the source's K or file: a new array, but made with no more n x n arrays than it
 * needs (K read from the file is centred in place; the sub-matrix is taken only if someone is left out).
 */
async function centredAnalysed(
  source: KinshipSource,
  selection: SampleSelection,
  engine: Engine,
  weights?: Float64Array,
  textRead?: () => void,
): Promise<Float64Array> {
  let full = source.kinship;
  // Whether `full` is this function's own array (read here), which it may overwrite.
  let own = !full;
  if (!full) {
    if (!source.kinshipFile) throw new UsageError('an LMM needs a kinship: -k FILE, -d/-u, or --groups');
    const rows = source.kinshipRows;
    full = (
      await readSquareMatrix(source.kinshipFile, 'kinship matrix', {
        expectedSize: rows?.size ?? selection.nTotal,
        symmetric: true,
        quiet: source.quiet,
        parseRows: engine.parseMatrixRows?.bind(engine),
        textRead,
      })
    ).data;
    if (rows) full = pickSquare(full, rows.size, rows.rows);
  }
  const n = selection.nAnalysed;
  // A K of this function's own may be centred in place by the engine's threads, which wait for it.
  const onEngine = own ? await engine.centreAnalysed?.(full, selection.nTotal, selection.analysed) : null;
  if (onEngine) {
    if (weights) weightKinship(onEngine, weights);
    return onEngine;
  }
  if (n !== selection.nTotal) {
    // A K read here is this function's own: its analysed part moves into its first n^2 values.
    full = own
      ? subsetSquareInPlace(full, selection.nTotal, selection.analysed)
      : subsetSquare(full, selection.nTotal, selection.analysed);
    own = true;
  }
  const centred = doubleCentre(full, n, own ? full : undefined);
  if (weights) weightKinship(centred, weights);
  return centred;
}

/** The rows and columns `rows` (in that order) of a row-major size x size matrix. */
function pickSquare(matrix: Float64Array, size: number, rows: Int32Array): Float64Array {
  const n = rows.length;
  const out = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) out[a * n + b] = matrix[rows[a] * size + rows[b]];
  return out;
}

/**
 * Rotates the covariates once and the selection's traits as one matrix, fits each trait's null model, and freezes
 * the unit's plan (a single-trait run is its one-column case).
 */
export async function buildPlan(
  eigen: Eigen,
  selection: SampleSelection,
  testMode: LmmTestMode,
  search: LambdaSearch,
  engine: Engine,
): Promise<ScanPlan> {
  const n = selection.nAnalysed;
  const traits = selection.phenotypes.length;
  const nCvt = selection.nCvt;
  const columns = new Float64Array(n * (nCvt + traits));
  columns.set(selection.covariates.subarray(0, n * nCvt));
  selection.phenotypes.forEach((y, t) => columns.set(y, (nCvt + t) * n));
  // One rotation for the covariates and every trait (one copy of U to the engine, not two): engines sum each
  // column in the same order whatever the block's width (the wasm GEMM: test/engines/wasm/gemm-order.test.ts), so
  // each column is bitwise its rotation on its own.
  const rotated = await engine.rotate(eigen.vectors, n, columns, nCvt + traits);
  const rotatedCovariates = rotated.slice(0, n * nCvt);
  const rotatedPhenotypes = rotated.slice(n * nCvt, n * (nCvt + traits));
  recycleBlockBuffer(rotated);
  const nullModels = Array.from({ length: traits }, (_, t) =>
    fitNullModel(
      eigen.values,
      rotatedCovariates,
      rotatedPhenotypes.subarray(t * n, (t + 1) * n),
      selection.nCvt,
      search,
    ),
  );
  return {
    n,
    nCvt: selection.nCvt,
    eigenvalues: eigen.values,
    eigenvectors: eigen.vectors,
    rotatedCovariates,
    traits,
    rotatedPhenotypes,
    nullModels,
    testMode,
    search,
  };
}
