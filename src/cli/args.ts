/** Turns argv into a typed ScanConfig; unknown or malformed flags are a UsageError. */
import { UsageError } from '../io/input-error.js';
import { DEFAULT_FILTERS } from '../qc/snp-filter.js';
import type { EngineChoice, ScanConfig } from '../scan/config.js';
import { DEFAULT_LAMBDA_SEARCH } from '../stats/lambda.js';
import { dashed, FLAGS, type FlagSpec } from './flags.js';
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

/** The ScanConfig for a parsed command line. */
export function toScanConfig(args: ParsedArgs, commandLine: string): ScanConfig {
  const engine = (text(args, 'engine') ?? 'auto') as EngineChoice;
  if (!['ts', 'wasm', 'webgpu', 'auto'].includes(engine)) throw new UsageError(`-engine ${engine}: expected ts, wasm, webgpu or auto`);
  if (args.has('bfile') && args.has('g')) throw new UsageError('give either -bfile or -g, not both');
  const columns = phenotypeColumnsFlag(args);
  if (args.get('km') !== undefined) kinshipFormatFlag(args);
  const notSnp = args.has('notsnp');
  // GEMMA's progress pace: checked, then unused (lmmscan's progress is by time).
  if (args.has('pace')) numberFlag(args, 'pace', 1, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const config: ScanConfig = {
    bfile: text(args, 'bfile'),
    geno: text(args, 'g'),
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
    traits: text(args, 'traits'),
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
    outPrefix: text(args, 'o') ?? 'result',
    outDir: text(args, 'outdir') ?? 'output',
    engine,
    threads: args.has('threads') ? numberFlag(args, 'threads', 1, (v) => Number.isInteger(v) && v >= 1, 'a positive integer') : undefined,
    blockSize: args.has('block-size') ? numberFlag(args, 'block-size', 1, (v) => Number.isInteger(v) && v >= 1, 'a positive integer') : undefined,
    quiet: args.has('quiet'),
    resume: args.has('resume'),
    plots: !args.has('no-plots'),
    plotTest: plotTestFlag(args),
    commandLine,
  };
  // GEMMA: -notsnp sets the maf level to -1 (no maf or hwe filter), whatever -maf says.
  if (notSnp) config.filters.maf = -1;
  return config;
}

/** -n K (GEMMA also takes -n 1 6, its multivariate LMM, which lmmscan does not do). */
function phenotypeColumnsFlag(args: ParsedArgs): number[] {
  const raw = args.get('n');
  if (raw === undefined) return [1];
  const fields = String(raw).split(' ');
  const columns = fields.map(Number);
  if (!columns.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new UsageError(`-n ${String(raw)}: expected a column number >= 1`);
  }
  if (columns.length > 1) {
    throw new UsageError(`-n ${String(raw)}: several columns are GEMMA's multivariate LMM, ` +
      `which lmmscan does not do yet (for one scan per column: --traits ${columns.join(',')})`);
  }
  return columns;
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

function plotTestFlag(args: ParsedArgs): 'wald' | 'lrt' | 'score' | undefined {
  const v = text(args, 'plot-test');
  if (v !== undefined && v !== 'wald' && v !== 'lrt' && v !== 'score') throw new UsageError(`-plot-test ${v}: expected wald, lrt or score`);
  return v;
}

/** The settings of `lmmscan plot` (--assoc FILE -o NAME [-outdir DIR] [--plot-test T]). */
export function toPlotConfig(args: ParsedArgs): { assoc: string; outDir: string; outPrefix: string; test?: 'wald' | 'lrt' | 'score'; quiet: boolean } {
  const assoc = text(args, 'assoc');
  if (!assoc) throw new UsageError('lmmscan plot needs --assoc FILE.assoc.txt');
  const allowed = new Set(['assoc', 'o', 'outdir', 'plot-test', 'quiet', 'debug']);
  for (const name of args.keys()) if (!allowed.has(name)) throw new UsageError(`-${name} does not apply to lmmscan plot (flags: --assoc, -o, -outdir, --plot-test)`);
  return { assoc, outDir: text(args, 'outdir') ?? 'output', outPrefix: text(args, 'o') ?? 'result', test: plotTestFlag(args), quiet: args.has('quiet') };
}
