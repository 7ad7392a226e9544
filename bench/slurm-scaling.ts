/**
 * How a sharded scan scales: measures the prepare step, each `scan --shard` process and the merge
 * at two cohort sizes (generated, PLINK, -k from -gk 1, -lmm 4), fits a cost model and projects the
 * wall time of n = 10,000, m = 10^6 on 1, 10 and 100 nodes (one shard per node).
 *
 *   node dist/bench/slurm-scaling.js [--sizes 400x6000,1200x6000] [--engine wasm] [--target 10000x1000000]
 *
 * Model (seconds; n individuals, m SNPs, P nodes = P shards):
 *   kinship (-gk, once)   T_K   = k * m * n^2
 *   prepare               T_P   = p0 + a * m * n + e * n^3          (SNP pass + eigen + null model)
 *   one shard of m/P SNPs T_S   = c0 + c1 * n^2 + (m / P) * (r * n^2 + t * n)   (start + plan load; rotate + test)
 *   merge                 T_M   = g * m
 *   wall(P)               = T_K + T_P + T_S(m / P) + T_M  (+ scheduler latency, a few seconds per wave)
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateCohort, writePlink } from '../src/sim/index.js';
import { measure, option } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '..', 'src', 'cli', 'main.js');
const engine = option('engine', 'wasm');
const sizes = option('sizes', '500x8000,2000x8000')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);
const [targetN, targetM] = option('target', '10000x1000000').split('x').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'lmmscan-slurm-bench-'));
const node = process.execPath;

interface SizeResult {
  n: number;
  m: number;
  tested: number;
  kinshipSeconds: number;
  prepareSeconds: number;
  eigenSeconds: number;
  passSeconds: number;
  /** [SNPs in the shard, seconds] of every shard process. */
  shards: [number, number][];
  mergeSeconds: number;
}

