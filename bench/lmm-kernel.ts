/**
 * The per-SNP LMM tests (-lmm 4: score, Wald/REML, LRT/ML) on one block: the TS oracle (testRotatedBlock), the
 * WASM kernel on the main thread with direct sums (bitwise the oracle's) and with the plan's sums interpolated (the
 * engine's default), and on the pool; prints median milliseconds, microseconds per SNP and ratios.
 * The plan is synthetic (rotated space: y ~ N(W a, lambda D + I)), so no eigendecomposition is timed.
 *
 *   node dist/bench/lmm-kernel.js [--n 876] [--b 2048] [--c 1] [--reps 5] [--threads all]
 */
import { availableParallelism } from 'node:os';
import { WasmPool } from '../src/engines/wasm/pool.js';
import { LocalRunner } from '../src/engines/wasm/kernels.js';
import { ResidentLmmPlan } from '../src/engines/wasm/lmm.js';
import { traitPlan, type ScanPlan } from '../src/model/plan.js';
import { testRotatedBlock } from '../src/stats/lmm-block.js';
import { fitNullModel } from '../src/stats/null-model.js';
import { DEFAULT_LAMBDA_SEARCH } from '../src/model/settings.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

function syntheticPlan(n: number, nCvt: number, b: number): { plan: ScanPlan; rotated: Float64Array } {
  let s = 12345;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const eigenvalues = Float64Array.from({ length: n }, (_, i) =>
    i === 0 ? 0 : 0.05 + 5 * next() * next(),
  ).sort();
  const w = Float64Array.from({ length: n * nCvt }, (_, k) => (k < n ? 1 : 0) + 0.3 * normal(next));
  const rotated = Float64Array.from({ length: n * b }, () => normal(next));
  const y = Float64Array.from(
    { length: n },
    (_, i) => normal(next) * Math.sqrt(2 * eigenvalues[i]! + 1) + 0.5 * w[i]!,
  );
  const nullModel = fitNullModel(eigenvalues, w, y, nCvt);
  const plan: ScanPlan = {
    n,
    nCvt,
    eigenvalues,
    eigenvectors: new Float64Array(0),
    rotatedCovariates: w,
    traits: 1,
    rotatedPhenotypes: y,
    nullModels: [nullModel],
    testMode: 4,
    search: DEFAULT_LAMBDA_SEARCH,
  };
  return { plan, rotated };
}

/** Median and minimum wall milliseconds (the minimum is the steadier figure on a shared machine). */
async function timeIt(reps: number, run: () => unknown): Promise<{ median: number; min: number }> {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(reps / 2)]!, min: times[0]! };
}

const n = flag('n', 876),
  b = flag('b', 2048),
  nCvt = flag('c', 1),
  reps = flag('reps', 5);
const threads = flag('threads', availableParallelism());
const { plan, rotated } = syntheticPlan(n, nCvt, b);
const local = LocalRunner.create();
const pool = await WasmPool.create(threads);
// One loaded plan per mode, as a scan's unit: the first test of each uploads the plan and builds its tables.
const directPlan = new ResidentLmmPlan(local, plan, 'direct');
const interpolatedPlan = new ResidentLmmPlan(local, plan, 'interpolated');
const pooledPlan = pool.loadPlan(plan);
await directPlan.test(rotated, b); // JIT warm-up
await pooledPlan.test(rotated, b);
const ts = await timeIt(Math.min(reps, 3), () => testRotatedBlock(traitPlan(plan, 0), rotated, b));
// The first call of each mode uploads the plan and builds its tables: timed apart from the steady state.
const direct = await timeIt(reps, () => directPlan.test(rotated, b));
const firstCall = await timeIt(1, () => interpolatedPlan.test(rotated, b));
const one = await timeIt(reps, () => interpolatedPlan.test(rotated, b));
const many = await timeIt(reps, () => pooledPlan.test(rotated, b));
await pool.close();
const row = (label: string, t: { median: number; min: number }) =>
  console.log(
    `${label.padEnd(26)} median ${t.median.toFixed(1).padStart(8)} ms, min ${t.min.toFixed(1).padStart(8)} ms,` +
      ` ${((1000 * t.median) / b).toFixed(1).padStart(7)} us/SNP, x${(ts.median / t.median).toFixed(1)} vs ts`,
  );
console.log(
  `-lmm 4, n = ${n}, c = ${nCvt}, b = ${b} SNPs, ${local.flavour} build, ${reps} runs (ts: ${Math.min(reps, 3)})`,
);
row('ts oracle (1 thread)', ts);
row('wasm main thread, direct', direct);
row('wasm main thread, interp.', one);
console.log(
  `  first interpolated call (plan upload and table build included): ${firstCall.median.toFixed(1)} ms; interpolated vs direct x${(direct.median / one.median).toFixed(2)}`,
);
row(`wasm pool (${threads} threads)`, many);
