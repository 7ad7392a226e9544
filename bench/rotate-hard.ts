/**
 * The rotation U^T X of one SNP block on one thread, as the wasm engine runs it (rotateOn: packing, copies and
 * kernels), for hard calls with a share of missing calls imputed by the SNP's mean (the lookup path,
 * src/linalg/hard-rotation.ts) and for dosages (the GEMM path). Prints the median CPU milliseconds of each.
 * `--dist DIR` runs another build's rotateOn on the same data (e.g. --dist /work/main/dist: before the lookup).
 * `--kernel` times the lookup kernel alone instead (rotateHard over all eigenvector columns, the block's hard
 * columns packed beforehand): no copies of U, the block or the results, median and least CPU ms.
 *
 *   node dist/bench/rotate-hard.js [--n 1500] [--b 1024] [--missing 0.01] [--reps 5] [--dist dist] [--kernel]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KernelRunner } from '../src/engines/wasm/runner.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const n = Number(flag('n', '1500'));
const b = Number(flag('b', '1024'));
const missing = Number(flag('missing', '0.01'));
const reps = Number(flag('reps', '5'));
const dist = resolve(flag('dist', resolve(import.meta.dirname, '..')));

type RotateOn = (
  r: KernelRunner,
  U: Float64Array,
  n: number,
  X: Float64Array,
  b: number,
) => Promise<Float64Array>;
const load = async (path: string) => import(pathToFileURL(resolve(dist, path)).href);
const { rotateOn } = (await load('src/engines/wasm/ops.js')) as { rotateOn: RotateOn };
const { LocalRunner } = (await load('src/engines/wasm/kernels.js')) as {
  LocalRunner: { create(): KernelRunner };
};

let state = 2024;
const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;

const U = Float64Array.from({ length: n * n }, () => 2 * next() - 1);
/** b SNPs of hard calls (allele frequencies over (0.05, 0.95)), missing calls imputed by the SNP's mean. */
const calls = new Float64Array(n * b);
for (let j = 0; j < b; j++) {
  const p = 0.05 + 0.9 * next();
  let sum = 0,
    observed = 0;
  const column = calls.subarray(j * n, (j + 1) * n);
  for (let k = 0; k < n; k++) {
    column[k] = next() < missing ? NaN : (next() < p ? 1 : 0) + (next() < p ? 1 : 0);
    if (Number.isNaN(column[k]!)) continue;
    sum += column[k]!;
    observed++;
  }
  for (let k = 0; k < n; k++) if (Number.isNaN(column[k]!)) column[k] = sum / observed;
}
const dosages = Float64Array.from(calls, (x) => Math.min(2, x + 0.01 * next()));

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median and least CPU ms of `reps` runs of `op` after one to warm up. */
async function cpuTimes(op: () => unknown): Promise<[median: number, least: number]> {
  await op();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = cpuMs();
    await op();
    times.push(cpuMs() - t0);
  }
  times.sort((p, q) => p - q);
  return [times[Math.floor(times.length / 2)]!, times[0]!];
}

if (process.argv.includes('--kernel')) {
  await kernelOnly();
  process.exit(0);
}

// The lookup kernel alone, called as rotateBlockOn calls it on one thread, with the build's own loader and arena.
async function kernelOnly(): Promise<void> {
  const loader = (await load('src/engines/wasm/loader.js')) as typeof import('../src/engines/wasm/loader.js');
  const { SharedArena } = (await load(
    'src/engines/wasm/arena.js',
  )) as typeof import('../src/engines/wasm/arena.js');
  const { packHardColumns } = (await load(
    'src/linalg/hard-rotation.js',
  )) as typeof import('../src/linalg/hard-rotation.js');
  loader.relaxedSimdSupported();
  const memory = loader.createSharedMemory();
  const k = loader.instantiateKernels(loader.loadWasmKernels().module, memory);
  const arena = new SharedArena(memory);
  const packed = packHardColumns(calls, n, b);
  const count = packed.hard.length;
  const copy = <T extends Int32Array | Uint8Array | Float64Array>(values: T): number => {
    const ptr = arena.alloc(Math.max(8, values.byteLength));
    new Uint8Array(memory.buffer, ptr, values.byteLength).set(
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    );
    return ptr;
  };
  const pU = arena.allocF64(n * n + 12);
  arena.f64(pU, n * n).set(U);
  arena.f64(pU + 8 * n * n, 12).fill(0);
  const [pCodes, pStart, pRow, pValue, pRowOf] = [
    copy(packed.codes),
    copy(packed.corrStart),
    copy(packed.corrRow),
    copy(packed.corrValue),
    copy(packed.hard),
  ];
  const pOut = arena.allocF64(n * b),
    pAcc = arena.allocF64(12 * count),
    pWork = arena.alloc(k.gemmWorkBytes());
  const [med, least] = await cpuTimes(() =>
    k.rotateHard(
      n,
      n,
      pU,
      n,
      count,
      pCodes,
      packed.groups,
      pStart,
      pRow,
      pValue,
      pOut,
      n,
      pRowOf,
      pWork,
      pAcc,
    ),
  );
  console.log(
    `${dist}: n=${n} b=${b} (${count} hard), rotateHard alone, one thread, CPU ms of ${reps}: ` +
      `median ${med.toFixed(1)}, least ${least.toFixed(1)}`,
  );
}

const runner = LocalRunner.create();
async function median(block: Float64Array): Promise<number> {
  await rotateOn(runner, U, n, block, b);
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = cpuMs();
    await rotateOn(runner, U, n, block, b);
    times.push(cpuMs() - t0);
  }
  times.sort((p, q) => p - q);
  return times[Math.floor(times.length / 2)]!;
}

const hardMs = await median(calls);
const dosageMs = await median(dosages);
console.log(
  `${dist}: n=${n} b=${b}, one thread, median CPU ms of ${reps}: hard calls (${100 * missing}% missing) ` +
    `${hardMs.toFixed(1)}, dosages ${dosageMs.toFixed(1)} (${(dosageMs / hardMs).toFixed(2)}x)`,
);
