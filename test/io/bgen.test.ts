/**
 * BGEN reader against plink2's conversions of a simulated related cohort (hard calls with missing
 * calls): every export gives the .bed's dosages exactly, counting the second allele, which plink2
 * writes as the .bim's allele1 (ALT) under `ref-first` (its default lists ALT first). Plus hand-written files for what plink2 does not write.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BgenGenotypes } from '../../src/io/bgen.js';
import { PlinkGenotypes } from '../../src/io/plink-genotypes.js';
import { readBim, readFam } from '../../src/io/plink.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { requireComparator } from '../helpers/comparators.js';
import { scratchDir } from '../helpers/paths.js';
import { importDosageCohort, readAllDosages, selection } from '../helpers/genotype-files.js';
import { writeBgen } from '../helpers/bgen-writer.js';
import { rng } from '../helpers/random.js';
import { InputError } from '../../src/io/input-error.js';

const dir = scratchDir('bgen');

const havePlink2 = requireComparator('plink2', 'plink2');

describe.runIf(havePlink2)('BGEN exported by plink2 from a .bed', () => {
  const prefix = join(dir, 'cohort');
  let bed: Awaited<ReturnType<typeof readAllDosages>>;
  const n = 37; // not a multiple of 4: the .bed's last byte is part padding
  beforeAll(async () => {
    const cohort = simulateCohort({
      nIndividuals: n,
      nSnps: 60,
      nCausal: 3,
      missingGenotypeRate: 0.05,
      seed: 17,
    });
    await writePlink(prefix, cohort);
    const source = new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), n);
    bed = await readAllDosages(source);
    source.close();
  });

  it.each([
    ['bgen-1.1', ['bgen-1.1', 'ref-first']],
    ['bgen-1.2 bits=8', ['bgen-1.2', 'bits=8', 'ref-first']],
    ['bgen-1.2 bits=16', ['bgen-1.2', 'bits=16', 'ref-first']],
    ['bgen-1.3', ['bgen-1.3', 'ref-first']],
  ])(
    '%s gives the .bed dosages exactly, with the .sample IDs and the .bim annotation',
    async (label, exportArgs) => {
      const out = join(dir, label.replace(/[ =.]/g, '_'));
      execFileSync('plink2', ['--bfile', prefix, '--export', ...exportArgs, '--out', out, '--silent']);
      const source = new BgenGenotypes(`${out}.bgen`, `${out}.sample`);
      expect(source.nSamples).toBe(n);
      expect(source.sampleIds).toEqual(readFam(`${prefix}.fam`, []).samples);
      const got = await readAllDosages(source, 7);
      expect(got.dosages).toEqual(bed.dosages);
      expect(got.annotations).toEqual(bed.annotations);
      expect(source.skippedMultiallelic).toBe(0);
      // A sparse selection reads only the variants asked for.
      const picked = await readAllDosages(source, 2, Int32Array.from([3, 40, 59]));
      expect(picked.dosages).toEqual([bed.dosages[3], bed.dosages[40], bed.dosages[59]]);
      source.close();
      // A sample and SNP selection decodes what the .bed reader decodes under the same selection.
      const ids = readFam(`${prefix}.fam`, []).samples;
      const chosen = new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), n, selection, ids);
      const subset = new BgenGenotypes(`${out}.bgen`, `${out}.sample`, selection);
      expect(subset.nSamples).toBeLessThan(n);
      expect(subset.sampleRows).toEqual(chosen.sampleRows);
      expect(subset.snpCount).toBe(chosen.snpCount);
      expect(await readAllDosages(subset, 4)).toEqual(await readAllDosages(chosen, 4));
      chosen.close();
      subset.close();
    },
  );
});

describe.runIf(havePlink2)('BGEN exported by plink2 from imported dosages', () => {
  const prefix = join(dir, 'dosage');
  const n = 29;
  let written: Float64Array[];
  beforeAll(() => {
    const cohort = simulateCohort({
      nIndividuals: n,
      nSnps: 40,
      nCausal: 3,
      missingGenotypeRate: 0.05,
      seed: 23,
    });
    written = importDosageCohort(prefix, cohort, 5);
  });

  // plink2 keeps dosages in units of 1/16384, then stores P(het) and P(hom ALT) at the bit depth, each
  // rounded to 1/(2^bits - 1): |error| <= 1/32768 + 1.5/(2^bits - 1) (dosage = P(het) + 2 P(hom)).
  it.each([8, 16])(
    'bgen-1.2 bits=%i gives the imported dosages within the format precision',
    async (bits) => {
      const out = join(dir, `dosage-${bits}`);
      execFileSync('plink2', [
        '--pfile',
        prefix,
        '--export',
        'bgen-1.2',
        `bits=${bits}`,
        'ref-first',
        '--out',
        out,
        '--silent',
      ]);
      const source = new BgenGenotypes(`${out}.bgen`, `${out}.sample`);
      const got = await readAllDosages(source, 6);
      const tolerance = 1 / 32768 + 1.5 / (2 ** bits - 1);
      let worst = 0;
      got.dosages.forEach((snp, j) =>
        snp.forEach((d, i) => {
          expect(Number.isNaN(d)).toBe(Number.isNaN(written[j][i]));
          if (!Number.isNaN(d)) worst = Math.max(worst, Math.abs(d - written[j][i]));
        }),
      );
      expect(worst).toBeLessThanOrEqual(tolerance);
      expect(worst).toBeGreaterThan(0); // the dosages are not hard calls
      source.close();
    },
  );
});

/** Random valid stored values for one sample and the dosage of the second allele they mean. */
function randomSample(next: () => number, layout: 1 | 2, bits: number, phased: boolean, ploidy: number) {
  const missing = next() < 0.15;
  if (layout === 1) {
    if (missing) return { sample: { ploidy: 2, missing, values: [0, 0, 0] }, dosage: NaN };
    const aa = Math.floor(next() * 32769);
    const ab = Math.floor(next() * (32769 - aa));
    const bb = 32768 - aa - ab;
    return { sample: { ploidy: 2, missing, values: [aa, ab, bb] }, dosage: (ab + 2 * bb) / 32768 };
  }
  const max = 2 ** bits - 1;
  const values: number[] = [];
  let dosage = 0;
  if (phased) {
    for (let h = 0; h < ploidy; h++) {
      const first = Math.floor(next() * (max + 1));
      values.push(first);
      dosage += 1 - first / max;
    }
  } else {
    // P(k copies of the second allele) for k = 0..ploidy; the last is implied.
    let left = max;
    const probabilities: number[] = [];
    for (let k = 0; k < ploidy; k++) {
      const v = Math.floor(next() * (left + 1));
      probabilities.push(v / max);
      values.push(v);
      left -= v;
    }
    probabilities.push(left / max);
    dosage = probabilities.reduce((sum, p, k) => sum + k * p, 0);
  }
  return { sample: { ploidy, missing, values }, dosage: missing ? NaN : dosage };
}

