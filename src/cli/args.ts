/** Turns argv into a typed ScanConfig; unknown or malformed flags are a UsageError. */
import { basename, dirname, isAbsolute } from 'node:path';
import { UsageError } from '../io/input-error.js';
import type { EngineChoice, ScanConfig } from '../model/config.js';
import { parseThreshold } from '../report/thresholds.js';
import { FLAGS } from './flags.js';
import { DEFAULT_FILTERS, DEFAULT_LAMBDA_SEARCH } from '../model/settings.js';
import type { ThresholdSpec } from '../model/settings.js';
import { genotypeFormatFlags } from '../io/genotype-registry.js';
import { dashed, type FlagSpec } from './flags.js';
import { gemmaFlagReason, suggestFlag } from './gemma-flags.js';

export type ParsedArgs = Map<string, string | true>;

/** Splits argv into flag -> value (switches map to true). */
export function parseFlags(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = new Map();
  for (let k = 0; k < argv.length; k++) {
    const token = argv[k];
    if (!token.startsWith('-') || token === '-' || token === '--') throw new UsageError(`unexpected argument "${token}"`);
    let name = token.replace(/^--?/, '');
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = findFlag(name);
    if (!spec) throw unknownFlag(token, name);
    name = spec.name;
    if (out.has(name)) throw new UsageError(`flag -${name} given twice`);
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`flag -${name} takes no value`);
      out.set(name, true);
      continue;
    }
    if (spec.list && inline === undefined) {
      // GEMMA's -n 1 6: every argument up to the next flag.
      const values: string[] = [];
      while (argv[k + 1] !== undefined && !argv[k + 1].startsWith('-')) values.push(argv[++k]);
      if (values.length === 0) throw new UsageError(`flag -${name} needs a value (${spec.value})`);
      out.set(name, values.join(' '));
      continue;
    }
    if (spec.optionalValue && inline === undefined && (argv[k + 1] === undefined || argv[k + 1].startsWith('-'))) {
      out.set(name, true);
      continue;
    }
    const value = inline ?? argv[++k];
    if (value === undefined || (inline === undefined && !spec.rawValue && /^--?[a-z]/i.test(value) && !/^-?\d/.test(value))) {
      throw new UsageError(`flag -${name} needs a value (${spec.value})`);
    }
    out.set(name, value);
  }
  return out;
}

/** The flag spelt `name` (its name or an alias). */
function findFlag(name: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.name === name) ?? FLAGS.find((f) => f.aliases?.includes(name));
}

/** The error for a flag lmmscan does not know: GEMMA's reason if it is GEMMA's, else the closest flag. */
function unknownFlag(token: string, name: string): UsageError {
  const reason = gemmaFlagReason(name);
  if (reason) return new UsageError(reason);
  const near = suggestFlag(name);
  const hint = near ? `did you mean ${dashed(near)}? ` : '';
  return new UsageError(`unknown flag "${token}" (${hint}lmmscan --help lists every flag)`);
}

function numberFlag(args: ParsedArgs, name: string, fallback: number, check: (v: number) => boolean, what: string): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || !check(v)) throw new UsageError(`-${name} ${String(raw)}: expected ${what}`);
  return v;
}

/** A flag's mode; a bare flag (GEMMA's -gk, -lmm, -lm) is mode 1 as in GEMMA. */
function choice<T extends number>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const raw = args.get(name);
  if (raw === undefined) return undefined;
  if (raw === true) return 1 as T;
  const v = Number(raw);
  if (!allowed.includes(v as T)) throw new UsageError(`-${name} ${String(raw)}: expected one of ${allowed.join(', ')}`);
  return v as T;
}

