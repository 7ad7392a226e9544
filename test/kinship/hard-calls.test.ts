// The exact -gk 1 kinship of hard calls (issue 21): the wasm engine's integer path must fold the same bits as
// the TS engine's (any thread count), and both must equal an exact rational computation of the centred sum
// (x_is - mu_s)(x_js - mu_s) over the SNPs where both calls are observed, to far below float64 rounding.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KinshipSession } from '../../src/engines/engine.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { WasmPool } from '../../src/engines/wasm/pool.js';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';
import { BIMBAM_FORMAT } from '../../src/io/bimbam-genotypes.js';
import type { GenotypeBlock, GenotypeSource } from '../../src/io/genotypes.js';
import { PLINK_FORMAT } from '../../src/io/plink-genotypes.js';
import { HardCallBuffer } from '../../src/kinship/hard-call-buffer.js';
import { prepareKinshipSnp } from '../../src/kinship/kinship.js';
import type { KinshipSum } from '../../src/linalg/double-double.js';
import type { HardCallBlock } from '../../src/linalg/hard-calls.js';
import type { SampleSelection } from '../../src/qc/samples.js';
import { runSnpPass } from '../../src/scan/snp-pass.js';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { rng } from '../helpers/random.js';

// Every double is an integer multiple of 2^-1074; products of two, of 2^-2148.
const SCALE = 2148n;
const bits = new Float64Array(1);
const words = new BigUint64Array(bits.buffer);

/** x * 2^SCALE as an exact BigInt (x finite). */
function exact(x: number): bigint {
  bits[0] = x;
  const w = words[0]!;
  const biased = Number((w >> 52n) & 0x7ffn);
  const fraction = w & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const value = mantissa << (BigInt(Math.max(biased, 1)) - 1075n + SCALE);
  return w >> 63n ? -value : value;
}

/** The exact centred sum per upper-triangle entry of SNP-major dosages (NaN missing), scaled by 2^SCALE. */
function exactSums(n: number, snps: Float64Array[], means: number[]): bigint[] {
  const half = SCALE / 2n; // each centred value scaled by 2^1074
  const sums = new Array<bigint>(n * n).fill(0n);
  snps.forEach((g, s) => {
    const mu = exact(means[s]!) >> half;
    const centred = Array.from(g, (x) => (Number.isNaN(x) ? null : (BigInt(x) << half) - mu));
    for (let i = 0; i < n; i++) {
      const ci = centred[i];
      if (ci === null) continue;
      for (let j = i; j < n; j++) {
        const cj = centred[j];
        if (cj !== null) sums[i * n + j]! += ci! * cj;
      }
    }
  });
  return sums;
}

/** The mean prepareKinshipSnp centres by. */
function meanOf(g: Float64Array): number {
  let sum = 0,
    observed = 0;
  for (const x of g)
    if (!Number.isNaN(x)) {
      sum += x;
      observed++;
    }
  return sum / observed;
}

/**
 * Largest |(hi + lo) - exact| over the upper triangle, relative to the largest |exact| (both exact: BigInt
 * differences, the ratio in float64).
 */
function worstRelative(sum: KinshipSum, n: number, want: bigint[]): number {
  let worst = 0n,
    largest = 1n;
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const w = want[i * n + j]!;
      const d = exact(sum.hi[i * n + j]!) + exact(sum.lo[i * n + j]!) - w;
      if ((d < 0n ? -d : d) > worst) worst = d < 0n ? -d : d;
      if ((w < 0n ? -w : w) > largest) largest = w < 0n ? -w : w;
    }
  // Both below 2^(SCALE + 64): compare through a common shift.
  const shift = SCALE - 1000n;
  return Number(worst >> shift) / Number(largest >> shift) || Number(worst) / Number(largest);
}

interface Case {
  n: number;
  blocks: number[];
  missing: number;
  /** Individuals missing at every SNP of the first block. */
  allMissing?: number[];
  /** Individuals with a 2 at every SNP of the first block (the largest products per 16-bit lane). */
  allTwo?: number[];
}

