/**
 * Per-SNP LMM tests (score, Wald, LRT) on the WASM kernels (assembly/lmm.ts), the block's SNPs split across the
 * runner's threads. A unit's plan is loaded once (ResidentLmmPlan: each trait's vectors and tables in shared
 * memory until released); p-values are computed here from the kernels' statistics with the same distribution
 * functions as the TS engine.
 */
import { traitPlans, type ScanPlan, type TraitPlan } from '../../model/plan.js';
import { chiSquareUpperTail, fDistUpperTail } from '../../stats/distributions.js';
import { emptyResultBlock, type SnpResultBlock } from '../../model/results.js';
import type { KernelCall, KernelRunner } from './runner.js';
import { OWN_REGION, splitRange } from './runner.js';
import { lambdaGrid } from '../../model/settings.js';
import { LmmOutput, PlanSlot } from './layout.js';

/**
 * How the kernel gets the plan's SNP-independent weighted sums at a SNP's own lambdas: 'interpolated' from a
 * Chebyshev table in ln(lambda) built once per trait (within rounding of the direct sums; a Brent or Newton step then
 * sums only the SNP's columns), or 'direct' sums in the oracle's order (bitwise the TS oracle's results).
 */
export type CovariateSums = 'interpolated' | 'direct';

/** Traits whose vectors and tables sit in shared memory, kept across calls (one set per runner at a time). */
export interface PlanRegions {
  /** Who the set was built for: a ResidentLmmPlan holding all its traits, or one group of a block. */
  key: object;
  /** Arena top before the set was reserved (given back when another set replaces it). */
  mark: number;
  descs: number[];
  /** Bytes of one thread's lmmScan scratch (the same for every trait: same n, c and grid). */
  workBytes: number;
  sums: CovariateSums;
}

/** Shared memory a unit's traits may keep resident; more traits go in groups. */
const RESIDENT_PLAN_BYTES = 256 * 2 ** 20;

function planFootprint(n: number, nCvt: number, nGrid: number, planBytes: number): number {
  const nIndex = ((nCvt + 3) * (nCvt + 2)) / 2;
  return 8 * (PlanSlot.count + n + n * nIndex + Math.max(1, nCvt * n) + n + nGrid) + planBytes + 7 * 64;
}

/**
 * Copies the traits' vectors into shared memory kept across calls and lets the kernel build each trait's tables
 * (one descriptor per trait, one round trip for all); a different key replaces the previous set. Call only with the
 * arena held (runner.retain).
 */
async function residentTraits(
  runner: KernelRunner,
  key: object,
  traits: TraitPlan[],
  sums: CovariateSums,
): Promise<PlanRegions> {
  const cached = runner.residentPlan;
  if (cached?.key === key) return cached;
  const { arena } = runner;
  // Resident eigenvectors placed above the old set go with it.
  if (cached) runner.releaseRetained(cached.mark);
  const mark = arena.mark();
  const { n, nCvt } = traits[0]!;
  const grid = lambdaGrid(traits[0]!.search);
  const nGrid = grid.length;
  const nIndex = ((nCvt + 3) * (nCvt + 2)) / 2;
  const kernels = await kernelInfo(runner, n, nCvt, nGrid);
  const descs: number[] = [];
  for (const trait of traits) {
    const desc = arena.allocF64(PlanSlot.count);
    const d = arena.allocF64(n),
      table = arena.allocF64(n * nIndex),
      cvt = arena.allocF64(Math.max(1, nCvt * n));
    const y = arena.allocF64(n),
      gridPtr = arena.allocF64(nGrid),
      tables = arena.alloc(kernels.planBytes);
    arena.f64(d, n).set(trait.eigenvalues);
    arena.f64(cvt, nCvt * n).set(trait.rotatedCovariates.subarray(0, nCvt * n));
    arena.f64(y, n).set(trait.rotatedPhenotype);
    arena.f64(gridPtr, nGrid).set(grid);
    arena.f64(table, n * nIndex).fill(0);
    const slots = arena.f64(desc, PlanSlot.count).fill(0);
    slots[PlanSlot.n] = n;
    slots[PlanSlot.nCvt] = nCvt;
    slots[PlanSlot.testMode] = trait.testMode;
    slots[PlanSlot.nGrid] = nGrid;
    slots[PlanSlot.lMin] = trait.search.lMin;
    slots[PlanSlot.lMax] = trait.search.lMax;
    slots[PlanSlot.nullLambda] = trait.nullModel.mle.lambda;
    slots[PlanSlot.nullLogLik] = trait.nullModel.mle.logLikelihood;
    slots[PlanSlot.eigenvalues] = d;
    slots[PlanSlot.productTable] = table;
    slots[PlanSlot.rotatedCovariates] = cvt;
    slots[PlanSlot.rotatedPhenotype] = y;
    slots[PlanSlot.grid] = gridPtr;
    slots[PlanSlot.tables] = tables;
    slots[PlanSlot.interpolate] = sums === 'interpolated' ? 1 : 0;
    slots[PlanSlot.newtonSearch] = trait.search.snpMethod === 'newton' ? 1 : 0;
    descs.push(desc);
  }
  await runner.run(descs.map((desc): KernelCall => ['lmmPrepare', [desc]]));
  const entry: PlanRegions = { key, mark, descs, workBytes: kernels.workBytes, sums };
  runner.residentPlan = entry;
  return entry;
}

