/**
 * Many traits in one pass against GEMMA looped over traits: BXD genotypes (../shared/data/bxd, all
 * 198 strains phenotyped), T simulated traits (default 1000), -lmm 4 with the BXD kinship. GEMMA is
 * timed on the first G traits (default 20) and scaled to T, as a user's loop would take.
 *
 *   node dist/bench/traits.js [--traits 1000] [--gemma-traits 20] [--engines wasm,ts] [--no-plots]
 *     [--no-covariates] [--lambda-newton] [--baseline OTHER/dist/src/cli/main.js]
 *
 * --no-plots leaves out the plots and the --traits summary report (as the third session's figures, before it).
 * --no-covariates drops -c (an intercept only) for both tools; --lambda-newton runs lmmscan's safeguarded Newton
 * search per SNP (then lmmscan is timed both ways). Each lmmscan run also prints its threads' busy time (--debug):
 * the main thread's and every worker's, against the wall time. --baseline also times another build's CLI (e.g.
 * the code before a change) in the same run, with the default search.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Random } from '../src/sim/random.js';
import { measure, option } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const bxd = resolve(here, '..', '..', '..', 'shared', 'data', 'bxd');
const cli = resolve(here, '..', 'src', 'cli', 'main.js');
const traits = Number(option('traits', '1000'));
const gemmaTraits = Number(option('gemma-traits', '20'));
const engines = option('engines', 'wasm').split(',');
const dir = mkdtempSync(join(tmpdir(), 'lmmscan-traits-'));
mkdirSync(join(dir, 'output'));

// Traits: 3 causal BXD SNPs each, heritability 0..0.8, no missing values (all strains phenotyped).
const geno = gunzipSync(readFileSync(join(bxd, 'BXD_geno.txt.gz')))
  .toString('utf8')
  .trimEnd()
  .split('\n')
  .map((l) =>
    l
      .split(/[ ,\t]+/)
      .filter(Boolean)
      .slice(3)
      .map(Number),
  );
const n = geno[0].length;
const random = new Random(99);
const columns: Float64Array[] = [];
for (let t = 0; t < traits; t++) {
  const h2 = (t % 5) * 0.2;
  const g = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    const snp = geno[random.int(geno.length)];
    for (let i = 0; i < n; i++) g[i] += Number.isNaN(snp[i]) ? 1 : snp[i];
  }
  let mean = 0;
  let sd = 0;
  g.forEach((v) => (mean += v / n));
  g.forEach((v) => (sd += (v - mean) ** 2 / n));
  sd = Math.sqrt(sd) || 1;
  columns.push(
    Float64Array.from(g, (v) => 5 + (Math.sqrt(h2) * (v - mean)) / sd + Math.sqrt(1 - h2) * random.normal()),
  );
}
const pheno = join(dir, 'traits.txt');
writeFileSync(
  pheno,
  Array.from({ length: n }, (_, i) => columns.map((c) => c[i].toFixed(6)).join('\t')).join('\n') + '\n',
);
const covariates = process.argv.includes('--no-covariates') ? [] : ['-c', join(bxd, 'BXD_covariates2.txt')];
const inputs = [
  '-g',
  join(bxd, 'BXD_geno.txt.gz'),
  '-p',
  pheno,
  ...covariates,
  '-a',
  join(bxd, 'BXD_snps.txt'),
  '-k',
  join(bxd, 'output', 'BXD.cXX.txt.gz'),
];
const snps = geno.length;
console.log(
  `BXD: n = ${n} (all phenotyped), m = ${snps} SNPs, ${traits} traits, -lmm 4, ${covariates.length ? 'the BXD covariates' : 'no covariates'}; folder ${dir}`,
);

let gemmaSeconds = 0;
let gemmaRss = 0;
for (let t = 1; t <= gemmaTraits; t++) {
  const r = await measure('gemma', [...inputs, '-n', String(t), '-lmm', '4', '-o', `g${t}`], dir);
  gemmaSeconds += r.seconds;
  gemmaRss = Math.max(gemmaRss, r.peakRssMiB);
}
const perTrait = gemmaSeconds / gemmaTraits;
const gemmaProjected = perTrait * traits;
console.log(
  `gemma: ${gemmaTraits} traits in ${gemmaSeconds.toFixed(1)} s (${perTrait.toFixed(2)} s a trait) -> ${traits} traits projected ${gemmaProjected.toFixed(0)} s; peak RSS ${gemmaRss.toFixed(0)} MiB`,
);
const searches = process.argv.includes('--lambda-newton') ? [[], ['--lambda-newton']] : [[]];
const baseline = option('baseline', '');
const runs = [...(baseline ? [{ program: baseline, search: [] as string[] }] : [])];
for (const search of searches) runs.push({ program: cli, search });
for (const engine of engines) {
  for (const { program, search } of runs) {
    const r = await measure(
      process.execPath,
      [
        program,
        ...inputs,
        '--traits',
        `1-${traits}`,
        '-lmm',
        '4',
        '-o',
        `ours_${engine}`,
        '--engine',
        engine,
        '--quiet',
        '--debug',
        ...search,
        ...(process.argv.includes('--no-plots') ? ['--no-plots'] : []),
      ],
      dir,
    );
    console.log(
      `${program === cli ? 'lmmscan' : `baseline ${program}`} --engine ${engine}${search.length ? ' --lambda-newton' : ''}: ${traits} traits in ${r.seconds.toFixed(1)} s, ${((traits * snps) / r.seconds).toFixed(0)} trait x SNP tests/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB; ${(gemmaProjected / r.seconds).toFixed(1)}x faster than the GEMMA loop`,
    );
    for (const line of r.stderr.split('\n')) if (line.includes('busy time')) console.log(`  ${line}`);
  }
}
rmSync(dir, { recursive: true, force: true });
