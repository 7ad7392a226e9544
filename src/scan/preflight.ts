/**
 * Checks a job's settings and that every input it names exists, before an engine starts or a genotype
 * is read: a forgotten -k or a mistyped path fails at once, naming the flag or the file.
 */
import { requireFile } from '../io/text-file.js';
import { UsageError } from '../io/input-error.js';
import type { ScanConfig } from '../model/config.js';
import { genotypeFlagsHint, genotypeFormatOf } from '../io/genotype-registry.js';
import { namedInputs } from './inputs.js';
import { checkModes } from './phase-prepare.js';

/** Throws a UsageError for a missing or contradictory setting, an InputError for a missing input file. */
export function checkScanConfig(config: ScanConfig): void {
  checkModes(config);
  const kinshipGiven = config.kinship || config.eigenValuesFile || config.eigenVectorsFile || config.groups;
  if (config.lmm !== undefined && !config.loco && !kinshipGiven) {
    throw new UsageError('an LMM needs a kinship: -k FILE, -d/-u, or --groups');
  }
  if (config.writeEigen && !kinshipGiven) throw new UsageError('-eigen needs a kinship: -k FILE');
  if (!config.eigenValuesFile !== !config.eigenVectorsFile)
    throw new UsageError('-d and -u must be given together');
  const format = genotypeFormatOf(config);
  if (!format) throw new UsageError(`no genotypes: give one of ${genotypeFlagsHint()}`);
  if ((config.phenoTable || config.covarTable) && !format.hasSampleIds) {
    throw new UsageError(`--pheno / --covar match samples by ID, which ${format.name} files do not carry`);
  }
  if (!format.hasSampleIds && !config.pheno)
    throw new UsageError(`${format.name} input needs a phenotype file (-p)`);
  if (config.phenotypeColumns.length > 1 && config.lmm === 9) {
    throw new UsageError('-lmm 9 tests one trait; the multivariate LMM (several -n columns) takes -lmm 1-4');
  }
  // Every named input; a PLINK fileset's .bed after its .bim and .fam (they say what it must hold).
  const inputs = namedInputs(config);
  const bed = inputs.findIndex((i) => config.bfile !== undefined && i.path === `${config.bfile}.bed`);
  if (bed >= 0) inputs.splice(bed + 2, 0, ...inputs.splice(bed, 1));
  for (const { path, role } of inputs) requireFile(path, role);
}
