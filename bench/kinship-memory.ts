/**
 * Peak RSS of the wasm `-gk 1` kinship as a multiple of n^2 bytes (issue 22): one child process per layout
 * (resident: the double-double sum in shared memory; banded: in JS arrays, forced at small n, 32 MiB bands) and per finish:
 * `sum` copies the pair out and makes K beside it (as -gk did before: finishSum then a new K); `array` is
 * finishKinship (K over hi, or one new array read out of shared memory); `use` is what -gk does now (useKinship:
 * K rounded in place where the sum lies and written from there). Each child notes its VmHWM,
 * sums m random SNPs (1% missing) in blocks of 256, makes K, formats its text as the -gk writer does (into a sink
 * that keeps nothing) and prints the peak's growth over the VmHWM before the session began.
 *
 *   node dist/bench/kinship-memory.js [--n 4000] [--m 512] [--layouts resident,banded] [--finishes sum,array,use]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WasmPool } from '../src/engines/wasm/pool.js';
import { prepareKinshipSnp } from '../src/kinship/kinship.js';
import { writeMatrixText } from '../src/io/matrix-write.js';
import { Random } from '../src/sim/random.js';
import { option } from './measure.js';

const peakBytes = (): number =>
  1024 * Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const n = Number(option('n', '4000'));
const m = Number(option('m', '512'));
const blockSnps = 256;

if (process.argv.includes('--child')) {
  const layout = option('layout', 'resident');
  const finish = option('finish', 'use');
  const pool = await WasmPool.create(2);
  const random = new Random(9);
  const block = new Float64Array(blockSnps * n);
  const before = peakBytes();
  const start = performance.now();
  // Banded: 32 MiB bands (at large n the 512 MiB bands are a small part of the sum, as 32 MiB are here).
  const session = layout === 'banded' ? pool.startKinship(n, 0, 32 << 20) : pool.startKinship(n, Infinity);
  for (let done = 0; done < m; done += blockSnps) {
    const b = Math.min(blockSnps, m - done);
    for (let j = 0; j < b; j++) {
      const p = 0.05 + 0.9 * random.uniform();
      const snp = block.subarray(j * n, (j + 1) * n);
      for (let i = 0; i < n; i++) snp[i] = random.uniform() < 0.01 ? NaN : random.binomial2(p);
      prepareKinshipSnp(snp, 1);
    }
    await session.add(block, b);
  }
  let bytes = 0,
    check = 0;
  const write = (k: Float64Array) => {
    writeMatrixText({ write: (chunk) => (bytes += chunk.length) }, k, n, n, { quiet: true });
    check = k[n - 1]!;
  };
  if (finish === 'sum') {
    const { hi, lo } = await session.finishSum();
    const k = new Float64Array(hi.length);
    for (let i = 0; i < k.length; i++) k[i] = (hi[i]! + lo[i]!) / m;
    write(k);
  } else if (finish === 'array') write(await session.finishKinship(m));
  else await session.useKinship(m, write);
  const seconds = (performance.now() - start) / 1000;
  const after = peakBytes();
  await pool.close();
  console.log(JSON.stringify({ growthPerN2: (after - before) / (n * n), seconds, bytes, check }));
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(`n = ${n}, m = ${m}`);
  console.log('| layout | finish | peak RSS growth from before the sum (bytes / n^2) | wall (s) |');
  console.log('| --- | --- | --- | --- |');
  for (const layout of option('layouts', 'resident,banded').split(','))
    for (const finish of option('finishes', 'sum,array,use').split(',')) {
      const args = [
        self,
        '--child',
        '--n',
        String(n),
        '--m',
        String(m),
        '--layout',
        layout,
        '--finish',
        finish,
      ];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      const r = JSON.parse(child.stdout) as { growthPerN2: number; seconds: number };
      console.log(`| ${layout} | ${finish} | ${r.growthPerN2.toFixed(1)} | ${r.seconds.toFixed(1)} |`);
    }
}