/** Random hard calls; missing calls at the corners, an all-missing SNP, a monomorphic SNP. */
function genotypes(c: Case, seed: number): Float64Array[] {
  const next = rng(seed);
  const m = c.blocks.reduce((a, b) => a + b, 0);
  const snps = Array.from({ length: m }, () => {
    const p = 0.02 + 0.96 * next();
    return Float64Array.from({ length: c.n }, () =>
      next() < c.missing ? NaN : (next() < p ? 1 : 0) + (next() < p ? 1 : 0),
    );
  });
  if (c.missing > 0) {
    snps[0]![0] = NaN;
    snps[m - 1]![c.n - 1] = NaN;
    snps[0]![c.n - 1] = NaN;
    if (c.n > 1 && m > 2) {
      snps[1]!.fill(NaN); // all missing: contributes nothing
      snps[1]![0] = 2; // but one observed call (the builder sends a SNP with none to the float path)
    }
  }
  // Individuals missing throughout the first block; one at a tile's last row, one at the next tile's first.
  for (const i of c.allMissing ?? []) for (let k = 0; k < c.blocks[0]!; k++) snps[k]![i] = NaN;
  for (const i of c.allTwo ?? []) for (let k = 0; k < c.blocks[0]!; k++) snps[k]![i] = 2;
  if (m > 3) snps[m - 2]!.fill(1);
  // At least one observed call per SNP (the builder sends a SNP with none to the float path).
  for (const g of snps) if (g.every(Number.isNaN)) g[c.n >> 1] = 1;
  return snps;
}

/** Feeds the SNPs in blocks through HardCallBuffer into the session; returns the double-double sum. */
async function hardSum(session: KinshipSession, n: number, snps: Float64Array[], blocks: number[]) {
  const capacity = Math.max(...blocks);
  const buffer = new HardCallBuffer(n, capacity, 1);
  let s = 0;
  for (const b of blocks) {
    for (let k = 0; k < b; k++) buffer.push(snps[s++]!);
    const block = buffer.take();
    if (!block) throw new Error('not hard calls');
    await session.addHardCalls!(block);
  }
  return session.finishSum();
}

const CASES: Case[] = [
  { n: 1, blocks: [3, 1], missing: 0 },
  { n: 1, blocks: [5], missing: 0.2 },
  { n: 2, blocks: [1, 2], missing: 0 },
  { n: 7, blocks: [5, 1, 9], missing: 0.1 },
  { n: 9, blocks: [13], missing: 0 },
  { n: 95, blocks: [40, 1, 23], missing: 0.03 },
  { n: 97, blocks: [64, 3], missing: 0 },
  { n: 2 * 96 + 5, blocks: [1, 257, 30], missing: 0.02 },
  // The tile's missing-call limbs (kinshipMissLimbs): rows and columns past multiples of 8 and of the 96-row
  // tile, a row missing everywhere at a tile's edge, shares 1, 3 and 5 %.
  { n: 96 + 9, blocks: [77, 2], missing: 0.01, allMissing: [95, 96] },
  { n: 2 * 96 + 3, blocks: [131, 5], missing: 0.03, allMissing: [0, 191] },
  { n: 2 * 96 + 1, blocks: [150], missing: 0.05, allMissing: [96 + 7, 2 * 96] },
  { n: 13, blocks: [33, 1], missing: 0.05, allMissing: [8] },
  // Two calls a 16-bit lane, dot products taken out every 256 quads of SNPs (kinshipIntTile): blocks over one
  // and two chunks, not multiples of 4, individuals all 2 (the largest sums a lane holds before extraction).
  { n: 21, blocks: [2 * 1024 + 3, 1022], missing: 0, allTwo: [0, 9, 20] },
  { n: 8 + 3, blocks: [1025, 6], missing: 0.01, allTwo: [4, 10] },
];

