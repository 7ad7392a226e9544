/**
 * The analysed genotypes of a block replayed from the recording (read from its byte codes or values, without
 * decoding the block) against those of the same block as the file gives it (the dosages path): bit for bit, for
 * hard calls, missing calls, all-missing SNPs, dosages among hard calls, -0, one individual, subsets of the
 * individuals and of the SNPs, the recording as codes, as float64 copies, and both.
 */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engines/engine.js';
import type { GenotypeBlock, GenotypeSource } from '../../src/io/genotypes.js';
import { ReplayedBlock, RememberedGenotypes } from '../../src/io/remembered-genotypes.js';
import {
  computeGenotypeBlock,
  EngineClock,
  recycleComputedBlock,
  type ActiveUnit,
} from '../../src/scan/block-scan.js';
import { rng } from '../helpers/random.js';

/** An in-memory source of m SNPs x n samples (values[snp * n + i]). */
function source(n: number, m: number, values: Float64Array): GenotypeSource {
  return {
    format: 'test',
    polymorphism: 'distinct-dosages',
    genotypeFile: 'test.geno',
    nSamples: n,
    samplesInFile: n,
    sampleIds: null,
    sampleRows: Int32Array.from({ length: n }, (_, i) => i),
    async *blocks(blockSize: number, indices?: Int32Array): AsyncGenerator<GenotypeBlock> {
      const wanted = indices ?? Int32Array.from({ length: m }, (_, k) => k);
      for (let from = 0; from < wanted.length; from += blockSize) {
        const picked = wanted.slice(from, from + blockSize);
        const dosages = new Float64Array(picked.length * n);
        picked.forEach((s, j) => dosages.set(values.subarray(s * n, (s + 1) * n), j * n));
        const annotations = Array.from(picked, (s) => ({
          chr: '1',
          rs: `rs${s}`,
          pos: String(s),
          allele1: 'A',
          allele0: 'G',
        }));
        yield { indices: picked, annotations, dosages, count: picked.length };
      }
    },
    notes: () => [],
    close: () => undefined,
  };
}

/** A SNP of n values of one of several kinds, each chosen at random. */
function snpValues(n: number, next: () => number): Float64Array {
  const kind = Math.floor(next() * 6);
  const hard = () => Math.floor(next() * 3);
  return Float64Array.from({ length: n }, () => {
    const r = next();
    if (kind === 0) return hard();
    if (kind === 1) return r < 0.2 ? NaN : hard();
    if (kind === 2) return NaN;
    if (kind === 3) return r < 0.1 ? next() * 2 : r < 0.2 ? NaN : hard();
    if (kind === 4) return r < 0.3 ? -0 : r < 0.4 ? NaN : hard();
    return r < 0.5 ? NaN : 1;
  });
}

/** The unit fields computeGenotypeBlock reads for -lm, and an engine whose tests return nothing. */
function linearUnit(rowOfPosition: Int32Array, kept: Int32Array): ActiveUnit {
  const unit = { rowOfPosition, group: { selection: { nAnalysed: kept.length } } };
  return { prepared: { unit, linearModels: [] }, loaded: null, kept } as unknown as ActiveUnit;
}
const engine = { testLinear: async () => [] } as unknown as Engine;

/**
 * Each unit's analysed genotypes of `block` as bits, tested SNP by tested SNP: through the merging of repeated
 * columns (which may merge differently: the keys of columns read from codes are not those of the values).
 */
async function analysed(block: GenotypeBlock, firstPosition: number, units: ActiveUnit[]) {
  const computed = await computeGenotypeBlock(
    block,
    firstPosition,
    units,
    engine,
    'lm',
    1,
    new EngineClock(),
  );
  const bits = computed.units.map(({ genotypes, positions, rowOf }, u) => {
    if (!genotypes) return null;
    const n = units[u]!.kept.length;
    const words = new BigUint64Array(genotypes.slice().buffer);
    return positions.map((_, j) => {
      const row = rowOf ? rowOf[j]! : j;
      return Array.from(words.subarray(row * n, (row + 1) * n));
    });
  });
  recycleComputedBlock(computed);
  return bits;
}

