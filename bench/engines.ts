/**
 * CPU against GPU: the same simulated cohort through the ts, wasm and webgpu engines (and GEMMA when
 * installed), -gk 1 then -lmm 4; per engine the wall time of each stage, SNPs tested per second,
 * and ratios against wasm and GEMMA. On a machine without a GPU, webgpu runs on llvmpipe.
 *
 *   node dist/bench/engines.js [--n 600] [--m 3000] [--engines ts,wasm,webgpu] [--reps 1]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateCohort, writePlink } from '../src/sim/index.js';
import { measure, median, option, stageMinutes } from './measure.js';

const n = Number(option('n', '600'));
const m = Number(option('m', '3000'));
const reps = Number(option('reps', '1'));
const engines = option('engines', 'ts,wasm,webgpu').split(',');
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'lmmscan-engines-'));
mkdirSync(join(dir, 'output'));
const cohort = simulateCohort({
  nIndividuals: n,
  nSnps: m,
  nChromosomes: 4,
  familySize: 4,
  nCausal: 8,
  nCovariates: 1,
  missingGenotypeRate: 0.01,
  missingPhenotypeRate: 0.03,
  seed: 5,
});
await writePlink(join(dir, 'c'), cohort);
console.log(`cohort n = ${n}, m = ${m}; ${reps} repetition(s), medians; folder ${dir}`);

interface Row {
  name: string;
  total: number;
  gk: number;
  lmm: number;
  stages: Record<string, number>;
}
const rows: Row[] = [];
const hasGemma = spawnSync('sh', ['-c', 'command -v gemma']).status === 0;
for (const name of [...engines, ...(hasGemma ? ['gemma'] : [])]) {
  const gk: number[] = [];
  const lmm: number[] = [];
  let stages: Record<string, number> = {};
  for (let r = 0; r < reps; r++) {
    if (name === 'gemma') {
      gk.push((await measure('gemma', ['-bfile', 'c', '-gk', '1', '-o', 'g'], dir)).seconds);
      lmm.push(
        (await measure('gemma', ['-bfile', 'c', '-k', 'output/g.cXX.txt', '-lmm', '4', '-o', 'g4'], dir))
          .seconds,
      );
      stages = stageMinutes(join(dir, 'output', 'g4.log.txt'));
    } else {
      const common = ['--engine', name, '--quiet', '--no-plots'];
      gk.push(
        (await measure(process.execPath, [cli, '-bfile', 'c', '-gk', '1', '-o', `${name}`, ...common], dir))
          .seconds,
      );
      lmm.push(
        (
          await measure(
            process.execPath,
            [cli, '-bfile', 'c', '-k', `output/${name}.cXX.txt`, '-lmm', '4', '-o', `${name}4`, ...common],
            dir,
          )
        ).seconds,
      );
      stages = {
        ...stageMinutes(join(dir, 'output', `${name}.log.txt`)),
        ...stageMinutes(join(dir, 'output', `${name}4.log.txt`)),
      };
    }
  }
  const row = { name, gk: median(gk), lmm: median(lmm), total: median(gk) + median(lmm), stages };
  rows.push(row);
  const stageText = Object.entries(stages)
    .map(([k, v]) => `${k} ${(v * 60).toFixed(2)} s`)
    .join('; ');
  console.log(
    `${name.padEnd(7)} -gk 1 ${row.gk.toFixed(2)} s, -lmm 4 ${row.lmm.toFixed(2)} s, total ${row.total.toFixed(2)} s, ${(m / row.lmm).toFixed(0)} SNPs/s in -lmm 4 | ${stageText}`,
  );
}
const base = rows.find((r) => r.name === 'wasm');
const gemma = rows.find((r) => r.name === 'gemma');
for (const r of rows) {
  const vsWasm = base ? `${(base.total / r.total).toFixed(2)}x wasm` : '';
  const vsGemma = gemma ? `${(gemma.total / r.total).toFixed(2)}x GEMMA` : '';
  console.log(`${r.name.padEnd(7)} speed relative to: ${[vsWasm, vsGemma].filter(Boolean).join(', ')}`);
}
rmSync(dir, { recursive: true, force: true });
