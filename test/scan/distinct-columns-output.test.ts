// Rotating and testing each distinct analysed genotype column once (src/scan/distinct-columns.ts) must leave every
// output byte-identical to testing every column: on each engine (TS, wasm relaxed and plain, webgpu), for -lmm 1-4
// and 9, -lm, -gxe, --traits (units with other missing individuals), --loco, the multivariate LMM, a plan scanned in
// shards and a resumed checkpoint, half of each computed with the merging and half without. The data set plants
// repeats at block edges, across blocks, across a chromosome boundary, with the same missing calls (merged), with
// other missing calls (kept apart) and with a missing call written out as the mean the imputation gives it (merged
// only for the unit whose individuals give that mean).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import * as distinct from '../../src/scan/distinct-columns.js';
import type { EngineChoice } from '../../src/model/config.js';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { createEngine } from '../../src/engines/select.js';
import { runJob } from '../../src/scan/job.js';
import { CLI, scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';
import { rng } from '../helpers/random.js';
import { acquireTestGpu } from '../engines/webgpu/helpers.js';

/** Every call's block width and distinct columns, to count what the merging saved. */
const calls: { b: number; count: number }[] = [];
vi.mock('../../src/scan/distinct-columns.js', async (original) => {
  const real = await original<typeof distinct>();
  return {
    distinctColumns: (g: Float64Array, n: number, b: number) => {
      const found = real.distinctColumns(g, n, b);
      calls.push({ b, count: found.count });
      return found;
    },
  };
});
const merged = () => calls.reduce((sum, c) => sum + c.b - c.count, 0);

const probe = await acquireTestGpu();
probe?.destroy();

const dir = scratchDir('distinct-output');
const N = 90;
const M = 240;
const BLOCK = 40;
/** Chromosome 1 holds SNPs 0-69, 2 holds 70-159, 3 holds 160-239: SNP 70 starts chromosome 2 inside block 1. */
const chromosomeOf = (j: number) => (j < 70 ? 1 : j < 160 ? 2 : 3);
/** Individuals missing trait 2 (trait 3 misses others): their units' means differ from trait 1's. */
const missingTrait2 = new Set([5, 11, 40]);
const missingTrait3 = new Set([6, 12]);

beforeAll(async () => {
  const next = rng(2112);
  const geno: (number | 'NA')[][] = [];
  for (let j = 0; j < M; j++) geno.push(Array.from({ length: N }, () => Math.floor(3 * next())));
  const copy = (to: number, from: number) => (geno[to] = geno[from]!.slice());
  // Block 0 (SNPs 0-39): 38 and 39 repeat 37; block 1: 40 repeats 37 (alone there) and 41 repeats 40.
  for (const j of [38, 39, 40, 41]) copy(j, 37);
  copy(79, 2); // a repeat two blocks away: not merged
  copy(70, 69); // across the chromosome boundary in block 1: merged unless --loco
  // Block 2: 100 has missing calls, 101 the same ones (merged), 102 others (not merged).
  geno[100]![3] = 'NA';
  geno[100]![7] = 'NA';
  copy(101, 100);
  copy(102, 100);
  geno[102]![7] = geno[100]![8]!;
  geno[102]![8] = 'NA';
  // 104 writes 100's missing calls as their imputed mean over all individuals (trait 1's unit): merged there only.
  const observed = geno[100]!.filter((g): g is number => g !== 'NA');
  let sum = 0;
  for (const g of observed) sum += g;
  const mean = sum / observed.length;
  geno[104] = geno[100]!.map((g) => (g === 'NA' ? mean : g));
  const lines = geno.map((row, j) => `rs${j}, A, T, ${row.map(String).join(', ')}`);
  writeFileSync(join(dir, 'geno.txt'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 'anno.txt'),
    geno.map((_, j) => `rs${j}, ${1000 * (j + 1)}, ${chromosomeOf(j)}`).join('\n') + '\n',
  );
  const covariate = Array.from({ length: N }, () => next());
  const pheno = Array.from({ length: N }, (_, i) => {
    const g = geno[20]![i] as number;
    const traits = [0.5 * g, -0.3 * g, 0.2 * g].map((e) => (e + 2 * next() + covariate[i]!).toFixed(6));
    if (missingTrait2.has(i)) traits[1] = 'NA';
    if (missingTrait3.has(i)) traits[2] = 'NA';
    return traits.join(' ');
  });
  writeFileSync(join(dir, 'pheno.txt'), pheno.join('\n') + '\n');
  writeFileSync(join(dir, 'cov.txt'), covariate.map((c) => `1 ${c.toFixed(6)}`).join('\n') + '\n');
  writeFileSync(join(dir, 'env.txt'), covariate.map((c) => (c > 0.5 ? '1' : '0')).join('\n') + '\n');
  await lmmscan([...inputs, '-gk', '1', '-outdir', dir, '-o', 'kin']);
});

const inputs = ['-g', 'geno.txt', '-p', 'pheno.txt', '-a', 'anno.txt', '-c', 'cov.txt'].map((a) =>
  a.endsWith('.txt') ? join(dir, a) : a,
);
const scanFlags = (name: string) => [
  ...inputs,
  '--block-size',
  String(BLOCK),
  '--no-plots',
  '-outdir',
  join(dir, 'out'),
  '-o',
  name,
];

/** Every output of a run but its log (which holds timings), by file name without the run's prefix. */
function outputs(name: string): Map<string, Buffer> {
  const files = readdirSync(join(dir, 'out')).filter(
    (f) => f.startsWith(`${name}.`) && !f.endsWith('.log.txt'),
  );
  return new Map(files.map((f) => [f.slice(name.length), readFileSync(join(dir, 'out', f))]));
}

function expectSameOutputs(a: string, b: string): void {
  const left = outputs(a);
  const right = outputs(b);
  expect([...right.keys()].sort()).toEqual([...left.keys()].sort());
  expect(left.size).toBeGreaterThan(0);
  for (const [file, bytes] of left) expect(right.get(file)!.equals(bytes), `${file} differs`).toBe(true);
}

/** Runs with the environment variables set (restored afterwards; the wasm pool's workers copy them at start). */
async function withEnvironment<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const EVERY_COLUMN = { LMMSCAN_TEST_EVERY_COLUMN: '1' };

type EngineLabel = 'ts' | 'wasm' | 'wasm plain' | 'webgpu';
const engines: EngineLabel[] = ['ts', 'wasm', 'wasm plain'];
if (probe) engines.push('webgpu');

/** A scan with the merging and one without; returns how many SNPs the merging saved. */
async function bothWays(label: EngineLabel, name: string, flags: string[]): Promise<number> {
  const engine: EngineChoice = label === 'wasm plain' ? 'wasm' : label;
  const flavour = label === 'wasm plain' ? { LMMSCAN_WASM_SIMD: 'simd' } : {};
  const id = `${label.replace(' ', '-')}-${name}`;
  calls.length = 0;
  await withEnvironment(flavour, () => lmmscan([...scanFlags(`${id}-merged`), ...flags], engine));
  const saved = merged();
  calls.length = 0;
  await withEnvironment({ ...flavour, ...EVERY_COLUMN }, () =>
    lmmscan([...scanFlags(`${id}-every`), ...flags], engine),
  );
  expect(merged()).toBe(0);
  expectSameOutputs(`${id}-merged`, `${id}-every`);
  return saved;
}

const kinship = () => ['-k', join(dir, 'kin.cXX.txt')];

afterEach(() => {
  calls.length = 0;
});

describe.each(engines)('%s: outputs with and without the merging are byte-identical', (label) => {
  test('-lmm 4: the six planted repeats in a block are merged, the others not', async () => {
    // 38, 39 (block 0), 41, 70 (block 1), 101, 104 (block 2); not 40, 79 (alone in their blocks) or 102.
    expect(await bothWays(label, 'lmm4', [...kinship(), '-lmm', '4'])).toBe(6);
  });

  test('-lm 4', async () => {
    expect(await bothWays(label, 'lm4', ['-lm', '4'])).toBe(6);
  });

  test('--traits 1-3 -lmm 4: trait 1 merges six, traits 2 and 3 (other individuals) five each', async () => {
    expect(await bothWays(label, 'traits', [...kinship(), '-lmm', '4', '--traits', '1-3'])).toBe(16);
  });

  test('--loco -lmm 4: SNPs 69 and 70 are in different units', async () => {
    expect(await bothWays(label, 'loco', ['--loco', '-lmm', '4'])).toBe(5);
  });

  if (label === 'ts' || label === 'wasm') {
    test.each(['1', '2', '3', '9'])('-lmm %s', async (mode) => {
      expect(await bothWays(label, `lmm${mode}`, [...kinship(), '-lmm', mode])).toBe(6);
    });

    test('-lmm 4 -gxe', async () => {
      const flags = [...kinship(), '-lmm', '4', '-gxe', join(dir, 'env.txt')];
      expect(await bothWays(label, 'gxe', flags)).toBe(6);
    });

    test('multivariate -n 1 2 -lmm 4 (individuals missing either trait dropped)', async () => {
      expect(await bothWays(label, 'mv', [...kinship(), '-n', '1', '2', '-lmm', '4'])).toBe(5);
    });
  }
});

const cli = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [CLI, ...args, '--quiet'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(r.status, r.stderr).toBe(0);
};

describe('plans run in pieces, half of them without the merging, give the bytes of a run without it', () => {
  const flags = [...kinship(), '-lmm', '4', '--traits', '1-3', '--engine', 'wasm'];

  test('prepare, scan --shard 1/2 merging, 2/2 not, merge', () => {
    cli([...scanFlags('whole'), ...flags], EVERY_COLUMN);
    const plan = join(dir, 'sharded.plan');
    cli(['prepare', ...scanFlags('sharded'), ...flags, '--plan', plan]);
    cli(['scan', '--plan', plan, '--shard', '1/2']);
    cli(['scan', '--plan', plan, '--shard', '2/2'], EVERY_COLUMN);
    cli(['merge', '--plan', plan]);
    expectSameOutputs('whole', 'sharded');
  });

  test('--resume of a checkpoint whose first half was scanned merging', async () => {
    const flags = ['--loco', '-lmm', '4'];
    cli([...scanFlags('whole-loco'), ...flags, '--engine', 'wasm'], EVERY_COLUMN);
    // Stopped (as by SIGTERM) once block 2 of 6 is saved: blocks 0-2 merging, the rest, resumed, without.
    const args = [...scanFlags('resumed'), ...flags, '--quiet'];
    const config = toScanConfig(parseFlags(args), args.join(' '));
    const { engine, reason } = await createEngine('wasm');
    const stop = new AbortController();
    try {
      const hooks = { signal: stop.signal, onBlock: (k: number) => void (k === 2 && stop.abort()) };
      await expect(runJob(config, engine, reason, hooks)).rejects.toThrow();
    } finally {
      await engine.close();
    }
    expect(readdirSync(join(dir, 'out', 'resumed.checkpoint', 'shards')).length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'out', 'resumed.assoc.txt'))).toBe(false);
    cli([...scanFlags('resumed'), ...flags, '--engine', 'wasm', '--resume'], EVERY_COLUMN);
    expectSameOutputs('whole-loco', 'resumed');
  });
});
