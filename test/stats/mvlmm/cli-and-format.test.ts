import { describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../../src/cli/args.js';
import { assocHeader, assocStatisticsMaxBytes, statisticColumns } from '../../../src/io/assoc-format.js';
import { UsageError } from '../../../src/io/input-error.js';
import { checkModes } from '../../../src/scan/phase-prepare.js';
import type { MvResultBlock } from '../../../src/model/results.js';
import { emptyResultBlock } from '../../../src/model/results.js';

const config = (flags: string[]) => toScanConfig(parseFlags(flags), flags.join(' '));

describe('multivariate LMM flags', () => {
  it('-n takes a list of columns up to the next flag', () => {
    expect(config(['-n', '1', '3', '2', '-lmm', '4']).phenotypeColumns).toEqual([1, 3, 2]);
    expect(config(['-n', '2', '-lmm', '1']).phenotypeColumns).toEqual([2]);
    expect(config(['-lmm', '1']).phenotypeColumns).toEqual([1]);
  });
  it('rejects a repeated or malformed column', () => {
    expect(() => config(['-n', '1', '1', '-lmm', '4'])).toThrow(UsageError);
    expect(() => config(['-n', '1', 'x', '-lmm', '4'])).toThrow(UsageError);
    expect(() => config(['-n', '0', '-lmm', '4'])).toThrow(UsageError);
  });
  it('several columns go with -lmm (and --loco), not with -lm or --traits', () => {
    expect(() => checkModes(config(['-n', '1', '2', '-lmm', '4']))).not.toThrow();
    expect(() => checkModes(config(['-n', '1', '2', '-lm', '4']))).toThrow(UsageError);
    expect(() => checkModes(config(['-n', '1', '2', '-lmm', '4', '--traits', '1-3']))).toThrow(UsageError);
    expect(() => checkModes(config(['-n', '1', '2', '-lmm', '4', '--loco']))).not.toThrow();
  });
});

describe('multivariate LMM columns', () => {
  it("header in GEMMA's order: beta_i, Vbeta_i_j for i <= j, then the mode's p-values", () => {
    expect(assocHeader('mvlmm', 4, 3).trimEnd().split('\t').slice(7)).toEqual([
      'beta_1',
      'beta_2',
      'beta_3',
      'Vbeta_1_1',
      'Vbeta_1_2',
      'Vbeta_1_3',
      'Vbeta_2_2',
      'Vbeta_2_3',
      'Vbeta_3_3',
      'p_wald',
      'p_lrt',
      'p_score',
    ]);
    expect(assocHeader('mvlmm', 2, 2).trimEnd().split('\t').slice(7)).toEqual([
      'beta_1',
      'beta_2',
      'Vbeta_1_1',
      'Vbeta_1_2',
      'Vbeta_2_2',
      'p_lrt',
    ]);
  });
  it('statistics columns follow the header and fit the row budget', () => {
    const effects = Array.from({ length: 5 }, (_, k) => Float64Array.of(k));
    const block: MvResultBlock = { ...emptyResultBlock(1), effects };
    block.pScore[0] = 0.5;
    const columns = statisticColumns('mvlmm', 3, block);
    expect(columns.map((c) => c[0])).toEqual([0, 1, 2, 3, 4, 0.5]);
    expect(assocStatisticsMaxBytes('mvlmm', 3, 2)).toBe(assocStatisticsMaxBytes('lmm', 3) * 2);
  });
});
