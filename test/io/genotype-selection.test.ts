/**
 * Sample lists (FID IID, IID, # headers) and SNP choices (--chr lists and ranges, --from-bp/--to-bp,
 * --extract/--exclude/-snps), and the .bed decoder of chosen samples against the whole-SNP decoder.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseChromosomeList,
  SampleList,
  sampleChoiceOf,
  snpChoiceOf,
} from '../../src/io/genotype-selection.js';
import { decodeBedSamples } from '../../src/io/plink-genotypes.js';
import { decodeBedSnp } from '../../src/io/plink.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('selection');
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('sample lists', () => {
  it('match FID IID pairs, or the IID alone where one side has no FID', () => {
    const pairs = new SampleList(file('pairs.txt', 'F1 A\nF2 B extra columns\n'));
    expect(pairs.has({ fid: 'F1', iid: 'A' })).toBe(true);
    expect(pairs.has({ fid: 'F9', iid: 'A' })).toBe(false);
    expect(pairs.has({ fid: null, iid: 'B' })).toBe(true);
    const iids = new SampleList(file('iids.txt', '#IID\nA\n'));
    expect(iids.has({ fid: 'F9', iid: 'A' })).toBe(true);
    expect(iids.has({ fid: null, iid: 'B' })).toBe(false);
    const keep = sampleChoiceOf({
      keep: file('k.txt', 'A\nB\n'),
      remove: file('r.txt', '#FID IID\nF2 B\n'),
    })!;
    expect([
      keep.keeps({ fid: 'F1', iid: 'A' }),
      keep.keeps({ fid: 'F2', iid: 'B' }),
      keep.keeps({ fid: 'F3', iid: 'C' }),
    ]).toEqual([true, false, false]);
    expect(() => new SampleList(file('bad.txt', '#SAMPLE\nA\n'))).toThrow(
      `${join(dir, 'bad.txt')}:1: header "#SAMPLE": expected #FID or #IID`,
    );
  });
});

describe('SNP choices', () => {
  it('--chr takes names and ranges, with or without "chr"', () => {
    expect([...parseChromosomeList('1-3,X,chr22,7')]).toEqual(['1', '2', '3', 'X', '22', '7']);
    expect(() => parseChromosomeList('5-2')).toThrow('--chr 5-2: range 5-2 runs backwards');
  });
  it('combine --extract, --exclude, -snps, --chr and the base-pair range', () => {
    const snp = (rs: string, chr: string, pos: string) => ({ rs, chr, pos, allele1: 'A', allele0: 'G' });
    const choice = snpChoiceOf({
      extract: file('e.txt', 'rs1\nrs2, x\nrs3\nrs4\n'),
      exclude: file('x.txt', 'rs2\n'),
      snps: file('s.txt', 'rs1\nrs2\nrs3\n'),
      chr: 'chr1-2',
      fromBp: 100,
      toBp: 200,
    })!;
    const kept = [
      snp('rs1', '1', '100'),
      snp('rs2', '1', '150'),
      snp('rs3', 'chr2', '200'),
      snp('rs3', '3', '150'),
      snp('rs1', '1', '201'),
      snp('rs4', '1', '150'),
      snp('rs1', '1', '-9'),
    ];
    expect(kept.map((s) => choice.keeps(s))).toEqual([true, false, true, false, false, false, false]);
    expect(snpChoiceOf({})).toBeUndefined();
  });
});

describe('decodeBedSamples', () => {
  it("gives the whole-SNP decoder's values for any chosen rows, on awkward sizes", () => {
    const random = rng(7);
    for (const n of [1, 3, 4, 5, 31, 64, 97]) {
      const raw = Uint8Array.from({ length: Math.ceil(n / 4) + 3 }, () => Math.floor(random() * 256));
      const all = new Float64Array(n);
      decodeBedSnp(raw, 3, n, all);
      const rows = Int32Array.from({ length: n }, (_, i) => i)
        .filter(() => random() < 0.6)
        .reverse();
      const out = new Float64Array(rows.length);
      decodeBedSamples(raw, 3, rows, out);
      expect(Array.from(out)).toEqual(Array.from(rows, (i) => all[i]));
    }
  });
});
