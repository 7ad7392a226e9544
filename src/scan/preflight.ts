/**
 * Checks a job's settings and that every input it names exists, before an engine starts or a genotype
 * is read: a forgotten -k or a mistyped path fails at once, naming the flag or the file.
 */
import { requireFile } from '../io/text-file.js';
import { UsageError } from '../io/input-error.js';
import type { ScanConfig } from './config.js';
import { checkModes } from './phase-prepare.js';

/** Throws a UsageError for a missing or contradictory setting, an InputError for a missing input file. */
export function checkScanConfig(config: ScanConfig): void {
  checkModes(config);
  const kinshipGiven = config.kinship || config.eigenValuesFile || config.eigenVectorsFile || config.groups;
  if (config.lmm !== undefined && !config.loco && !kinshipGiven) {
    throw new UsageError('an LMM needs a kinship: -k FILE, -d/-u, or --groups');
  }
  if (config.writeEigen && !kinshipGiven) throw new UsageError('-eigen needs a kinship: -k FILE');
  if (!config.eigenValuesFile !== !config.eigenVectorsFile) throw new UsageError('-d and -u must be given together');
  if (!config.bfile && !config.geno) throw new UsageError('no genotypes: give -bfile PREFIX or -g FILE');
  if (config.geno && !config.pheno) throw new UsageError('BIMBAM input (-g) needs a phenotype file (-p)');
  const files: [string | undefined, string][] = [
    [config.bfile && `${config.bfile}.bim`, '.bim file'],
    [config.bfile && `${config.bfile}.fam`, '.fam file'],
    [config.bfile && `${config.bfile}.bed`, '.bed file'],
    [config.geno, 'genotype file'],
    [config.pheno, 'phenotype file'],
    [config.anno, 'annotation file'],
    [config.covariates, 'covariate file'],
    [config.kinship, 'kinship matrix'],
    [config.eigenValuesFile, 'eigenvalue file'],
    [config.eigenVectorsFile, 'eigenvector file'],
    [config.groups, 'group file'],
  ];
  for (const [path, what] of files) if (path) requireFile(path, what);
}
