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
const DESC_SLOTS = 19;

/**
 * How the kernel gets the plan's SNP-independent weighted sums at a SNP's own lambdas: 'interpolated' from a
 * Chebyshev table in ln(lambda) built once per plan (within rounding of the direct sums; a Brent or Newton step then
 * sums only the SNP's columns), or 'direct' sums in the oracle's order (bitwise the TS oracle's results).
 */
export type CovariateSums = 'interpolated' | 'direct';

/** Plans whose vectors and tables sit in shared memory, kept across calls (one set per runner). */
interface PlanRegions {
  /** What the set was built for: one plan (scanBlock) or a unit's list of trait plans (scanTraits). */
  key: ScanPlan | ScanPlan[];
  plans: ScanPlan[];
  /** Arena top before the set was reserved (given back when another set replaces it). */
  mark: number;
  descs: number[];
  /** Bytes of one thread's lmmScan scratch (the same for every plan: same n, c and grid). */
  workBytes: number;
  sums: CovariateSums;
}

const resident = new WeakMap<KernelRunner, PlanRegions>();

/** Shared memory the trait plans of one scanTraits call may keep resident; more traits go in groups. */
const RESIDENT_PLAN_BYTES = 256 * 2 ** 20;

/** GEMMA's lambda grid as src/stats/lambda.ts computes it (nRegion + 1 points from lMin to lMax). */
function lambdaGrid(plan: ScanPlan): Float64Array {
  const { lMin, lMax, nRegion } = plan.search;
  const interval = Math.log(lMax / lMin) / nRegion;
  const grid = new Float64Array(nRegion + 1);
  for (let i = 0; i <= nRegion; i++) grid[i] = lMin * Math.exp(interval * i);
  return grid;
}

/** Bytes one plan takes in shared memory (vectors, descriptor and kernel tables), rounded up per region. */
function planFootprint(n: number, nCvt: number, nGrid: number, planBytes: number): number {
  const nIndex = ((nCvt + 3) * (nCvt + 2)) / 2;
  return 8 * (DESC_SLOTS + n + n * nIndex + Math.max(1, nCvt * n) + n + nGrid) + planBytes + 7 * 64;
}

/**
 * Copies the plans' vectors into shared memory kept across calls and lets the kernel build each plan's tables (one
 * round trip for all); a different key replaces the previous set. Call only with the arena held (runner.retain).
 */
async function residentPlans(runner: KernelRunner, key: ScanPlan | ScanPlan[], plans: ScanPlan[], sums: CovariateSums): Promise<PlanRegions> {
  const cached = resident.get(runner);
  if (cached?.key === key && cached.sums === sums && cached.plans.length === plans.length && cached.plans.every((p, t) => p === plans[t])) return cached;
  const { arena } = runner;
  if (cached) {
    arena.release(cached.mark);
    resident.delete(runner);
  }
  const mark = arena.mark();
  const { n, nCvt } = plans[0]!;
  const grid = lambdaGrid(plans[0]!);
  const nGrid = grid.length;
  const nIndex = ((nCvt + 3) * (nCvt + 2)) / 2;
  const kernels = await kernelInfo(runner, n, nCvt, nGrid);
  const descs: number[] = [];
  for (const plan of plans) {
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
      plan.nullModel.mle.logLikelihood, d, table, cvt, y, gridPtr, tables, 0, 0, 0, 0, sums === 'interpolated' ? 1 : 0,
    ]);
    descs.push(desc);
  }
  await runner.run(descs.map((desc): KernelCall => ['lmmPrepare', [desc]]));
  const entry: PlanRegions = { key, plans: plans.slice(), mark, descs, workBytes: kernels.workBytes, sums };
  resident.set(runner, entry);
  return entry;
}

const kernelSizes = new WeakMap<KernelRunner, Map<string, { workBytes: number; planBytes: number }>>();

// Sizes the kernels report for this shape, asked of the workers once per runner and shape (they touch no memory,
// so no arena turn is needed).
async function kernelInfo(runner: KernelRunner, n: number, nCvt: number, nGrid: number): Promise<{ workBytes: number; planBytes: number }> {
  let byShape = kernelSizes.get(runner);
  if (!byShape) kernelSizes.set(runner, (byShape = new Map()));
  const key = `${n},${nCvt},${nGrid}`;
  let sizes = byShape.get(key);
  if (!sizes) {
    sizes = { workBytes: await runner.run([['lmmWorkBytes', [n, nCvt, nGrid]]]), planBytes: await runner.run([['lmmPlanBytes', [n, nCvt, nGrid]]]) };
    byShape.set(key, sizes);
  }
  return sizes;
}

