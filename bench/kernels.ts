/**
 * The dense WASM kernels one thread at a time, against the core's own f64x2 peak: a register-only fused
 * multiply-add loop in the same module (fmaPeak, assembly/peak.ts, relaxed build; the plain build's % are of it
 * too). Times are the process's CPU time, which on a shared machine leaves out the time spent waiting for a core. For each stage shape prints median milliseconds, GFLOP/s
 * and % of that peak: the rotation GEMM (SNP block x U), the kinship (upper triangle of X^T X folded into the
 * double-double sum, as the engine runs it), the eigensolver's GEMM shapes (trailing update of the
 * tridiagonalisation, the back-transformation's three products) and its three phases end to end.
 *
 *   node dist/bench/kernels.js [--n 1500] [--b 512] [--reps 5] [--flavour relaxed|simd|both] [--no-eigen]
 */
import { LocalRunner } from '../src/engines/wasm/kernels.js';
import type { SimdFlavour } from '../src/engines/wasm/loader.js';
import { relaxedSimdSupported } from '../src/engines/wasm/loader.js';
import { KINSHIP_TILE_ROWS, kinshipFoldCallLists } from '../src/engines/wasm/ops.js';
import type { KernelCall } from '../src/engines/wasm/runner.js';
import { EigenSize } from '../src/engines/wasm/layout.js';
import { foldHardCallBlock } from '../src/engines/wasm/kinship-hard.js';
import { randomHardCalls } from './hard-call-block.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const n = flag('n', 1500);
const b = flag('b', 512);
const reps = flag('reps', 5);
const wanted = option('flavour', 'both');
const flavours: SimdFlavour[] = (
  wanted === 'both' ? (['relaxed', 'simd'] as const) : [wanted as SimdFlavour]
).filter((f) => f === 'simd' || relaxedSimdSupported());

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * Milliseconds of this process's CPU time (user + system): everything here runs on the calling thread, so on a
 * machine shared with other processes this counts the time the kernel had a core, not the time it waited for one.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median CPU milliseconds of `reps` runs after one warm-up run; `setup` runs untimed before each. */
async function timeIt(run: () => unknown, setup: () => unknown = () => undefined): Promise<number> {
  setup();
  await run();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    setup();
    const t0 = cpuMs();
    await run();
    times.push(cpuMs() - t0);
  }
  return median(times);
}

function fill(view: Float64Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < view.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    view[i] = s / 2147483648 - 1;
  }
}

function row(label: string, ms: number, flops: number, peak: number): string {
  const gflops = flops / ms / 1e6;
  return `${label.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms ${gflops.toFixed(2).padStart(7)} GFLOP/s ${((100 * gflops) / peak).toFixed(0).padStart(4)} %`;
}

/** The yardstick of every %: the relaxed build's register FMA loop (the first flavour measured, when supported). */
let relaxedPeak: number | undefined;

