/**
 * Per-SNP LMM tests (score, Wald, LRT) on the WASM kernels (assembly/lmm.ts), the block's SNPs split across the
 * runner's threads. The plan's vectors go into shared memory once per plan; p-values are computed here from the
 * kernels' statistics with the same distribution functions as the TS engine.
 */
import type { ScanPlan } from '../../scan/plan-types.js';
import { chiSquareUpperTail, fDistUpperTail } from '../../stats/distributions.js';
import { emptyResultBlock, type SnpResultBlock } from '../../stats/results.js';
import type { KernelCall, KernelRunner } from './runner.js';
import { splitRange } from './runner.js';

/** Statistics per SNP the kernel writes (out[s*b + j]), in this order. */
const OUT = { beta: 0, se: 1, logLikH1: 2, lambdaRemle: 3, lambdaMle: 4, waldF: 5, scoreF: 6, lrtStat: 7 } as const;
const OUTPUTS = 8;
const DESC_SLOTS = 18;

interface PlanRegion {
  plan: ScanPlan;
  /** Arena top before the region was reserved (given back when another plan replaces it). */
  mark: number;
  desc: number;
  /** Bytes of one thread's lmmScan scratch. */
  workBytes: number;
}

const regions = new WeakMap<KernelRunner, PlanRegion>();

/** GEMMA's lambda grid as src/stats/lambda.ts computes it (nRegion + 1 points from lMin to lMax). */
function lambdaGrid(plan: ScanPlan): Float64Array {
  const { lMin, lMax, nRegion } = plan.search;
  const interval = Math.log(lMax / lMin) / nRegion;
  const grid = new Float64Array(nRegion + 1);
  for (let i = 0; i <= nRegion; i++) grid[i] = lMin * Math.exp(interval * i);
  return grid;
}

/**
 * Copies the plan's vectors into shared memory kept across calls and lets the kernel build its plan tables, once
 * per plan; a new plan replaces the previous one. Call only with the arena held (inside runner.retain).
 */
async function planRegion(runner: KernelRunner, plan: ScanPlan): Promise<PlanRegion> {
  const cached = regions.get(runner);
  if (cached?.plan === plan) return cached;
  const { arena } = runner;
  if (cached) {
    arena.release(cached.mark);
    regions.delete(runner);
  }
  const mark = arena.mark();
  const { n, nCvt } = plan;
  const grid = lambdaGrid(plan);
  const nGrid = grid.length;
  const nIndex = ((nCvt + 3) * (nCvt + 2)) / 2;
  const kernels = await kernelInfo(runner, n, nCvt, nGrid);
  const desc = arena.allocF64(DESC_SLOTS);
  const d = arena.allocF64(n), table = arena.allocF64(n * nIndex), cvt = arena.allocF64(Math.max(1, nCvt * n));
  const y = arena.allocF64(n), gridPtr = arena.allocF64(nGrid), tables = arena.alloc(kernels.planBytes);
  arena.f64(d, n).set(plan.eigenvalues);
  arena.f64(cvt, nCvt * n).set(plan.rotatedCovariates.subarray(0, nCvt * n));
  arena.f64(y, n).set(plan.rotatedPhenotype);
  arena.f64(gridPtr, nGrid).set(grid);
  arena.f64(table, n * nIndex).fill(0);
  arena.f64(desc, DESC_SLOTS).set([
    n, nCvt, plan.testMode, nGrid, plan.search.lMin, plan.search.lMax, plan.nullModel.mle.lambda,
    plan.nullModel.mle.logLikelihood, d, table, cvt, y, gridPtr, tables, 0, 0, 0, 0,
  ]);
  await runner.run([['lmmPrepare', [desc]]]);
  const entry: PlanRegion = { plan, mark, desc, workBytes: kernels.workBytes };
  regions.set(runner, entry);
  return entry;
}

// Sizes the kernels report for this shape (asked through a one-call run so the pool's workers answer).
async function kernelInfo(runner: KernelRunner, n: number, nCvt: number, nGrid: number): Promise<{ workBytes: number; planBytes: number }> {
  const workBytes = await runner.run([['lmmWorkBytes', [n, nCvt, nGrid]]]);
  const planBytes = await runner.run([['lmmPlanBytes', [n, nCvt, nGrid]]]);
  return { workBytes, planBytes };
}

/** Tests b SNPs (rotated, SNP-major b x n) against the plan; same results as src/stats/lmm-block.ts's testRotatedBlock. */
export async function lmmScanOn(runner: KernelRunner, plan: ScanPlan, rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock> {
  const { n, nCvt } = plan;
  if (rotatedGenotypes.length !== n * b) {
    throw new RangeError(`lmmscan wasm: rotated block has ${rotatedGenotypes.length} values, expected ${n * b}`);
  }
  if (b === 0) return emptyResultBlock(0);
  if (n <= nCvt + 1) throw new RangeError(`lmmscan wasm: ${n} individuals cannot fit ${nCvt} covariates and a SNP`);
  // One turn of the arena for both the plan (kept below the mark) and the block (released above it), so a call
  // with another plan cannot replace this one's tables in between.
  const stats = await runner.retain(async () => {
    const region = await planRegion(runner, plan);
    const { arena } = runner;
    const mark = arena.mark();
    try {
      return await scanOn(runner, region, n, rotatedGenotypes, b);
    } finally {
      arena.release(mark);
    }
  });
  return toResults(plan, stats, b);
}

// Copies the block in, runs the kernel over the threads, returns the statistics (OUTPUTS x b).
async function scanOn(runner: KernelRunner, region: PlanRegion, n: number, rotatedGenotypes: Float64Array, b: number): Promise<Float64Array> {
  const { arena } = runner;
  const x = arena.allocF64(n * b), out = arena.allocF64(OUTPUTS * b);
  const ranges = splitRange(b, runner.slots, 1);
  const work = ranges.map(() => arena.alloc(region.workBytes));
  arena.f64(x, n * b).set(rotatedGenotypes);
  await runner.parallel(ranges.map(([j0, j1], t): KernelCall[] => [
    ['lmmScan', [region.desc, x, b, j0, j1, out, work[t]!]],
  ]));
  return arena.f64(out, OUTPUTS * b).slice();
}

// p-values from the kernel's statistics, as src/stats/snp-tests.ts computes them.
function toResults(plan: ScanPlan, stats: Float64Array, b: number): SnpResultBlock {
  const { testMode, n, nCvt } = plan;
  const df = n - nCvt - 1;
  const out = emptyResultBlock(b);
  const stat = (s: number) => stats.subarray(s * b, (s + 1) * b);
  out.beta.set(stat(OUT.beta));
  out.se.set(stat(OUT.se));
  out.logLikH1.set(stat(OUT.logLikH1));
  out.lambdaRemle.set(stat(OUT.lambdaRemle));
  out.lambdaMle.set(stat(OUT.lambdaMle));
  const wald = stat(OUT.waldF), score = stat(OUT.scoreF), lrt = stat(OUT.lrtStat);
  for (let j = 0; j < b; j++) {
    if (testMode === 1 || testMode === 4) out.pWald[j] = fDistUpperTail(wald[j]!, 1, df);
    if (testMode === 2 || testMode === 4) out.pLrt[j] = chiSquareUpperTail(lrt[j]!, 1);
    if (testMode === 3 || testMode === 4) out.pScore[j] = fDistUpperTail(score[j]!, 1, df);
  }
  return out;
}
