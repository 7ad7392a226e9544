/**
 * The wasm eigensolver's three phases on one thread, on the kinship of the benchmark's simulated cohort (the
 * cohort of gemma-vs-lmmscan.ts: families, two subpopulations, seed 11; its spectrum decides how much the divide
 * and conquer deflates, which a random matrix would not show). Prints each phase's CPU seconds (user + system of
 * this process: on a shared machine the time spent waiting for a core is left out) and GFLOP/s, for one or more
 * kernel builds run in turn (--wasm a,b: e.g. the main branch's build against this one, interleaved rep by rep),
 * and whether the builds agree bit for bit (eigenvalues and eigenvectors).
 *
 *   node dist/bench/eigen-stages.js [--n 2000] [--m 20000] [--reps 3] [--kinship FILE.cXX.txt] [--wasm A,B]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SharedArena } from '../src/engines/wasm/arena.js';
import {
  createSharedMemory,
  instantiateKernels,
  loadWasmKernels,
  relaxedSimdSupported,
} from '../src/engines/wasm/loader.js';
import { EigenSize } from '../src/engines/wasm/layout.js';
import { writePlink } from '../src/sim/index.js';
import { simulateBenchCohort } from './bench-cohort.js';
import { median, option } from './measure.js';

const n = Number(option('n', '2000'));
const m = Number(option('m', '20000'));
const reps = Number(option('reps', '3'));
const builds = option('wasm', '').split(',').filter(Boolean);
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

/** CPU seconds of this process. */
function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The -gk 1 kinship of the benchmark cohort (or of --kinship), row-major n x n. */
async function kinship(): Promise<Float64Array> {
  let file = option('kinship', '');
  let dir = '';
  if (!file) {
    dir = mkdtempSync(join(tmpdir(), 'lmmscan-eigen-'));
    const cohort = simulateBenchCohort(n, m);
    await writePlink(join(dir, 'cohort'), cohort);
    execFileSync('node', [cli, '-bfile', 'cohort', '-gk', '1', '-o', 'k', '--quiet', '--no-plots'], {
      cwd: dir,
    });
    file = join(dir, 'output', 'k.cXX.txt');
  }
  const rows = readFileSync(file, 'utf8').trimEnd().split('\n');
  if (rows.length !== n) throw new Error(`${file}: ${rows.length} rows, expected --n ${n}`);
  const K = new Float64Array(n * n);
  rows.forEach((line, i) => line.split('\t').forEach((v, j) => (K[i * n + j] = Number(v))));
  if (dir) rmSync(dir, { recursive: true, force: true });
  return K;
}

type Kernels = Record<string, (...args: number[]) => number>;

/** One build's kernels on their own memory, with the solver's arrays laid out as eigenOn() lays them out. */
function setUp(module: WebAssembly.Module) {
  const memory = createSharedMemory();
  const x = instantiateKernels(module, memory) as unknown as Kernels;
  const arena = new SharedArena(memory);
  const team = arena.alloc(512),
    sizes = arena.alloc(4 * EigenSize.count),
    status = arena.alloc(8);
  x.teamInit!(team, 1);
  x.eigenSizes!(n, sizes);
  const size = new Int32Array(memory.buffer, sizes, EigenSize.count).slice();
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
    ctx = arena.alloc(1024);
  new Uint32Array(memory.buffer, works, 1)[0] = arena.alloc(x.gemmWorkBytes!());
  const phases: Array<() => void> = [
    () => x.tridiagonalize!(n, a, d, e, tau, tri, works, team, ctx),
    () => x.dcEigen!(n, d, e, zt, big, small, levels, works, team, ctx, status),
    () => x.backPrepare!(n, a, tau, big, w, works, team, ctx),
    () => x.backApply!(n, a, zt, big, w, works, team, ctx),
  ];
  return {
    /** CPU seconds of each phase on `matrix`; leaves the values and vectors in place. */
    run(matrix: Float64Array): number[] {
      arena.f64(a, n * n).set(matrix);
      return phases.map((phase) => {
        const t0 = cpu();
        phase();
        return cpu() - t0;
      });
    },
    result: () => ({ values: arena.f64(d, n).slice(), vectors: arena.f64(a, n * n).slice() }),
  };
}

const K = await kinship();
// Turns on Node 20's relaxed-SIMD flag before any build is compiled.
if (!relaxedSimdSupported())
  throw new Error('this Node has no relaxed SIMD: the builds compared are relaxed ones');
const names = builds.length ? builds : ['(this build)'];
const solvers = names.map((path) =>
  setUp(builds.length ? new WebAssembly.Module(readFileSync(path)) : loadWasmKernels('relaxed').module),
);
const times = solvers.map(() => [[], [], [], []] as number[][]);
for (let r = 0; r < reps; r++) solvers.forEach((s, b) => s.run(K).forEach((t, p) => times[b]![p]!.push(t)));

const labels = [
  'tridiagonalisation (4/3 n^3)',
  'divide and conquer',
  'WY blocks',
  'back-transformation (2 n^3)',
];
const flops = [(4 / 3) * n ** 3, 0, 0, 2 * n ** 3];
console.log(
  `wasm eigensolver, one thread, kinship of the bench cohort n = ${n} (m = ${m}); median CPU s of ${reps}`,
);
names.forEach((name, b) => {
  console.log(`build ${name}`);
  let total = 0;
  labels.forEach((label, p) => {
    const s = median(times[b]![p]!);
    total += s;
    // A phase shorter than the clock's microsecond gets no rate.
    const rate = flops[p] && s > 0 ? `  ${(flops[p]! / s / 1e9).toFixed(1)} GFLOP/s` : '';
    console.log(`  ${label.padEnd(30)} ${s.toFixed(3).padStart(8)} s${rate}`);
  });
  console.log(`  ${'total'.padEnd(30)} ${total.toFixed(3).padStart(8)} s`);
});
if (solvers.length > 1) {
  const first = solvers[0]!.result();
  for (let b = 1; b < solvers.length; b++) {
    const other = solvers[b]!.result();
    const same =
      first.values.every((v, i) => Object.is(v, other.values[i])) &&
      first.vectors.every((v, i) => Object.is(v, other.vectors[i]));
    console.log(`${names[b]} against ${names[0]}: ${same ? 'bitwise equal' : 'results differ'}`);
  }
}
