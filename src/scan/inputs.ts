/**
 * Opens the genotype source and decides the analysed individuals, covariates and phenotypes
 * (the "read" step of the data flow).
 */
import { readCovariateFile, readPhenotypeFile } from '../io/bimbam.js';
import { genotypeFiles, genotypeFlagsHint, genotypeFormatOf, openGenotypes } from '../io/genotype-registry.js';
import type { GenotypeSource } from '../io/genotypes.js';
import { InputError, UsageError } from '../io/input-error.js';
import { selectSamples, type SampleSelection } from '../qc/samples.js';
import { readLines, splitFields } from '../io/text-file.js';
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
  /** Lines for the log about the sample inputs (e.g. table IDs not in the genotypes). */
  notes: string[];
}

export interface TraitGroup {
  selection: SampleSelection;
  /** Columns of this group's traits (selection.phenotypes[t] is column traitColumns[t]). */
  traitColumns: number[];
}

/** Number of phenotype columns: fields of the -p file's first line, or the genotype file's own columns. */
function availableColumns(config: ScanConfig, source: GenotypeSource): number {
  if (config.pheno) return splitFields(readLines(config.pheno, 'phenotype file')[0] ?? '').length;
  return source.embeddedPhenotypes?.count ?? 0;
}

/** The analysed trait columns: --traits SPEC, else -n. */
function traitColumnsOf(config: ScanConfig, source: GenotypeSource): number[] {
  if (!config.traits) return config.phenotypeColumns;
  return parseTraitSpec(config.traits, availableColumns(config, source));
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

/** The rows of a row-aligned file (-p, -c: one row per sample of the genotype file) for the chosen samples. */
function chosenRows<T>(rows: T[], source: GenotypeSource, file: string): T[] {
  if (rows.length !== source.samplesInFile) {
    throw new InputError(file, `has ${rows.length} rows but the genotypes have ${source.samplesInFile} individuals`);
  }
  if (source.nSamples === source.samplesInFile) return rows;
  return Array.from(source.sampleRows, (i) => rows[i]);
}

/** Phenotype values over the source's samples, and the file they came from. */
function readTraits(config: ScanConfig, source: GenotypeSource, columns: number[]): { values: Float64Array[]; file: string } {
  if (config.pheno) {
    const values = readPhenotypeFile(config.pheno, columns);
    if (source.nSamples === source.samplesInFile || values.length === 0) return { values, file: config.pheno };
    return { values: values.map((v) => Float64Array.from(chosenRows(Array.from(v), source, config.pheno!))), file: config.pheno };
  }
  const embedded = source.embeddedPhenotypes;
  if (!embedded) throw new UsageError(`${source.format} genotypes carry no phenotypes: give -p FILE`);
  return { values: embedded.read(columns), file: embedded.file };
}

/** Reads sample-level inputs and opens the genotypes. */
export function openInputs(config: ScanConfig): ScanInputs {
  const format = genotypeFormatOf(config);
  if (!format) throw new UsageError(`no genotypes: give one of ${genotypeFlagsHint()}`);
  let rowCount: number | undefined;
  if (!format.hasSampleIds) {
    // The genotype file names no samples: there is one per row of the phenotype file.
    if (!config.pheno) throw new UsageError(`${format.name} input needs a phenotype file (-p)`);
    rowCount = readLines(config.pheno, 'phenotype file').length;
    if (rowCount === 0) throw new InputError(config.pheno, 'phenotype file is empty');
  }
  const source = openGenotypes(config, rowCount);
  try {
    const covariates = config.covariates ? chosenRows(readCovariateFile(config.covariates).rows, source, config.covariates) : null;
    const columns = traitColumnsOf(config, source);
    const { values: phenotypes, file: phenotypeFile } = readTraits(config, source, columns);
    const nTotal = source.nSamples;
    if (nTotal === 0) throw new InputError(source.genotypeFile, 'no samples left after --keep / --remove');
    if (config.groups) {
      if (nTotal !== source.samplesInFile) throw new UsageError('--groups with --keep / --remove is not supported: subset the group file instead');
      maskMissingGroups(readGroupFile(config.groups), phenotypes, config.groups, phenotypeFile);
    }
    const groups = groupTraits(nTotal, columns, phenotypes, phenotypeFile, covariates, config.covariates);
    return { source, selection: groups[0].selection, groups, traitColumns: columns, snpsInFile: source.snpCount, notes: [] };
  } catch (e) {
    source.close();
    throw e;
  }
}

/**
 * Every file a run reads, in a fixed order (a plan's and a checkpoint's identity of their inputs):
 * the genotype format's files, then the GEMMA inputs, then the selection and ID-matched tables.
 */
export function inputFiles(config: ScanConfig): string[] {
  const files = [
    ...genotypeFiles(config),
    config.pheno,
    config.anno,
    config.covariates,
    config.kinship,
    config.eigenValuesFile,
    config.eigenVectorsFile,
    config.groups,
    config.keep,
    config.remove,
    config.extract,
    config.exclude,
    config.snps,
    config.ksnps,
    config.phenoTable,
    config.covarTable,
    config.kinshipIds,
  ];
  return files.filter((f): f is string => Boolean(f));
}

/** The settings besides files that choose samples, SNPs, traits and dosages (only those given). */
export function selectionSettings(config: ScanConfig): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    chr: config.chr,
    fromBp: config.fromBp,
    toBp: config.toBp,
    vcfDosage: config.vcfDosage,
    phenoNames: config.phenoNames,
    phenoColNums: config.phenoColNums,
    covarNames: config.covarNames,
    covarColNums: config.covarColNums,
  };
  for (const key of Object.keys(settings)) if (settings[key] === undefined) delete settings[key];
  return settings;
}