/** Least-squares line y = intercept + slope * x. */
function fitLine(points: [number, number][]): { intercept: number; slope: number } {
  const k = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / k;
  const my = points.reduce((s, p) => s + p[1], 0) / k;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

const results: SizeResult[] = [];
for (const [n, m] of sizes) {
  const prefix = join(dir, `c${n}x${m}`);
  await writePlink(prefix, simulateCohort({ nIndividuals: n, nSnps: m, nChromosomes: 4, seed: n + m }));
  const flags = ['-bfile', prefix, '--engine', engine, '--quiet', '--no-plots', '-outdir', dir];
  const kin = await measure(node, [cli, ...flags, '-gk', '1', '-o', `k${n}`], dir);
  const plan = join(dir, `plan${n}`);
  const prep = await measure(
    node,
    [
      cli,
      'prepare',
      ...flags,
      '-k',
      `k${n}.cXX.txt`,
      '-lmm',
      '4',
      '-o',
      `s${n}`,
      '--block-size',
      '250',
      '--plan',
      plan,
    ],
    dir,
  );
  const manifest = JSON.parse(readFileSync(join(plan, 'plan.json'), 'utf8')) as {
    summary: { snpsAnalysed: number; timings: { label: string; minutes: number }[] };
    blockSize: number;
    totalBlocks: number;
  };
  const lap = (label: string) =>
    60 * (manifest.summary.timings.find((t) => t.label.startsWith(label))?.minutes ?? 0);
  const tested = manifest.summary.snpsAnalysed;
  const shards: [number, number][] = [];
  let mergeSeconds = 0;
  for (const count of [2, 4]) {
    for (let i = 1; i <= count; i++) {
      const first = Math.floor(((i - 1) * manifest.totalBlocks) / count) * manifest.blockSize;
      const end = Math.min(tested, Math.floor((i * manifest.totalBlocks) / count) * manifest.blockSize);
      const r = await measure(
        node,
        [cli, 'scan', '--plan', plan, '--shard', `${i}/${count}`, '--quiet'],
        dir,
      );
      shards.push([end - first, r.seconds]);
    }
    mergeSeconds = (await measure(node, [cli, 'merge', '--plan', plan, '--quiet'], dir)).seconds;
    // The next shard count writes new shard files: clear the old ones.
    const { rmSync } = await import('node:fs');
    rmSync(join(plan, 'shards'), { recursive: true, force: true });
  }
  const result: SizeResult = {
    n,
    m,
    tested,
    kinshipSeconds: kin.seconds,
    prepareSeconds: prep.seconds,
    eigenSeconds: lap('eigen'),
    passSeconds: lap('reading'),
    shards,
    mergeSeconds,
  };
  results.push(result);
  console.log(
    `n = ${n}, m = ${m} (${tested} tested): -gk 1 ${kin.seconds.toFixed(2)} s; prepare ${prep.seconds.toFixed(2)} s (eigen ${result.eigenSeconds.toFixed(2)} s, SNP pass ${result.passSeconds.toFixed(2)} s); ` +
      `shards ${shards.map(([s, t]) => `${s} SNPs ${t.toFixed(2)} s`).join(', ')}; merge ${mergeSeconds.toFixed(2)} s`,
  );
}

// Per size: shard time = intercept + slope * SNPs; then slope(n) = r n^2 + t n and intercept(n) = c0 + c1 n^2.
const lines = results.map((r) => ({ n: r.n, ...fitLine(r.shards) }));
const [A, B] = [lines[0], lines[lines.length - 1]];
let r = (B.slope / B.n - A.slope / A.n) / (B.n - A.n);
let t = A.slope / A.n - r * A.n;
// Timing noise at small n can make one term negative: keep both >= 0 (fit the other alone).
if (r < 0) [r, t] = [0, (A.slope / A.n + B.slope / B.n) / 2];
if (t < 0) [r, t] = [(A.slope / A.n ** 2 + B.slope / B.n ** 2) / 2, 0];
const c1 = Math.max(0, (B.intercept - A.intercept) / (B.n ** 2 - A.n ** 2));
const c0 = A.intercept - c1 * A.n ** 2;
const big = results[results.length - 1];
const e = big.eigenSeconds / big.n ** 3;
const a = big.passSeconds / (big.m * big.n);
const p0 = Math.min(...results.map((x) => x.prepareSeconds - x.eigenSeconds - x.passSeconds));
const k = Math.max(...results.map((x) => (x.kinshipSeconds - p0) / (x.m * x.n ** 2)));
const g = Math.max(...results.map((x) => x.mergeSeconds / x.tested));
const fmt = (x: number) => x.toExponential(3);
console.log('\nmeasured constants (seconds):');
for (const l of lines)
  console.log(`  n = ${l.n}: shard = ${l.intercept.toFixed(3)} + ${fmt(l.slope)} * SNPs`);
console.log(
  `  r (rotate, per SNP per n^2) = ${fmt(r)}; t (test, per SNP per n) = ${fmt(t)}; c0 = ${c0.toFixed(3)}; c1 (plan load per n^2) = ${fmt(c1)}`,
);
console.log(
  `  e (eigen per n^3) = ${fmt(e)}; a (SNP pass per m n) = ${fmt(a)}; p0 = ${p0.toFixed(3)}; k (kinship per m n^2) = ${fmt(k)}; g (merge per SNP) = ${fmt(g)}`,
);

const n = targetN;
const m = targetM;
const TK = k * m * n ** 2;
const TP = p0 + a * m * n + e * n ** 3;
const TM = g * m;
console.log(
  `\nprojection for n = ${n}, m = ${m} (one shard per node; a node = this machine's cores, engine ${engine}):`,
);
console.log(
  `  kinship (-gk 1, once) ${(TK / 3600).toFixed(2)} h; prepare ${(TP / 60).toFixed(1)} min; merge ${(TM / 60).toFixed(1)} min`,
);
for (const P of [1, 10, 100]) {
  const TS = c0 + c1 * n ** 2 + (m / P) * (r * n ** 2 + t * n);
  const wall = TK + TP + TS + TM;
  console.log(
    `  ${String(P).padStart(3)} node(s): shard ${(TS / 3600).toFixed(2)} h -> wall ${(wall / 3600).toFixed(2)} h (${((TP + TS + TM) / 3600).toFixed(2)} h with K given)`,
  );
}
console.log(`\nfolder: ${dir}`);
