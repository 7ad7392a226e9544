/**
 * A large cohort against GEMMA (issue 22): generates one PLINK set with n individuals and m SNPs (written as
 * a stream), then runs GEMMA's and lmmscan's `-gk 1` and `-lmm 4` on it, one process at a time, and appends
 * wall time and peak RSS of each stage to DIR/results.jsonl as it ends (a long run that is stopped keeps
 * what it measured). Both scans read GEMMA's kinship file (or with --kinship lmmscan lmmscan's, which has the
 * same bytes), so the eigendecompositions see the same matrix.
 *
 *   node dist/bench/large-cohort.js --dir /tmp/cohort [--n 16000] [--m 2000]
 *        [--stages gemma-gk,gemma-lmm,lmmscan-gk,lmmscan-lmm] [--engine wasm] [--kinship gemma]
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '../src/sim/random.js';
import { measure, option } from './measure.js';

const n = Number(option('n', '16000'));
const m = Number(option('m', '2000'));
const dir = resolve(option('dir', `/tmp/lmmscan-cohort-${n}`));
const stages = option('stages', 'gemma-gk,gemma-lmm,lmmscan-gk,lmmscan-lmm').split(',');
const engine = option('engine', 'wasm');
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
mkdirSync(join(dir, 'output'), { recursive: true });
const prefix = join(dir, 'cohort');

/**
 * PREFIX.bed/.bim/.fam: 2% of the individuals in sibling pairs (shared genotypes at half the SNPs) on top of
 * two sub-populations, so the kinship is a related cohort's; 1% missing calls; phenotype in the .fam.
 */
function writeCohort(): void {
  const random = new Random(22);
  const per = Math.ceil(n / 4);
  const bed = openSync(`${prefix}.bed`, 'w');
  writeSync(bed, Uint8Array.from([0x6c, 0x1b, 0x01]));
  const bim = openSync(`${prefix}.bim`, 'w');
  const row = new Uint8Array(per);
  const g = new Uint8Array(n);
  const lines: string[] = [];
  for (let k = 0; k < m; k++) {
    const p1 = 0.1 + 0.8 * random.uniform();
    const p2 = Math.min(0.95, Math.max(0.05, p1 + 0.2 * (random.uniform() - 0.5)));
    for (let i = 0; i < n; i++) g[i] = random.binomial2(i < n / 2 ? p1 : p2);
    // Individuals 0, 2, 4, ... below n / 50 share the next one's genotype at every other SNP.
    if (k % 2 === 0) for (let i = 0; i + 1 < n / 50; i += 2) g[i] = g[i + 1]!;
    row.fill(0);
    for (let i = 0; i < n; i++) {
      const code = random.uniform() < 0.01 ? 1 : g[i] === 2 ? 0 : g[i] === 1 ? 2 : 3;
      row[i >> 2] |= code << (2 * (i & 3));
    }
    writeSync(bed, row);
    lines.push(`${1 + Math.floor((k * 10) / m)}\trs${k}\t0\t${k * 100 + 1}\tA\tG`);
  }
  writeSync(bim, lines.join('\n') + '\n');
  closeSync(bed);
  closeSync(bim);
  const pheno: string[] = [];
  for (let i = 0; i < n; i++)
    pheno.push(`F${i} I${i} 0 0 1 ${(random.normal() + (i < n / 2 ? 0.5 : 0)).toFixed(5)}`);
  const fam = openSync(`${prefix}.fam`, 'w');
  writeSync(fam, pheno.join('\n') + '\n');
  closeSync(fam);
}

if (!existsSync(`${prefix}.fam`)) writeCohort();
const kinship = join(dir, 'output', `${option('kinship', 'gemma')}.cXX.txt`);
const lmmscan = (args: string[]) => [cli, ...args, '--engine', engine, '--quiet', '--no-plots'];
const commands: Record<string, [string, string[]]> = {
  'gemma-gk': ['gemma', ['-bfile', prefix, '-gk', '1', '-o', 'gemma']],
  'gemma-lmm': ['gemma', ['-bfile', prefix, '-k', kinship, '-lmm', '4', '-o', 'gemma-lmm']],
  'lmmscan-gk': [process.execPath, lmmscan(['-bfile', prefix, '-gk', '1', '-o', 'lmmscan'])],
  'lmmscan-lmm': [
    process.execPath,
    lmmscan(['-bfile', prefix, '-k', kinship, '-lmm', '4', '-o', 'lmmscan-lmm']),
  ],
};
for (const stage of stages) {
  const command = commands[stage];
  if (!command) throw new Error(`unknown stage ${stage}`);
  const started = new Date().toISOString();
  const run = await measure(command[0], command[1], dir);
  const line = { stage, n, m, started, seconds: run.seconds, peakRssMiB: Math.round(run.peakRssMiB) };
  appendFileSync(join(dir, 'results.jsonl'), JSON.stringify(line) + '\n');
  console.log(JSON.stringify(line));
}
