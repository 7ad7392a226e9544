/** Turns argv into a typed ScanConfig; unknown or malformed flags are a UsageError. */
import { basename, dirname, isAbsolute } from 'node:path';
import { UsageError } from '../io/input-error.js';
import type { EngineChoice, ScanConfig } from '../model/config.js';
import { parseThreshold } from '../report/thresholds.js';
import { FLAGS } from './flags.js';
import { DEFAULT_FILTERS, DEFAULT_LAMBDA_SEARCH } from '../model/settings.js';
import type { ThresholdSpec } from '../model/settings.js';
import { CHOICES, choiceList, isChoice, NUMBER_RULES, type NumberSetting } from '../model/setting-rules.js';
import { genotypeFormatFlags } from '../io/genotype-registry.js';
import { dashed, type FlagSpec } from './flags.js';
import { gemmaFlagReason, suggestFlag } from './gemma-flags.js';

export type ParsedArgs = Map<string, string | true>;

/** Splits argv into flag -> value (switches map to true). */
export function parseFlags(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = new Map();
  for (let k = 0; k < argv.length; k++) {
    const token = argv[k];
    if (!token.startsWith('-') || token === '-' || token === '--')
      throw new UsageError(`unexpected argument "${token}"`);
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
    if (
      spec.optionalValue &&
      inline === undefined &&
      (argv[k + 1] === undefined || argv[k + 1].startsWith('-'))
    ) {
      out.set(name, true);
      continue;
    }
    const value = inline ?? argv[++k];
    if (
      value === undefined ||
      (inline === undefined && !spec.rawValue && /^--?[a-z]/i.test(value) && !/^-?\d/.test(value))
    ) {
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

/** The value of a numeric setting's flag, checked by its rule; `fallback` when the flag is absent. */
function numberFlag(args: ParsedArgs, setting: NumberSetting, fallback: number): number {
  const { flag, ok, expected } = NUMBER_RULES[setting];
  const raw = args.get(flag);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || !ok(v))
    throw new UsageError(`-${flag} ${String(raw)}: expected ${expected}`);
  return v;
}

/** numberFlag() for a setting without a default: undefined when the flag is absent. */
function optionalNumber(args: ParsedArgs, setting: NumberSetting): number | undefined {
  return args.has(NUMBER_RULES[setting].flag) ? numberFlag(args, setting, 0) : undefined;
}

/** A flag's mode; a bare flag (GEMMA's -gk, -lmm, -lm) is mode 1 as in GEMMA. */
function choice<K extends 'kinshipKind' | 'lmm' | 'lm'>(args: ParsedArgs, setting: K): ScanConfig[K] {
  const { flag, allowed } = CHOICES[setting];
  const raw = args.get(flag);
  if (raw === undefined) return undefined;
  if (raw === true) return 1 as ScanConfig[K];
  const v = Number(raw);
  if (!isChoice(setting, v))
    throw new UsageError(`-${flag} ${String(raw)}: expected one of ${allowed.join(', ')}`);
  return v;
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
  if (columns.some((v, i) => fields[i] === '' || !Number.isInteger(v) || v < 1))
    throw new UsageError(`-n ${String(raw)}: expected column numbers >= 1`);
  if (new Set(columns).size !== columns.length)
    throw new UsageError(`-n ${String(raw)}: a column is given twice`);
  return columns;
}

/** The ScanConfig for a parsed command line. */
export function toScanConfig(args: ParsedArgs, commandLine: string): ScanConfig {
  const engine = engineFlag(text(args, 'engine') ?? 'auto');
  if (args.has('bfile') && args.has('g')) throw new UsageError('give either -bfile or -g, not both');
  const genotypeOptions: Record<string, string> = {};
  for (const flag of genotypeFormatFlags()) {
    const value = text(args, flag.name);
    if (value !== undefined) genotypeOptions[flag.name] = value;
  }
  const list = (name: string) =>
    text(args, name)
      ?.split(',')
      .map((v) => v.trim());
  // Several --pheno columns scan as --traits does (one output per trait); the columns come from the table.
  const phenoNames = list('pheno-name');
  const phenoColNums = text(args, 'pheno-col-nums');
  const severalPheno =
    (phenoNames && phenoNames.length > 1) || (phenoColNums !== undefined && /[,-]/.test(phenoColNums));
  if ((phenoNames || phenoColNums) && !args.has('pheno'))
    throw new UsageError('--pheno-name / --pheno-col-nums choose columns of a --pheno table');
  if ((args.has('covar-name') || args.has('covar-col-nums')) && !args.has('covar'))
    throw new UsageError('--covar-name / --covar-col-nums choose columns of a --covar table');
  if (phenoNames && phenoColNums)
    throw new UsageError('give either --pheno-name or --pheno-col-nums, not both');
  if (severalPheno && args.has('traits'))
    throw new UsageError(
      '--pheno-name / --pheno-col-nums with several columns already scan them as --traits: drop --traits',
    );
  const columns = phenotypeColumnsOf(args);
  const sharded = ['plan', 'shard'].some((f) => args.has(f)) || text(args, 'executor') === 'slurm';
  if (args.has('nind') && (sharded || args.has('fit')))
    throw new UsageError(
      "-nind (GEMMA's testing option) is for a plain scan or -gk, not --fit or a sharded run",
    );
  if ((args.has('gxe') || args.has('widv')) && sharded)
    throw new UsageError('-gxe and -widv run in one process: not with --plan, --shard or --executor slurm');
  const notSnp = args.has('notsnp');
  // GEMMA's progress pace: checked, then unused (lmmscan's progress is by time).
  if (args.has('pace')) numberFlag(args, 'pace', 1);
  const config: ScanConfig = {
    bfile: text(args, 'bfile'),
    geno: text(args, 'g'),
    genotypeOptions: Object.keys(genotypeOptions).length > 0 ? genotypeOptions : undefined,
    keep: text(args, 'keep'),
    remove: text(args, 'remove'),
    extract: text(args, 'extract'),
    exclude: text(args, 'exclude'),
    chr: text(args, 'chr'),
    fromBp: optionalNumber(args, 'fromBp'),
    toBp: optionalNumber(args, 'toBp'),
    snps: text(args, 'snps'),
    ksnps: text(args, 'ksnps'),
    nind: optionalNumber(args, 'nind'),
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
    kinshipFormat: kinshipFormatFlag(args),
    gxe: text(args, 'gxe'),
    widv: text(args, 'widv'),
    eigenValuesFile: text(args, 'd'),
    eigenVectorsFile: text(args, 'u'),
    kinshipKind: choice(args, 'kinshipKind'),
    lmm: choice(args, 'lmm'),
    lm: choice(args, 'lm'),
    writeEigen: args.has('eigen'),
    traits:
      text(args, 'traits') ?? (severalPheno ? `pheno:${phenoNames?.join(',') ?? phenoColNums}` : undefined),
    keepP: optionalNumber(args, 'keepP'),
    loco: args.get('loco') === true,
    locoChromosome: text(args, 'loco'),
    groups: text(args, 'groups'),
    fit: args.has('fit'),
    ml: args.has('ml'),
    filters: {
      maf: numberFlag(args, 'filters.maf', DEFAULT_FILTERS.maf),
      miss: numberFlag(args, 'filters.miss', DEFAULT_FILTERS.miss),
      r2: numberFlag(args, 'filters.r2', DEFAULT_FILTERS.r2),
      hwe: numberFlag(args, 'filters.hwe', DEFAULT_FILTERS.hwe),
    },
    anyGenotypeValues: notSnp || undefined,
    search: {
      lMin: numberFlag(args, 'search.lMin', DEFAULT_LAMBDA_SEARCH.lMin),
      lMax: numberFlag(args, 'search.lMax', DEFAULT_LAMBDA_SEARCH.lMax),
      nRegion: numberFlag(args, 'search.nRegion', DEFAULT_LAMBDA_SEARCH.nRegion),
      ...(args.has('lambda-newton') ? { snpMethod: 'newton' as const } : {}),
    },
    outPrefix: outputName(text(args, 'o')),
    outDir: text(args, 'outdir') ?? 'output',
    engine,
    threads: optionalNumber(args, 'threads'),
    blockSize: optionalNumber(args, 'blockSize'),
    quiet: args.has('quiet'),
    resume: args.has('resume'),
    plots: !args.has('no-plots'),
    png: args.has('png'),
    plotTest: plotTestFlag(args),
    gwasLine: lineFlag(args, 'gwas-line'),
    suggestiveLine: lineFlag(args, 'suggestive-line'),
    commandLine,
  };
  // GEMMA: -notsnp sets the maf level to -1 (no maf or hwe filter), whatever -maf says.
  if (notSnp) config.filters.maf = -1;
  return config;
}

/** -km: GEMMA's kinship file format, 1 (a matrix, the default) or 2 (ID pairs, read by sample ID). */
function kinshipFormatFlag(args: ParsedArgs): 2 | undefined {
  const raw = args.get('km');
  if (raw === undefined) return undefined;
  const mode = raw === true ? 1 : Number(raw);
  if (mode !== 1 && mode !== 2) throw new UsageError(`-km ${String(raw)}: expected one of 1, 2`);
  if (mode === 1) return undefined;
  // GEMMA refuses it too: BIMBAM files name no individuals to pair.
  if (args.has('g'))
    throw new UsageError('-km 2 pairs individuals by ID, which BIMBAM files lack: use -km 1');
  if (args.has('fit')) throw new UsageError('-km 2 is for -lmm: --fit reads a kinship matrix (-km 1)');
  return 2;
}

/** -o NAME: a name inside -outdir (GEMMA's output/NAME), never empty (hidden files) nor a path of its own. */
function outputName(raw: string | undefined): string {
  if (raw === undefined) return 'result';
  if (raw.trim() === '') throw new UsageError('-o needs a name (it was empty)');
  if (isAbsolute(raw)) {
    throw new UsageError(
      `-o ${raw} is a path: -o takes a name and -outdir the folder (-outdir ${dirname(raw)} -o ${basename(raw)})`,
    );
  }
  if (raw.endsWith('/'))
    throw new UsageError(`-o ${raw} names a folder: give a file name (the folder goes in -outdir)`);
  return raw;
}

function plotTestFlag(args: ParsedArgs): ScanConfig['plotTest'] {
  const v = text(args, 'plot-test');
  if (v !== undefined && !isChoice('plotTest', v))
    throw new UsageError(`-plot-test ${v}: expected ${choiceList('plotTest')}`);
  return v;
}

/** The -engine value, checked: "auto", or one engine. */
export function engineFlag(value: string): EngineChoice {
  if (!isChoice('engine', value)) throw new UsageError(`-engine ${value}: expected ${choiceList('engine')}`);
  return value;
}

function lineFlag(args: ParsedArgs, name: 'gwas-line' | 'suggestive-line'): ThresholdSpec | undefined {
  const v = text(args, name);
  return v === undefined ? undefined : parseThreshold(name, v);
}

/** The settings of `lmmscan plot` (--assoc FILE -o NAME [-outdir DIR] [--plot-test T]). */
export function toPlotConfig(args: ParsedArgs): {
  assoc: string;
  outDir: string;
  outPrefix: string;
  test?: 'wald' | 'lrt' | 'score';
  quiet: boolean;
  gwasLine?: ThresholdSpec;
  suggestiveLine?: ThresholdSpec;
} {
  const assoc = text(args, 'assoc');
  if (!assoc) throw new UsageError('lmmscan plot needs --assoc FILE.assoc.txt');
  const allowed = new Set([
    'assoc',
    'o',
    'outdir',
    'plot-test',
    'gwas-line',
    'suggestive-line',
    'quiet',
    'debug',
  ]);
  for (const name of args.keys())
    if (!allowed.has(name))
      throw new UsageError(
        `-${name} does not apply to lmmscan plot (flags: --assoc, -o, -outdir, --plot-test, --gwas-line, --suggestive-line)`,
      );
  return {
    assoc,
    outDir: text(args, 'outdir') ?? 'output',
    outPrefix: text(args, 'o') ?? 'result',
    test: plotTestFlag(args),
    quiet: args.has('quiet'),
    gwasLine: lineFlag(args, 'gwas-line'),
    suggestiveLine: lineFlag(args, 'suggestive-line'),
  };
}
