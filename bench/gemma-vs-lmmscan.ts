/**
 * lmmscan against GEMMA end to end, in one run: simulate a cohort (default n = 1500, m = 8000,
 * 2 covariates; --large for n = 2000, m = 20000), then `-gk 1` and `-lmm 4` with each tool, repeated
 * --reps times; prints median wall times, the ratio, lmmscan's per-stage times, GEMM and eigensolver
 * GFLOP/s, peak RSS of both tools, and checks that the results agree.
 *
 *   node dist/bench/gemma-vs-lmmscan.js [--large] [--reps 3] [--engine wasm] [--n N --m M]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePlink, writeBimbam } from '../src/sim/index.js';
import { simulateBenchCohort } from './bench-cohort.js';
import { compareAssocFiles } from './compare.js';
import { measure, median, option, stageMinutes } from './measure.js';

const large = process.argv.includes('--large');
const n = Number(option('n', large ? '2000' : '1500'));
const m = Number(option('m', large ? '20000' : '8000'));
const reps = Number(option('reps', '3'));
const engine = option('engine', 'wasm');
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

const dir = mkdtempSync(join(tmpdir(), 'lmmscan-bench-'));
mkdirSync(join(dir, 'output'));
console.log(
  `cohort: n = ${n}, m = ${m}, 2 covariates, 1% missing genotypes, 5% missing phenotypes (seed 11); folder ${dir}`,
);
const cohort = simulateBenchCohort(n, m);
await writePlink(join(dir, 'cohort'), cohort);
const bb = await writeBimbam(join(dir, 'cohort_bb'), cohort);
// Covariates without the intercept column (both tools append one).
writeFileSync(
  join(dir, 'cov.txt'),
  readFileSync(bb.cov, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/\s+/).slice(1).join(' '))
    .join('\n') + '\n',
);

const gemmaArgs = (rest: string[]) => ['-bfile', 'cohort', ...rest];
const oursArgs = (rest: string[]) => [
  cli,
  '-bfile',
  'cohort',
  ...rest,
  '--engine',
  engine,
  '--quiet',
  '--no-plots',
];
const runs = {
  gemma: { gk: [] as number[], lmm: [] as number[], rss: [] as number[] },
  lmmscan: { gk: [] as number[], lmm: [] as number[], rss: [] as number[] },
};
let stages: Record<string, number> = {};
let gemmaStages: Record<string, number> = {};
for (let r = 0; r < reps; r++) {
  const g1 = await measure('gemma', gemmaArgs(['-gk', '1', '-o', 'g']), dir);
  const g2 = await measure(
    'gemma',
    gemmaArgs(['-k', 'output/g.cXX.txt', '-c', 'cov.txt', '-lmm', '4', '-o', 'g_lmm4']),
    dir,
  );
  runs.gemma.gk.push(g1.seconds);
  runs.gemma.lmm.push(g2.seconds);
  runs.gemma.rss.push(Math.max(g1.peakRssMiB, g2.peakRssMiB));
  gemmaStages = stageMinutes(join(dir, 'output', 'g_lmm4.log.txt'));
  const o1 = await measure(process.execPath, oursArgs(['-gk', '1', '-o', 'o']), dir);
  const o2 = await measure(
    process.execPath,
    oursArgs(['-k', 'output/o.cXX.txt', '-c', 'cov.txt', '-lmm', '4', '-o', 'o_lmm4']),
    dir,
  );
  runs.lmmscan.gk.push(o1.seconds);
  runs.lmmscan.lmm.push(o2.seconds);
  runs.lmmscan.rss.push(Math.max(o1.peakRssMiB, o2.peakRssMiB));
  stages = {
    ...stageMinutes(join(dir, 'output', 'o.log.txt')),
    ...stageMinutes(join(dir, 'output', 'o_lmm4.log.txt')),
  };
  console.log(
    `rep ${r + 1}: gemma ${(g1.seconds + g2.seconds).toFixed(2)} s, lmmscan ${(o1.seconds + o2.seconds).toFixed(2)} s`,
  );
}
const total = (x: { gk: number[]; lmm: number[] }) => median(x.gk.map((v, k) => v + x.lmm[k]));
const gemmaTotal = total(runs.gemma);
const oursTotal = total(runs.lmmscan);
const agreement = compareAssocFiles(
  join(dir, 'output', 'o_lmm4.assoc.txt'),
  join(dir, 'output', 'g_lmm4.assoc.txt'),
);
const eigenSeconds = (stages['eigen-decomposition'] ?? NaN) * 60;
const rotateSeconds = (stages['calculating UtX'] ?? NaN) * 60;
const kinSeconds = (stages['calculating relatedness matrix'] ?? NaN) * 60;
const lines = [
  `engine: ${engine}; ${reps} repetitions; medians`,
  `gemma   -gk 1: ${median(runs.gemma.gk).toFixed(2)} s   -lmm 4: ${median(runs.gemma.lmm).toFixed(2)} s   total ${gemmaTotal.toFixed(2)} s   peak RSS ${median(runs.gemma.rss).toFixed(0)} MiB`,
  `lmmscan -gk 1: ${median(runs.lmmscan.gk).toFixed(2)} s   -lmm 4: ${median(runs.lmmscan.lmm).toFixed(2)} s   total ${oursTotal.toFixed(2)} s   peak RSS ${median(runs.lmmscan.rss).toFixed(0)} MiB`,
  `speed-up end to end: ${(gemmaTotal / oursTotal).toFixed(2)}x`,
  `lmmscan stages (last run, s): ${Object.entries(stages)
    .map(([k, v]) => `${k} ${(v * 60).toFixed(2)}`)
    .join('; ')}`,
  `gemma stages (last run, s): ${Object.entries(gemmaStages)
    .map(([k, v]) => `${k} ${(v * 60).toFixed(2)}`)
    .join('; ')}`,
  `kinship GEMM: ${((n * n * m) / kinSeconds / 1e9).toFixed(1)} GFLOP/s (n^2 m flops, whole stage incl. reading)`,
  `rotation GEMM: ${((2 * n * n * agreement.rows) / rotateSeconds / 1e9).toFixed(1)} GFLOP/s (2 n^2 m flops)`,
  `eigensolver: ${eigenSeconds.toFixed(2)} s, ${((9 * n * n * n) / eigenSeconds / 1e9).toFixed(1)} GFLOP/s at 9 n^3 flops`,
  `results vs GEMMA: ${agreement.rows} rows, ${agreement.problems} outside tolerance, worst ${JSON.stringify(agreement.worst)}`,
];
console.log(lines.join('\n'));
rmSync(dir, { recursive: true, force: true });
