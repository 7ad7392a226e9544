/** The command-line flags lmmscan accepts (GEMMA's names, with one or two dashes), and their help text. */
import { genotypeFormatFlags } from '../io/genotype-registry.js';

export interface FlagSpec {
  name: string;
  /** Placeholder of the value, or undefined for a switch. */
  value?: string;
  /** The value may be left out (the flag is then a switch). */
  optionalValue?: boolean;
  /** The value may itself start with a dash (e.g. sbatch options). */
  rawValue?: boolean;
  /** Takes every following argument up to the next flag, as GEMMA's -n (stored space separated). */
  list?: boolean;
  /** Other spellings (GEMMA's -b for -bfile, -silence for --quiet, -h for --help). */
  aliases?: string[];
  help: string;
  group: 'input' | 'analysis' | 'filter' | 'output' | 'lmmscan' | 'cluster' | 'gemma';
}

export const FLAGS: FlagSpec[] = [
  {
    name: 'bfile',
    aliases: ['b'],
    value: 'PREFIX',
    help: 'PLINK binary fileset PREFIX.bed/.bim/.fam (phenotype from .fam column 6 unless -p)',
    group: 'input',
  },
  { name: 'g', value: 'FILE', help: 'BIMBAM mean genotype file (plain or .gz)', group: 'input' },
  { name: 'p', value: 'FILE', help: 'phenotype file, one row per individual (NA = missing)', group: 'input' },
  {
    name: 'n',
    value: 'K',
    list: true,
    help: "phenotype column to analyse (default 1); several with -lmm: GEMMA's multivariate LMM of those traits",
    group: 'input',
  },
  { name: 'a', value: 'FILE', help: 'BIMBAM SNP annotation: rs, position, chromosome', group: 'input' },
  {
    name: 'c',
    value: 'FILE',
    help: 'covariate file (an intercept column of 1s is appended if none is constant, as GEMMA)',
    group: 'input',
  },
  { name: 'k', value: 'FILE', help: 'kinship matrix over all individuals (plain or .gz)', group: 'input' },
  { name: 'd', value: 'FILE', help: 'eigenvalues of the kinship (with -u)', group: 'input' },
  { name: 'u', value: 'FILE', help: 'eigenvectors of the kinship (with -d)', group: 'input' },
  {
    name: 'pheno',
    value: 'FILE',
    help: 'phenotype table matched by sample ID (plink2 layout: #FID IID ..., #IID ... or FID IID ...; NA/-9 missing)',
    group: 'input',
  },
  {
    name: 'pheno-name',
    value: 'A,B',
    help: 'with --pheno: the columns to analyse by name (several scan as --traits)',
    group: 'input',
  },
  {
    name: 'pheno-col-nums',
    value: 'LIST',
    help: 'with --pheno: the columns by number, 1 = first after the IDs (e.g. 1,3-5)',
    group: 'input',
  },
  {
    name: 'covar',
    value: 'FILE',
    help: 'covariate table matched by sample ID (plink2 layout; an intercept is added as with -c)',
    group: 'input',
  },
  {
    name: 'covar-name',
    value: 'A,B',
    help: 'with --covar: the covariate columns by name (default all)',
    group: 'input',
  },
  {
    name: 'covar-col-nums',
    value: 'LIST',
    help: 'with --covar: the covariate columns by number, 1 = first after the IDs',
    group: 'input',
  },
  {
    name: 'kinship-ids',
    value: 'FILE',
    help: "sample IDs (FID IID or IID) of the -k matrix rows, when not in the genotypes' order",
    group: 'input',
  },
  {
    name: 'keep',
    value: 'FILE',
    help: 'analyse only these samples (FID IID or IID per line)',
    group: 'filter',
  },
  {
    name: 'remove',
    value: 'FILE',
    help: 'leave out these samples (FID IID or IID per line)',
    group: 'filter',
  },
  {
    name: 'extract',
    value: 'FILE',
    help: 'analyse only these SNP IDs (first field per line)',
    group: 'filter',
  },
  { name: 'exclude', value: 'FILE', help: 'leave out these SNP IDs', group: 'filter' },
  {
    name: 'chr',
    value: 'LIST',
    help: 'analyse only these chromosomes: 1-22, X, ranges (e.g. 1-5,7,X)',
    group: 'filter',
  },
  { name: 'from-bp', value: 'N', help: 'analyse only SNPs at or after base pair N', group: 'filter' },
  { name: 'to-bp', value: 'N', help: 'analyse only SNPs at or before base pair N', group: 'filter' },
  {
    name: 'snps',
    value: 'FILE',
    help: 'GEMMA: analyse only these SNP IDs (kinship and tests), as --extract',
    group: 'filter',
  },
  {
    name: 'ksnps',
    value: 'FILE',
    help: 'GEMMA: compute the kinship (-gk, --loco) from these SNP IDs only',
    group: 'filter',
  },
  {
    name: 'gk',
    value: '1|2',
    optionalValue: true,
    help: 'compute the kinship: 1 centred (NAME.cXX.txt, also bare -gk), 2 standardised (NAME.sXX.txt)',
    group: 'analysis',
  },
  {
    name: 'lmm',
    aliases: ['fa'],
    value: '1|2|3|4|9',
    optionalValue: true,
    help: "LMM scan: 1 Wald (also bare -lmm), 2 likelihood ratio, 3 score, 4 all three, 9 likelihood ratio with the score test's beta and se (GEMMA 0.98.5)",
    group: 'analysis',
  },
  {
    name: 'lm',
    value: '1|2|3|4',
    optionalValue: true,
    help: 'linear model scan (no kinship): 1 Wald (also bare -lm), 2 LRT, 3 score, 4 all',
    group: 'analysis',
  },
  {
    name: 'groups',
    value: 'FILE',
    help: "one group label per individual (NA = missing): K = D D' (random intercepts), instead of -k",
    group: 'input',
  },
  {
    name: 'fit',
    help: 'fit the null model only (REML; --ml for ML): NAME.fit.json with fixed effects, se, vg, ve, BLUPs',
    group: 'analysis',
  },
  { name: 'ml', help: 'with --fit: maximum likelihood instead of REML', group: 'analysis' },
  {
    name: 'traits',
    value: 'SPEC',
    help: 'scan several phenotype columns in one pass: 1-500, 1,3,7-9 or all; writes NAME.trait<K>.assoc.txt per trait and NAME.traits.tsv',
    group: 'analysis',
  },
  {
    name: 'keep-p',
    value: 'P',
    help: 'with --traits: write only rows with a p-value at or below P (the trait table still counts every SNP)',
    group: 'output',
  },
  {
    name: 'loco',
    value: 'CHR',
    optionalValue: true,
    help: "--loco: leave-one-chromosome-out for every chromosome in one run (kinship as -gk, default 1); -loco CHR: GEMMA's one chromosome (-gk without CHR, or -lmm testing only CHR)",
    group: 'analysis',
  },
  {
    name: 'eigen',
    help: 'write the eigendecomposition of the (centred) kinship: NAME.eigenD.txt, NAME.eigenU.txt',
    group: 'analysis',
  },
  { name: 'maf', value: 'X', help: 'minimum allele frequency (default 0.01)', group: 'filter' },
  { name: 'miss', value: 'X', help: 'maximum SNP missingness (default 0.05)', group: 'filter' },
  {
    name: 'r2',
    value: 'X',
    help: 'maximum r2 between a SNP and the covariates (default 0.9999)',
    group: 'filter',
  },
  {
    name: 'hwe',
    value: 'P',
    help: 'minimum Hardy-Weinberg exact p-value (default 0 = off)',
    group: 'filter',
  },
  { name: 'lmin', value: 'X', help: 'lower end of the lambda search (default 1e-5)', group: 'analysis' },
  { name: 'lmax', value: 'X', help: 'upper end of the lambda search (default 1e5)', group: 'analysis' },
  { name: 'region', value: 'N', help: 'number of lambda search regions (default 10)', group: 'analysis' },
  {
    name: 'lambda-newton',
    help: "each SNP's lambda by a safeguarded Newton search: the optimum to ~1e-10 (GEMMA's within 1e-5), fewer evaluations",
    group: 'analysis',
  },
  { name: 'o', value: 'NAME', help: 'output prefix (default "result")', group: 'output' },
  { name: 'outdir', value: 'DIR', help: 'output folder (default "output")', group: 'output' },
  {
    name: 'no-plots',
    help: 'skip NAME.manhattan/.qq.svg, NAME.summary.json and NAME.report.html after -lmm / -lm (with --traits: NAME.traits.hits.svg, .summary.json, .report.html)',
    group: 'output',
  },
  {
    name: 'png',
    help: 'with the plots of a scan, also write PNG copies (NAME.manhattan.png, NAME.qq.png; --traits: NAME.traits.hits.png) at 2x, 300 dpi',
    group: 'output',
  },
  {
    name: 'plot-test',
    value: 'wald|lrt|score',
    help: 'p-value the plots show (default wald, else what the file has)',
    group: 'output',
  },
  {
    name: 'gwas-line',
    value: 'P|bonferroni',
    help: 'genome-wide line of the plots and hit counts (default 5e-8; bonferroni: 0.05 / SNPs tested)',
    group: 'output',
  },
  {
    name: 'suggestive-line',
    value: 'P|bonferroni',
    help: 'suggestive line of the plots; hits at or below it are clumped and labelled (default 1e-5)',
    group: 'output',
  },
  {
    name: 'assoc',
    value: 'FILE',
    help: 'with "lmmscan plot": the GEMMA or lmmscan .assoc.txt to plot',
    group: 'output',
  },
  { name: 'engine', value: 'ts|wasm|webgpu|auto', help: 'compute engine (default auto)', group: 'lmmscan' },
  {
    name: 'threads',
    value: 'N',
    help: 'worker threads for the wasm engine (default: all cores)',
    group: 'lmmscan',
  },
  {
    name: 'block-size',
    value: 'N',
    help: 'SNPs per block (default 2048, smaller with many traits)',
    group: 'lmmscan',
  },
  {
    name: 'resume',
    help: 'continue a killed or stopped run from its last finished block (same command plus --resume)',
    group: 'lmmscan',
  },
  { name: 'quiet', aliases: ['silence'], help: 'no progress on stderr', group: 'lmmscan' },
  { name: 'debug', help: "show stack traces on errors and the threads' busy time", group: 'lmmscan' },
  { name: 'help', aliases: ['h'], help: 'this text (also: lmmscan help)', group: 'lmmscan' },
  {
    name: 'executor',
    value: 'local|slurm',
    help: 'where a scan runs: local (default, this process) or slurm (prepare job, a job array of shards, merge job)',
    group: 'cluster',
  },
  {
    name: 'shards',
    value: 'N',
    help: 'with --executor slurm: number of shards (array tasks), each a contiguous range of SNP blocks (default 1)',
    group: 'cluster',
  },
  {
    name: 'slurm-opts',
    value: '"OPTS"',
    rawValue: true,
    help: 'with --executor slurm: sbatch options for every job, e.g. "--partition=short --time=1:00:00 --mem=8G --cpus-per-task=4"',
    group: 'cluster',
  },
  {
    name: 'retries',
    value: 'N',
    help: 'with --executor slurm: resubmit failed or cancelled shards up to N times (default 2)',
    group: 'cluster',
  },
  {
    name: 'no-wait',
    help: 'with --executor slurm: return after submitting; print the job ids and the lmmscan merge command',
    group: 'cluster',
  },
  {
    name: 'plan',
    value: 'DIR',
    help: 'plan folder of lmmscan prepare / scan / merge (with --executor slurm: default OUTDIR/NAME.plan)',
    group: 'cluster',
  },
  {
    name: 'shard',
    value: 'I/N',
    help: "with lmmscan scan: scan shard I of N (1-based) of the plan's SNP blocks",
    group: 'cluster',
  },
  { name: 'version', aliases: ['v'], help: 'print the version', group: 'lmmscan' },
  {
    name: 'notsnp',
    help: 'genotypes are any numbers, not dosages in [0, 2]: no range check, no maf or hwe filter',
    group: 'gemma',
  },
  {
    name: 'km',
    value: '1|2',
    help: 'kinship file format: 1 a matrix (default), 2 lines "ID1 ID2 VALUE" by .fam individual ID',
    group: 'gemma',
  },
  {
    name: 'gxe',
    value: 'FILE',
    help: "with -lmm: test each SNP's interaction with this environment (one value per individual), as GEMMA",
    group: 'gemma',
  },
  {
    name: 'widv',
    aliases: ['weight'],
    value: 'FILE',
    help: 'with -lmm and -k: residual weights, one per individual, applied to K and its eigenvectors as GEMMA',
    group: 'gemma',
  },
  {
    name: 'nind',
    value: 'N',
    help: 'BIMBAM input: only the first N individuals (rows), as GEMMA; ignored with -bfile, as GEMMA',
    group: 'gemma',
  },
  {
    name: 'check',
    help: 'accepted and ignored: lmmscan always checks its inputs and numbers',
    group: 'gemma',
  },
  { name: 'no-check', help: "accepted and ignored (GEMMA's switch for its slower checks)", group: 'gemma' },
  {
    name: 'pace',
    value: 'N',
    help: 'accepted and ignored: progress is shown by time, not every N SNPs',
    group: 'gemma',
  },
  // The genotype formats' own flags (--vcf, ...), declared next to their readers.
  ...genotypeFormatFlags().map((f): FlagSpec => ({
    name: f.name,
    value: f.value,
    help: f.help,
    group: 'input',
  })),
];

