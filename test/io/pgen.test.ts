/**
 * PGEN reader against plink2's --make-pgen of .bed files built to exercise every hard-call record
 * type (2-bit, 1-bit + difflist, difflists from a common value, LD-compressed and inverted), in the
 * default compressed mode and the fixed-width format=2, for awkward sample counts; dosages against
 * plink2's --import-dosage; hand-written fixed-width dosage files (modes 0x03, 0x04) and errors.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileWindow } from '../../src/io/file-window.js';
import { PlinkGenotypes } from '../../src/io/plink-genotypes.js';
import { InputError } from '../../src/io/input-error.js';
import { readPgenHeader } from '../../src/io/pgen-header.js';
import { PgenGenotypes } from '../../src/io/pgen.js';
import { readBim, readFam } from '../../src/io/plink.js';
import { BED_MAGIC, packBedSnp, simulateCohort } from '../../src/sim/index.js';
import { requireComparator } from '../helpers/comparators.js';
import { importDosageCohort, readAllDosages, selection } from '../helpers/genotype-files.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('pgen');
const havePlink2 = requireComparator('plink2', 'plink2');

/** SNP-major genotypes (-1 missing, else copies of allele1) with the patterns plink2 compresses. */
function awkwardGenotypes(n: number, m: number, seed: number): Int8Array[] {
  const next = rng(seed);
  const snps: Int8Array[] = [];
  const draw = (p: number) => (next() < p ? 1 : 0) + (next() < p ? 1 : 0);
  for (let j = 0; j < m; j++) {
    const g = new Int8Array(n);
    const kind = j % 8;
    const previous = snps[j - 1];
    const sprinkle = (k: number, values: number[]) => {
      for (let c = 0; c < k; c++) g[Math.floor(next() * n)] = values[Math.floor(next() * values.length)];
    };
    if ((kind === 1 || kind === 2) && previous) {
      // Near copies (LD-compressed) and near flips (inverted LD) of the previous SNP.
      for (let i = 0; i < n; i++) g[i] = kind === 1 || previous[i] < 0 ? previous[i] : 2 - previous[i];
      sprinkle(2, [-1, 0, 1, 2]);
    } else if (kind === 3)
      sprinkle(Math.max(1, n >> 5), [1, 2, -1]); // rare: difflist from hom REF
    else if (kind === 4) {
      g.fill(2); // difflist from hom ALT (allele1 is ALT)
      sprinkle(Math.max(1, n >> 5), [0, 1, -1]);
    } else if (kind === 5) {
      g.fill(-1); // mostly missing
      sprinkle(Math.max(1, n >> 5), [0, 1, 2]);
    } else if (kind === 6) {
      for (let i = 0; i < n; i++) g[i] = next() < 0.5 ? 1 : 0; // two common values, a few others
      sprinkle(Math.max(1, n >> 5), [2, -1]);
    } else for (let i = 0; i < n; i++) g[i] = next() < 0.03 ? -1 : draw(0.1 + 0.8 * next());
    snps.push(g);
  }
  return snps;
}

function writeBedFileset(prefix: string, snps: Int8Array[], n: number): void {
  const per = Math.ceil(n / 4);
  const bed = new Uint8Array(3 + per * snps.length);
  bed.set(BED_MAGIC);
  snps.forEach((g, j) => packBedSnp(g, bed, 3 + j * per));
  writeFileSync(`${prefix}.bed`, bed);
  writeFileSync(
    `${prefix}.bim`,
    snps.map((_, j) => `${1 + (j >> 4)}\tsnp${j}\t0\t${1000 + 10 * j}\tA\tC`).join('\n') + '\n',
  );
  writeFileSync(
    `${prefix}.fam`,
    Array.from({ length: n }, (_, i) => `F${i >> 1} I${i} 0 0 1 -9`).join('\n') + '\n',
  );
}

const pfile = (prefix: string) => ({
  pgen: `${prefix}.pgen`,
  pvar: `${prefix}.pvar`,
  psam: `${prefix}.psam`,
});