async function benchFlavour(flavour: SimdFlavour): Promise<void> {
  const runner = LocalRunner.create(flavour);
  const { arena } = runner;
  const work = runner.scratch[0]!;
  const call = (calls: KernelCall[]) => runner.run(calls);

  // A ceiling, so the best of several runs (contention only ever lowers it).
  const iters = 10_000_000;
  const best = async (calls: KernelCall[]) => {
    let ms = Infinity;
    for (let r = 0; r < 3; r++) ms = Math.min(ms, await timeIt(() => call(calls)));
    return ms;
  };
  const own = (iters * 48) / (await best([['fmaPeak', [iters, 1]]])) / 1e6;
  const peak = (relaxedPeak ??= own);
  console.log(
    `\n${flavour} build, one thread: its own f64x2 multiply-add loop ${own.toFixed(2)} GFLOP/s (best run); ` +
      `% below are of ${peak.toFixed(2)} GFLOP/s, the relaxed (FMA) peak`,
  );
  // Integer multiply-adds a second, against the f64x2 peak's multiply-adds (half its flops).
  const i16 = (iters * 96) / (await best([['dotPeak', [iters, 1, 0]]])) / 1e6;
  const lines = [
    `i32x4.dot_i16x8_s ${i16.toFixed(1)} G multiply-adds/s (${((2 * i16) / peak).toFixed(1)}x f64x2)`,
  ];
  if (flavour === 'relaxed') {
    const i8 = (iters * 192) / (await best([['dotPeak', [iters, 1, 1]]])) / 1e6;
    lines.push(`relaxed i8 dot ${i8.toFixed(1)} G multiply-adds/s (${((2 * i8) / peak).toFixed(1)}x f64x2)`);
  }
  console.log(`integer dot peaks: ${lines.join(', ')}`);

  // Rotation: out (b x n) = X (b x n) U (n x n), as rotateOn() calls it.
  const pU = arena.allocF64(n * n),
    pX = arena.allocF64(n * b),
    pOut = arena.allocF64(n * b);
  fill(arena.f64(pU, n * n), 1);
  fill(arena.f64(pX, n * b), 2);
  const rotMs = await timeIt(
    () => call([['gemm', [b, n, n, 1, pX, n, 1, pU, n, 1, pOut, n, work]]]),
    () => arena.f64(pOut, n * b).fill(0),
  );
  console.log(row(`rotation gemm ${b} x ${n} x ${n}`, rotMs, 2 * b * n * n, peak));

  // An exact integer GEMM's inner loops (i16 genotypes, i32 sums) on packed operands, 96 rows x n columns x b SNPs
  // per call like the kinship's tiles, checked against plain integer sums; multiply-adds against the rotation's.
  const pairs = Math.ceil(b / 2),
    nPanels = Math.ceil(n / 8);
  const pIa = arena.alloc(24 * pairs * 16),
    pIb = arena.alloc(nPanels * pairs * 32),
    pIc = arena.alloc(96 * nPanels * 32);
  const ia = new Int16Array(arena.memory.buffer, pIa, 24 * pairs * 8),
    ib = new Int16Array(arena.memory.buffer, pIb, nPanels * pairs * 16);
  for (let i = 0; i < ia.length; i++) ia[i] = (i * 7919) % 3;
  for (let i = 0; i < ib.length; i++) ib[i] = (i * 104729) % 3;
  const ic = new Int32Array(arena.memory.buffer, pIc, 96 * nPanels * 8);
  const intMs = await timeIt(
    () => call([['i16Gemm', [24, nPanels, pairs, pIa, pIb, pIc]]]),
    () => ic.fill(0),
  );
  // C(r, col) = sum over pairs and halves of A(r, pair, half) B(pair, col, half), in the packed layouts.
  for (const [r, col] of [
    [0, 0],
    [95, nPanels * 8 - 1],
    [37, Math.min(13, nPanels * 8 - 1)],
  ] as const) {
    let want = 0;
    const pi = Math.floor(r / 4),
      pj = Math.floor(col / 8);
    for (let q = 0; q < pairs; q++)
      for (let h = 0; h < 2; h++)
        want += ia[(pi * pairs + q) * 8 + (r % 4) * 2 + h]! * ib[(pj * pairs + q) * 16 + (col % 8) * 2 + h]!;
    if (ic[r * nPanels * 8 + col] !== want)
      throw new Error(`i16Gemm C[${r}][${col}] = ${ic[r * nPanels * 8 + col]}, want ${want}`);
  }
  const intRate = (96 * nPanels * 8 * 2 * pairs) / intMs / 1e6;
  const rotRate = (b * n * n) / rotMs / 1e6;
  console.log(
    `${`exact i16 GEMM inner loops 96 x ${nPanels * 8} x ${2 * pairs}`.padEnd(44)} ${intMs.toFixed(1).padStart(9)} ms ` +
      `${intRate.toFixed(2).padStart(7)} G multiply-adds/s, ${(intRate / rotRate).toFixed(1)}x the rotation GEMM's`,
  );

  // Kinship: upper triangle of X^T X for one block of b SNPs, folded into the double-double sum.
  const pHi = arena.allocF64(2 * n * n),
    partial = arena.allocF64(KINSHIP_TILE_ROWS * n);
  const kinLists = kinshipFoldCallLists(runner, n, b, pX, pHi, pHi + n * n * 8, [partial]);
  const kinMs = await timeIt(() => runner.parallel(kinLists));
  console.log(row(`kinship syrk+fold n=${n} b=${b} (n(n+1)b flops)`, kinMs, n * (n + 1) * b, peak));

  // The exact -gk 1 path on the same shape (issue 21): hard calls with 0, 0.3, 1, 2 and 5 % missing, packed, weighted,
  // integer tiles and the corrections folded into the same sum; the ratio is against the float kinship above.
  for (const missing of [0, 0.003, 0.01, 0.02, 0.05]) {
    const block = randomHardCalls(n, b, missing);
    const mark = arena.mark();
    const hardMs = await timeIt(async () => {
      await foldHardCallBlock(runner, n, block, pHi, pHi + n * n * 8, KINSHIP_TILE_ROWS);
      arena.release(mark);
    });
    console.log(
      `${`exact kinship n=${n} b=${b}, ${100 * missing} % missing`.padEnd(44)} ${hardMs.toFixed(1).padStart(9)} ms ` +
        `${((n * (n + 1) * b) / hardMs / 1e6).toFixed(2).padStart(7)} GFLOP/s-equivalent, ` +
        `${(kinMs / hardMs).toFixed(1)}x the float kinship`,
    );
  }

  // The tridiagonalisation's trailing update: strips of 64 rows, rank 64, from the diagonal on (A transposed).
  // pA is also the back-transformation's 64 x n block of reflectors below (so at least 64 n).
  const pA = arena.allocF64(Math.max(n, 64) * n),
    pVW = arena.allocF64(3 * 32 * n);
  fill(arena.f64(pVW, 3 * 32 * n), 3);
  let trailFlops = 0;
  const trail: KernelCall[] = [];
  for (let r0 = 0; r0 < n; r0 += 64) {
    const r1 = Math.min(n, r0 + 64);
    trailFlops += 2 * (r1 - r0) * (n - r0) * 64;
    trail.push([
      'gemm',
      [
        r1 - r0,
        n - r0,
        64,
        -1,
        pVW + r0 * 8,
        1,
        n,
        pVW + (32 * n + r0) * 8,
        n,
        1,
        pA + (r0 * n + r0) * 8,
        n,
        work,
      ],
    ]);
  }
  const trailMs = await timeIt(() => call(trail));
  console.log(row(`tridiag trailing update (one panel, rank 64)`, trailMs, trailFlops, peak));

  // The back-transformation's products for one block of 64 reflectors on a 96-row strip, over all strips.
  const pZ = arena.allocF64(n * n),
    pW1 = arena.allocF64(96 * 64),
    pW2 = arena.allocF64(96 * 64),
    pT = arena.allocF64(64 * 64);
  fill(arena.f64(pZ, n * n), 4);
  fill(arena.f64(pT, 64 * 64), 5);
  let backFlops = 0;
  const back: KernelCall[] = [];
  for (let r0 = 0; r0 < n; r0 += 96) {
    const mr = Math.min(96, n - r0);
    backFlops += 2 * mr * 64 * n * 2 + 2 * mr * 64 * 64;
    back.push(
      ['zeroF64', [pW1, mr * 64]],
      ['zeroF64', [pW2, mr * 64]],
      ['gemm', [mr, 64, n, 1, pZ + r0 * n * 8, n, 1, pA, 1, n, pW1, 64, work]],
      ['gemm', [mr, 64, 64, 1, pW1, 64, 1, pT, 1, 64, pW2, 64, work]],
      ['gemm', [mr, n, 64, -1e-3, pW2, 64, 1, pA, n, 1, pZ + r0 * n * 8, n, work]],
    );
  }
  const backMs = await timeIt(() => call(back));
  console.log(row(`back-transform block (3 gemms, kb=64)`, backMs, backFlops, peak));

  if (!process.argv.includes('--no-eigen')) await benchEigen(runner, peak);
}