function checkBlock(plan: ScanPlan, rotatedGenotypes: Float64Array, b: number): void {
  const { n, nCvt } = plan;
  if (rotatedGenotypes.length !== n * b) {
    throw new RangeError(`lmmscan wasm: rotated block has ${rotatedGenotypes.length} values, expected ${n * b}`);
  }
  if (n <= nCvt + 1) throw new RangeError(`lmmscan wasm: ${n} individuals cannot fit ${nCvt} covariates and a SNP`);
}

/** Tests b SNPs (rotated, SNP-major b x n) against the plan; same results as src/stats/lmm-block.ts's testRotatedBlock. */
export async function lmmScanOn(
  runner: KernelRunner, plan: ScanPlan, rotatedGenotypes: Float64Array, b: number, sums: CovariateSums = 'interpolated',
): Promise<SnpResultBlock> {
  if (b === 0) return emptyResultBlock(0);
  checkBlock(plan, rotatedGenotypes, b);
  const [stats] = await scanResident(runner, plan, [plan], rotatedGenotypes, b, sums);
  return toResults(plan, stats!, b);
}

/**
 * lmmScanOn for several traits of one set of individuals (same n, eigenvalues, covariates; one plan each): the
 * block goes into shared memory once, the plans stay resident across blocks (in groups when they would take more
 * than RESIDENT_PLAN_BYTES), and every thread runs all traits of its SNP range in one task.
 */
export async function lmmScanTraitsOn(
  runner: KernelRunner, plans: ScanPlan[], rotatedGenotypes: Float64Array, b: number, residentBytes = RESIDENT_PLAN_BYTES,
  sums: CovariateSums = 'interpolated',
): Promise<SnpResultBlock[]> {
  if (plans.length === 0) return [];
  if (b === 0) return plans.map(() => emptyResultBlock(0));
  for (const plan of plans) checkBlock(plan, rotatedGenotypes, b);
  const { n, nCvt } = plans[0]!;
  const nGrid = plans[0]!.search.nRegion + 1;
  const { planBytes } = await kernelInfo(runner, n, nCvt, nGrid);
  const perGroup = Math.max(1, Math.floor(residentBytes / planFootprint(n, nCvt, nGrid, planBytes)));
  const out: SnpResultBlock[] = [];
  // Groups are set up again for every block, and a lambda table costs about as much as 40-80 tests (bench/lmm-kernel): groups
  // use direct sums.
  const groupSums: CovariateSums = plans.length <= perGroup ? sums : 'direct';
  for (let t0 = 0; t0 < plans.length; t0 += perGroup) {
    // All plans fit: the unit's own list is the key, so they stay resident across blocks; else each group is new.
    const group = plans.length <= perGroup ? plans : plans.slice(t0, t0 + perGroup);
    const stats = await scanResident(runner, group, group, rotatedGenotypes, b, groupSums);
    group.forEach((plan, t) => out.push(toResults(plan, stats[t]!, b)));
  }
  return out;
}

// One turn of the arena for the resident plans (kept below the mark) and the block (released above it), so a call
// with other plans cannot replace these tables in between. Returns each plan's statistics (OUTPUTS x b).
async function scanResident(
  runner: KernelRunner, key: ScanPlan | ScanPlan[], plans: ScanPlan[], rotatedGenotypes: Float64Array, b: number, sums: CovariateSums,
): Promise<Float64Array[]> {
  return runner.retain(async () => {
    const regions = await residentPlans(runner, key, plans, sums);
    const { arena } = runner;
    const mark = arena.mark();
    try {
      const n = plans[0]!.n;
      const x = arena.allocF64(n * b);
      const outs = plans.map(() => arena.allocF64(OUTPUTS * b));
      // More ranges than threads: a thread that finishes early takes the next range (SNP costs vary with the number
      // of brackets Brent must refine).
      const ranges = splitRange(b, runner.slots * 8, 1);
      const work = ranges.map(() => arena.alloc(regions.workBytes));
      arena.f64(x, n * b).set(rotatedGenotypes);
      await runner.pull(ranges.map(([j0, j1], r): KernelCall[] =>
        regions.descs.map((desc, t): KernelCall => ['lmmScan', [desc, x, b, j0, j1, outs[t]!, work[r]!]])));
      return outs.map((ptr) => arena.f64(ptr, OUTPUTS * b).slice());
    } finally {
      arena.release(mark);
    }
  });
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
    if (testMode === 2 || testMode === 4 || testMode === 9) out.pLrt[j] = chiSquareUpperTail(lrt[j]!, 1);
    if (testMode === 3 || testMode === 4 || testMode === 9) out.pScore[j] = fDistUpperTail(score[j]!, 1, df);
  }
  return out;
}