// Sizes the kernels report for this shape.
async function kernelInfo(
  runner: KernelRunner,
  n: number,
  nCvt: number,
  nGrid: number,
): Promise<{ workBytes: number; planBytes: number }> {
  return {
    workBytes: await runner.kernelSize('lmmWorkBytes', [n, nCvt, nGrid]),
    planBytes: await runner.kernelSize('lmmPlanBytes', [n, nCvt, nGrid]),
  };
}

function checkBlock(plan: ScanPlan, rotatedGenotypes: Float64Array, b: number): void {
  const { n, nCvt } = plan;
  if (rotatedGenotypes.length !== n * b) {
    throw new RangeError(
      `lmmscan wasm: rotated block has ${rotatedGenotypes.length} values, expected ${n * b}`,
    );
  }
  if (n <= nCvt + 1)
    throw new RangeError(`lmmscan wasm: ${n} individuals cannot fit ${nCvt} covariates and a SNP`);
}

/**
 * A unit's plan (its traits share n, eigenvalues and covariates; one phenotype column each) loaded on a runner: each
 * trait's vectors and tables go into shared memory at the first test and stay there across blocks until release()
 * (or until another set is tested on the runner, when they are set up again on their next test). When they would
 * take more than `residentBytes` they are tested in groups set up for every block. Results are those of
 * src/stats/lmm-block.ts's testRotatedBlock for each trait.
 */
export class ResidentLmmPlan {
  private readonly traits: TraitPlan[];

  constructor(
    private readonly runner: KernelRunner,
    readonly plan: ScanPlan,
    private readonly sums: CovariateSums = 'interpolated',
    private readonly residentBytes = RESIDENT_PLAN_BYTES,
  ) {
    this.traits = traitPlans(plan);
  }

  /**
   * Tests b rotated SNPs (SNP-major b x n) against every trait: one result block per trait, in order. gridSums: per
   * trait, the block's grid sums computed elsewhere (the GPU; layout of lmmScan's `given`), or absent.
   */
  async test(
    rotatedGenotypes: Float64Array,
    b: number,
    gridSums?: Float64Array[],
  ): Promise<SnpResultBlock[]> {
    return (await this.scan(rotatedGenotypes, b, gridSums)).blocks;
  }

  /**
   * test() of a block that `rotation` rotates in shared memory, in the same turn of the arena: the rotated block
   * (b x n) is tested where the rotation left it, instead of crossing into a JS array and back (at n = 1,500 two
   * fresh 11.6 MB arrays, about 5,700 page faults on the dispatching thread). `timed` is called once tested, with
   * the rotation's milliseconds (its turn of the arena up to the tests) and the tests' (up to their statistics, and
   * the p-values). Null, with nothing done, when the traits go in groups (each set up per block, which would give
   * back the rotation's U): rotate, then test().
   */
  async rotateAndTest(
    rotation: ArenaRotation,
    b: number,
    timed: (rotateMs: number, testMs: number) => void,
  ): Promise<SnpResultBlock[] | null> {
    const { runner, plan, traits } = this;
    if (traits.length === 0 || b === 0) return null;
    const { n, nCvt } = plan;
    if (n <= nCvt + 1) return null;
    const nGrid = plan.search.nRegion + 1;
    const { planBytes } = await kernelInfo(runner, n, nCvt, nGrid);
    if (
      traits.length > Math.max(1, Math.floor(this.residentBytes / planFootprint(n, nCvt, nGrid, planBytes)))
    )
      return null;
    let rotateMs = 0;
    let testMs = 0;
    const stats = await runner.retain(async () => {
      const started = performance.now();
      let regions = await residentTraits(runner, this, traits, this.sums);
      rotation.place();
      // U replaced from below the traits' set gave the set back: it goes above U.
      if (runner.residentPlan !== regions) regions = await residentTraits(runner, this, traits, this.sums);
      const mark = runner.arena.mark();
      try {
        const x = await rotation.rotate();
        const rotated = performance.now();
        rotateMs = rotated - started;
        // The rotation's other regions go before the tests reserve theirs.
        runner.arena.release(x + 8 * n * b);
        const { stats } = await testInArena(runner, regions, traits, x, b, {});
        testMs = performance.now() - rotated;
        return stats;
      } finally {
        runner.arena.release(mark);
      }
    });
    // The next block's rotation and tests, waiting for the arena, start first: the p-values here and the
    // formatting after them would otherwise keep the workers waiting for their dispatch.
    await new Promise(setImmediate);
    const finishing = performance.now();
    const results = traits.map((trait, t) => toResults(trait, stats[t]!, b));
    timed(rotateMs, testMs + performance.now() - finishing);
    return results;
  }