describe('BGEN files written from the spec', () => {
  const cases: [1 | 2, boolean, number, boolean][] = [
    [2, true, 8, false],
    [2, false, 3, true],
    [2, true, 11, false],
    [2, false, 16, true],
    [2, true, 32, false],
    [2, false, 1, false],
    [1, false, 16, false],
    [1, true, 16, false],
  ];
  describe.each([1, 3, 6])('n = %i', (n) => {
    it.each(cases)(
      'layout %i, compressed %s, %i bits, phased %s: dosages of the second allele',
      async (layout, compressed, bits, phased) => {
        const next = rng(1000 * n + 10 * bits + (phased ? 1 : 0) + layout);
        const expected: number[][] = [];
        const variants = Array.from({ length: 5 }, (_, j) => {
          const drawn = Array.from({ length: n }, () =>
            randomSample(next, layout, bits, phased, layout === 1 ? 2 : 1 + Math.floor(next() * 3)),
          );
          expected.push(drawn.map((d) => d.dosage));
          return {
            id: `v${j}`,
            rs: j === 2 ? '' : `rs${j}`,
            chr: '7',
            pos: 1000 + j,
            alleles: ['A', 'GT'],
            samples: drawn.map((d) => d.sample),
          };
        });
        const path = join(dir, `spec-${n}-${layout}-${compressed}-${bits}-${phased}.bgen`);
        const sampleIds = Array.from({ length: n }, (_, i) => `S${i}`);
        writeBgen(path, { layout, compressed, bits, phased, nSamples: n, sampleIds, variants });
        const source = new BgenGenotypes(path);
        expect(source.sampleIds).toEqual(sampleIds.map((iid) => ({ fid: null, iid })));
        const got = await readAllDosages(source, 2);
        got.dosages.forEach((snp, j) =>
          snp.forEach((d, i) => {
            if (Number.isNaN(expected[j][i])) expect(d).toBeNaN();
            else expect(d).toBeCloseTo(expected[j][i], 12);
          }),
        );
        // An empty rsid falls back to the variant ID; allele1 is the second allele.
        expect(got.annotations[2]).toEqual({ chr: '7', rs: 'v2', pos: '1002', allele1: 'GT', allele0: 'A' });
        source.close();
      },
    );
  });

  it('skips multi-allelic variants and counts them; indices number the kept variants', async () => {
    const path = join(dir, 'multi.bgen');
    const hom = (values: number[]) => ({ ploidy: 2, missing: false, values });
    const biallelic = (rs: string, values: number[]) => ({
      id: rs,
      rs,
      chr: '1',
      pos: 5,
      alleles: ['A', 'C'],
      samples: [hom(values)],
    });
    const variants = [
      biallelic('a', [255, 0]),
      { id: 'm', rs: 'm', chr: '1', pos: 6, alleles: ['A', 'C', 'G'], samples: [hom([255, 0, 0, 0, 0])] },
      biallelic('b', [0, 0]),
    ];
    writeBgen(path, {
      layout: 2,
      compressed: true,
      bits: 8,
      phased: false,
      nSamples: 1,
      sampleIds: ['x'],
      variants,
    });
    const source = new BgenGenotypes(path);
    expect(source.snpCount).toBe(2);
    expect(source.skippedMultiallelic).toBe(1);
    expect(source.notes()).toEqual([`1 multi-allelic variants of ${path} skipped`]);
    const got = await readAllDosages(source);
    expect(got.annotations.map((a) => a.rs)).toEqual(['a', 'b']);
    expect(got.dosages.map((d) => d[0])).toEqual([0, 2]);
    source.close();
  });

  it('reads IDs from an Oxford .sample file, and checks its count against the file', () => {
    const path = join(dir, 'ids.bgen');
    const variants = [
      {
        id: 'v',
        rs: 'v',
        chr: '1',
        pos: 1,
        alleles: ['A', 'C'],
        samples: [0, 1].map(() => ({ ploidy: 2, missing: false, values: [255, 0] })),
      },
    ];
    writeBgen(path, { layout: 2, compressed: false, bits: 8, phased: false, nSamples: 2, variants });
    expect(() => new BgenGenotypes(path)).toThrow(/stores no sample IDs: give them with --sample FILE/);
    writeFileSync(join(dir, 'two.sample'), 'ID_1 ID_2 missing\n0 0 0\nF1 I1 0\nF2 I2 0\n');
    const source = new BgenGenotypes(path, join(dir, 'two.sample'));
    expect(source.sampleIds).toEqual([
      { fid: 'F1', iid: 'I1' },
      { fid: 'F2', iid: 'I2' },
    ]);
    source.close();
    writeFileSync(join(dir, 'three.sample'), 'ID_1 ID_2 missing\n0 0 0\nF1 I1 0\nF2 I2 0\nF3 I3 0\n');
    expect(() => new BgenGenotypes(path, join(dir, 'three.sample'))).toThrow(
      /three\.sample: 3 samples, but .*ids\.bgen holds 2/,
    );
  });

  it('names the file and the problem for a bad magic number, an unknown layout and a truncated variant', async () => {
    const variants = [0, 1, 2].map((j) => ({
      id: `v${j}`,
      rs: `rs${j}`,
      chr: '1',
      pos: j,
      alleles: ['A', 'C'],
      samples: [{ ploidy: 2, missing: false, values: [255, 0] }],
    }));
    const base = {
      layout: 2 as const,
      compressed: true,
      bits: 8,
      phased: false,
      nSamples: 1,
      sampleIds: ['x'],
      variants,
    };
    const magic = join(dir, 'magic.bgen');
    writeBgen(magic, { ...base, magic: 'BGEM' });
    expect(() => new BgenGenotypes(magic)).toThrow(
      new InputError(magic, 'magic number "BGEM" is not "bgen" (not a BGEN file?)'),
    );
    const layout = join(dir, 'layout.bgen');
    writeBgen(layout, { ...base, flagLayout: 3 });
    expect(() => new BgenGenotypes(layout)).toThrow(/layout\.bgen: layout 3 is not supported/);
    writeBgen(layout, { ...base, flagCompression: 3 });
    expect(() => new BgenGenotypes(layout)).toThrow(/layout\.bgen: compression type 3 is not defined/);
    writeBgen(layout, { ...base, layout: 1, flagCompression: 2 });
    expect(() => new BgenGenotypes(layout)).toThrow(
      /layout\.bgen: layout 1 with zstd compression is not valid/,
    );
    const truncated = join(dir, 'truncated.bgen');
    const bytes = writeBgen(truncated, base);
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 3));
    expect(() => new BgenGenotypes(truncated)).toThrow(
      /truncated\.bgen: variant 3 \(rs2\): genotype block runs past the end/,
    );
    // A corrupt compressed block is reported when it is read, with the variant.
    const corrupt = join(dir, 'corrupt.bgen');
    const good = writeBgen(corrupt, base);
    good[good.length - 2] ^= 0xff;
    writeFileSync(corrupt, good);
    const source = new BgenGenotypes(corrupt);
    await expect(readAllDosages(source)).rejects.toThrow(
      /corrupt\.bgen: variant 3 \(rs2\): cannot decompress \(zlib\)/,
    );
    source.close();
  });
});
