/**
 * Opens the genotype source and decides the analysed individuals, covariates and phenotypes
 * (the "read" step of the data flow).
 */
import { readCovariateFile, readPhenotypeFile, genotypeSamples } from '../io/bimbam.js';
import {
  genotypeFiles,
  genotypeFlagsHint,
  genotypeFormatOf,
  openGenotypes,
} from '../io/genotype-registry.js';
import type { GenotypeSource } from '../io/genotypes.js';
import { InputError, UsageError } from '../io/input-error.js';
import { selectSamples, type SampleSelection } from '../qc/samples.js';
import { readLines, splitColumns } from '../io/text-file.js';
import { matchSamples, readSampleIds, readSampleTable, type SampleTable } from '../io/sample-table.js';
import type { KinshipRows } from './prepare.js';
import { groupByMissingness, parseTraitSpec } from './traits.js';
import { maskMissingGroups, readGroupFile } from '../kinship/groups.js';
import type { ScanConfig } from '../model/config.js';
import { gemmaFirstRows } from './first-rows.js';
import { readColumnFile } from '../io/column-file.js';
import { GXE_NOTE } from './gxe.js';

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
  /** The -k rows of the genotype samples when the matrix is not in their order (--keep, --kinship-ids). */
  kinshipRows?: KinshipRows;
  /** -widv: each genotype sample's residual weight (NaN: missing, not analysed). */
  weights?: Float64Array;
}

export interface TraitGroup {
  selection: SampleSelection;
  /** -gxe: each genotype sample's environment value (NaN: missing, not analysed). */
  environment?: Float64Array;
  /** Columns of this group's traits (selection.phenotypes[t] is column traitColumns[t]). */
  traitColumns: number[];
}

/** Number of phenotype columns: fields of the -p file's first line, or the genotype file's own columns. */
function availableColumns(config: ScanConfig, source: GenotypeSource): number {
  if (config.pheno)
    return splitColumns(readLines(config.pheno, 'phenotype file')[0] ?? '', config.pheno, 1).length;
  return source.embeddedPhenotypes?.count ?? 0;
}

/** Columns of an ID-keyed table (1-based after the IDs) chosen by names or a number list, else `fallback`. */
function tableColumns(
  table: SampleTable,
  names: string[] | undefined,
  numbers: string | undefined,
  flag: string,
  fallback: () => number[],
): number[] {
  if (names) {
    return names.map((name) => {
      const k = table.names.indexOf(name);
      if (k < 0) {
        throw new InputError(
          table.file,
          `no column named ${name} (--${flag}-name; the columns are ${table.names.join(', ')})`,
        );
      }
      return k + 1;
    });
  }
  if (numbers) return parseTraitSpec(numbers, table.names.length);
  return fallback();
}

/** The analysed trait columns: --pheno-name / --pheno-col-nums, --traits SPEC, else -n. */
function traitColumnsOf(config: ScanConfig, source: GenotypeSource, table: SampleTable | null): number[] {
  if (table) {
    return tableColumns(table, config.phenoNames, config.phenoColNums, 'pheno', () =>
      config.traits ? parseTraitSpec(config.traits, table.names.length) : config.phenotypeColumns,
    );
  }
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
  joint: boolean,
): TraitGroup[] {
  if (covariates && covariates.length !== nTotal) {
    throw new InputError(
      covariateFile ?? 'covariates',
      `has ${covariates.length} rows but the genotypes have ${nTotal} individuals`,
    );
  }
  const covariateMissing = covariates
    ? Uint8Array.from(covariates, (row) => (row.some((v) => Number.isNaN(v)) ? 1 : 0))
    : null;
  // The multivariate LMM analyses its traits together: GEMMA drops anyone missing any of them.
  const groups = joint ? [phenotypes.map((_, t) => t)] : groupByMissingness(phenotypes, covariateMissing);
  return groups.map((members) => ({
    traitColumns: members.map((t) => columns[t]),
    selection: selectSamples({
      nTotal,
      phenotypes: members.map((t) => phenotypes[t]),
      phenotypeFile:
        members.length === 1 ? `${phenotypeFile} (column ${columns[members[0]]})` : phenotypeFile,
      covariateRows: covariates,
      covariateFile,
    }),
  }));
}

/** The rows of a row-aligned file (-p, -c: one row per sample of the genotype file) for the chosen samples. */
function chosenRows<T>(rows: T[], source: GenotypeSource, file: string): T[] {
  if (rows.length !== source.samplesInFile) {
    throw new InputError(
      file,
      `has ${rows.length} rows but the genotypes have ${source.samplesInFile} individuals`,
    );
  }
  if (source.nSamples === source.samplesInFile) return rows;
  return Array.from(source.sampleRows, (i) => rows[i]);
}

/** A one-column per-individual file (-gxe, -widv) over the source's samples. */
function sampleColumn(path: string, what: string, source: GenotypeSource): Float64Array {
  return Float64Array.from(chosenRows(Array.from(readColumnFile(path, what)), source, path));
}

