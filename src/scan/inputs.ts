/**
 * Opens the genotype source and decides the analysed individuals, covariates and phenotypes
 * (the "read" step of the data flow).
 */
import { readAnnotationFile, readCovariateFile, readPhenotypeFile } from '../io/bimbam.js';
import { BimbamGenotypes, PlinkGenotypes, type GenotypeSource } from '../io/genotypes.js';
import { InputError, UsageError } from '../io/input-error.js';
import { readBim, readFam } from '../io/plink.js';
import { selectSamples, type SampleSelection } from '../qc/samples.js';
import { maskMissingGroups, readGroupFile } from '../fit/groups.js';
import type { ScanConfig } from './config.js';

export interface ScanInputs {
  source: GenotypeSource;
  selection: SampleSelection;
  /** SNPs in the genotype file when known up front (PLINK); BIMBAM learns it while streaming. */
  snpsInFile?: number;
}

/** Reads sample-level inputs and opens the genotypes. */
export function openInputs(config: ScanConfig): ScanInputs {
  const covariates = config.covariates ? readCovariateFile(config.covariates).rows : null;
  if (config.bfile) {
    const prefix = config.bfile;
    const snps = readBim(`${prefix}.bim`);
    if (snps.count === 0) throw new InputError(`${prefix}.bim`, 'no SNPs');
    const fam = readFam(`${prefix}.fam`, config.pheno ? [] : config.phenotypeColumns);
    const nTotal = fam.samples.length;
    if (nTotal === 0) throw new InputError(`${prefix}.fam`, 'no samples');
    const phenotypes = config.pheno ? readPhenotypeFile(config.pheno, config.phenotypeColumns) : fam.phenotypes;
    if (config.groups) maskMissingGroups(readGroupFile(config.groups), phenotypes, config.groups, config.pheno ?? `${prefix}.fam`);
    const selection = selectSamples({
      nTotal,
      phenotypes,
      phenotypeFile: config.pheno ?? `${prefix}.fam`,
      covariateRows: covariates,
      covariateFile: config.covariates,
    });
    return { source: new PlinkGenotypes(`${prefix}.bed`, snps, nTotal), selection, snpsInFile: snps.count };
  }
  if (config.geno) {
    if (!config.pheno) throw new UsageError('BIMBAM input (-g) needs a phenotype file (-p)');
    const phenotypes = readPhenotypeFile(config.pheno, config.phenotypeColumns);
    if (config.groups) maskMissingGroups(readGroupFile(config.groups), phenotypes, config.groups, config.pheno);
    const nTotal = phenotypes[0].length;
    if (nTotal === 0) throw new InputError(config.pheno, 'phenotype file is empty');
    const selection = selectSamples({ nTotal, phenotypes, phenotypeFile: config.pheno, covariateRows: covariates, covariateFile: config.covariates });
    const annotation = config.anno ? readAnnotationFile(config.anno) : null;
    return { source: new BimbamGenotypes(config.geno, nTotal, annotation), selection };
  }
  throw new UsageError('no genotypes: give -bfile PREFIX or -g FILE');
}