const GROUP_TITLES: Record<FlagSpec['group'], string> = {
  input: 'Inputs',
  analysis: 'Analyses',
  filter: 'SNP filters (as GEMMA)',
  output: 'Outputs',
  lmmscan: 'lmmscan options',
  cluster: 'Cluster: sharded scans (lmmscan prepare / scan / merge, --executor slurm)',
  gemma: 'GEMMA compatibility (so that GEMMA 0.98.5 scripts run unchanged)',
};

/** GEMMA's own flags, written with one dash in the help and README; lmmscan's own take two. */
const GEMMA_STYLE = new Set([
  'bfile',
  'g',
  'p',
  'n',
  'a',
  'c',
  'k',
  'd',
  'u',
  'gk',
  'lmm',
  'lm',
  'eigen',
  'maf',
  'miss',
  'r2',
  'hwe',
  'lmin',
  'lmax',
  'region',
  'o',
  'outdir',
  'notsnp',
  'km',
  'check',
  'no-check',
  'pace',
  'snps',
  'ksnps',
  'nind',
  'gxe',
  'widv',
]);

/** A flag as the help and README write it: one dash for GEMMA's flags, two for lmmscan's own. */
export function dashed(name: string): string {
  return (GEMMA_STYLE.has(name) || name.length === 1 ? '-' : '--') + name;
}