/** Values of a table's chosen columns (1-based) for the source's samples, NaN where a sample has no row. */
function tableValues(
  table: SampleTable,
  columns: number[],
  source: GenotypeSource,
  notes: string[],
): Float64Array[] {
  const { rowOf, unmatched } = matchSamples(source.sampleIds!, table.ids, table.file, table.lines);
  if (unmatched > 0)
    notes.push(`${unmatched} sample IDs of ${table.file} are not among the genotype samples (ignored)`);
  return columns.map((c) => {
    if (c > table.names.length) {
      throw new InputError(table.file, `no column ${c} (the table has ${table.names.length} after the IDs)`);
    }
    const column = table.values[c - 1];
    return Float64Array.from(rowOf, (r) => (r >= 0 ? column[r] : NaN));
  });
}

/** Phenotype values over the source's samples, and the file they came from. */
function readTraits(
  config: ScanConfig,
  source: GenotypeSource,
  columns: number[],
  table: SampleTable | null,
  notes: string[],
): { values: Float64Array[]; file: string } {
  if (table) return { values: tableValues(table, columns, source, notes), file: table.file };
  if (config.pheno) {
    const values = readPhenotypeFile(config.pheno, columns);
    if (source.nSamples === source.samplesInFile || values.length === 0)
      return { values, file: config.pheno };
    return {
      values: values.map((v) => Float64Array.from(chosenRows(Array.from(v), source, config.pheno!))),
      file: config.pheno,
    };
  }
  const embedded = source.embeddedPhenotypes;
  if (!embedded) {
    throw new UsageError(`${source.format} genotypes carry no phenotypes: give -p FILE or --pheno FILE`);
  }
  return { values: embedded.read(columns), file: embedded.file };
}

/** Covariate rows over the source's samples (-c by row, --covar by ID), or null for none. */
function readCovariates(
  config: ScanConfig,
  source: GenotypeSource,
  notes: string[],
): { rows: Float64Array[] | null; file?: string } {
  if (config.covariates)
    return {
      rows: chosenRows(readCovariateFile(config.covariates).rows, source, config.covariates),
      file: config.covariates,
    };
  if (!config.covarTable) return { rows: null };
  const table = readSampleTable(config.covarTable, 'covariate table');
  const columns = tableColumns(table, config.covarNames, config.covarColNums, 'covar', () =>
    table.names.map((_, k) => k + 1),
  );
  const values = tableValues(table, columns, source, notes);
  const rows = Array.from({ length: source.nSamples }, (_, i) => Float64Array.from(values, (v) => v[i]));
  return { rows, file: config.covarTable };
}

/** Which rows of the -k matrix belong to the source's samples, when not simply all of them in order. */
function kinshipRowsOf(config: ScanConfig, source: GenotypeSource): KinshipRows | undefined {
  if (!config.kinship) {
    if (config.kinshipIds) throw new UsageError('--kinship-ids names the rows of a -k matrix: give -k FILE');
    return undefined;
  }
  if (config.kinshipIds) {
    if (!source.sampleIds) {
      throw new UsageError(`--kinship-ids matches samples by ID, which ${source.format} files do not carry`);
    }
    const ids = readSampleIds(config.kinshipIds);
    const { rowOf } = matchSamples(source.sampleIds, ids, config.kinshipIds);
    const missing = rowOf.indexOf(-1);
    if (missing >= 0) {
      throw new InputError(
        config.kinshipIds,
        `genotype sample ${source.sampleIds[missing].iid} is not listed (the -k matrix has no row for it)`,
      );
    }
    return { size: ids.length, rows: rowOf };
  }
  // GEMMA's -nind reads a kinship of the kept rows only (the first N): no rows to pick.
  if (source.nSamples === source.samplesInFile || config.nind !== undefined) return undefined;
  return { size: source.samplesInFile, rows: source.sampleRows };
}

