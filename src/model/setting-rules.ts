/**
 * The checks on scan settings, defined once for the CLI's flags (src/cli/args.ts) and the library's
 * settings (src/api/options.ts): both name the value with the same words, by flag or by setting.
 */
import type { ScanConfig } from './config.js';

/** One numeric setting: its CLI flag, its check and the words its error uses. */
export interface NumberRule {
  flag: string;
  ok: (v: number) => boolean;
  expected: string;
}

const isPositiveInteger = (v: number) => Number.isInteger(v) && v >= 1;
const isPosition = (v: number) => Number.isInteger(v) && v >= 0;
const isUnitInterval = (v: number) => v >= 0 && v <= 1;

/** The rule of each numeric setting, keyed by its path in ScanConfig. */
export const NUMBER_RULES = {
  'filters.maf': {
    flag: 'maf',
    ok: (v) => v === -1 || (v >= 0 && v <= 0.5),
    expected: 'a frequency in [0, 0.5] (or -1 to disable)',
  },
  'filters.miss': { flag: 'miss', ok: isUnitInterval, expected: 'a rate in [0, 1]' },
  'filters.r2': { flag: 'r2', ok: isUnitInterval, expected: 'a value in [0, 1]' },
  'filters.hwe': { flag: 'hwe', ok: isUnitInterval, expected: 'a p-value in [0, 1]' },
  'search.lMin': { flag: 'lmin', ok: (v) => v > 0, expected: 'a positive number' },
  'search.lMax': { flag: 'lmax', ok: (v) => v > 0, expected: 'a positive number' },
  'search.nRegion': { flag: 'region', ok: isPositiveInteger, expected: 'a positive integer' },
  keepP: { flag: 'keep-p', ok: (v) => v > 0 && v <= 1, expected: 'a p-value in (0, 1]' },
  threads: { flag: 'threads', ok: isPositiveInteger, expected: 'a positive integer' },
  blockSize: { flag: 'block-size', ok: isPositiveInteger, expected: 'a positive integer' },
  fromBp: { flag: 'from-bp', ok: isPosition, expected: 'a base-pair position' },
  toBp: { flag: 'to-bp', ok: isPosition, expected: 'a base-pair position' },
  // GEMMA's progress pace: checked, then unused (lmmscan's progress is by time); no ScanConfig field.
  pace: { flag: 'pace', ok: isPositiveInteger, expected: 'a positive integer' },
  nind: { flag: 'nind', ok: isPositiveInteger, expected: 'a positive integer' },
} as const satisfies Record<string, NumberRule>;

/** A setting checked by NUMBER_RULES. */
export type NumberSetting = keyof typeof NUMBER_RULES;

/** A setting with a fixed list of values: its CLI flag and the values. */
interface Choice<T> {
  flag: string;
  allowed: readonly T[];
}

/** The settings with a fixed list of values: each one's CLI flag and its values. */
export const CHOICES = {
  engine: { flag: 'engine', allowed: ['ts', 'wasm', 'webgpu', 'auto'] },
  kinshipKind: { flag: 'gk', allowed: [1, 2] },
  lmm: { flag: 'lmm', allowed: [1, 2, 3, 4, 9] },
  lm: { flag: 'lm', allowed: [1, 2, 3, 4] },
  plotTest: { flag: 'plot-test', allowed: ['wald', 'lrt', 'score'] },
} as const satisfies { [K in keyof ScanConfig]?: Choice<NonNullable<ScanConfig[K]>> };

/** Whether `value` is one of `setting`'s values. */
export function isChoice<K extends keyof typeof CHOICES>(setting: K, value: unknown): value is ScanConfig[K] {
  return (CHOICES[setting].allowed as readonly unknown[]).includes(value);
}

/** "a, b or c": the values of a choice as the CLI's errors list them. */
export function choiceList(setting: keyof typeof CHOICES): string {
  const values = CHOICES[setting].allowed.map(String);
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}
