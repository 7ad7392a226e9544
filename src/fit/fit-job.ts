/**
 * lmmscan --fit: reads the inputs, eigendecomposes K (as given), fits the null model by REML or ML,
 * and writes OUTDIR/NAME.fit.json atomically; returns the table printed on stdout.
 */
import { join } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import type { ScanConfig } from '../model/config.js';
import { claimOutputs, unlockOutput } from '../io/output-lock.js';
import { readFitInputs, type FitInputs } from './fit-inputs.js';
import { fitJson, fitTable } from './fit-report.js';
import { orthonormaliseColumns, orthonormalityError } from '../linalg/orthonormalise.js';
import { fitMixedModel, type FitInput, type MixedModelFit } from './mixed-model-fit.js';
import { ZERO_EIGENVALUE } from '../model/settings.js';

/** Eigenvalues below this are set to zero, as GEMMA does. */
/** Above this |U'U - I|, the eigenbasis is repaired (see orthonormalise.ts). */
const ORTHONORMAL_TOLERANCE = 1e-8;

export interface FitJobResult {
  fit: MixedModelFit;
  inputs: FitInputs;
  outputs: string[];
  /** The human-readable table (ends with the files written). */
  table: string;
}

/** Eigendecomposition of K as given (not centred) and the rotated covariates and phenotype. */
export async function rotateForFit(inputs: FitInputs, engine: Engine): Promise<FitInput> {
  const { selection, kinship } = inputs;
  const n = selection.nAnalysed;
  const eigen = await engine.eigen(kinship, n);
  for (let i = 0; i < n; i++) if (eigen.values[i] < ZERO_EIGENVALUE) eigen.values[i] = 0;
  if (orthonormalityError(eigen.vectors, n) > ORTHONORMAL_TOLERANCE) orthonormaliseColumns(eigen.vectors, n);
  const rotatedCovariates = await engine.rotate(eigen.vectors, n, selection.covariates, selection.nCvt);
  const rotatedPhenotype = await engine.rotate(eigen.vectors, n, selection.phenotypes[0], 1);
  return {
    eigenvalues: eigen.values,
    eigenvectors: eigen.vectors,
    rotatedCovariates,
    rotatedPhenotype,
    nCvt: selection.nCvt,
  };
}

/** Fits y = W beta + g + e with g ~ N(0, vg K), K as given, by REML (or ML with config.ml). */
export async function fitFromInputs(
  inputs: FitInputs,
  config: Pick<ScanConfig, 'ml' | 'search'>,
  engine: Engine,
): Promise<MixedModelFit> {
  return fitMixedModel(await rotateForFit(inputs, engine), config.ml ? 'ml' : 'reml', config.search);
}

/** Runs --fit for the first selected phenotype column. */
export async function runFitJob(config: ScanConfig, engine: Engine): Promise<FitJobResult> {
  const lock = claimOutputs(config.outDir, config.outPrefix);
  let inputs: Awaited<ReturnType<typeof readFitInputs>>;
  let fit: Awaited<ReturnType<typeof fitFromInputs>>;
  const path = join(config.outDir, `${config.outPrefix}.fit.json`);
  try {
    inputs = await readFitInputs(config, engine);
    fit = await fitFromInputs(inputs, config, engine);
    writeFileAtomic(path, fitJson(fit, inputs.fixedNames));
  } finally {
    unlockOutput(lock);
  }
  const notes = inputs.selection.interceptAppended
    ? ['no constant covariate column: an intercept (column of 1s) was appended, as GEMMA does']
    : [];
  const table = fitTable(fit, inputs.fixedNames, {
    kinshipSource: inputs.kinshipSource,
    nTotal: inputs.selection.nTotal,
    notes,
    outputs: [path],
  });
  return { fit, inputs, outputs: [path], table };
}
