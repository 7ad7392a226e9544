/**
 * The multivariate LMM against GEMMA end to end: simulate a cohort (default n = 1500, m = 5000,
 * 2 covariates, correlated traits), then for d = 2 and 3 traits `-gk 1` and `-n 1 .. d -lmm 4` with
 * each tool, repeated --reps times; prints median wall times and the ratio per d, and how many rows
 * agree with GEMMA within 1e-4 (GEMMA's own unstable rows included, so not all need to).
 *
 *   node dist/bench/mvlmm.js [--n 1500] [--m 5000] [--reps 1] [--traits 2,3] [--engine wasm]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random, simulateCohort, writeBimbam } from '../src/sim/index.js';
import { readAssoc } from '../test/helpers/compare-assoc.js';
import { rowDifference } from '../test/helpers/compare-mv-assoc.js';
import { measure, median, option } from './measure.js';

const n = Number(option('n', '1500'));
const m = Number(option('m', '5000'));
const reps = Number(option('reps', '1'));
const traitCounts = option('traits', '2,3').split(',').map(Number);
const engine = option('engine', 'wasm');
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

const dir = mkdtempSync(join(tmpdir(), 'lmmscan-mvbench-'));
mkdirSync(join(dir, 'output'));
const maxD = Math.max(...traitCounts);
console.log(`cohort: n = ${n}, m = ${m}, ${maxD} correlated traits, 2 covariates (seed 13); folder ${dir}`);
const cohort = simulateCohort({
  nIndividuals: n,
  nSnps: m,
  nChromosomes: 5,
  familySize: 4,
  nCausal: 10,
  nCovariates: 2,
  nTraits: maxD,
  missingGenotypeRate: 0.01,
  seed: 13,
});
const rng = new Random(14);
for (let i = 0; i < n; i++) {
  for (let t = 1; t < maxD; t++) cohort.phenotypes[i * maxD + t] += 0.6 * cohort.phenotypes[i * maxD];
  if (rng.uniform() < 0.03) cohort.phenotypes[i * maxD + 1] = NaN;
}
const bb = await writeBimbam(join(dir, 'cohort'), cohort);
const inputs = ['-g', bb.geno, '-p', bb.pheno, '-a', bb.anno, '-c', bb.cov];

for (const d of traitCounts) {
  const columns = Array.from({ length: d }, (_, i) => String(i + 1));
  const times = { gemma: [] as number[], lmmscan: [] as number[] };
  for (let r = 0; r < reps; r++) {
    const g1 = await measure('gemma', [...inputs, '-gk', '1', '-o', 'g'], dir);
    const g2 = await measure(
      'gemma',
      [...inputs, '-n', ...columns, '-k', 'output/g.cXX.txt', '-lmm', '4', '-o', `g${d}`],
      dir,
    );
    const o1 = await measure(
      process.execPath,
      [cli, ...inputs, '-gk', '1', '-o', 'o', '--engine', engine, '--quiet'],
      dir,
    );
    const o2 = await measure(
      process.execPath,
      [
        cli,
        ...inputs,
        '-n',
        ...columns,
        '-k',
        'output/o.cXX.txt',
        '-lmm',
        '4',
        '-o',
        `o${d}`,
        '--engine',
        engine,
        '--quiet',
        '--no-plots',
      ],
      dir,
    );
    times.gemma.push(g1.seconds + g2.seconds);
    times.lmmscan.push(o1.seconds + o2.seconds);
    console.log(
      `d = ${d}, rep ${r + 1}: gemma ${(g1.seconds + g2.seconds).toFixed(1)} s (-lmm ${g2.seconds.toFixed(1)}), lmmscan ${(o1.seconds + o2.seconds).toFixed(1)} s (-lmm ${o2.seconds.toFixed(1)})`,
    );
  }
  const ours = readAssoc(join(dir, 'output', `o${d}.assoc.txt`));
  const ref = readAssoc(join(dir, 'output', `g${d}.assoc.txt`));
  const agree = ref.rows.filter(
    (row, k) => rowDifference(ref.header, ours.rows[k] ?? [], row).worst <= 1e-4,
  ).length;
  const g = median(times.gemma);
  const o = median(times.lmmscan);
  console.log(
    `d = ${d}: medians gemma ${g.toFixed(1)} s, lmmscan ${o.toFixed(1)} s, speed-up ${(g / o).toFixed(2)}x; ${agree} of ${ref.rows.length} rows within 1e-4 of GEMMA`,
  );
}
rmSync(dir, { recursive: true, force: true });
