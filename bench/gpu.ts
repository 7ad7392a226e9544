/**
 * The GPU benchmark (issue #18): one simulated cohort, -gk 1 then -lmm 4, through --engine webgpu on every SNP,
 * against the wasm engine and (when installed) GEMMA on the same machine. The comparators run on an evenly spaced
 * subset of the SNPs (--subset, default 5,000) and are scaled to m: -gk 1 linearly in m (its work is per SNP),
 * -lmm 4 as its subset time plus (m / subset - 1) times its per-SNP stages (rotation "calculating UtX" and
 * "optimization" from its log), so the eigendecomposition and the null model count once. Prints stage times,
 * SNPs/s and the ratios, and a Markdown block ready for bench/RESULTS.md (also written to --block FILE).
 *
 *   npm run bench:gpu                          # n = 10,000, m = 100,000 (the size)
 *   npm run bench:gpu -- --n 600 --m 3000      # the CI check on llvmpipe
 *   options: --n N --m M --subset K --block FILE --keep (keep the data folder)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateCohort, writePlink } from '../src/sim/index.js';
import { measure, option, stageMinutes } from './measure.js';

const n = Number(option('n', '10000'));
const m = Number(option('m', '100000'));
const subset = Math.min(m, Number(option('subset', '5000')));
const blockFile = option('block', '');
const keep = process.argv.includes('--keep');
for (const [name, value] of [
  ['n', n],
  ['m', m],
  ['subset', subset],
] as const) {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`bench:gpu: --${name} must be a positive integer, got ${value}`);
}
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'lmmscan-gpu-'));
mkdirSync(join(dir, 'output'));

const started = performance.now();
const cohort = simulateCohort({
  nIndividuals: n,
  nSnps: m,
  nChromosomes: 4,
  familySize: 4,
  nCausal: 20,
  nCovariates: 1,
  missingGenotypeRate: 0.01,
  missingPhenotypeRate: 0.02,
  seed: 18,
});
await writePlink(join(dir, 'c'), cohort);
// Evenly spaced SNPs for the comparators' scaled runs.
const picked: string[] = [];
for (let k = 0; k < subset; k++) picked.push(cohort.snps[Math.floor((k * m) / subset)]!.rs);
writeFileSync(join(dir, 'subset.txt'), `${picked.join('\n')}\n`);
const simulateSeconds = (performance.now() - started) / 1000;
console.log(
  `cohort n = ${n}, m = ${m} simulated and written in ${simulateSeconds.toFixed(1)} s; folder ${dir}`,
);

interface Row {
  name: string;
  /** Seconds of -gk 1 and -lmm 4 for all m SNPs (scaled where `scaled`). */
  gk: number;
  lmm: number;
  scaled: boolean;
  stages: Record<string, number>;
  engineLine: string;
}

/** The "## engine = ..." line of an lmmscan log. */
function engineLine(log: string): string {
  return /## engine\s+= (.*)/.exec(readFileSync(log, 'utf8'))?.[1] ?? '';
}

/** Seconds of the per-SNP stages of an -lmm 4 log (rotation and optimisation). */
function perSnpSeconds(stages: Record<string, number>): number {
  return 60 * ((stages['calculating UtX'] ?? 0) + (stages['optimization'] ?? 0));
}

async function lmmscan(engine: string, snps: string[]): Promise<Row> {
  const common = ['--engine', engine, '--quiet', '--no-plots', ...snps];
  const gk = await measure(process.execPath, [cli, '-bfile', 'c', '-gk', '1', '-o', engine, ...common], dir);
  const lmm = await measure(
    process.execPath,
    [cli, '-bfile', 'c', '-k', `output/${engine}.cXX.txt`, '-lmm', '4', '-o', `${engine}4`, ...common],
    dir,
  );
  const stages = {
    ...stageMinutes(join(dir, 'output', `${engine}.log.txt`)),
    ...stageMinutes(join(dir, 'output', `${engine}4.log.txt`)),
  };
  return {
    name: engine,
    gk: gk.seconds,
    lmm: lmm.seconds,
    scaled: false,
    stages,
    engineLine: engineLine(join(dir, 'output', `${engine}4.log.txt`)),
  };
}