describe('analysed genotypes of replayed blocks', () => {
  it.each([
    ['as codes', 0, false],
    ['as copies', undefined, false],
    ['copies then codes', 3000, false],
    ['as copies of the analysed samples only', undefined, true],
    ['copies of the analysed samples only, then codes', 1000, true],
  ])('equal those of the dosages, bit for bit (recording %s)', async (_, raw, analysedOnly) => {
    const next = rng((raw ?? 11) + (analysedOnly ? 1 : 0));
    for (const n of [1, 2, 7, 40]) {
      const m = 37;
      const values = new Float64Array(n * m);
      for (let s = 0; s < m; s++) values.set(snpValues(n, next), s * n);
      const file = source(n, m, values);
      const everyone = Int32Array.from({ length: n }, (_, i) => i);
      const some = everyone.filter(() => next() < 0.6);
      const others = everyone.filter(() => next() < 0.3);
      const kept = analysedOnly
        ? [some.length > 0 ? some : Int32Array.of(0), others.length > 0 ? others : Int32Array.of(n - 1)]
        : [everyone, some.length > 0 ? some : Int32Array.of(n - 1)];
      // The samples some unit analyses, as the job hands them to the recording.
      const read = everyone.filter((i) => kept.some((k) => k.includes(i)));
      const remembered = new RememberedGenotypes(
        source(n, m, values),
        undefined,
        raw,
        analysedOnly ? read : undefined,
      );
      for await (const block of remembered.blocks(8)) expect(block.count).toBeGreaterThan(0);
      const chosen = Int32Array.from({ length: m }, (_, k) => k).filter(() => next() < 0.7);
      const tested = (p: number) => (next() < 0.8 ? p : -1);
      const units = kept.map((k) =>
        linearUnit(
          Int32Array.from(chosen, (_, p) => tested(p)),
          k,
        ),
      );
      for (const blockSize of [1, 6, 64]) {
        const replayed = remembered.blocks(blockSize, chosen);
        let position = 0;
        for await (const expected of file.blocks(blockSize, chosen)) {
          const block = (await replayed.next()).value as GenotypeBlock;
          expect(block).toBeInstanceOf(ReplayedBlock);
          expect(await analysed(block, position, units)).toEqual(await analysed(expected, position, units));
          position += expected.count;
        }
      }
    }
  });

  it('are read from the decoded dosages once something read them', async () => {
    const n = 5;
    const values = Float64Array.of(0, 1, NaN, 2, 0.5, 2, 2, NaN, NaN, 1);
    const remembered = new RememberedGenotypes(source(n, 2, values), undefined, 0);
    for await (const block of remembered.blocks(2)) expect(block.count).toBe(2);
    const units = [linearUnit(Int32Array.of(0, 1), Int32Array.of(0, 2, 3, 4))];
    for await (const block of remembered.blocks(2)) {
      expect(Array.from(block.dosages)).toEqual(Array.from(values));
      const [bits] = await analysed(block, 0, units);
      const mean0 = (0 + 2 + 0.5) / 3;
      const expected = [Float64Array.of(0, mean0, 2, 0.5), Float64Array.of(2, 1.5, 1.5, 1)];
      expect(bits).toEqual(expected.map((column) => Array.from(new BigUint64Array(column.buffer))));
    }
  });
});

describe('repeated columns of a replayed block', () => {
  it('are merged by their codes', async () => {
    const n = 4;
    const values = Float64Array.of(0, 1, NaN, 2, 0, 1, NaN, 2, 1, 1, 1, 2, 0, 1, NaN, 2);
    const remembered = new RememberedGenotypes(source(n, 4, values), undefined, 0);
    for await (const block of remembered.blocks(4)) expect(block.count).toBe(4);
    const units = [linearUnit(Int32Array.of(0, 1, 2, 3), Int32Array.of(0, 1, 2, 3))];
    for await (const block of remembered.blocks(4)) {
      const computed = await computeGenotypeBlock(block, 0, units, engine, 'lm', 1, new EngineClock());
      expect(Array.from(computed.units[0]!.rowOf!)).toEqual([0, 0, 1, 0]);
      recycleComputedBlock(computed);
    }
  });
});