describe('exact hard-call kinship', () => {
  let pools: WasmPool[];
  beforeAll(async () => {
    // Both SIMD builds (the relaxed one where the runtime has it).
    pools = await Promise.all([
      WasmPool.create(1),
      WasmPool.create(2),
      WasmPool.create(3),
      WasmPool.create(2, 'simd'),
    ]);
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  test.each(CASES)('n=$n blocks $blocks missing $missing: wasm == TS bitwise, both exact', async (c) => {
    const snps = genotypes(c, 13 * c.n + c.blocks.length);
    const ts = await hardSum(new TsEngine().startKinship(c.n), c.n, snps, c.blocks);
    const want = exactSums(c.n, snps, snps.map(meanOf));
    // Exact but for the float32 lo words: at most about 2^-77 of an entry a fold.
    expect(worstRelative(ts, c.n, want)).toBeLessThanOrEqual(1e-20);
    for (const pool of pools) {
      const wasm = await hardSum(pool.startKinship(c.n), c.n, snps, c.blocks);
      expect(wasm.hi).toEqual(ts.hi);
      expect(Float64Array.from(wasm.lo)).toEqual(Float64Array.from(ts.lo));
    }
  });

  test("a fresh pool's first block, folded in column ranges, gives the bits of the later whole tiles", async () => {
    const c = { n: 2 * 256 + 37, blocks: [40, 9], missing: 0.02 };
    const snps = genotypes(c, 7);
    const ts = await hardSum(new TsEngine().startKinship(c.n), c.n, snps, c.blocks);
    const fresh = await WasmPool.create(2);
    try {
      const wasm = await hardSum(fresh.startKinship(c.n), c.n, snps, c.blocks);
      expect(wasm.hi).toEqual(ts.hi);
      expect(Float64Array.from(wasm.lo)).toEqual(Float64Array.from(ts.lo));
    } finally {
      await fresh.close();
    }
  });

  test('wasm: a block for fewer individuals, and a block after finish, are rejected', async () => {
    const buffer = new HardCallBuffer(3, 1, 1);
    buffer.push(Float64Array.from([0, 1, 2]));
    const block = buffer.take()!;
    await expect(pools[0]!.startKinship(4).addHardCalls!(block)).rejects.toThrow(RangeError);
    const session = pools[0]!.startKinship(3);
    await session.addHardCalls!(block);
    await session.finishSum();
    await expect(session.addHardCalls!(block)).rejects.toThrow(/already finished/);
  });

  test('a SNP with a dosage, or without an observed call, or many missing calls send a block to the float path', () => {
    // EXACT_MAX_MISSING_SHARE is 2 %: 4 missing calls of 2 x 100 are at it, 5 above it.
    const many = new HardCallBuffer(100, 2);
    const snp = Float64Array.from({ length: 100 }, (_, i) => i % 3);
    snp[7] = NaN;
    many.push(snp);
    snp[8] = NaN;
    snp[9] = NaN;
    many.push(snp);
    expect(many.take()?.b).toBe(2);
    many.push(snp);
    snp[9] = 1;
    many.push(snp);
    expect(many.take()).toBeUndefined();
    const buffer = new HardCallBuffer(3, 4, 1);
    buffer.push(Float64Array.from([0, 1, 2]));
    expect(buffer.take()?.b).toBe(1);
    buffer.push(Float64Array.from([0, 1.5, 2]));
    buffer.push(Float64Array.from([0, 1, 2]));
    expect(buffer.take()).toBeUndefined();
    buffer.push(Float64Array.from([NaN, NaN, NaN]));
    expect(buffer.take()).toBeUndefined();
    buffer.push(Float64Array.from([NaN, 1, 2]));
    const block = buffer.take()!;
    expect(Array.from(block.codes)).toEqual([3, 1, 2]);
    expect(Array.from(block.means)).toEqual([1.5]);
    expect(Array.from(block.missStart)).toEqual([0, 1, 1, 1]);
    expect(Array.from(block.missSnp)).toEqual([0]);
  });
});

describe('exact -gk 1 through the SNP pass', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmmscan-hard-calls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('PLINK hard calls with 0.3 % missing genotypes: wasm and TS sums equal bitwise and the exact kinship', async () => {
    const n = 61;
    const cohort = simulateCohort({ nIndividuals: n, nSnps: 700, missingGenotypeRate: 0.003, seed: 21 });
    await writePlink(join(dir, 'c'), cohort);
    const selection: SampleSelection = {
      nTotal: n,
      analysed: new Uint8Array(n).fill(1),
      nAnalysed: n,
      phenotypes: [],
      covariates: new Float64Array(n).fill(1),
      nCvt: 1,
      interceptAppended: true,
    };
    const sums: KinshipSum[] = [];
    const wasm = await WasmEngine.create(2);
    try {
      for (const engine of [new TsEngine(), wasm]) {
        const source = PLINK_FORMAT.open({ bfile: join(dir, 'c') }, {});
        const pass = await runSnpPass(source, [{ selection, traitColumns: [] }], {
          filters: { miss: 1, maf: -1, r2: 1, hwe: 0 },
          blockSize: 256,
          quiet: true,
          kinship: { kind: 1, engine, split: { by: 'none' } },
        });
        source.close();
        const part = pass.kinshipSums!.get('')!;
        expect(part.snps).toBe(700);
        sums.push(part.sum);
      }
    } finally {
      await wasm.close();
    }
    expect(sums[1]!.hi).toEqual(sums[0]!.hi);
    expect(Float64Array.from(sums[1]!.lo)).toEqual(Float64Array.from(sums[0]!.lo));
    // The same SNPs read back as dosages, for the exact sum.
    const source = PLINK_FORMAT.open({ bfile: join(dir, 'c') }, {});
    const snps: Float64Array[] = [];
    for await (const block of source.blocks(256))
      for (let j = 0; j < block.count; j++) snps.push(block.dosages.slice(j * n, (j + 1) * n));
    source.close();
    expect(snps.some((g) => g.some(Number.isNaN))).toBe(true);
    const want = exactSums(n, snps, snps.map(meanOf));
    expect(worstRelative(sums[0]!, n, want)).toBeLessThanOrEqual(1e-20);
  });
});

describe('SNP pass: blocks that leave the exact path mid-block', () => {
  // n = 37, blocks of 8: block 0 exact; block 1 meets a dosage at its sixth SNP; block 2 passes the 2 % share of
  // missing calls at its second SNP (push() stops gathering); block 3 holds -0 calls and ends on a dosage; block
  // 4 (4 SNPs) keeps gathering but take() declines it (4 missing calls: over 2 % of 37 x 4, not of 37 x 8).
  const n = 37;
  const blockSize = 8;
  const random = rng(31);
  const snps: Float64Array[] = [];
  for (let s = 0; s < 36; s++) {
    const g = Float64Array.from({ length: n }, (_, i) => (i < 3 ? i : Math.floor(random() * 3)));
    if (s < 8 && s % 3 === 0) g[5 + s] = NaN;
    if (s === 13) g[9] = 1.5;
    if (s >= 16 && s < 24) for (let k = 0; k < 3; k++) g[4 + 5 * k + (s % 4)] = NaN;
    if (s >= 24 && s < 32) {
      for (let i = 3; i < n; i++) if (g[i] === 0 && i % 2 === 0) g[i] = -0;
      if (s === 31) g[20] = 0.25;
    }
    if (s >= 32) g[s - 26] = NaN;
    snps.push(g);
  }
  /** A source of these SNPs, each block a new array. */
  const source = (): GenotypeSource => ({
    format: 'test',
    polymorphism: 'distinct-dosages',
    genotypeFile: 'test.geno',
    nSamples: n,
    samplesInFile: n,
    sampleIds: null,
    sampleRows: Int32Array.from({ length: n }, (_, i) => i),
    async *blocks(size: number): AsyncGenerator<GenotypeBlock> {
      for (let from = 0; from < snps.length; from += size) {
        const picked = snps.slice(from, from + size);
        const dosages = new Float64Array(picked.length * n);
        picked.forEach((g, j) => dosages.set(g, j * n));
        const indices = Int32Array.from(picked, (_, j) => from + j);
        const annotations = Array.from(indices, (s) => ({
          chr: '1',
          rs: `rs${s}`,
          pos: String(s),
          allele1: 'A',
          allele0: 'G',
        }));
        yield { indices, annotations, dosages, count: picked.length };
      }
    },
    notes: () => [],
    close: () => undefined,
  });
  const selection: SampleSelection = {
    nTotal: n,
    analysed: new Uint8Array(n).fill(1),
    nAnalysed: n,
    phenotypes: [],
    covariates: new Float64Array(n).fill(1),
    nCvt: 1,
    interceptAppended: true,
  };

  /** What the pass folded before it kept hard calls as codes only: every block's dosages copied as read. */
  async function reference(session: KinshipSession): Promise<KinshipSum> {
    for (let from = 0; from < snps.length; from += blockSize) {
      const block = snps.slice(from, from + blockSize);
      const buffer = new HardCallBuffer(n, blockSize);
      for (const g of block) buffer.push(g);
      const hard = buffer.take();
      if (hard) await session.addHardCalls!(hard);
      else {
        const raw = new Float64Array(block.length * n);
        block.forEach((g, j) => {
          const copy = Float64Array.from(g);
          prepareKinshipSnp(copy, 1);
          raw.set(copy, j * n);
        });
        await session.add(raw, block.length);
      }
    }
    return session.finishSum();
  }

  test('the sums equal those of the dosages copied as read (TS and wasm engines), and blocks 1-4 take the float path', async () => {
    // The fixture is what the comment says: only block 0 is taken as hard calls.
    const taken = [0, 8, 16, 24, 32].map((from) => {
      const buffer = new HardCallBuffer(n, blockSize);
      for (const g of snps.slice(from, from + blockSize)) buffer.push(g);
      return buffer.take() !== undefined;
    });
    expect(taken).toEqual([true, false, false, false, false]);
    const wasm = await WasmEngine.create(2);
    try {
      for (const engine of [new TsEngine(), wasm]) {
        const pass = await runSnpPass(source(), [{ selection, traitColumns: [] }], {
          filters: { miss: 1, maf: -1, r2: 1, hwe: 0 },
          blockSize,
          quiet: true,
          kinship: { kind: 1, engine, split: { by: 'none' } },
        });
        const part = pass.kinshipSums!.get('')!;
        expect(part.snps).toBe(36);
        const want = await reference(engine.startKinship(n));
        expect(part.sum.hi).toEqual(want.hi);
        expect(Float64Array.from(part.sum.lo)).toEqual(Float64Array.from(want.lo));
      }
    } finally {
      await wasm.close();
    }
  });

  test('a BIMBAM pass tells the engine, before its first block, at most how many SNPs its kinship takes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmmscan-expect-kinship-'));
    try {
      const cohort = simulateCohort({ nIndividuals: 20, nSnps: 30, missingGenotypeRate: 0.01, seed: 5 });
      const files = await writeBimbam(join(dir, 'c'), cohort);
      const told: number[][] = [];
      let blocksAdded = 0;
      const ts = new TsEngine();
      const engine = Object.assign(ts, {
        expectKinship: (count: number, snpBound: number) => told.push([count, snpBound, blocksAdded]),
        startKinship: (count: number) => {
          const session = TsEngine.prototype.startKinship.call(ts, count);
          const add = session.addHardCalls!.bind(session);
          return { ...session, addHardCalls: (block: HardCallBlock) => (blocksAdded++, add(block)) };
        },
      });
      const pass = await runSnpPass(
        BIMBAM_FORMAT.open({ geno: files.geno }, { nSamples: 20 }),
        [
          {
            selection: {
              ...selection,
              nTotal: 20,
              analysed: new Uint8Array(20).fill(1),
              nAnalysed: 20,
              covariates: new Float64Array(20).fill(1),
            },
            traitColumns: [],
          },
        ],
        {
          filters: { miss: 1, maf: -1, r2: 1, hwe: 0 },
          blockSize: 8,
          quiet: true,
          kinship: { kind: 1, engine, split: { by: 'none' } },
        },
      );
      expect(blocksAdded).toBeGreaterThan(0);
      expect(told).toEqual([[20, Math.floor(statSync(files.geno).size / 40), 0]]);
      expect(told[0]![1]).toBeGreaterThanOrEqual(pass.snpsInFile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('decode() gives back the calls of the SNPs gathered, NaN for missing and 0 for -0', () => {
    const buffer = new HardCallBuffer(3, 4, 1);
    buffer.push(Float64Array.from([0, 1, 2]));
    buffer.push(Float64Array.from([NaN, -0, 2]));
    expect(buffer.gathering).toBe(true);
    buffer.push(Float64Array.from([1, 0.5, 2]));
    expect(buffer.gathering).toBe(false);
    const out = new Float64Array(6).fill(7);
    buffer.decode(out, 0, 2);
    expect(Array.from(out)).toEqual([0, 1, 2, NaN, 0, 2]);
    expect(Object.is(out[4], 0)).toBe(true);
    expect(buffer.take()).toBeUndefined();
    expect(buffer.gathering).toBe(true);
  });
});