describe.runIf(havePlink2)('PGEN written by plink2 from a .bed', () => {
  it.each([
    [301, 'compressed', 48],
    [1, 'compressed', 9],
    [6, 'compressed', 17],
    [131, 'format=2', 24],
  ])('n = %i, %s: ALT dosages equal the .bed dosages exactly', async (n, mode, m) => {
    const prefix = join(dir, `bed-${n}-${mode.replace('=', '')}`);
    writeBedFileset(prefix, awkwardGenotypes(n, m, n), n);
    execFileSync('plink2', [
      '--bfile',
      prefix,
      '--make-pgen',
      ...(mode === 'compressed' ? [] : [mode]),
      '--out',
      prefix,
      '--silent',
    ]);
    const bed = new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), n);
    const expected = await readAllDosages(bed);
    bed.close();
    const source = new PgenGenotypes(pfile(prefix));
    expect(source.sampleIds).toEqual(readFam(`${prefix}.fam`, []).samples);
    const got = await readAllDosages(source, 5);
    expect(got.dosages).toEqual(expected.dosages);
    expect(got.annotations).toEqual(expected.annotations);
    // Random access: an LD-compressed record read without its base first.
    const picked = [m - 1, 1, 2, 9].filter((k) => k < m).sort((a, b) => a - b);
    const sparse = await readAllDosages(source, 2, Int32Array.from(picked));
    expect(sparse.dosages).toEqual(picked.map((k) => expected.dosages[k]));
    source.close();
    // A sample and SNP selection decodes what the .bed reader decodes under the same selection.
    const ids = readFam(`${prefix}.fam`, []).samples;
    const chosen = new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), n, selection, ids);
    const subset = new PgenGenotypes(pfile(prefix), selection);
    if (n > 3) expect(subset.nSamples).toBeLessThan(n);
    expect(subset.sampleRows).toEqual(chosen.sampleRows);
    expect(subset.snpCount).toBe(chosen.snpCount);
    expect(await readAllDosages(subset, 4)).toEqual(await readAllDosages(chosen, 4));
    chosen.close();
    subset.close();
    if (n === 301) {
      // The file really exercises each record type of the compressed mode.
      const file = new FileWindow(`${prefix}.pgen`, 'pgen');
      const types = new Set(Array.from(readPgenHeader(file).vrtypes, (t) => t & 7));
      file.close();
      expect([...types].sort()).toEqual([0, 1, 2, 3, 4, 6, 7]);
    }
  });
});

describe.runIf(havePlink2)('PGEN with a multi-allelic variant, imported by plink2 from a VCF', () => {
  it('skips the multi-allelic record (vrtype bit 3) and reads the ones around it', async () => {
    const prefix = join(dir, 'multi-vcf');
    const head = '##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n';
    const columns = '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\tb\tc\td\te\n';
    const records = [
      '1\t10\tv1\tA\tG\t.\t.\t.\tGT\t0/1\t1/1\t0/0\t./.\t0/1',
      '1\t20\tv2\tA\tG,T\t.\t.\t.\tGT\t0/2\t1/2\t0/0\t0/1\t2/2',
      '1\t30\tv3\tC\tT\t.\t.\t.\tGT\t1/1\t0/1\t0/0\t0/0\t./.',
    ];
    writeFileSync(`${prefix}.vcf`, head + columns + records.join('\n') + '\n');
    execFileSync('plink2', ['--vcf', `${prefix}.vcf`, '--make-pgen', '--out', prefix, '--silent']);
    const file = new FileWindow(`${prefix}.pgen`, 'pgen');
    expect(Array.from(readPgenHeader(file).vrtypes, (t) => t & 8)).toEqual([0, 8, 0]);
    file.close();
    const source = new PgenGenotypes(pfile(prefix));
    expect(source.skippedMultiallelic).toBe(1);
    const got = await readAllDosages(source);
    expect(got.annotations.map((a) => a.rs)).toEqual(['v1', 'v3']);
    expect(got.dosages.map((d) => Array.from(d))).toEqual([
      [1, 2, 0, NaN, 1],
      [2, 1, 0, 0, NaN],
    ]);
    source.close();
  });
});

describe.runIf(havePlink2)('PGEN dosages imported by plink2', () => {
  it('gives the imported dosages within 1/32768 (plink2 stores them in units of 1/16384)', async () => {
    const prefix = join(dir, 'dosage');
    const cohort = simulateCohort({
      nIndividuals: 203,
      nSnps: 30,
      nCausal: 3,
      missingGenotypeRate: 0.05,
      seed: 31,
    });
    const written = importDosageCohort(prefix, cohort, 9);
    const source = new PgenGenotypes(pfile(prefix));
    const got = await readAllDosages(source, 4);
    let worst = 0;
    got.dosages.forEach((snp, j) =>
      snp.forEach((d, i) => {
        expect(Number.isNaN(d)).toBe(Number.isNaN(written[j][i]));
        if (!Number.isNaN(d)) worst = Math.max(worst, Math.abs(d - written[j][i]));
      }),
    );
    expect(worst).toBeLessThanOrEqual(1 / 32768);
    expect(got.annotations.map((a) => a.allele1)).toEqual(cohort.snps.map((s) => s.allele1));
    const file = new FileWindow(`${prefix}.pgen`, 'pgen');
    const kinds = new Set(Array.from(readPgenHeader(file).vrtypes, (t) => (t >> 5) & 3));
    file.close();
    // Sample-list and bitarray dosage tracks both occur (the every-sample kind is tested by hand below).
    expect([...kinds].sort()).toEqual([1, 3]);
    source.close();
  });
});

