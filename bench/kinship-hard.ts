/**
 * Where the exact -gk 1 path's time goes (issue 21): one block of random hard calls folded as the engine folds
 * it (foldHardCallBlock), on the calling thread, with the CPU time of each kernel summed by name; medians of
 * --reps runs after a warm-up. The parts: packHardCalls, hardCallWeights and transposeHardCalls prepare the
 * block; per tile, kinshipMissLimbs (the missing-call limbs), kinshipIntTile (the integer product) and
 * kinshipHardFold (corrections and the double-double fold).
 *
 *   node dist/bench/kinship-hard.js [--n 4000] [--b 2048] [--missing 0.01] [--reps 3] [--flavour relaxed|simd]
 */
import { SharedArena } from '../src/engines/wasm/arena.js';
import { foldHardCallBlock } from '../src/engines/wasm/kinship-hard.js';
import type { KernelExports, SimdFlavour } from '../src/engines/wasm/loader.js';
import {
  createSharedMemory,
  instantiateKernels,
  loadWasmKernels,
  relaxedSimdSupported,
} from '../src/engines/wasm/loader.js';
import { KINSHIP_TILE_ROWS } from '../src/engines/wasm/ops.js';
import { KernelRunner, type KernelCall } from '../src/engines/wasm/runner.js';
import { randomHardCalls } from './hard-call-block.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs the calls on this thread, adding each kernel's CPU milliseconds to `spent` by name. */
class TimedRunner extends KernelRunner {
  readonly spent = new Map<string, number>();

  constructor(
    arena: SharedArena,
    private readonly kernels: KernelExports,
  ) {
    super(arena, 1, kernels.gemmWorkBytes());
  }

  override async run(calls: KernelCall[]): Promise<number> {
    let result = 0;
    for (const [name, args] of calls) {
      const t0 = cpuMs();
      result = (this.kernels[name] as (...xs: number[]) => number | undefined)(...args) ?? 0;
      this.spent.set(name, (this.spent.get(name) ?? 0) + cpuMs() - t0);
    }
    return result;
  }

  override async parallel(lists: KernelCall[][]): Promise<void> {
    for (const calls of lists) await this.run(calls);
  }
}

const n = Number(flag('n', '4000')),
  b = Number(flag('b', '2048')),
  missing = Number(flag('missing', '0.01')),
  reps = Number(flag('reps', '3'));
const wanted = flag('flavour', 'relaxed') as SimdFlavour;
// Node 20 validates the relaxed build only once relaxedSimdSupported() has set V8's flag; else the plain one.
const { module, flavour } = loadWasmKernels(
  wanted === 'relaxed' && !relaxedSimdSupported() ? 'simd' : wanted,
);
const memory = createSharedMemory();
const runner = new TimedRunner(new SharedArena(memory), instantiateKernels(module, memory));
const { arena } = runner;
const block = randomHardCalls(n, b, missing);
const pHi = arena.allocF64(2 * n * n);
const runs: Array<Map<string, number>> = [];
for (let r = 0; r <= reps; r++) {
  runner.spent.clear();
  const mark = arena.mark();
  const t0 = cpuMs();
  await foldHardCallBlock(runner, n, block, pHi, pHi + n * n * 8, KINSHIP_TILE_ROWS);
  const total = cpuMs() - t0;
  arena.release(mark);
  if (r > 0) runs.push(new Map([['total', total], ...runner.spent]));
}
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[(xs.length - 1) >> 1]!;
console.log(
  `exact -gk 1 block, ${flavour} build, one thread, n = ${n}, b = ${b}, ${100 * missing} % missing:`,
);
for (const name of runs[0]!.keys()) {
  const ms = median(runs.map((m) => m.get(name) ?? 0));
  console.log(`  ${name.padEnd(20)} ${ms.toFixed(1).padStart(8)} ms`);
}
