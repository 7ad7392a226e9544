/** A scan's second pass replayed from the first: the same blocks, bit for bit, without reading the source again. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GenotypeBlock, GenotypeSource } from '../../src/io/genotypes.js';
import { PlinkGenotypes } from '../../src/io/plink-genotypes.js';
import { BimbamGenotypes } from '../../src/io/bimbam-genotypes.js';
import { readBim } from '../../src/io/plink.js';
import { ReplayedBlock, RememberedGenotypes, type SnpPlace } from '../../src/io/remembered-genotypes.js';
import { scratchDir } from '../helpers/paths.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** An in-memory source of m SNPs x n samples that counts its passes. */
function source(n: number, m: number, value: (snp: number, i: number) => number) {
  const all = Float64Array.from({ length: n * m }, (_, k) => value(Math.floor(k / n), k % n));
  const counter = { passes: 0 };
  const src: GenotypeSource = {
    format: 'test',
    polymorphism: 'distinct-dosages',
    genotypeFile: 'test.geno',
    nSamples: n,
    samplesInFile: n,
    sampleIds: null,
    sampleRows: Int32Array.from({ length: n }, (_, i) => i),
    async *blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
      counter.passes++;
      const wanted = indices ?? Int32Array.from({ length: m }, (_, k) => k);
      for (let from = 0; from < wanted.length; from += blockSize) {
        const picked = wanted.slice(from, from + blockSize);
        const dosages = new Float64Array(picked.length * n);
        picked.forEach((s, j) => dosages.set(all.subarray(s * n, (s + 1) * n), j * n));
        const annotations = Array.from(picked, (s) => ({
          chr: String(1 + (s % 3)),
          rs: `rs${s}`,
          pos: String(100 * s),
          allele1: 'A',
          allele0: 'G',
        }));
        yield { indices: picked, annotations, dosages, count: picked.length };
      }
    },
    notes: () => ['a note'],
    close: () => undefined,
  };
  return { src, counter };
}

async function collect(blocks: AsyncGenerator<GenotypeBlock>): Promise<GenotypeBlock[]> {
  const out: GenotypeBlock[] = [];
  // The interface's fields only (a replayed block holds more).
  for await (const { indices, annotations, dosages, count } of blocks)
    out.push({ indices, annotations, dosages: Float64Array.from(dosages), count });
  return out;
}

/** Dosages as bits, so that NaN and -0 compare exactly. */
const bits = (blocks: GenotypeBlock[]) =>
  blocks.map((b) => ({ ...b, dosages: Array.from(new BigUint64Array(b.dosages.buffer)) }));