/** A fixed-width .pgen (mode 0x02, 0x03 or 0x04) written from the spec, with its .pvar and .psam. */
function writeFixedWidth(
  prefix: string,
  mode: 2 | 3 | 4,
  calls: number[][],
  dosages: number[][],
  header = true,
) {
  const n = calls[0].length;
  const records = calls.map((g, j) => {
    const record = Buffer.alloc(Math.ceil(n / 4) + (mode === 3 ? 2 * n : mode === 4 ? 4 * n : 0));
    g.forEach((code, i) => (record[i >> 2] |= code << (2 * (i & 3))));
    if (mode !== 2) {
      dosages[j].forEach((d, i) =>
        record.writeUInt16LE(Number.isNaN(d) ? 65535 : Math.round(d * 16384), Math.ceil(n / 4) + 2 * i),
      );
    }
    return record;
  });
  const head = Buffer.alloc(12);
  head.set([0x6c, 0x1b, mode]);
  head.writeUInt32LE(calls.length, 3);
  head.writeUInt32LE(n, 7);
  writeFileSync(`${prefix}.pgen`, Buffer.concat([head, ...records]));
  const variants = calls.map((_, j) => (header ? `2\t${500 + j}\tv${j}\tG\tT` : `2 v${j} 0 ${500 + j} T G`));
  writeFileSync(
    `${prefix}.pvar`,
    (header ? '##fileformat=PVARv1.0\n#CHROM\tPOS\tID\tREF\tALT\n' : '') + variants.join('\n') + '\n',
  );
  writeFileSync(
    `${prefix}.psam`,
    (header ? '#IID\tSEX\n' : '') +
      calls[0].map((_, i) => (header ? `s${i}\t1` : `f${i} s${i} 0 0 1 -9`)).join('\n') +
      '\n',
  );
}

