/**
 * Per-SNP CPU time of the multivariate LMM's fits on one thread: the TS oracle (scanMvBlock's default steps)
 * against the wasm kernels (MvKernel), on random rotated data (eigenvalues in [0, 2), 10% zero; d correlated
 * traits; an intercept and two covariates) with every 20th SNP tied to trait 1 so that some SNPs take the
 * Newton-Raphson path, -lmm 4. Interleaved repetitions; prints CPU ms a SNP (user + system, this process) and
 * the largest relative difference between the two paths' outputs.
 *
 *   node dist/bench/mvlmm-steps.js [--n 1461] [--traits 2,3] [--snps 300] [--reps 3]
 */
import { MvKernel } from '../src/engines/wasm/mv-kernel.js';
import type { MvResultBlock } from '../src/model/results.js';
import { Random } from '../src/sim/index.js';
import { scanMvBlock, type MvScanModel } from '../src/stats/mvlmm/block.js';
import { fitMvNull } from '../src/stats/mvlmm/fit.js';
import { median, option } from './measure.js';

const n = Number(option('n', '1461'));
const traitCounts = option('traits', '2,3').split(',').map(Number);
const b = Number(option('snps', '300'));
const reps = Number(option('reps', '3'));
const c = 3;

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function columns(block: MvResultBlock): Float64Array[] {
  return [block.pWald, block.pLrt, block.pScore, ...block.effects];
}

const kernel = MvKernel.create();
for (const d of traitCounts) {
  const rng = new Random(5 + d);
  const eigenvalues = Float64Array.from({ length: n }, () => (rng.uniform() < 0.1 ? 0 : 2 * rng.uniform()));
  const X = Float64Array.from({ length: c * n }, (_, i) => (i < n ? 1 : rng.normal()));
  const Y = Float64Array.from({ length: d * n }, () => rng.normal());
  for (let k = 0; k < n; k++) for (let l = 1; l < d; l++) Y[l * n + k] += 0.5 * Y[k];
  const data = { n, d, c, eigenvalues, X, Y };
  const rotated = Float64Array.from({ length: b * n }, () => rng.normal());
  for (let j = 1; j < b; j += 20) for (let k = 0; k < n; k++) rotated[j * n + k] = 0.1 * Y[k] + rng.normal();
  const model: MvScanModel = {
    data,
    nullModel: fitMvNull(data, { lMin: 1e-5, lMax: 1e5, nRegion: 10 }),
    mode: 4,
  };
  // Warm both paths' JIT on a few SNPs first.
  scanMvBlock(model, rotated.subarray(0, 20 * n), 20);
  scanMvBlock(model, rotated.subarray(0, 20 * n), 20, kernel);
  const times = { oracle: [] as number[], kernel: [] as number[] };
  let oracle: MvResultBlock | undefined;
  let kernelled: MvResultBlock | undefined;
  for (let r = 0; r < reps; r++) {
    times.oracle.push(cpuMs(() => (oracle = scanMvBlock(model, rotated, b))) / b);
    times.kernel.push(cpuMs(() => (kernelled = scanMvBlock(model, rotated, b, kernel))) / b);
  }
  let worst = 0;
  const expected = columns(oracle!);
  columns(kernelled!).forEach((col, i) => {
    for (let j = 0; j < b; j++) {
      const e = expected[i][j];
      if (Number.isNaN(e) && Number.isNaN(col[j])) continue;
      worst = Math.max(worst, Math.abs(col[j] - e) / Math.abs(e));
    }
  });
  const newton = oracle!.pWald.filter((p) => p < 1e-3).length;
  const o = median(times.oracle);
  const k = median(times.kernel);
  console.log(
    `n = ${n}, d = ${d}, ${b} SNPs (${newton} with p_wald < 1e-3): oracle ${o.toFixed(3)} ms CPU a SNP, ` +
      `kernel ${k.toFixed(3)} ms (${(o / k).toFixed(2)}x); largest relative difference ${worst.toExponential(2)}`,
  );
}