  /**
   * The float64 finish of b SNPs whose lambdas the GPU refined (assembly/lmm.ts lmmFinish): per trait its grid sums
   * and its lambdas (per SNP REML before ML, NaN where the GPU gave none). Returns the result blocks and, per trait,
   * how many SNPs had a lambda optimised in full on the CPU.
   */
  finish(
    rotatedGenotypes: Float64Array,
    b: number,
    gridSums: Float64Array[],
    refined: Float64Array[],
  ): Promise<{ blocks: SnpResultBlock[]; cpuSnps: number[] }> {
    return this.scan(rotatedGenotypes, b, gridSums, refined);
  }

  private async scan(
    rotatedGenotypes: Float64Array,
    b: number,
    gridSums?: Float64Array[],
    refined?: Float64Array[],
  ): Promise<{ blocks: SnpResultBlock[]; cpuSnps: number[] }> {
    const { runner, plan, traits } = this;
    const noCpu = traits.map(() => 0);
    if (traits.length === 0) return { blocks: [], cpuSnps: [] };
    if (b === 0) return { blocks: traits.map(() => emptyResultBlock(0)), cpuSnps: noCpu };
    checkBlock(plan, rotatedGenotypes, b);
    const { n, nCvt } = plan;
    const nGrid = plan.search.nRegion + 1;
    const { planBytes } = await kernelInfo(runner, n, nCvt, nGrid);
    const perGroup = Math.max(1, Math.floor(this.residentBytes / planFootprint(n, nCvt, nGrid, planBytes)));
    if (traits.length <= perGroup) {
      const { stats, cpuSnps } = await scanResident(runner, this, traits, rotatedGenotypes, b, this.sums, {
        gridSums,
        refined,
      });
      return { blocks: traits.map((trait, t) => toResults(trait, stats[t]!, b)), cpuSnps };
    }
    // Groups are set up again for every block, and a lambda table costs about as much as 40-80 tests
    // (bench/lmm-kernel): groups use direct sums.
    const blocks: SnpResultBlock[] = [];
    const cpuSnps: number[] = [];
    for (let t0 = 0; t0 < traits.length; t0 += perGroup) {
      const group = traits.slice(t0, t0 + perGroup);
      const done = await scanResident(runner, {}, group, rotatedGenotypes, b, 'direct', {
        gridSums: gridSums?.slice(t0, t0 + perGroup),
        refined: refined?.slice(t0, t0 + perGroup),
      });
      group.forEach((trait, t) => blocks.push(toResults(trait, done.stats[t]!, b)));
      cpuSnps.push(...done.cpuSnps);
    }
    return { blocks, cpuSnps };
  }

  /** Gives the traits' shared memory back (when they are the resident set). */
  release(): Promise<void> {
    return this.runner.retain(() => {
      const regions = this.runner.residentPlan;
      if (regions?.key !== this) return;
      this.runner.releaseRetained(regions.mark);
    });
  }
}

/**
 * A block's rotation in shared memory, with the arena held: place() puts U in place (it may give back regions
 * retained above an older U), rotate() rotates the block above the arena's top and returns where the rotated block
 * (SNP-major b x n) lies: the first region it reserved, so that the others can be given back.
 */
export interface ArenaRotation {
  place(): void;
  rotate(): Promise<number>;
}

/** What the GPU computed for a block, per trait of the call: grid sums, and the lambdas it refined (lmmFinish's). */
interface GivenResults {
  gridSums?: Float64Array[] | undefined;
  refined?: Float64Array[] | undefined;
}

// One turn of the arena for the resident traits (kept below the mark) and the block (released above it), so a call
// with other traits cannot replace these tables in between. Returns each trait's statistics (LmmOutput.count x b) and
// how many SNPs lmmFinish optimised in full (0 without refined lambdas).
async function scanResident(
  runner: KernelRunner,
  key: object,
  traits: TraitPlan[],
  rotatedGenotypes: Float64Array,
  b: number,
  sums: CovariateSums,
  given: GivenResults,
): Promise<{ stats: Float64Array[]; cpuSnps: number[] }> {
  return runner.retain(async () => {
    const regions = await residentTraits(runner, key, traits, sums);
    const { arena } = runner;
    const mark = arena.mark();
    try {
      const n = traits[0]!.n;
      const x = arena.allocF64(n * b);
      arena.f64(x, n * b).set(rotatedGenotypes.subarray(0, n * b));
      return await testInArena(runner, regions, traits, x, b, given);
    } finally {
      arena.release(mark);
    }
  });
}

