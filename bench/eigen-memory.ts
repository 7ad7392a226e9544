/**
 * Peak RSS of the wasm eigendecomposition as a multiple of n^2 bytes (issue 22): one child process per layout
 * (three regions, or two as above n = 12,500, forced at small n) with the input given away (`consume`, as the
 * LMM's prepare step does) or kept (as before).  Each child notes its VmHWM, builds a double-centred kinship of n individuals,
 * runs pool.eigen on it and prints the peak's growth over the VmHWM before the input was made.
 *
 *   node dist/bench/eigen-memory.js [--n 3000]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WasmPool } from '../src/engines/wasm/pool.js';
import { doubleCentre } from '../src/linalg/centre.js';
import { Random } from '../src/sim/random.js';
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
  // As in prepare.ts: no name holds the input across the await.
  const eigen = await pool.eigen(centredKinship(), n, layout === 'two' ? 0 : undefined, consume);
  const after = peakBytes();
  await pool.close();
  console.log(
    JSON.stringify({ n, layout, consume, growthPerN2: (after - before) / (n * n), check: eigen.values[0] }),
  );
} else {
  const self = fileURLToPath(import.meta.url);
  console.log('| layout | input | peak RSS growth from before the input (bytes / n^2) |');
  console.log('| --- | --- | --- |');
  for (const layout of ['three', 'two'])
    for (const consume of ['0', '1']) {
      const args = [self, '--child', '--n', String(n), '--layout', layout, '--consume', consume];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      const r = JSON.parse(child.stdout) as { growthPerN2: number };
      const input = consume === '1' ? 'given away' : 'kept';
      console.log(`| ${layout} | ${input} | ${r.growthPerN2.toFixed(1)} |`);
    }
}
