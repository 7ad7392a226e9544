/**
 * The library's settings: a ScanConfig where every field may be left out (the CLI's default is taken),
 * checked by the CLI's rules (src/model/setting-rules.ts) before any file is opened.
 */
import { UsageError } from '../io/input-error.js';
import type { ScanConfig } from '../model/config.js';
import { checkModes } from '../scan/phase-prepare.js';
import {
  DEFAULT_LAMBDA_SEARCH,
  type LambdaSearch,
  DEFAULT_FILTERS,
  type SnpFilterSettings,
} from '../model/settings.js';
import { CHOICES, NUMBER_RULES } from '../model/setting-rules.js';

/** A job's settings for runScan / scanResults: any ScanConfig field, filters and search in part. */
export type ScanOptions = Partial<Omit<ScanConfig, 'filters' | 'search'>> & {
  filters?: Partial<SnpFilterSettings>;
  search?: Partial<LambdaSearch>;
};

/**
 * Every default, as the CLI has them, but quiet (no progress lines on stderr: use onProgress) and a
 * fixed line for the log's command. Frozen; copy it to change it.
 */
export const DEFAULT_SCAN_CONFIG: Readonly<ScanConfig> = Object.freeze({
  phenotypeColumns: [1],
  writeEigen: false,
  filters: { ...DEFAULT_FILTERS },
  search: { ...DEFAULT_LAMBDA_SEARCH },
  outPrefix: 'result',
  outDir: 'output',
  engine: 'auto',
  quiet: true,
  plots: true,
  commandLine: 'lmmscan (library)',
});

const isPositiveInteger = (v: number) => Number.isInteger(v) && v >= 1;

/** Every ScanConfig field: typed so that a field added to ScanConfig must be added here too. */
const SETTINGS: Record<keyof ScanConfig, true> = {
  bfile: true,
  geno: true,
  pheno: true,
  anno: true,
  covariates: true,
  traits: true,
  keepP: true,
  loco: true,
  locoChromosome: true,
  phenotypeColumns: true,
  kinship: true,
  eigenValuesFile: true,
  eigenVectorsFile: true,
  kinshipKind: true,
  lmm: true,
  lm: true,
  writeEigen: true,
  groups: true,
  fit: true,
  ml: true,
  filters: true,
  search: true,
  outPrefix: true,
  outDir: true,
  engine: true,
  threads: true,
  blockSize: true,
  quiet: true,
  resume: true,
  plots: true,
  png: true,
  plotTest: true,
  gwasLine: true,
  suggestiveLine: true,
  commandLine: true,
  anyGenotypeValues: true,
  genotypeOptions: true,
  ksnps: true,
  phenoTable: true,
  phenoNames: true,
  phenoColNums: true,
  covarTable: true,
  covarNames: true,
  covarColNums: true,
  kinshipIds: true,
  keep: true,
  remove: true,
  extract: true,
  exclude: true,
  chr: true,
  fromBp: true,
  toBp: true,
  snps: true,
  nind: true,
  kinshipFormat: true,
  gxe: true,
  widv: true,
};

function valueAt(config: ScanConfig, path: string): unknown {
  const [head, tail] = path.split('.');
  const value = (config as unknown as Record<string, unknown>)[head];
  return tail === undefined ? value : (value as Record<string, unknown>)[tail];
}

/** Throws the CLI's UsageError for a setting out of range, a bad choice or a bad combination. */
export function validateScanConfig(config: ScanConfig): void {
  const unknown = (name: string) => new UsageError(`unknown setting "${name}"`);
  for (const key of Object.keys(config)) if (!Object.hasOwn(SETTINGS, key)) throw unknown(key);
  for (const part of ['filters', 'search'] as const) {
    for (const key of Object.keys(config[part]))
      if (!(`${part}.${key}` in NUMBER_RULES)) throw unknown(`${part}.${key}`);
  }
  for (const [path, rule] of Object.entries(NUMBER_RULES)) {
    const v = valueAt(config, path);
    if (v === undefined && !path.includes('.')) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || !rule.ok(v)) {
      throw new UsageError(`${path} ${String(v)}: expected ${rule.expected}`);
    }
  }
  for (const [key, { allowed }] of Object.entries(CHOICES)) {
    const v = valueAt(config, key);
    if (v !== undefined && !(allowed as readonly unknown[]).includes(v)) {
      throw new UsageError(`${key} ${String(v)}: expected one of ${allowed.join(', ')}`);
    }
  }
  const columns = config.phenotypeColumns;
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every(isPositiveInteger)) {
    throw new UsageError(`phenotypeColumns ${String(columns)}: expected column numbers >= 1`);
  }
  if (config.bfile !== undefined && config.geno !== undefined) {
    throw new UsageError('give either bfile or geno, not both');
  }
  if (config.ml && !config.fit) throw new UsageError('ml applies to fit only');
  checkModes(config);
}

/** The full ScanConfig for `options`: DEFAULT_SCAN_CONFIG filled in, then validated. */
export function resolveScanConfig(options: ScanOptions): ScanConfig {
  const config: ScanConfig = {
    ...DEFAULT_SCAN_CONFIG,
    ...options,
    phenotypeColumns: [...(options.phenotypeColumns ?? DEFAULT_SCAN_CONFIG.phenotypeColumns)],
    filters: { ...DEFAULT_SCAN_CONFIG.filters, ...options.filters },
    search: { ...DEFAULT_SCAN_CONFIG.search, ...options.search },
  };
  for (const key of Object.keys(config) as (keyof ScanConfig)[])
    if (config[key] === undefined) delete config[key];
  validateScanConfig(config);
  return config;
}