// The tests of the rotated block at x (SNP-major b x n in the arena) against the resident traits, with the arena held;
// what they allocate stays until the caller releases it.
async function testInArena(
  runner: KernelRunner,
  regions: PlanRegions,
  traits: TraitPlan[],
  x: number,
  b: number,
  { gridSums, refined }: GivenResults,
): Promise<{ stats: Float64Array[]; cpuSnps: number[] }> {
  const { arena } = runner;
  const outs = traits.map(() => arena.allocF64(LmmOutput.count * b));
  // More ranges than threads: a thread that finishes early takes the next range (SNP costs vary with the number
  // of brackets Brent must refine). Scratch is per thread, not per range: a range's is needed only while it runs.
  const ranges = splitRange(b, runner.slots * 8, 1);
  const work = Array.from({ length: Math.min(runner.slots, ranges.length) }, () =>
    arena.alloc(regions.workBytes),
  );
  const copyIn = (values: Float64Array | undefined) => {
    if (!values) return 0;
    const ptr = arena.allocF64(values.length);
    arena.f64(ptr, values.length).set(values);
    return ptr;
  };
  const given = traits.map((_, t) => copyIn(gridSums?.[t]));
  // lmmFinish needs the grid sums with the lambdas; each trait's per-SNP flags come back beside its statistics.
  const lambdas = traits.map((_, t) => (given[t] === 0 ? 0 : copyIn(refined?.[t])));
  const flags = lambdas.map((ptr) => (ptr === 0 ? 0 : arena.allocF64(b)));
  // Without sums from elsewhere, one call per range tests it against every trait: the SNP's products and grid
  // sums that do not involve the phenotype are made once for all of them (lmmScanPlans).
  const shared = traits.length > 1 && given.every((g) => g === 0);
  const descList = shared ? arena.allocF64(traits.length) : 0;
  const outList = shared ? arena.allocF64(traits.length) : 0;
  if (shared) {
    arena.f64(descList, traits.length).set(regions.descs);
    arena.f64(outList, traits.length).set(outs);
  }
  await runner.pull(
    ranges.map(([j0, j1]): KernelCall[] =>
      shared
        ? [['lmmScanPlans', [descList, outList, traits.length, x, b, j0, j1, OWN_REGION]]]
        : regions.descs.map((desc, t): KernelCall =>
            lambdas[t] === 0
              ? ['lmmScan', [desc, x, b, j0, j1, outs[t]!, OWN_REGION, given[t]!]]
              : ['lmmFinish', [desc, x, b, j0, j1, outs[t]!, OWN_REGION, given[t]!, lambdas[t]!, flags[t]!]],
          ),
    ),
    work,
  );
  const cpuSnps = flags.map((ptr) => (ptr === 0 ? 0 : arena.f64(ptr, b).reduce((s, f) => s + f, 0)));
  return { stats: outs.map((ptr) => arena.f64(ptr, LmmOutput.count * b).slice()), cpuSnps };
}

// p-values from the kernel's statistics, as src/stats/snp-tests.ts computes them.
function toResults(plan: TraitPlan, stats: Float64Array, b: number): SnpResultBlock {
  const { testMode, n, nCvt } = plan;
  const df = n - nCvt - 1;
  const out = emptyResultBlock(b);
  const stat = (s: number) => stats.subarray(s * b, (s + 1) * b);
  out.beta.set(stat(LmmOutput.beta));
  out.se.set(stat(LmmOutput.se));
  out.logLikH1.set(stat(LmmOutput.logLikH1));
  out.lambdaRemle.set(stat(LmmOutput.lambdaRemle));
  out.lambdaMle.set(stat(LmmOutput.lambdaMle));
  const wald = stat(LmmOutput.waldF),
    score = stat(LmmOutput.scoreF),
    lrt = stat(LmmOutput.lrtStat);
  for (let j = 0; j < b; j++) {
    if (testMode === 1 || testMode === 4) out.pWald[j] = fDistUpperTail(wald[j]!, 1, df);
    if (testMode === 2 || testMode === 4 || testMode === 9) out.pLrt[j] = chiSquareUpperTail(lrt[j]!, 1);
    if (testMode === 3 || testMode === 4 || testMode === 9) out.pScore[j] = fDistUpperTail(score[j]!, 1, df);
  }
  return out;
}
