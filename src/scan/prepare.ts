/**
 * The prepare phase of an LMM scan: K for the analysed individuals (double-centred), its
 * eigendecomposition, rotation of covariates and phenotype, and the null model -> a ScanPlan.
 */
import type { Eigen, Engine } from '../engines/engine.js';
import { InputError, UsageError } from '../io/input-error.js';
import { readSquareMatrix, readVector } from '../io/matrix-file.js';
import { doubleCentre, subsetSquare } from '../linalg/centre.js';
import type { SampleSelection } from '../qc/samples.js';
import { fitNullModel } from '../stats/null-model.js';
import type { LambdaSearch } from '../stats/lambda.js';
import type { LmmTestMode, ScanPlan } from './plan-types.js';

/** Eigenvalues below this are set to zero, as GEMMA does. */
const ZERO_EIGENVALUE = 1e-10;

export interface KinshipSource {
  /** Full kinship over all individuals (row-major nTotal x nTotal), from -k or computed. */
  kinship?: Float64Array;
  kinshipFile?: string;
  eigenValuesFile?: string;
  eigenVectorsFile?: string;
  /** No progress on stderr while a large file is read. */
  quiet?: boolean;
}

/** Eigendecomposition of the centred analysed sub-matrix of K, or the -d/-u files as given. */
export async function eigenForAnalysed(source: KinshipSource, selection: SampleSelection, engine: Engine): Promise<Eigen> {
  const n = selection.nAnalysed;
  if (source.eigenValuesFile || source.eigenVectorsFile) {
    if (!source.eigenValuesFile || !source.eigenVectorsFile) throw new UsageError('-d and -u must be given together');
    const values = await readVector(source.eigenValuesFile, 'eigenvalue file');
    const vectors = await readSquareMatrix(source.eigenVectorsFile, 'eigenvector file', { quiet: source.quiet });
    if (values.length !== n) throw new InputError(source.eigenValuesFile, `has ${values.length} eigenvalues but ${n} individuals are analysed`);
    if (vectors.n !== n) throw new InputError(source.eigenVectorsFile, `is ${vectors.n} x ${vectors.n} but ${n} individuals are analysed`);
    for (let i = 0; i < n; i++) if (values[i] < ZERO_EIGENVALUE) values[i] = 0;
    return { values, vectors: vectors.data };
  }
  // No name in this frame holds K or its centred copy across the await: the collector may free a K read
  // from a file (8 n^2 bytes) while the eigensolver runs, and the centred copy once it is in shared memory.
  const eigen = await engine.eigen(await centredAnalysed(source, selection), n);
  for (let i = 0; i < n; i++) if (eigen.values[i] < ZERO_EIGENVALUE) eigen.values[i] = 0;
  return eigen;
}

/** The analysed individuals' K, double-centred (row-major nAnalysed x nAnalysed), from the source's K or file. */
async function centredAnalysed(source: KinshipSource, selection: SampleSelection): Promise<Float64Array> {
  let full = source.kinship;
  if (!full) {
    if (!source.kinshipFile) throw new UsageError('an LMM needs a kinship: -k FILE, -d/-u, or --groups');
    full = (await readSquareMatrix(source.kinshipFile, 'kinship matrix', { expectedSize: selection.nTotal, symmetric: true, quiet: source.quiet })).data;
  }
  return doubleCentre(subsetSquare(full, selection.nTotal, selection.analysed), selection.nAnalysed);
}

/** Rotates covariates and phenotype, fits the null model, and freezes the plan. */
export async function buildPlan(
  eigen: Eigen,
  selection: SampleSelection,
  trait: number,
  testMode: LmmTestMode,
  search: LambdaSearch,
  engine: Engine,
): Promise<ScanPlan> {
  const n = selection.nAnalysed;
  const rotatedCovariates = await engine.rotate(eigen.vectors, n, selection.covariates, selection.nCvt);
  const rotatedPhenotype = await engine.rotate(eigen.vectors, n, selection.phenotypes[trait], 1);
  const nullModel = fitNullModel(eigen.values, rotatedCovariates, rotatedPhenotype, selection.nCvt, search);
  return {
    n,
    nCvt: selection.nCvt,
    eigenvalues: eigen.values,
    eigenvectors: eigen.vectors,
    rotatedCovariates,
    rotatedPhenotype,
    nullModel,
    testMode,
    search,
  };
}