describe('fixed-width PGEN written from the spec', () => {
  it.each([[1], [3], [9]])(
    'n = %i: mode 0x03 dosages (65535 missing), mode 0x04, mode 0x02, header-less .pvar/.psam',
    async (n) => {
      const next = rng(70 + n);
      const calls = Array.from({ length: 4 }, () => Array.from({ length: n }, () => Math.floor(next() * 4)));
      const dosages = calls.map((g) =>
        g.map(() => (next() < 0.2 ? NaN : Math.round(next() * 32768) / 16384)),
      );
      for (const mode of [3, 4] as const) {
        const prefix = join(dir, `fixed-${n}-${mode}`);
        writeFixedWidth(prefix, mode, calls, dosages);
        const source = new PgenGenotypes(pfile(prefix));
        expect(source.sampleIds[0]).toEqual({ fid: null, iid: 's0' });
        expect((await readAllDosages(source, 3)).dosages.map((d) => Array.from(d))).toEqual(dosages);
        source.close();
      }
      const prefix = join(dir, `fixed-${n}-2`);
      writeFixedWidth(prefix, 2, calls, [], false);
      const source = new PgenGenotypes(pfile(prefix));
      const got = await readAllDosages(source, 3);
      expect(got.dosages.map((d) => Array.from(d))).toEqual(
        calls.map((g) => g.map((c) => (c === 3 ? NaN : c))),
      );
      expect(got.annotations[1]).toEqual({ chr: '2', rs: 'v1', pos: '501', allele1: 'T', allele0: 'G' });
      expect(source.sampleIds[0]).toEqual({ fid: 'f0', iid: 's0' });
      source.close();
    },
  );

  it('skips multi-allelic variants (ALT with a comma) and counts them', async () => {
    const prefix = join(dir, 'multi');
    writeFixedWidth(
      prefix,
      2,
      [
        [0, 1],
        [2, 2],
        [1, 3],
      ],
      [],
    );
    writeFileSync(
      `${prefix}.pvar`,
      '#CHROM\tPOS\tID\tREF\tALT\n1\t1\ta\tA\tC\n1\t2\tm\tA\tC,G\n1\t3\tb\tA\tC\n',
    );
    const source = new PgenGenotypes(pfile(prefix));
    expect(source.skippedMultiallelic).toBe(1);
    expect(source.notes()).toEqual([`1 multi-allelic variants of ${prefix}.pgen skipped`]);
    const got = await readAllDosages(source);
    expect(got.annotations.map((a) => a.rs)).toEqual(['a', 'b']);
    expect(got.dosages.map((d) => Array.from(d))).toEqual([
      [0, 1],
      [1, NaN],
    ]);
    source.close();
  });

  it('refuses a .pgen whose header disagrees with its .pvar or .psam, a bad magic number and a truncated file', () => {
    const prefix = join(dir, 'bad');
    writeFixedWidth(
      prefix,
      2,
      [
        [0, 1, 2],
        [2, 2, 1],
      ],
      [],
    );
    writeFileSync(`${prefix}.pvar`, '#CHROM\tPOS\tID\tREF\tALT\n1\t1\ta\tA\tC\n');
    expect(() => new PgenGenotypes(pfile(prefix))).toThrow(
      new InputError(`${prefix}.pgen`, `header says 2 variants, ${prefix}.pvar lists 1`),
    );
    writeFixedWidth(
      prefix,
      2,
      [
        [0, 1, 2],
        [2, 2, 1],
      ],
      [],
    );
    writeFileSync(`${prefix}.psam`, '#FID\tIID\nf\ta\nf\tb\nf\tc\nf\td\n');
    expect(() => new PgenGenotypes(pfile(prefix))).toThrow(
      new InputError(`${prefix}.pgen`, `header says 3 samples, ${prefix}.psam lists 4`),
    );
    writeFixedWidth(
      prefix,
      2,
      [
        [0, 1, 2],
        [2, 2, 1],
      ],
      [],
    );
    const bytes = readFileSync(`${prefix}.pgen`);
    writeFileSync(`${prefix}.pgen`, bytes.subarray(0, bytes.length - 1));
    expect(() => new PgenGenotypes(pfile(prefix))).toThrow(
      /bad\.pgen: size 13 bytes does not match 2 variants x 3 samples in mode 0x02: expected 14/,
    );
    bytes[1] = 0x1c;
    writeFileSync(`${prefix}.pgen`, bytes);
    expect(() => new PgenGenotypes(pfile(prefix))).toThrow(
      /bad\.pgen: magic bytes 0x6c 0x1c are not a \.pgen's 0x6c 0x1b/,
    );
  });
});

describe.runIf(havePlink2)('compressed PGEN errors', () => {
  it('names the variant of a record that ends early', async () => {
    const prefix = join(dir, 'cut');
    writeBedFileset(prefix, awkwardGenotypes(301, 16, 4), 301);
    execFileSync('plink2', ['--bfile', prefix, '--make-pgen', '--out', prefix, '--silent']);
    const bytes = readFileSync(`${prefix}.pgen`);
    writeFileSync(`${prefix}.pgen`, bytes.subarray(0, bytes.length - 10));
    expect(() => new PgenGenotypes(pfile(prefix))).toThrow(
      /cut\.pgen: records end at byte \d+, past the end of the file/,
    );
  });
});

/** pgenlib's variable-length integer. */
const vint = (value: number): number[] => {
  const out: number[] = [];
  while (value > 127) {
    out.push((value & 127) | 128);
    value = Math.floor(value / 128);
  }
  return [...out, value];
};

/** A difflist of fewer than 64 entries (n < 256 samples): sample IDs ascending, with 2-bit codes or none. */
function difflist(samples: number[], codes: number[] | null): number[] {
  if (samples.length === 0) return [0];
  const packed = codes
    ? Array.from({ length: Math.ceil(codes.length / 4) }, (_, b) =>
        codes.slice(4 * b, 4 * b + 4).reduce((a, c, k) => a | (c << (2 * k)), 0),
      )
    : [];
  return [
    ...vint(samples.length),
    samples[0],
    ...packed,
    ...samples.slice(1).flatMap((s, k) => vint(s - samples[k])),
  ];
}