/** The left column of a flag's help line: its spellings with one dash (GEMMA's) or two (lmmscan's). */
function helpUsage(f: FlagSpec): string {
  if (f.name === 'loco') return '-loco CHR, --loco';
  const dash = dashed;
  const names = [...(f.aliases ?? []).filter((a) => a.length === 1), f.name].map(dash);
  const value = f.value
    ? f.optionalValue
      ? ` [${f.value}]`
      : f.list
        ? ` ${f.value} [${f.value}...]`
        : ` ${f.value}`
    : '';
  const gemmaAliases = (f.aliases ?? []).filter((a) => a.length > 1).map((a) => `-${a}`);
  return names.join(', ') + value + (gemmaAliases.length > 0 ? ` (${gemmaAliases.join(', ')})` : '');
}

/** The --help text. */
export function helpText(): string {
  const lines = [
    'lmmscan: GEMMA-compatible linear mixed model association scans',
    '',
    'Usage:',
    '  lmmscan -bfile PREFIX -gk 1 -o NAME                 kinship from PLINK genotypes',
    '  lmmscan -bfile PREFIX -k output/NAME.cXX.txt -lmm 4 -o NAME2',
    '  lmmscan -g GENO.txt.gz -p PHENO.txt -a ANNO.txt -c COV.txt -k K.txt -lmm 1 -o NAME',
    '  lmmscan -p PHENO.txt -c COV.txt --groups GROUPS.txt --fit -o NAME  mixed model fit, no genotypes',
    '  lmmscan demo                                        simulate a cohort and scan it',
    '  lmmscan plot --assoc FILE.assoc.txt -o NAME         plots, summary and report page of any .assoc.txt',
    '  lmmscan <scan flags> --executor slurm --shards N    the scan as Slurm jobs: prepare, N shards, merge',
    '  lmmscan prepare <scan flags> --plan DIR             step 1 of a sharded scan: kinship, eigen, null models',
    '  lmmscan scan --plan DIR --shard I/N                 step 2: one contiguous range of SNP blocks',
    '  lmmscan merge --plan DIR                            step 3: check every shard, write the outputs',
    '  lmmscan kinship <flags> --plan DIR --shard I/N      -gk / --loco: kinship over one SNP range (prepare or',
    '                                                        lmmscan <flags> -gk 1 --plan DIR merges the parts)',
    '',
    '  lmmscan help | -h | --help                          this text; lmmscan -v | --version: the version',
    '',
    "GEMMA's flags are written with one dash, lmmscan's own with two; either takes one or two (-lmm 4, --lmm 4).",
  ];
  for (const group of Object.keys(GROUP_TITLES) as FlagSpec['group'][]) {
    lines.push('', `${GROUP_TITLES[group]}:`);
    for (const f of FLAGS.filter((x) => x.group === group)) {
      const left = `  ${helpUsage(f)}`;
      lines.push(left.length > 33 ? left : `${left.padEnd(33)}${f.help}`);
      if (left.length > 33) lines.push(`${''.padEnd(33)}${f.help}`);
    }
  }
  return lines.join('\n') + '\n';
}
