/**
 * formatComputedBlock (rows written as bytes, repeated genotype columns copied) against the string
 * formatting it replaced: the same bytes per output, the same outputs in the same order, the same
 * trait statistics, on random blocks with NaN, -0, tiny p-values, repeated columns, a --keep-p filter,
 * units without SNPs in the block and LOCO-like units writing one output in interleaved positions.
 */
import { describe, expect, it } from 'vitest';
import { assocRowPrefix, pValueFields, primaryPValue, type AnalysisKind } from '../../src/io/assoc-format.js';
import { formatExponential } from '../../src/io/number-format.js';
import type { SnpAnnotation } from '../../src/io/plink.js';
import { formatComputedBlock, type BlockTraitStats } from '../../src/scan/block-format.js';
import type { ComputedBlock, UnitResults } from '../../src/scan/block-scan.js';
import { spreadResults } from '../helpers/spread-results.js';
import { emptyResultBlock, type SnpResultBlock } from '../../src/model/results.js';
import { rng } from '../helpers/random.js';

const COLUMNS: Record<AnalysisKind, Record<number, (keyof SnpResultBlock)[]>> = {
  lmm: {
    1: ['beta', 'se', 'logLikH1', 'lambdaRemle', 'pWald'],
    2: ['logLikH1', 'lambdaMle', 'pLrt'],
    3: ['beta', 'se', 'pScore'],
    4: ['beta', 'se', 'logLikH1', 'lambdaRemle', 'lambdaMle', 'pWald', 'pLrt', 'pScore'],
  },
  lm: {
    1: ['beta', 'se', 'pWald'],
    2: ['pLrt'],
    3: ['beta', 'se', 'pScore'],
    4: ['beta', 'se', 'pWald', 'pLrt', 'pScore'],
  },
};

/** The formatting before rows became bytes: a string per row, joined per output (results spread to every SNP). */
function stringFormat(computed: ComputedBlock, kind: AnalysisKind, mode: number, keepP?: number) {
  const { block, firstPosition } = computed;
  const rows = new Map<string, (string | undefined)[]>();
  const stats: Record<string, BlockTraitStats> = {};
  const primary = primaryPValue(mode);
  const pFields = pValueFields(kind, mode);
  for (const { prepared, positions, results: distinct, rowOf } of computed.units) {
    const { unit } = prepared;
    const results = rowOf ? distinct.map((r) => spreadResults(r, rowOf)) : distinct;
    for (const id of unit.outputIds) {
      if (!rows.has(id)) rows.set(id, new Array(block.count));
      stats[id] ??= { tested: 0, below5e8: 0, below1e5: 0 };
    }
    const prefixes = positions.map((pos) => {
      const row = unit.rowOfPosition[firstPosition + pos];
      return assocRowPrefix(
        kind,
        block.annotations[pos],
        unit.tested.missing[row],
        unit.tested.frequency[row],
        unit.group.selection.nAnalysed,
      );
    });
    results.forEach((r, t) => {
      const out = rows.get(unit.outputIds[t])!;
      const s = stats[unit.outputIds[t]];
      positions.forEach((pos, j) => {
        const a = block.annotations[pos];
        const p = r[primary][j];
        s.tested++;
        if (p <= 5e-8) s.below5e8++;
        if (p <= 1e-5) s.below1e5++;
        if (!Number.isNaN(p) && (!s.best || p < s.best.p))
          s.best = {
            p,
            rs: a.rs,
            chr: a.chr,
            ps: a.pos,
            pWald: r.pWald[j],
            pLrt: r.pLrt[j],
            pScore: r.pScore[j],
          };
        if (keepP !== undefined && !pFields.some((f) => r[f][j] <= keepP)) return;
        out[pos] = prefixes[j] + COLUMNS[kind][mode].map((c) => formatExponential(r[c][j], 6)).join('\t');
      });
    });
  }
  const texts = new Map<string, string>();
  for (const [id, list] of rows) {
    const kept = list.filter((x): x is string => x !== undefined);
    texts.set(id, kept.length ? kept.join('\n') + '\n' : '');
  }
  return { texts, stats };
}