/** The eigensolver's three phases on one thread, as eigenOn() lays them out. */
async function benchEigen(runner: LocalRunner, peak: number): Promise<void> {
  const { arena } = runner;
  const team = arena.alloc(512),
    sizes = arena.alloc(4 * EigenSize.count),
    status = arena.alloc(8);
  await runner.run([
    ['teamInit', [team, 1]],
    ['eigenSizes', [n, sizes]],
  ]);
  const size = new Int32Array(arena.memory.buffer, sizes, EigenSize.count);
  const a = arena.allocF64(n * n),
    zt = arena.allocF64(n * n),
    big = arena.allocF64(Math.max(n * n, size[EigenSize.backBlockDoubles]!));
  const d = arena.allocF64(n),
    e = arena.allocF64(n),
    tau = arena.allocF64(n);
  const tri = arena.allocF64(size[EigenSize.tridiagScratchDoubles]!),
    small = arena.allocF64(size[EigenSize.dcThreadDoubles]!);
  const levels = arena.alloc(4 * size[EigenSize.dcLevelEntries]!),
    w = arena.allocF64(size[EigenSize.backThreadDoubles]!);
  const works = arena.alloc(4),
    ctx = arena.alloc(512);
  new Uint32Array(arena.memory.buffer, works, 1)[0] = runner.scratch[0]!;
  // A kinship-like matrix: X^T X / p of random X, with a spread spectrum.
  const matrix = new Float64Array(n * n);
  fill(matrix, 6);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) matrix[i * n + k] = matrix[k * n + i]! * 0.05;
    for (let k = i + 1; k < n; k++) matrix[i * n + k]! *= 0.05;
    matrix[i * n + i] = 1 + i / n;
  }
  const phases: Array<[string, number, KernelCall]> = [
    [
      'tridiagonalize (4/3 n^3)',
      (4 / 3) * n ** 3,
      ['tridiagonalize', [n, a, d, e, tau, tri, works, team, ctx]],
    ],
    [
      'divide and conquer (time only)',
      0,
      ['dcEigen', [n, d, e, zt, big, small, levels, works, team, ctx, status]],
    ],
    ['back-transform: WY blocks (time only)', 0, ['backPrepare', [n, a, tau, big, w, works, team, ctx]]],
    ['back-transform: apply (2 n^3)', 2 * n ** 3, ['backApply', [n, a, zt, big, w, works, team, ctx]]],
  ];
  const times = phases.map(() => [] as number[]);
  for (let r = 0; r < Math.max(1, Math.min(reps, 3)); r++) {
    arena.f64(a, n * n).set(matrix);
    new Int32Array(arena.memory.buffer, status, 2).fill(0);
    for (let p = 0; p < phases.length; p++) {
      const t0 = cpuMs();
      await runner.run([phases[p]![2]]);
      times[p]!.push(cpuMs() - t0);
    }
  }
  let total = 0;
  for (let p = 0; p < phases.length; p++) {
    const ms = median(times[p]!);
    total += ms;
    const [label, flops] = phases[p]!;
    console.log(
      flops
        ? row(`eigen n=${n}: ${label}`, ms, flops, peak)
        : `eigen n=${n}: ${label.padEnd(36)} ${ms.toFixed(1).padStart(9)} ms`,
    );
  }
  console.log(`eigen n=${n}: all phases ${total.toFixed(1).padStart(22)} ms`);
}

console.log(
  `lmmscan WASM kernels, n = ${n}, SNP block b = ${b}, median CPU time of ${reps} runs after a warm-up`,
);
for (const flavour of flavours) await benchFlavour(flavour);
