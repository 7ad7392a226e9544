// The block scan rotates and tests each distinct genotype column once and copies its results to the SNPs that
// repeat it (src/scan/distinct-columns.ts), which moves columns to other places in the blocks the engine sees. That
// is exact only if an engine's result for a column depends on nothing but the column: not on its place in the
// block, its SIMD lane or GPU tile, its thread's share of the block, or the other columns. Checked here bit for bit
// on every engine (TS, the wasm relaxed and plain builds on two threads, webgpu on its adapter with either CPU
// finish) for the LMM scan of a two-trait plan in every test mode and for the linear model: each column tested in
// a block of 41 (two of the GPU's 32-SNP tiles), in the same block rotated by 13 places, and alone.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engines/engine.js';
import { TsEngine, rotateTs } from '../../src/engines/ts/ts-engine.js';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';
import { WebGpuEngine } from '../../src/engines/webgpu/webgpu-engine.js';
import type { LmmTestMode } from '../../src/model/plan.js';
import type { SnpResultBlock } from '../../src/model/results.js';
import { LinearModel } from '../../src/stats/linear-model.js';
import { normals, rng } from '../helpers/random.js';
import { acquireTestGpu, randomOrthogonal, twoTraitPlan } from './webgpu/helpers.js';

const probe = await acquireTestGpu();
probe?.destroy();

const N = 37;
const N_CVT = 2;
const B = 41;
const SHIFT = 13;
const MODES: LmmTestMode[] = [1, 2, 3, 4, 9];

/** The statistics of column j of every trait, as bytes (so that -0, NaN payloads and every last bit count). */
function columnBytes(blocks: SnpResultBlock[], j: number): string {
  const bytes: number[] = [];
  for (const block of blocks)
    for (const key of Object.keys(block).sort() as (keyof SnpResultBlock)[]) {
      const value = new Float64Array([block[key][j]!]);
      bytes.push(...new Uint8Array(value.buffer));
    }
  return Buffer.from(bytes).toString('hex');
}

/** SNP-major b x n genotypes: hard calls, with every fourth column a mean-imputed dosage column. */
function genotypes(next: () => number, n: number, b: number): Float64Array {
  const block = new Float64Array(n * b);
  for (let j = 0; j < b; j++)
    for (let i = 0; i < n; i++) block[j * n + i] = j % 4 === 3 ? 2 * next() : Math.floor(3 * next());
  return block;
}

/** The block with its columns rotated: column j moves to place (j - shift) mod b. */
function rotateColumns(block: Float64Array, n: number, b: number, shift: number): Float64Array {
  const out = new Float64Array(block.length);
  for (let j = 0; j < b; j++) out.set(block.subarray(j * n, (j + 1) * n), ((j - shift + b) % b) * n);
  return out;
}

/** Each column's result in the block, in the rotated block and alone, as a list of mismatches. */
async function placeDependence(
  test: (block: Float64Array, b: number) => Promise<SnpResultBlock[]>,
  block: Float64Array,
): Promise<string[]> {
  const whole = await test(block, B);
  const rotated = await test(rotateColumns(block, N, B, SHIFT), B);
  const bad: string[] = [];
  // Every column's statistics differ from the others' (the check is not passed by NaN or constant results).
  if (new Set(Array.from({ length: B }, (_, j) => columnBytes(whole, j))).size !== B)
    bad.push('columns alike');
  for (let j = 0; j < B; j++) {
    const want = columnBytes(whole, j);
    if (columnBytes(rotated, (j - SHIFT + B) % B) !== want) bad.push(`column ${j} moved`);
    if (columnBytes(await test(block.slice(j * N, (j + 1) * N), 1), 0) !== want)
      bad.push(`column ${j} alone`);
  }
  return bad;
}

const untimed = { time: async <T>(_started: number, call: Promise<T>) => ({ value: await call, ms: 0 }) };

type EngineLabel = 'ts' | 'wasm relaxed' | 'wasm plain' | 'webgpu, ts finish' | 'webgpu, wasm finish';
const labels: EngineLabel[] = ['ts', 'wasm relaxed', 'wasm plain'];
if (probe) labels.push('webgpu, ts finish', 'webgpu, wasm finish');

/** The wasm pool's workers read the build flavour from the environment they start with. */
async function wasmEngine(flavour: 'relaxed' | 'plain'): Promise<Engine> {
  const before = process.env.LMMSCAN_WASM_SIMD;
  if (flavour === 'plain') process.env.LMMSCAN_WASM_SIMD = 'simd';
  try {
    return await WasmEngine.create(2);
  } finally {
    if (before === undefined) delete process.env.LMMSCAN_WASM_SIMD;
    else process.env.LMMSCAN_WASM_SIMD = before;
  }
}

async function openEngine(label: EngineLabel): Promise<Engine> {
  if (label === 'ts') return new TsEngine();
  if (label === 'wasm relaxed') return wasmEngine('relaxed');
  if (label === 'wasm plain') return wasmEngine('plain');
  const cpu = label === 'webgpu, ts finish' ? new TsEngine() : await wasmEngine('relaxed');
  return WebGpuEngine.create(cpu, 'opengles');
}

describe.each(labels)('%s: a column gets the same bits wherever it is', (label) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine(label);
    if (label.startsWith('wasm'))
      expect(engine.describe()).toMatch(label === 'wasm plain' ? /\(SIMD/ : /relaxed/);
  });
  afterAll(async () => {
    // The GPU did the rotation and the tests' grid and Newton steps (a small n is not sent to the CPU).
    if (label.startsWith('webgpu')) expect(engine.describe()).toMatch(/rotation and tests on the GPU/);
    await engine.close();
  });

  test.each(MODES)('LMM scan, -lmm %i', async (mode) => {
    const next = rng(100 + mode);
    const u = randomOrthogonal(N, next);
    const eigenvalues = Float64Array.from({ length: N }, () =>
      next() < 0.15 ? 0 : 0.02 + 4 * next() * next(),
    ).sort();
    const w = normals(next, N * N_CVT);
    for (let i = 0; i < N; i++) w[i] = 1;
    const block = genotypes(next, N, B);
    const plan = twoTraitPlan(next, { u, eigenvalues, w, nCvt: N_CVT, mode }, rotateTs(u, N, block, B), B);
    const loaded = engine.loadPlan(plan);
    try {
      const scan = async (g: Float64Array, b: number) => (await loaded.scanBlock(g, b, untimed)).results;
      expect(await placeDependence(scan, block)).toEqual([]);
    } finally {
      await loaded.release();
    }
  });

  test.each([1, 2, 3, 4] as const)('linear model, -lm %i', async (mode) => {
    const next = rng(200 + mode);
    const w = normals(next, N * N_CVT);
    for (let i = 0; i < N; i++) w[i] = 1;
    const models = [0, 1].map(() => new LinearModel(w, normals(next, N), N_CVT));
    const block = genotypes(next, N, B);
    const linear = (g: Float64Array, b: number) => engine.testLinear(models, g, b, mode);
    expect(await placeDependence(linear, block)).toEqual([]);
  });
});
