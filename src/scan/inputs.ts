/**
 * Opens the genotype source and decides the analysed individuals, covariates and phenotypes
 * (the "read" step of the data flow).
 */
import { readAnnotationFile, readCovariateFile, readPhenotypeFile } from '../io/bimbam.js';
import { BimbamGenotypes, PlinkGenotypes, type GenotypeSource } from '../io/genotypes.js';
import { InputError, UsageError } from '../io/input-error.js';
import { readBim, readFam } from '../io/plink.js';
import { selectSamples, type SampleSelection } from '../qc/samples.js';
import { readLines, splitFields, splitWhitespace } from '../io/text-file.js';
import { groupByMissingness, parseTraitSpec } from './traits.js';
import { maskMissingGroups, readGroupFile } from '../fit/groups.js';
import type { ScanConfig } from './config.js';

export interface ScanInputs {
  source: GenotypeSource;
  /** The analysed individuals of the first trait group (the only one without --traits). */
  selection: SampleSelection;
  /** One selection per group of traits with the same missingness (GEMMA's -n K run alone for each). */
  groups: TraitGroup[];
  /** Phenotype columns analysed, in order (1-based, as -n). */
  traitColumns: number[];
  /** SNPs in the genotype file when known up front (PLINK); BIMBAM learns it while streaming. */
  snpsInFile?: number;
}

export interface TraitGroup {
  selection: SampleSelection;
  /** Columns of this group's traits (selection.phenotypes[t] is column traitColumns[t]). */
  traitColumns: number[];
}

/** Number of phenotype columns: fields of the -p file's first line, or .fam fields after the fifth. */
function availableColumns(config: ScanConfig): number {
  const path = config.pheno ?? `${config.bfile}.fam`;
  const first = readLines(path, 'phenotype file')[0] ?? '';
  const fields = config.pheno ? splitFields(first) : splitWhitespace(first);
  return config.pheno ? fields.length : Math.max(0, fields.length - 5);
}

/** The analysed trait columns: --traits SPEC, else -n. */
function traitColumnsOf(config: ScanConfig): number[] {
  if (!config.traits) return config.phenotypeColumns;
  return parseTraitSpec(config.traits, availableColumns(config));
}

/** Splits the traits into groups of equal missingness and selects each group's individuals. */
function groupTraits(
  nTotal: number,
  columns: number[],
  phenotypes: Float64Array[],
  phenotypeFile: string,
  covariates: Float64Array[] | null,
  covariateFile: string | undefined,
): TraitGroup[] {
  if (covariates && covariates.length !== nTotal) {
    throw new InputError(covariateFile ?? 'covariates', `has ${covariates.length} rows but the genotypes have ${nTotal} individuals`);
  }
  const covariateMissing = covariates ? Uint8Array.from(covariates, (row) => (row.some((v) => Number.isNaN(v)) ? 1 : 0)) : null;
  return groupByMissingness(phenotypes, covariateMissing).map((members) => ({
    traitColumns: members.map((t) => columns[t]),
    selection: selectSamples({
      nTotal,
      phenotypes: members.map((t) => phenotypes[t]),
      phenotypeFile: members.length === 1 ? `${phenotypeFile} (column ${columns[members[0]]})` : phenotypeFile,
      covariateRows: covariates,
      covariateFile,
    }),
  }));
}

/** Reads sample-level inputs and opens the genotypes. */
export function openInputs(config: ScanConfig): ScanInputs {
  const covariates = config.covariates ? readCovariateFile(config.covariates).rows : null;
  if (config.bfile) {
    const prefix = config.bfile;
    const snps = readBim(`${prefix}.bim`);
    if (snps.count === 0) throw new InputError(`${prefix}.bim`, 'no SNPs');
    const columns = traitColumnsOf(config);
    const fam = readFam(`${prefix}.fam`, config.pheno ? [] : columns);
    const nTotal = fam.samples.length;
    if (nTotal === 0) throw new InputError(`${prefix}.fam`, 'no samples');
    const phenotypes = config.pheno ? readPhenotypeFile(config.pheno, columns) : fam.phenotypes;
    if (config.groups) maskMissingGroups(readGroupFile(config.groups), phenotypes, config.groups, config.pheno ?? `${prefix}.fam`);
    const groups = groupTraits(nTotal, columns, phenotypes, config.pheno ?? `${prefix}.fam`, covariates, config.covariates);
    return { source: new PlinkGenotypes(`${prefix}.bed`, snps, nTotal), selection: groups[0].selection, groups, traitColumns: columns, snpsInFile: snps.count };
  }
  if (config.geno) {
    if (!config.pheno) throw new UsageError('BIMBAM input (-g) needs a phenotype file (-p)');
    const columns = traitColumnsOf(config);
    const phenotypes = readPhenotypeFile(config.pheno, columns);
    if (config.groups) maskMissingGroups(readGroupFile(config.groups), phenotypes, config.groups, config.pheno);
    const nTotal = phenotypes[0].length;
    if (nTotal === 0) throw new InputError(config.pheno, 'phenotype file is empty');
    const groups = groupTraits(nTotal, columns, phenotypes, config.pheno, covariates, config.covariates);
    const annotation = config.anno ? readAnnotationFile(config.anno) : null;
    return { source: new BimbamGenotypes(config.geno, nTotal, annotation, config.anyGenotypeValues), selection: groups[0].selection, groups, traitColumns: columns };
  }
  throw new UsageError('no genotypes: give -bfile PREFIX or -g FILE');
}