function text(args: ParsedArgs, name: string): string | undefined {
  const v = args.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** -n K or -n K1 K2 ... (GEMMA's multivariate LMM): 1-based phenotype columns, default [1]. */
function phenotypeColumnsOf(args: ParsedArgs): number[] {
  const raw = args.get('n');
  if (raw === undefined) return [1];
  const fields = typeof raw === 'string' ? raw.trim().split(/\s+/) : [''];
  const columns = fields.map(Number);
  if (columns.some((v, i) => fields[i] === '' || !Number.isInteger(v) || v < 1)) throw new UsageError(`-n ${String(raw)}: expected column numbers >= 1`);
  if (new Set(columns).size !== columns.length) throw new UsageError(`-n ${String(raw)}: a column is given twice`);
  return columns;
}

/** The ScanConfig for a parsed command line. */
export function toScanConfig(args: ParsedArgs, commandLine: string): ScanConfig {
  const engine = (text(args, 'engine') ?? 'auto') as EngineChoice;
  if (!['ts', 'wasm', 'webgpu', 'auto'].includes(engine)) throw new UsageError(`-engine ${engine}: expected ts, wasm, webgpu or auto`);
  if (args.has('bfile') && args.has('g')) throw new UsageError('give either -bfile or -g, not both');
  const genotypeOptions: Record<string, string> = {};
  for (const flag of genotypeFormatFlags()) {
    const value = text(args, flag.name);
    if (value !== undefined) genotypeOptions[flag.name] = value;
  }
  const list = (name: string) => text(args, name)?.split(',').map((v) => v.trim());
  // Several --pheno columns scan as --traits does (one output per trait); the columns come from the table.
  const phenoNames = list('pheno-name');
  const phenoColNums = text(args, 'pheno-col-nums');
  const severalPheno = (phenoNames && phenoNames.length > 1) || (phenoColNums !== undefined && /[,-]/.test(phenoColNums));
  if ((phenoNames || phenoColNums) && !args.has('pheno')) throw new UsageError('--pheno-name / --pheno-col-nums choose columns of a --pheno table');
  if ((args.has('covar-name') || args.has('covar-col-nums')) && !args.has('covar')) throw new UsageError('--covar-name / --covar-col-nums choose columns of a --covar table');
  if (phenoNames && phenoColNums) throw new UsageError('give either --pheno-name or --pheno-col-nums, not both');
  if (severalPheno && args.has('traits')) throw new UsageError('--pheno-name / --pheno-col-nums with several columns already scan them as --traits: drop --traits');
  const columns = phenotypeColumnsOf(args);
  if (args.get('km') !== undefined) kinshipFormatFlag(args);
  const notSnp = args.has('notsnp');
  // GEMMA's progress pace: checked, then unused (lmmscan's progress is by time).
  if (args.has('pace')) numberFlag(args, 'pace', 1, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const config: ScanConfig = {
    bfile: text(args, 'bfile'),
    geno: text(args, 'g'),
    genotypeOptions: Object.keys(genotypeOptions).length > 0 ? genotypeOptions : undefined,
    keep: text(args, 'keep'),
    remove: text(args, 'remove'),
    extract: text(args, 'extract'),
    exclude: text(args, 'exclude'),
    chr: text(args, 'chr'),
    fromBp: args.has('from-bp') ? numberFlag(args, 'from-bp', 0, (v) => Number.isInteger(v) && v >= 0, 'a base-pair position') : undefined,
    toBp: args.has('to-bp') ? numberFlag(args, 'to-bp', 0, (v) => Number.isInteger(v) && v >= 0, 'a base-pair position') : undefined,
    snps: text(args, 'snps'),
    ksnps: text(args, 'ksnps'),
    phenoTable: text(args, 'pheno'),
    phenoNames,
    phenoColNums,
    covarTable: text(args, 'covar'),
    covarNames: list('covar-name'),
    covarColNums: text(args, 'covar-col-nums'),
    kinshipIds: text(args, 'kinship-ids'),
    pheno: text(args, 'p'),
    anno: text(args, 'a'),
    covariates: text(args, 'c'),
    phenotypeColumns: columns,
    kinship: text(args, 'k'),
    eigenValuesFile: text(args, 'd'),
    eigenVectorsFile: text(args, 'u'),
    kinshipKind: choice(args, 'gk', [1, 2] as const),
    lmm: choice(args, 'lmm', [1, 2, 3, 4, 9] as const),
    lm: choice(args, 'lm', [1, 2, 3, 4] as const),
    writeEigen: args.has('eigen'),
    traits: text(args, 'traits') ?? (severalPheno ? `pheno:${phenoNames?.join(',') ?? phenoColNums}` : undefined),
    keepP: args.has('keep-p') ? numberFlag(args, 'keep-p', 1, (v) => v > 0 && v <= 1, 'a p-value in (0, 1]') : undefined,
    loco: args.get('loco') === true,
    locoChromosome: text(args, 'loco'),
    groups: text(args, 'groups'),
    fit: args.has('fit'),
    ml: args.has('ml'),
    filters: {
      maf: numberFlag(args, 'maf', DEFAULT_FILTERS.maf, (v) => v === -1 || (v >= 0 && v <= 0.5), 'a frequency in [0, 0.5] (or -1 to disable)'),
      miss: numberFlag(args, 'miss', DEFAULT_FILTERS.miss, (v) => v >= 0 && v <= 1, 'a rate in [0, 1]'),
      r2: numberFlag(args, 'r2', DEFAULT_FILTERS.r2, (v) => v >= 0 && v <= 1, 'a value in [0, 1]'),
      hwe: numberFlag(args, 'hwe', DEFAULT_FILTERS.hwe, (v) => v >= 0 && v <= 1, 'a p-value in [0, 1]'),
    },
    anyGenotypeValues: notSnp || undefined,
    search: {
      lMin: numberFlag(args, 'lmin', DEFAULT_LAMBDA_SEARCH.lMin, (v) => v > 0, 'a positive number'),
      lMax: numberFlag(args, 'lmax', DEFAULT_LAMBDA_SEARCH.lMax, (v) => v > 0, 'a positive number'),
      nRegion: numberFlag(args, 'region', DEFAULT_LAMBDA_SEARCH.nRegion, (v) => Number.isInteger(v) && v >= 1, 'a positive integer'),
    },
    outPrefix: outputName(text(args, 'o')),
    outDir: text(args, 'outdir') ?? 'output',
    engine,
    threads: args.has('threads') ? numberFlag(args, 'threads', 1, (v) => Number.isInteger(v) && v >= 1, 'a positive integer') : undefined,
    blockSize: args.has('block-size') ? numberFlag(args, 'block-size', 1, (v) => Number.isInteger(v) && v >= 1, 'a positive integer') : undefined,
    quiet: args.has('quiet'),
    resume: args.has('resume'),
    plots: !args.has('no-plots'),
    plotTest: plotTestFlag(args),
    gwasLine: lineFlag(args, 'gwas-line'),
    suggestiveLine: lineFlag(args, 'suggestive-line'),
    commandLine,
  };
  // GEMMA: -notsnp sets the maf level to -1 (no maf or hwe filter), whatever -maf says.
  if (notSnp) config.filters.maf = -1;
  return config;
}

/** -km: GEMMA's kinship file format; 1 (a matrix) is the only one lmmscan reads. */
function kinshipFormatFlag(args: ParsedArgs): 1 {
  const mode = choice(args, 'km', [1, 2] as const);
  if (mode === 2) {
    const why = args.has('g') ? 'GEMMA itself needs -km 1 with BIMBAM genotypes' : 'lmmscan reads a kinship matrix only';
    throw new UsageError(`-km 2 (a kinship file of ID pairs) is not supported: ${why}; ` +
      'give the matrix (-km 1, the default)');
  }
  return 1;
}

/** -o NAME: a name inside -outdir (GEMMA's output/NAME), never empty (hidden files) nor a path of its own. */
function outputName(raw: string | undefined): string {
  if (raw === undefined) return 'result';
  if (raw.trim() === '') throw new UsageError('-o needs a name (it was empty)');
  if (isAbsolute(raw)) {
    throw new UsageError(`-o ${raw} is a path: -o takes a name and -outdir the folder (-outdir ${dirname(raw)} -o ${basename(raw)})`);
  }
  if (raw.endsWith('/')) throw new UsageError(`-o ${raw} names a folder: give a file name (the folder goes in -outdir)`);
  return raw;
}

function plotTestFlag(args: ParsedArgs): 'wald' | 'lrt' | 'score' | undefined {
  const v = text(args, 'plot-test');
  if (v !== undefined && v !== 'wald' && v !== 'lrt' && v !== 'score') throw new UsageError(`-plot-test ${v}: expected wald, lrt or score`);
  return v;
}

function lineFlag(args: ParsedArgs, name: 'gwas-line' | 'suggestive-line'): ThresholdSpec | undefined {
  const v = text(args, name);
  return v === undefined ? undefined : parseThreshold(name, v);
}

/** The settings of `lmmscan plot` (--assoc FILE -o NAME [-outdir DIR] [--plot-test T]). */
export function toPlotConfig(args: ParsedArgs): { assoc: string; outDir: string; outPrefix: string; test?: 'wald' | 'lrt' | 'score'; quiet: boolean; gwasLine?: ThresholdSpec; suggestiveLine?: ThresholdSpec } {
  const assoc = text(args, 'assoc');
  if (!assoc) throw new UsageError('lmmscan plot needs --assoc FILE.assoc.txt');
  const allowed = new Set(['assoc', 'o', 'outdir', 'plot-test', 'gwas-line', 'suggestive-line', 'quiet', 'debug']);
  for (const name of args.keys()) if (!allowed.has(name)) throw new UsageError(`-${name} does not apply to lmmscan plot (flags: --assoc, -o, -outdir, --plot-test, --gwas-line, --suggestive-line)`);
  return {
    assoc, outDir: text(args, 'outdir') ?? 'output', outPrefix: text(args, 'o') ?? 'result', test: plotTestFlag(args), quiet: args.has('quiet'),
    gwasLine: lineFlag(args, 'gwas-line'), suggestiveLine: lineFlag(args, 'suggestive-line'),
  };
}