/** A mode-0x10 .pgen written from the spec with 1-byte record lengths and 8-bit record types. */
function writeVariableWidth(
  prefix: string,
  n: number,
  records: { vrtype: number; bytes: number[] }[],
  control = 0x04,
) {
  const head = Buffer.alloc(12 + 8);
  head.set([0x6c, 0x1b, 0x10]);
  head.writeUInt32LE(records.length, 3);
  head.writeUInt32LE(n, 7);
  head[11] = control;
  const table = control & 8 ? [] : [...records.map((r) => r.vrtype), ...records.map((r) => r.bytes.length)];
  const fused = control & 8 ? [records.reduce((a, r, k) => a | ((r.vrtype === 0 ? 1 : 0) << k), 0)] : [];
  head.writeBigUInt64LE(BigInt(20 + table.length + fused.length), 12);
  writeFileSync(
    `${prefix}.pgen`,
    Buffer.concat([head, Buffer.from([...table, ...fused]), ...records.map((r) => Buffer.from(r.bytes))]),
  );
  writeFileSync(
    `${prefix}.pvar`,
    '#CHROM\tPOS\tID\tREF\tALT\n' + records.map((_, j) => `3\t${j + 1}\tr${j}\tA\tG`).join('\n') + '\n',
  );
  writeFileSync(`${prefix}.psam`, '#IID\n' + Array.from({ length: n }, (_, i) => `s${i}`).join('\n') + '\n');
}

const u16 = (v: number) => [v & 255, v >> 8];

describe('compressed PGEN written from the spec', () => {
  it('reads every-sample, listed and absent dosage tracks, all-hom-REF records, a phase track and an LD record after it', async () => {
    const n = 6;
    // 2-bit calls: samples 0..5 = het, hom ALT, missing, hom REF, het, het.
    const calls = [1 | (2 << 2) | (3 << 4) | (0 << 6), 1 | (1 << 2)];
    const records = [
      { vrtype: 0x40, bytes: [...calls, ...[16384, 8192, 65535, 0, 32768, 100].flatMap(u16)] },
      { vrtype: 0x05, bytes: [] },
      { vrtype: 0x20, bytes: [...calls, ...difflist([2, 4], null), ...u16(4096), ...u16(20000)] },
      // Phase track with explicit phasepresent bits (first bit 1, then the 3 hets' bits 1, 0, 1), its 2
      // phase bits, then a dosage list: reading the dosage proves the phase track was skipped exactly.
      { vrtype: 0x30, bytes: [...calls, 0b1011, 0b01, ...difflist([0], null), ...u16(8192)] },
      // Phase for every het (first bit 0): the 3 phase bits share the first byte.
      { vrtype: 0x30, bytes: [...calls, 0b0110, ...difflist([1], null), ...u16(24576)] },
      // LD-compressed against the record before: sample 3 becomes hom ALT, sample 5 missing.
      { vrtype: 0x02, bytes: difflist([3, 5], [2, 3]) },
      // Inverted LD: hom REF and hom ALT swap after the difflist.
      { vrtype: 0x03, bytes: difflist([0], [0]) },
    ];
    const prefix = join(dir, 'spec10');
    writeVariableWidth(prefix, n, records);
    const source = new PgenGenotypes(pfile(prefix));
    const got = (await readAllDosages(source, 4)).dosages.map((d) => Array.from(d));
    expect(got).toEqual([
      [1, 0.5, NaN, 0, 2, 100 / 16384],
      [0, 0, 0, 0, 0, 0],
      [1, 2, 0.25, 0, 20000 / 16384, 1],
      [0.5, 2, NaN, 0, 1, 1],
      [1, 1.5, NaN, 0, 1, 1],
      [1, 2, NaN, 2, 1, NaN],
      [2, 0, NaN, 2, 1, 1],
    ]);
    source.close();
  });

  it('reads the fused one-bit header of single-sample files (control 8)', async () => {
    const prefix = join(dir, 'fused');
    writeVariableWidth(
      prefix,
      1,
      [
        { vrtype: 0, bytes: [2] },
        { vrtype: 5, bytes: [] },
        { vrtype: 0, bytes: [3] },
      ],
      8,
    );
    const source = new PgenGenotypes(pfile(prefix));
    expect((await readAllDosages(source)).dosages.map((d) => d[0])).toEqual([2, 0, NaN]);
    source.close();
  });

  it('names the variant whose record ends inside a difflist', async () => {
    const prefix = join(dir, 'short');
    writeVariableWidth(prefix, 6, [
      { vrtype: 0, bytes: [0, 0] },
      { vrtype: 0x04, bytes: [5, 1] },
    ]);
    const source = new PgenGenotypes(pfile(prefix));
    await expect(readAllDosages(source)).rejects.toThrow(
      new InputError(`${prefix}.pgen`, 'variant 2 (r1): record ends inside its difflist genotypes'),
    );
    source.close();
  });
});
