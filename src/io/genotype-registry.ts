/**
 * The registry of genotype formats: picks the reader the command line names and opens it with the
 * sample and SNP selection of the flags. Every caller (scan, cluster steps, --fit) opens genotypes
 * here; a new format is one reader file plus one line in FORMATS (see GenotypeSource's doc comment).
 */
import type { ScanConfig } from '../model/config.js';
import { BGEN_FORMAT } from './bgen.js';
import { BIMBAM_FORMAT } from './bimbam-genotypes.js';
import { sampleChoiceOf, snpChoiceOf } from './genotype-selection.js';
import type { GenotypeFlag, GenotypeFormat, GenotypeSource } from './genotypes.js';
import { UsageError } from './input-error.js';
import { PGEN_FORMAT } from './pgen.js';
import { PLINK_FORMAT } from './plink-genotypes.js';
import { VCF_FORMAT } from './vcf-genotypes.js';

/** Every readable format, in the order the usage message lists them. */
const FORMATS: GenotypeFormat<ScanConfig>[] = [
  PLINK_FORMAT,
  BIMBAM_FORMAT,
  VCF_FORMAT,
  BGEN_FORMAT,
  PGEN_FORMAT,
];

/** The format the config names, or undefined when it names none; two formats are a UsageError. */
export function genotypeFormatOf(config: ScanConfig): GenotypeFormat<ScanConfig> | undefined {
  const given = FORMATS.filter((f) => f.given(config));
  if (given.length > 1) {
    throw new UsageError(`give one genotype input, not ${given.map((f) => f.name).join(' and ')}`);
  }
  return given[0];
}

/** The flags the formats declare themselves (listed by --help, parsed into ScanConfig.genotypeOptions). */
export function genotypeFormatFlags(): GenotypeFlag[] {
  return FORMATS.flatMap((f) => f.flags ?? []);
}

/** The usage hint listing every genotype flag. */
export function genotypeFlagsHint(): string {
  return FORMATS.map((f) => f.name).join(', ');
}

/** Files the config's genotype format reads (none when it names no genotypes). */
export function genotypeFiles(config: ScanConfig): string[] {
  return genotypeFormatOf(config)?.files(config) ?? [];
}

/**
 * Opens the genotypes the config names, with --keep/--remove and the SNP selection applied.
 * `nSamples` is the sample count of a format that names no samples (BIMBAM: the -p rows), `firstRows`
 * its rows kept by GEMMA's -nind.
 */
export function openGenotypes(config: ScanConfig, nSamples?: number, firstRows?: number): GenotypeSource {
  const format = genotypeFormatOf(config);
  if (!format) throw new UsageError(`no genotypes: give one of ${genotypeFlagsHint()}`);
  for (const other of FORMATS) {
    if (other === format) continue;
    const stray = (other.flags ?? []).find((f) => config.genotypeOptions?.[f.name] !== undefined);
    if (stray) throw new UsageError(`--${stray.name} goes with ${other.name}, not ${format.name}`);
  }
  const samples = sampleChoiceOf(config);
  if (samples && !format.hasSampleIds) {
    throw new UsageError(`--keep / --remove need sample IDs, which ${format.name} files do not carry`);
  }
  return format.open(config, { samples, snps: snpChoiceOf(config), nSamples, firstRows });
}
