/**
 * The sample-level inputs of --fit: phenotype (-p, or the .fam of -bfile), covariates with optional
 * names (-c), and the kinship (--groups, -k, or -gk from genotypes), subset to the analysed individuals.
 * Unlike the scan, K is used as given: no double-centring (see README, "Differences from GEMMA").
 */
import type { Engine } from '../engines/engine.js';
import { readPhenotypeFile } from '../io/bimbam.js';
import { genotypeFlagsHint, genotypeFormatOf, openGenotypes } from '../io/genotype-registry.js';
import type { GenotypeSource } from '../io/genotypes.js';
import { readSnpIds } from '../io/genotype-selection.js';
import { InputError, UsageError } from '../io/input-error.js';
import { readSquareMatrix } from '../io/matrix-file.js';
import { readFam } from '../io/plink.js';
import { subsetSquare } from '../linalg/centre.js';
import { selectSamples, type SampleSelection } from '../qc/samples.js';
import { DEFAULT_BLOCK_SIZE, type ScanConfig } from '../model/config.js';
import { runSnpPass, useKinshipOf } from '../scan/snp-pass.js';
import { fixedEffectNames, readNamedCovariates } from './covariate-names.js';
import { groupKinship, maskMissingGroups, readGroupFile } from '../kinship/groups.js';

export interface FitInputs {
  selection: SampleSelection;
  /** Names of the fixed effects, in the order of selection.covariates. */
  fixedNames: string[];
  /** K over the analysed individuals, row-major n x n, as given (not centred). */
  kinship: Float64Array;
  /** Where K came from, for the table: "groups (4 groups)", "kinship file K.txt", ... */
  kinshipSource: string;
}

function readPhenotypes(config: ScanConfig): { phenotypes: Float64Array[]; file: string } {
  if (config.pheno)
    return { phenotypes: readPhenotypeFile(config.pheno, config.phenotypeColumns), file: config.pheno };
  if (config.bfile) {
    const fam = `${config.bfile}.fam`;
    return { phenotypes: readFam(fam, config.phenotypeColumns).phenotypes, file: fam };
  }
  throw new UsageError('--fit needs a phenotype: -p FILE (or -bfile PREFIX with the phenotype in the .fam)');
}

/** The genotypes of -gk with --fit, whose samples must be the phenotype rows, one for one. */
function openFitGenotypes(config: ScanConfig, nTotal: number, phenotypeFile: string): GenotypeSource {
  if (!genotypeFormatOf(config))
    throw new UsageError(`-gk with --fit needs genotypes: one of ${genotypeFlagsHint()}`);
  const source = openGenotypes(config, nTotal);
  if (source.nSamples !== source.samplesInFile) {
    source.close();
    throw new UsageError(
      '--fit does not take --keep / --remove: subset the phenotype and genotype files instead',
    );
  }
  if (source.nSamples !== nTotal) {
    source.close();
    throw new InputError(
      phenotypeFile,
      `has ${nTotal} rows but ${source.genotypeFile} has ${source.nSamples} individuals`,
    );
  }
  return source;
}

/** Reads everything --fit needs and decides the analysed individuals (GEMMA's rules, plus: no group = missing). */
export async function readFitInputs(config: ScanConfig, engine: Engine): Promise<FitInputs> {
  if (config.lmm || config.lm || config.writeEigen)
    throw new UsageError('--fit fits the null model only: give it without -lmm, -lm or -eigen');
  const sources = [config.groups, config.kinship, config.kinshipKind].filter((s) => s !== undefined).length;
  if (sources === 0)
    throw new UsageError(
      '--fit needs a covariance for the random effect: --groups FILE, -k FILE, or -gk 1|2 with genotypes',
    );
  if (sources > 1) throw new UsageError('give only one of --groups, -k and -gk with --fit');
  if (config.eigenValuesFile || config.eigenVectorsFile)
    throw new UsageError('--fit takes K itself (-k or --groups), not -d/-u');
  if (config.phenoTable || config.covarTable || config.kinshipIds)
    throw new UsageError(
      '--fit reads row-aligned files: give -p / -c (not --pheno / --covar / --kinship-ids)',
    );

  const { phenotypes, file: phenotypeFile } = readPhenotypes(config);
  const labels = config.groups ? readGroupFile(config.groups) : null;
  if (labels) maskMissingGroups(labels, phenotypes, config.groups!, phenotypeFile);
  const named = config.covariates ? readNamedCovariates(config.covariates) : null;
  const nTotal = phenotypes[0].length;
  const selection = selectSamples({
    nTotal,
    phenotypes,
    phenotypeFile,
    covariateRows: named ? named.rows : null,
    covariateFile: config.covariates,
  });
  const fixedNames = fixedEffectNames(named ? named.names : null, selection);

  let full: Float64Array | undefined;
  let analysedKinship: Float64Array | undefined;
  let kinshipSource: string;
  if (labels) {
    full = groupKinship(labels);
    const used = new Set(labels.filter((g, i) => g !== null && selection.analysed[i]));
    kinshipSource = `groups from ${config.groups} (${used.size} groups, K = D D')`;
  } else if (config.kinship) {
    full = (
      await readSquareMatrix(config.kinship, 'kinship matrix', {
        expectedSize: nTotal,
        symmetric: true,
        quiet: config.quiet,
      })
    ).data;
    kinshipSource = `kinship ${config.kinship} (as given, not centred)`;
  } else {
    const source = openFitGenotypes(config, nTotal, phenotypeFile);
    try {
      const pass = await runSnpPass(source, [{ selection, traitColumns: config.phenotypeColumns }], {
        filters: config.filters,
        blockSize: config.blockSize ?? DEFAULT_BLOCK_SIZE,
        quiet: config.quiet,
        kinship: { kind: config.kinshipKind!, engine, split: { by: 'none' }, rounded: true },
        kinshipSnps: config.ksnps ? readSnpIds(config.ksnps) : undefined,
      });
      // Subset where K lies (the wasm engine's shared memory): no n x n array beside its sum.
      analysedKinship = await useKinshipOf(pass, (k) => subsetSquare(k, nTotal, selection.analysed));
      if (!analysedKinship) throw new UsageError('no SNP passed the filters: the kinship is undefined');
      kinshipSource = `kinship -gk ${config.kinshipKind} from ${pass.tested[0].indices.length} SNPs (not centred again)`;
    } finally {
      source.close();
    }
  }
  const kinship = analysedKinship ?? subsetSquare(full!, nTotal, selection.analysed);
  return { selection, fixedNames, kinship, kinshipSource };
}
