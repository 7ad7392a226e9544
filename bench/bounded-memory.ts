/**
 * Memory stays bounded by the block size, not by the number of SNPs: generates PLINK files with
 * n = 500 and m SNPs (default 100,000 and 1,000,000; written in a stream, never held whole),
 * runs -gk 1 and an LMM scan on each, and prints peak RSS per m with the per-SNP slope.
 *
 *   node dist/bench/bounded-memory.js [--sizes 100000,1000000] [--n 500] [--lmm 1] [--engine wasm]
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '../src/sim/random.js';
import { measure, option } from './measure.js';

const n = Number(option('n', '500'));
const sizes = option('sizes', '100000,1000000').split(',').map(Number);
const lmm = option('lmm', '1');
const engine = option('engine', 'wasm');
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'lmmscan-memory-'));
mkdirSync(join(dir, 'output'));

/** Writes PREFIX.bed/.bim/.fam for n individuals and m SNPs with two sub-populations, streamed. */
function writeStreamed(prefix: string, m: number): void {
  const random = new Random(17);
  const per = Math.ceil(n / 4);
  const bed = openSync(`${prefix}.bed`, 'w');
  writeSync(bed, Uint8Array.from([0x6c, 0x1b, 0x01]));
  const bim = openSync(`${prefix}.bim`, 'w');
  const chunkSnps = 4096;
  const bytes = new Uint8Array(per * chunkSnps);
  let bimText: string[] = [];
  for (let start = 0; start < m; start += chunkSnps) {
    const count = Math.min(chunkSnps, m - start);
    bytes.fill(0);
    for (let j = 0; j < count; j++) {
      const p1 = 0.1 + 0.8 * random.uniform();
      const p2 = Math.min(0.95, Math.max(0.05, p1 + 0.2 * (random.uniform() - 0.5)));
      for (let i = 0; i < n; i++) {
        const g = random.binomial2(i < n / 2 ? p1 : p2);
        const code = random.uniform() < 0.01 ? 1 : g === 2 ? 0 : g === 1 ? 2 : 3;
        bytes[j * per + (i >> 2)] |= code << (2 * (i & 3));
      }
      const k = start + j;
      bimText.push(`${1 + Math.floor((k * 10) / m)}\trs${k}\t0\t${k * 100 + 1}\tA\tG`);
    }
    writeSync(bed, bytes.subarray(0, count * per));
    writeSync(bim, bimText.join('\n') + '\n');
    bimText = [];
  }
  closeSync(bed);
  closeSync(bim);
  const fam = openSync(`${prefix}.fam`, 'w');
  const pheno: string[] = [];
  for (let i = 0; i < n; i++)
    pheno.push(`F${i} I${i} 0 0 1 ${(random.normal() + (i < n / 2 ? 0.5 : 0)).toFixed(5)}`);
  writeSync(fam, pheno.join('\n') + '\n');
  closeSync(fam);
}

const results: { m: number; gkRss: number; scanRss: number; gkSeconds: number; scanSeconds: number }[] = [];
for (const m of sizes) {
  const prefix = join(dir, `m${m}`);
  writeStreamed(prefix, m);
  const common = ['--engine', engine, '--quiet', '--no-plots'];
  const gk = await measure(
    process.execPath,
    [cli, '-bfile', prefix, '-gk', '1', '-o', `k${m}`, ...common],
    dir,
  );
  const scan = await measure(
    process.execPath,
    [cli, '-bfile', prefix, '-k', `output/k${m}.cXX.txt`, '-lmm', lmm, '-o', `s${m}`, ...common],
    dir,
  );
  results.push({
    m,
    gkRss: gk.peakRssMiB,
    scanRss: scan.peakRssMiB,
    gkSeconds: gk.seconds,
    scanSeconds: scan.seconds,
  });
  console.log(
    `m = ${m}: -gk 1 ${gk.seconds.toFixed(1)} s, peak RSS ${gk.peakRssMiB.toFixed(0)} MiB; -lmm ${lmm} ${scan.seconds.toFixed(1)} s (${(m / scan.seconds).toFixed(0)} SNPs/s), peak RSS ${scan.peakRssMiB.toFixed(0)} MiB`,
  );
  rmSync(`${prefix}.bed`, { force: true });
}
if (results.length >= 2) {
  const [a, b] = [results[0], results[results.length - 1]];
  const slope = ((b.scanRss - a.scanRss) * 1024 * 1024) / (b.m - a.m);
  console.log(
    `scan peak RSS grows by ${slope.toFixed(1)} bytes per SNP between m = ${a.m} and m = ${b.m} (n = ${n}, engine ${engine})`,
  );
}
rmSync(dir, { recursive: true, force: true });