/** A random block of `count` SNPs starting at union position `first`, tested by `units` (each a list of output ids and a share of the SNPs). */
function randomBlock(
  next: () => number,
  count: number,
  first: number,
  units: Array<{ outputIds: string[]; tests: (pos: number) => boolean }>,
): ComputedBlock {
  const value = (): number => {
    const u = next();
    if (u < 0.05) return NaN;
    if (u < 0.07) return -0;
    if (u < 0.1) return 1e-5;
    if (u < 0.15) return Math.exp(-next() * 600); // p-values down to 1e-260
    return (next() - 0.4) * 10 ** Math.floor(next() * 14 - 7);
  };
  const annotations: SnpAnnotation[] = Array.from({ length: count }, (_, j) => ({
    chr: String(1 + (j % 3)),
    rs: `rs${first + j}${j % 7 === 0 ? '\u00e9' : ''}`,
    pos: String(1000 * (first + j)),
    allele1: 'A',
    allele0: j % 5 ? 'G' : 'TT',
  }));
  const unitResults: UnitResults[] = units.map(({ outputIds, tests }) => {
    const rowOfPosition = new Int32Array(first + count + 10).fill(-1);
    const positions: number[] = [];
    for (let j = 0; j < count; j++) if (tests(first + j)) positions.push(j);
    positions.forEach((j, r) => (rowOfPosition[first + j] = r));
    const tested = {
      indices: new Int32Array(positions.length),
      missing: Int32Array.from(positions, () => Math.floor(next() * 3)),
      frequency: Float64Array.from(positions, () => next()),
      chromosome: new Int32Array(positions.length),
    };
    const unit = {
      label: 'u',
      outputIds,
      rowOfPosition,
      lastPosition: 0,
      tested,
      group: { selection: { nAnalysed: 17 } },
    };
    // Some SNPs repeat an earlier one's genotypes: one result per distinct column.
    let rowOf: Int32Array | undefined;
    let distinct = positions.length;
    if (positions.length > 1 && next() < 0.7) {
      rowOf = new Int32Array(positions.length);
      distinct = 0;
      for (let j = 0; j < positions.length; j++)
        rowOf[j] = j > 0 && next() < 0.4 ? rowOf[Math.floor(next() * j)] : distinct++;
    }
    const results = outputIds.map(() => {
      const r = emptyResultBlock(distinct);
      for (const column of Object.values(r)) for (let k = 0; k < distinct; k++) column[k] = value();
      return r;
    });
    return {
      prepared: { unit, plans: [], linearModels: [] },
      positions,
      results,
      rowOf,
    } as unknown as UnitResults;
  });
  return {
    block: { indices: new Int32Array(count), annotations, dosages: new Float64Array(0), count },
    firstPosition: first,
    units: unitResults,
    rotateMs: 0,
    testMs: 0,
  };
}

async function expectSameAsStrings(
  computed: ComputedBlock,
  kind: AnalysisKind,
  mode: number,
  keepP?: number,
): Promise<void> {
  const bytes = await formatComputedBlock(computed, kind, mode, keepP);
  const strings = stringFormat(computed, kind, mode, keepP);
  expect([...bytes.texts.keys()]).toEqual([...strings.texts.keys()]);
  for (const [id, text] of strings.texts)
    expect(Buffer.from(bytes.texts.get(id)!).toString('utf8')).toBe(text);
  expect(JSON.stringify(bytes.stats)).toBe(JSON.stringify(strings.stats));
}

describe('formatComputedBlock', () => {
  it('many traits, every mode, with and without --keep-p', async () => {
    const next = rng(42);
    for (const [kind, mode] of [
      ['lmm', 1],
      ['lmm', 2],
      ['lmm', 3],
      ['lmm', 4],
      ['lm', 1],
      ['lm', 4],
    ] as const) {
      for (const keepP of [undefined, 1e-3]) {
        const traits = Array.from({ length: 7 }, (_, t) => `trait${t + 1}`);
        const computed = randomBlock(next, 97, 300, [{ outputIds: traits, tests: (p) => p % 11 !== 0 }]);
        await expectSameAsStrings(computed, kind, mode, keepP);
      }
    }
  });

  it('trait groups, a unit with no SNP in the block, and LOCO-like units interleaving one output', async () => {
    const next = rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const groups = randomBlock(next, 64, 0, [
        { outputIds: ['trait1', 'trait3'], tests: (p) => p % 3 !== 0 },
        { outputIds: ['trait2'], tests: () => false },
        { outputIds: ['trait4', 'trait5'], tests: (p) => p % 2 === 0 },
      ]);
      await expectSameAsStrings(groups, 'lmm', 4);
      // Chromosomes interleaved in the file: each unit tests its own positions, all write "assoc".
      const loco = randomBlock(next, 80, 1000, [
        { outputIds: ['assoc'], tests: (p) => p % 3 === 0 },
        { outputIds: ['assoc'], tests: (p) => p % 3 === 1 },
        { outputIds: ['assoc'], tests: (p) => p % 3 === 2 && p % 7 !== 0 },
      ]);
      await expectSameAsStrings(loco, 'lmm', 1, trial % 2 ? 0.2 : undefined);
    }
  });
});