/** Reads sample-level inputs and opens the genotypes. */
export function openInputs(config: ScanConfig): ScanInputs {
  const format = genotypeFormatOf(config);
  if (!format) throw new UsageError(`no genotypes: give one of ${genotypeFlagsHint()}`);
  if ((config.phenoTable || config.covarTable) && !format.hasSampleIds) {
    throw new UsageError(`--pheno / --covar match samples by ID, which ${format.name} files do not carry`);
  }
  let rowCount: number | undefined;
  if (!format.hasSampleIds) {
    // The genotype file names no samples: there is one per row of the phenotype file.
    if (!config.pheno) throw new UsageError(`${format.name} input needs a phenotype file (-p)`);
    rowCount = readLines(config.pheno, 'phenotype file').length;
    if (rowCount === 0) throw new InputError(config.pheno, 'phenotype file is empty');
    // The genotype rows say how many individuals there are: a phenotype file with a row too many or
    // too few is blamed itself, not the covariates or genotypes compared with it afterwards.
    const nGenotyped = config.geno ? genotypeSamples(config.geno) : undefined;
    if (nGenotyped !== undefined && nGenotyped !== rowCount) {
      throw new InputError(
        config.pheno,
        `has ${rowCount} rows but the genotype file ${config.geno} has ${nGenotyped} individuals`,
      );
    }
  }
  if (config.phenoTable && config.pheno) {
    throw new UsageError('give either -p (rows in genotype order) or --pheno (matched by ID), not both');
  }
  if (config.covarTable && config.covariates) {
    throw new UsageError('give either -c (rows in genotype order) or --covar (matched by ID), not both');
  }
  const notes: string[] = [];
  const firstRows = rowCount === undefined ? undefined : gemmaFirstRows(config, rowCount);
  if (config.nind !== undefined && format.hasSampleIds) {
    if (!config.bfile) throw new UsageError(`-nind (GEMMA's) goes with -g or -bfile, not ${format.name}`);
    notes.push('-nind is ignored with -bfile, as GEMMA 0.98.5 ignores it');
  }
  const source = openGenotypes(config, rowCount, firstRows);
  try {
    const nTotal = source.nSamples;
    if (nTotal === 0) throw new InputError(source.genotypeFile, 'no samples left after --keep / --remove');
    const { rows: covariates, file: covariateFile } = readCovariates(config, source, notes);
    const table = config.phenoTable ? readSampleTable(config.phenoTable, 'phenotype table') : null;
    const columns = traitColumnsOf(config, source, table);
    const { values: phenotypes, file: phenotypeFile } = readTraits(config, source, columns, table, notes);
    const environment = config.gxe ? sampleColumn(config.gxe, 'environment file', source) : undefined;
    if (environment) notes.push(GXE_NOTE);
    const weights = config.widv ? sampleColumn(config.widv, 'weight file', source) : undefined;
    // GEMMA analyses only the individuals with an environment value and a weight.
    for (const column of [environment, weights])
      if (column)
        for (const p of phenotypes)
          for (let i = 0; i < p.length; i++) if (Number.isNaN(column[i])) p[i] = NaN;
    if (config.groups) {
      if (nTotal !== source.samplesInFile) {
        throw new UsageError(
          '--groups with --keep / --remove is not supported: subset the group file instead',
        );
      }
      maskMissingGroups(readGroupFile(config.groups), phenotypes, config.groups, phenotypeFile);
    }
    const groups = groupTraits(
      nTotal,
      columns,
      phenotypes,
      phenotypeFile,
      covariates,
      covariateFile,
      !config.traits && columns.length > 1,
    );
    const kinshipRows = kinshipRowsOf(config, source);
    if (environment) for (const group of groups) group.environment = environment;
    return {
      source,
      selection: groups[0].selection,
      groups,
      weights,
      traitColumns: columns,
      snpsInFile: source.snpCount,
      notes,
      kinshipRows,
    };
  } catch (e) {
    source.close();
    throw e;
  }
}

/** Every input file the config names, with what it is (for messages), in a fixed order (the resume identity). */
export function namedInputs(config: ScanConfig): { path: string; role: string }[] {
  const genotypes = genotypeFiles(config).map((path) => ({
    path,
    role:
      config.bfile && path.startsWith(`${config.bfile}.`)
        ? `${path.slice(config.bfile.length)} file`
        : 'genotype file',
  }));
  const others: [string | undefined, string][] = [
    [config.pheno, 'phenotype file'],
    [config.anno, 'annotation file'],
    [config.covariates, 'covariate file'],
    [config.kinship, 'kinship matrix'],
    [config.eigenValuesFile, 'eigenvalue file'],
    [config.eigenVectorsFile, 'eigenvector file'],
    [config.groups, 'group file'],
    [config.keep, 'sample list'],
    [config.remove, 'sample list'],
    [config.extract, 'SNP list'],
    [config.exclude, 'SNP list'],
    [config.snps, 'SNP list'],
    [config.ksnps, 'SNP list'],
    [config.phenoTable, 'phenotype table'],
    [config.covarTable, 'covariate table'],
    [config.kinshipIds, 'kinship ID file'],
    [config.gxe, 'environment file'],
    [config.widv, 'weight file'],
  ];
  return [
    ...genotypes,
    ...others.filter(([path]) => Boolean(path)).map(([path, role]) => ({ path: path!, role })),
  ];
}

/** The paths of namedInputs(config). */
export function inputFiles(config: ScanConfig): string[] {
  return namedInputs(config).map((input) => input.path);
}

/** The settings besides files that choose samples, SNPs, traits and dosages (only those given). */
export function selectionSettings(config: ScanConfig): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    chr: config.chr,
    fromBp: config.fromBp,
    toBp: config.toBp,
    genotypeOptions: config.genotypeOptions,
    phenoNames: config.phenoNames,
    phenoColNums: config.phenoColNums,
    covarNames: config.covarNames,
    covarColNums: config.covarColNums,
    nind: config.nind,
    kinshipFormat: config.kinshipFormat,
  };
  for (const key of Object.keys(settings)) if (settings[key] === undefined) delete settings[key];
  return settings;
}