describe('RememberedGenotypes', () => {
  const random = seeded(7);
  const hard = (snp: number) => (snp % 5 === 0 ? NaN : Math.floor(random() * 3));
  const mixed = (snp: number) => (snp === 9 ? -0 : snp % 4 === 0 ? random() * 2 : hard(snp));
  // Values next to the hard calls' bit patterns: a low word or a mantissa bit set, other exponents, -0, infinities.
  const near = [
    2 ** -1074,
    1 + 2 ** -52,
    2 - 2 ** -51,
    1 + 2 ** -20,
    4,
    3,
    0.5,
    -1,
    -2,
    -0,
    Infinity,
    -Infinity,
  ];
  const awkward = (snp: number) => (snp % 3 === 0 ? near[Math.floor(random() * near.length)] : hard(snp));
  // The recording as byte codes (no raw allowance), as float64 copies (the default), and both: the first two
  // 8-SNP blocks (832 bytes each) as copies, the rest as codes.
  it.each([
    ['hard calls and missing, as codes', hard, 0],
    ['hard calls and missing, as copies', hard, undefined],
    ['dosages, -0 and hard calls mixed, as codes', mixed, 0],
    ['dosages, -0 and hard calls mixed, as copies', mixed, undefined],
    ['dosages, -0 and hard calls mixed, copies then codes', mixed, 2000],
    ['values next to hard calls in bits, as codes', awkward, 0],
  ])(
    '%s: later passes replay the first, bit for bit, for any block size and SNP list',
    async (_, value, raw) => {
      const n = 13;
      const m = 47;
      const { src, counter } = source(n, m, value);
      const { src: reference } = source(n, m, () => 0);
      Object.assign(reference, { blocks: src.blocks });
      const remembered = new RememberedGenotypes(src, undefined, raw);
      const first = await collect(remembered.blocks(8));
      expect(bits(first)).toEqual(bits(await collect(reference.blocks(8))));
      const passes = counter.passes;
      const lists = [
        undefined,
        Int32Array.of(0, 3, 4, 9, 10, 20, 46),
        Int32Array.from({ length: 30 }, (_, k) => k + 17),
      ];
      for (const blockSize of [1, 5, 64]) {
        for (const indices of lists) {
          const expected = await collect(reference.blocks(blockSize, indices));
          expect(bits(await collect(remembered.blocks(blockSize, indices)))).toEqual(bits(expected));
        }
      }
      expect(counter.passes - passes).toBe(3 * lists.length); // the reference's passes only
      expect(remembered.notes()).toEqual(['a note']);
    },
  );

  it('given the samples a replay reads, copies those alone and places them by sample', async () => {
    const n = 6;
    const { src, counter } = source(n, 5, (snp, i) => (i === 2 ? NaN : 10 * snp + i));
    const samples = Int32Array.of(1, 2, 4);
    const remembered = new RememberedGenotypes(src, undefined, undefined, samples);
    await collect(remembered.blocks(2));
    const place: SnpPlace = { codes: null, values: null, from: 0 };
    for await (const block of remembered.blocks(3, Int32Array.of(0, 3, 4))) {
      for (let j = 0; j < block.count; j++) {
        (block as ReplayedBlock).locate(j, place);
        const snp = block.indices[j];
        const at = (i: number) => place.values![place.from + place.columns![i]];
        expect([at(1), at(2), at(4)]).toEqual([10 * snp + 1, NaN, 10 * snp + 4]);
        expect(place.columns![0]).toBe(-1);
      }
      // The other samples are not kept: the block cannot be read in full.
      expect(() => block.dosages).toThrow(/some samples/);
    }
    expect(counter.passes).toBe(1);
  });

  it('past its budget keeps nothing and reads the source again', async () => {
    const { src, counter } = source(10, 40, () => 1);
    const remembered = new RememberedGenotypes(src, 10 * 25); // room for 25 of the 40 SNPs as bytes
    expect((await collect(remembered.blocks(16))).length).toBe(3);
    const again = await collect(remembered.blocks(16, Int32Array.of(2, 39)));
    expect(again.map((b) => Array.from(b.indices))).toEqual([[2, 39]]);
    expect(counter.passes).toBe(2);
  });

  it('a first pass left unfinished keeps nothing', async () => {
    const { src, counter } = source(4, 20, () => 2);
    const remembered = new RememberedGenotypes(src);
    for await (const block of remembered.blocks(5)) if (block.count > 0) break;
    await collect(remembered.blocks(5));
    expect(counter.passes).toBe(2);
  });
});

/** A .bed/.bim of m SNPs x n samples written from dosages (NaN = missing), as PLINK encodes them. */
function writePlink(prefix: string, genotypes: number[][], n: number): void {
  const per = Math.ceil(n / 4);
  const bytes = new Uint8Array(3 + per * genotypes.length);
  bytes.set([0x6c, 0x1b, 0x01]);
  genotypes.forEach((snp, j) =>
    snp.forEach((g, i) => {
      const code = Number.isNaN(g) ? 1 : g === 2 ? 0 : g === 1 ? 2 : 3;
      bytes[3 + j * per + (i >> 2)] |= code << (2 * (i & 3));
    }),
  );
  // Padding bits set: the reader must ignore them.
  if (n % 4) for (let j = 0; j < genotypes.length; j++) bytes[3 + j * per + per - 1] |= 0xff << (2 * (n % 4));
  writeFileSync(`${prefix}.bed`, bytes);
  writeFileSync(`${prefix}.bim`, genotypes.map((_, j) => `1\trs${j}\t0\t${j + 1}\tA\tG`).join('\n') + '\n');
}

