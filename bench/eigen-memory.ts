/**
 * Peak RSS of the wasm eigendecomposition as a multiple of n^2 bytes (issue 22): one child process per layout
 * (three regions, or two as above n = 12,500, or tiled as above n = 16,200, forced at small n; `torn`: tiled with
 * the divide and conquer torn into blocks of at most n / 8 rows, as above n = 31,700; `split`: tiled with the
 * packed triangle over two memories and leaves that fit the first, as above n = 31,400) with the input
 * given away (`consume`, as the LMM's prepare step does) or kept (as before), and its wall time.  Each child notes its VmHWM, builds a double-centred kinship of n individuals,
 * runs pool.eigen on it and prints the peak's growth over the VmHWM before the input was made.
 *
 * The child's CPU time (user + system, all its threads) is printed too: the figure to compare on a shared machine.
 *
 *   node dist/bench/eigen-memory.js [--n 3000] [--layouts three,two,tiled,torn,split] [--inputs 0,1 (kept, given away)]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WasmPool } from '../src/engines/wasm/pool.js';
import { doubleCentre } from '../src/linalg/centre.js';
import { Random } from '../src/sim/random.js';
import { packedStart } from '../src/engines/wasm/tridiag-split.js';
import { option } from './measure.js';

const peakBytes = (): number =>
  1024 * Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const n = Number(option('n', '3000'));

/** K = X X^T / m from m = 200 random SNP columns, double-centred: one n x n array. */
function centredKinship(): Float64Array {
  const m = 200;
  const random = new Random(5);
  const x = Float64Array.from({ length: n * m }, () => random.binomial2(0.3));
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let l = 0; l < m; l++) s += x[i * m + l]! * x[j * m + l]!;
      k[i * n + j] = k[j * n + i] = s / m;
    }
  return doubleCentre(k, n, k);
}

if (process.argv.includes('--child')) {
  const layout = option('layout', 'three');
  const consume = option('consume', '0') === '1';
  const pool = await WasmPool.create(2);
  const before = peakBytes();
  // As in prepare.ts: no name holds the input across the await (the timer starts once it is made).
  let start = 0;
  let cpuStart = process.cpuUsage();
  const tiled = layout === 'tiled' || layout === 'torn' || layout === 'split';
  const sizes =
    layout === 'torn'
      ? { leafRows: Math.ceil(n / 8) }
      : layout === 'split'
        ? { memoryBytes: Math.ceil((8 * packedStart(n, n)) / 2) }
        : {};
  const eigen = await (() => {
    const input = centredKinship();
    start = performance.now();
    cpuStart = process.cpuUsage();
    return pool.eigen(
      input,
      n,
      layout === 'two' ? 0 : undefined,
      consume,
      tiled ? 0 : undefined,
      undefined,
      sizes,
    );
  })();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const after = peakBytes();
  await pool.close();
  console.log(
    JSON.stringify({
      n,
      layout,
      consume,
      growthPerN2: (after - before) / (n * n),
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      check: eigen.values[0],
    }),
  );
} else {
  const self = fileURLToPath(import.meta.url);
  const layouts = option('layouts', 'three,two,tiled,torn,split').split(',');
  console.log(
    '| layout | input | peak RSS growth from before the input (bytes / n^2) | wall (s) | CPU (s) |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const layout of layouts)
    for (const consume of option('inputs', '0,1').split(',')) {
      const args = [self, '--child', '--n', String(n), '--layout', layout, '--consume', consume];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      const r = JSON.parse(child.stdout) as { growthPerN2: number; seconds: number; cpuSeconds: number };
      const input = consume === '1' ? 'given away' : 'kept';
      const cells = [r.growthPerN2.toFixed(1), r.seconds.toFixed(1), r.cpuSeconds.toFixed(1)];
      console.log(`| ${layout} | ${input} | ${cells.join(' | ')} |`);
    }
}