async function gemma(snps: string[]): Promise<Row> {
  const gk = await measure('gemma', ['-bfile', 'c', '-gk', '1', '-o', 'g', ...snps], dir);
  const lmm = await measure(
    'gemma',
    ['-bfile', 'c', '-k', 'output/g.cXX.txt', '-lmm', '4', '-o', 'g4', ...snps],
    dir,
  );
  return {
    name: 'gemma',
    gk: gk.seconds,
    lmm: lmm.seconds,
    scaled: false,
    stages: stageMinutes(join(dir, 'output', 'g4.log.txt')),
    engineLine: 'GEMMA 0.98.5',
  };
}

/** Scales a subset run to m SNPs (header: -gk linearly, -lmm by its per-SNP stages). */
function scaleToM(row: Row): Row {
  if (subset === m) return row;
  const factor = m / subset;
  return {
    ...row,
    gk: row.gk * factor,
    lmm: row.lmm + (factor - 1) * perSnpSeconds(row.stages),
    scaled: true,
  };
}

const snpsFlag = subset < m ? ['-snps', 'subset.txt'] : [];
const rows: Row[] = [await lmmscan('webgpu', [])];
rows.push(scaleToM(await lmmscan('wasm', snpsFlag)));
const hasGemma = spawnSync('sh', ['-c', 'command -v gemma']).status === 0;
if (hasGemma) rows.push(scaleToM(await gemma(snpsFlag)));

const fmt = (s: number) => (s < 10 ? s.toFixed(2) : s.toFixed(1));
const lines: string[] = [];
const gpu = rows[0]!;
lines.push(
  `### GPU engine: n = ${n}, m = ${m}, -gk 1 then -lmm 4 (${new Date().toISOString().slice(0, 10)})`,
);
lines.push('');
lines.push(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}; webgpu: ${gpu.engineLine}.`);
lines.push(
  subset < m
    ? `wasm${hasGemma ? ' and GEMMA' : ''} ran on ${subset} evenly spaced SNPs and are scaled to m: -gk 1 x m/${subset}, -lmm 4 plus ` +
        `(m/${subset} - 1) x its rotation and optimisation time; webgpu ran on all m SNPs.`
    : 'Every engine ran on all m SNPs.',
);
lines.push(hasGemma ? '' : 'GEMMA is not installed here: no GEMMA column.');
lines.push('');
lines.push(
  '| engine | -gk 1 (s) | -lmm 4 (s) | total (s) | SNPs/s in -lmm 4 | UtX (s) | optimisation (s) | x wasm | x GEMMA |',
);
lines.push('|---|---|---|---|---|---|---|---|---|');
const wasm = rows.find((r) => r.name === 'wasm');
const ref = rows.find((r) => r.name === 'gemma');
for (const r of rows) {
  const total = r.gk + r.lmm;
  const vs = (other: Row | undefined) => (other ? `${((other.gk + other.lmm) / total).toFixed(2)}` : '-');
  lines.push(
    `| ${r.name}${r.scaled ? ' (scaled)' : ''} | ${fmt(r.gk)} | ${fmt(r.lmm)} | ${fmt(total)} | ${(m / r.lmm).toFixed(0)} ` +
      `| ${fmt(60 * (r.stages['calculating UtX'] ?? 0))} | ${fmt(60 * (r.stages['optimization'] ?? 0))} | ${vs(wasm)} | ${vs(ref)} |`,
  );
}
lines.push('');
lines.push(
  "UtX and optimisation are the -lmm 4 log's stage times as measured (on the subset for scaled rows); " +
    "for webgpu, UtX includes the tests' grid and Newton phases (same GPU submission); x wasm / x GEMMA: their total over this " +
    "engine's total.",
);
const block = lines.join('\n');
console.log(`\n${block}\n`);
if (blockFile) writeFileSync(blockFile, `${block}\n`);
console.log(`bench:gpu done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (!keep) rmSync(dir, { recursive: true, force: true });
