// The SNP pass over PLINK input reads the blocks' .bed codes (filters and -gk 1 hard calls) and asks the reader
// for no dosages; check it against the same pass over the same reader's dosages only (the codes stripped): the
// same tested SNPs, missing counts and frequencies, and the same kinship sums to the bit, with missing calls,
// a sample count that is not a multiple of 4, some individuals not analysed, and blocks on both kinship paths.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { PLINK_FORMAT } from '../../src/io/plink-genotypes.js';
import type { GenotypeSource } from '../../src/io/genotypes.js';
import type { SampleSelection } from '../../src/qc/samples.js';
import { runSnpPass, type SnpPassResult } from '../../src/scan/snp-pass.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lmmscan-snp-pass-bed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function selection(n: number, analysed: Uint8Array): SampleSelection {
  const nAnalysed = analysed.reduce((s, a) => s + a, 0);
  return {
    nTotal: n,
    analysed,
    nAnalysed,
    phenotypes: [],
    covariates: new Float64Array(nAnalysed).fill(1),
    nCvt: 1,
    interceptAppended: true,
  };
}

/** The source's blocks as dosages only, as before the pass read .bed codes. */
function dosagesOnly(source: GenotypeSource): GenotypeSource {
  const plain = Object.create(source) as GenotypeSource;
  plain.blocks = async function* (size: number, indices?: Int32Array) {
    for await (const block of source.blocks(size, indices)) {
      expect(block.bed).toBeDefined();
      yield { ...block, bed: undefined };
    }
  };
  return plain;
}

async function pass(source: GenotypeSource, n: number, analysed: Uint8Array) {
  const seen: boolean[] = [];
  const counted = Object.create(source) as GenotypeSource;
  counted.blocks = async function* (size: number, indices?: Int32Array, content?: { dosages: boolean }) {
    for await (const block of source.blocks(size, indices, content)) {
      seen.push(block.dosages.length > 0);
      yield block;
    }
  };
  const result = await runSnpPass(counted, [{ selection: selection(n, analysed), traitColumns: [] }], {
    filters: { miss: 0.05, maf: 0.01, r2: 0.9999, hwe: 0 },
    blockSize: 50,
    quiet: true,
    kinship: { kind: 1, engine: new TsEngine(), split: { by: 'chromosome' } },
  });
  return { result, seen };
}

function expectSame(got: SnpPassResult, want: SnpPassResult): void {
  expect(got.tested).toEqual(want.tested);
  expect(got.chromosomes).toEqual(want.chromosomes);
  expect([...got.kinshipSums!.keys()]).toEqual([...want.kinshipSums!.keys()]);
  for (const [chr, part] of want.kinshipSums!) {
    const other = got.kinshipSums!.get(chr)!;
    expect(other.snps).toBe(part.snps);
    expect(Buffer.from(other.sum.hi.buffer).equals(Buffer.from(part.sum.hi.buffer))).toBe(true);
    expect(Buffer.from(other.sum.lo.buffer).equals(Buffer.from(part.sum.lo.buffer))).toBe(true);
  }
}

test.each([
  [37, 0.01],
  [38, 0.05],
  [41, 0],
])('n = %i, %f missing: the pass from .bed codes is the pass from dosages', async (n, rate) => {
  const cohort = simulateCohort({
    nIndividuals: n,
    nSnps: 400,
    nChromosomes: 2,
    missingGenotypeRate: rate,
    seed: n,
  });
  const prefix = join(dir, `c${n}`);
  await writePlink(prefix, cohort);
  const analysed = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : 1));
  const source = PLINK_FORMAT.open({ bfile: prefix }, {});
  const fromCodes = await pass(source, n, analysed);
  const fromDosages = await pass(dosagesOnly(source), n, analysed);
  expectSame(fromCodes.result, fromDosages.result);
  expect(fromCodes.seen.every((d) => !d)).toBe(true); // no dosages decoded
  expect(fromDosages.seen.every((d) => d)).toBe(true);
  expect(fromCodes.result.tested[0]!.indices.length).toBeGreaterThan(100);
  source.close();
});

test('a reader of some samples only has no .bed codes for them, so it decodes dosages whatever it is asked', async () => {
  const cohort = simulateCohort({ nIndividuals: 21, nSnps: 30, missingGenotypeRate: 0.1, seed: 3 });
  const prefix = join(dir, 'kept');
  await writePlink(prefix, cohort);
  const all = PLINK_FORMAT.open({ bfile: prefix }, {});
  const some = PLINK_FORMAT.open(
    { bfile: prefix },
    { samples: { keeps: (id) => id.iid !== all.sampleIds![4]!.iid } },
  );
  expect(some.nSamples).toBe(20);
  const full = [];
  for await (const block of all.blocks(8, undefined, { dosages: true })) full.push(block);
  let j = 0;
  for await (const block of some.blocks(8, undefined, { dosages: false })) {
    expect(block.bed).toBeUndefined();
    for (let s = 0; s < block.count; s++) {
      const want = Array.from(full[j >> 3]!.dosages.subarray((j % 8) * 21, (j % 8) * 21 + 21));
      want.splice(4, 1);
      expect(Array.from(block.dosages.subarray(s * 20, s * 20 + 20))).toEqual(want);
      j++;
    }
  }
  expect(j).toBe(30);
  all.close();
  some.close();
});