describe('RememberedGenotypes over PLINK', () => {
  const dir = scratchDir('remembered-plink');
  const m = 37;
  // Hard calls with missing ones, and monomorphic SNPs (all 0, all 2, all missing).
  const value = (random: () => number, snp: number) =>
    snp % 9 === 1
      ? 0
      : snp % 9 === 4
        ? 2
        : snp % 9 === 7
          ? NaN
          : random() < 0.15
            ? NaN
            : Math.floor(random() * 3);

  it.each([
    [13, false, undefined],
    [13, false, 0],
    [16, false, undefined],
    [1, false, undefined],
    [14, true, undefined],
    [15, true, 0],
  ])(
    "n = %i, --keep %s, raw allowance %s: the replay and its codes are the reader's dosages, with or without a first pass that reads them",
    async (n, subset, raw) => {
      const random = seeded(n + 100);
      const genotypes = Array.from({ length: m }, (_, snp) =>
        Array.from({ length: n }, () => value(random, snp)),
      );
      const prefix = join(dir, `p${n}${subset ? 'k' : ''}`);
      writePlink(prefix, genotypes, n);
      const keeps = (id: { iid: string }) => Number(id.iid) % 3 !== 1;
      const ids = Array.from({ length: n }, (_, i) => ({ fid: null, iid: String(i) }));
      const open = () =>
        new PlinkGenotypes(
          `${prefix}.bed`,
          readBim(`${prefix}.bim`),
          n,
          subset ? { samples: { keeps } } : {},
          ids,
        );
      const reference = open();
      const kept = reference.nSamples;
      const expected = await collect(reference.blocks(64));
      for (const dosages of [false, true]) {
        const remembered = new RememberedGenotypes(open(), undefined, raw);
        // The first pass yields the reader's blocks as asked: .bed codes (no dosages when not asked) for all samples.
        for await (const block of remembered.blocks(8, undefined, { dosages })) {
          expect(block.bed !== undefined).toBe(!subset);
          expect(block.dosages.length).toBe(dosages || subset ? block.count * kept : 0);
        }
        for (const blockSize of [5, 64]) {
          const replayed = await collect(remembered.blocks(blockSize));
          expect(bits(replayed)).toEqual(bits(await collect(reference.blocks(blockSize))));
        }
        // What the scan reads: codes (0, 1, 2, missing) or values, equal to the dosages.
        const place: SnpPlace = { codes: null, values: null, from: 0 };
        const seen: number[] = [];
        for await (const block of remembered.blocks(64))
          for (let j = 0; j < block.count; j++) {
            (block as ReplayedBlock).locate(j, place);
            for (let i = 0; i < kept; i++)
              seen.push(
                place.codes ? [0, 1, 2, NaN][place.codes[place.from + i]] : place.values![place.from + i],
              );
            expect(place.codes !== null).toBe(!subset || raw === 0);
          }
        expect(seen).toEqual(Array.from(expected[0].dosages));
      }
      reference.close();
    },
  );
});

describe('RememberedGenotypes over BIMBAM', () => {
  const dir = scratchDir('remembered-bimbam');
  it.each([
    [7, undefined],
    [7, 0],
    [12, 0],
  ])(
    "n = %i, raw allowance %s: the replay is the reader's dosages, the first pass reading its calls or its dosages",
    async (n, raw) => {
      const random = seeded(n + 7);
      // Rows of hard calls (some with NA), rows with a dosage or a -0 among them, and monomorphic rows.
      const lines = Array.from({ length: 41 }, (_, snp) => {
        const values = Array.from({ length: n }, () =>
          random() < 0.1 ? 'NA' : String(Math.floor(random() * 3)),
        );
        if (snp % 5 === 2) values[snp % n] = '0.25';
        if (snp % 7 === 3) values[0] = '-0';
        if (snp % 11 === 4) values.fill('2');
        return [`rs${snp}`, 'A', 'G', ...values].join(', ');
      });
      const path = join(dir, `g${n}.txt`);
      writeFileSync(path, lines.join('\n') + '\n');
      const expected = await collect(new BimbamGenotypes(path, n, null).blocks(64));
      for (const dosages of [false, true]) {
        const remembered = new RememberedGenotypes(new BimbamGenotypes(path, n, null), undefined, raw);
        for await (const block of remembered.blocks(8, undefined, { dosages }))
          expect(block.calls?.counts.length).toBe(3 * block.count);
        for (const blockSize of [5, 64]) {
          const replayed = await collect(remembered.blocks(blockSize));
          expect(bits(replayed)).toEqual(
            bits(await collect(new BimbamGenotypes(path, n, null).blocks(blockSize))),
          );
        }
        const seen: number[] = [];
        const place: SnpPlace = { codes: null, values: null, from: 0 };
        for await (const block of remembered.blocks(64))
          for (let j = 0; j < block.count; j++) {
            (block as ReplayedBlock).locate(j, place);
            for (let i = 0; i < n; i++)
              seen.push(
                place.codes ? [0, 1, 2, NaN][place.codes[place.from + i]] : place.values![place.from + i],
              );
          }
        expect(seen).toEqual(Array.from(expected[0].dosages));
      }
    },
  );
});
