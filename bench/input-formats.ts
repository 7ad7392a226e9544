/**
 * The same -lmm 4 scan from .bed, BGEN 1.2, VCF.gz and PGEN (issue 17): one simulated related cohort
 * written as .bed and converted by the Debian plink2 (BGEN 1.2 8-bit ref-first, so the counted allele
 * is the .bed's; VCF bgzip; PGEN), one -gk 1 kinship from the .bed, then per repetition every format
 * in turn (the order rotated each repetition, so a slow minute on a shared host hits each format
 * alike): the full scan, and a read-only pass (open the source through the registry and stream every
 * SNP block, the scan's SNP pass without the statistics) so the reader's own cost shows. Every
 * format's .assoc.txt must equal the .bed's byte for byte.
 *
 *   node dist/bench/input-formats.js [--n 1200] [--m 100000] [--reps 3] [--formats bed,bgen,vcf,pgen]
 *                                    [--threads T] [--keep]
 *   node dist/bench/input-formats.js --read-only FLAGS...   (one read pass; prints its seconds)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, toScanConfig } from '../src/cli/args.js';
import { openGenotypes } from '../src/io/genotype-registry.js';
import { simulateCohort, writePlink } from '../src/sim/index.js';
import { measure, median, option, stageMinutes } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '..', 'src', 'cli', 'main.js');

/** One full pass over the genotypes the flags name, as the scan's SNP pass reads them. */
async function readOnly(flags: string[]): Promise<void> {
  const config = toScanConfig(parseFlags(flags), flags.join(' '));
  const start = performance.now();
  const source = openGenotypes(config);
  let snps = 0;
  let checksum = 0;
  for await (const block of source.blocks(2048)) {
    snps += block.count;
    checksum += block.dosages[0];
  }
  source.close();
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ seconds, snps, samples: source.nSamples, checksum }));
}

if (process.argv[2] === '--read-only') {
  await readOnly(process.argv.slice(3));
  process.exit(0);
}

const n = Number(option('n', '1200'));
const m = Number(option('m', '100000'));
const reps = Number(option('reps', '3'));
const threads = option('threads', '');
const formats = option('formats', 'bed,bgen,vcf,pgen').split(',');
const dir = mkdtempSync(join(tmpdir(), 'lmmscan-inputs-'));
const prefix = join(dir, 'cohort');
const pheno = join(dir, 'pheno.txt');

let t0 = performance.now();
const lap = (): string => {
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  t0 = performance.now();
  return `${s} s`;
};
const cohort = simulateCohort({
  nIndividuals: n,
  nSnps: m,
  nCausal: 20,
  missingGenotypeRate: 0.01,
  seed: 17,
});
await writePlink(prefix, cohort);
const phenoLines = Array.from({ length: n }, (_, i) => String(cohort.phenotypes[i * cohort.nTraits]));
writeFileSync(pheno, phenoLines.join('\n') + '\n');
console.log(
  `cohort: n = ${n} (families of 2), m = ${m}, 1% missing calls; simulated and written in ${lap()}`,
);

const plink2 = (...args: string[]) => execFileSync('plink2', ['--bfile', prefix, ...args, '--silent']);
const inputs: Record<string, string[]> = { bed: ['-bfile', prefix] };
if (formats.includes('bgen')) {
  plink2('--export', 'bgen-1.2', 'bits=8', 'ref-first', '--out', join(dir, 'bgen'));
  inputs.bgen = ['--bgen', join(dir, 'bgen.bgen'), '--sample', join(dir, 'bgen.sample')];
}
if (formats.includes('vcf')) {
  plink2('--export', 'vcf', 'bgz', 'id-paste=iid', '--out', join(dir, 'vcf'));
  inputs.vcf = ['--vcf', join(dir, 'vcf.vcf.gz')];
}
if (formats.includes('pgen')) {
  plink2('--make-pgen', '--out', join(dir, 'pgen'));
  inputs.pgen = ['--pfile', join(dir, 'pgen')];
}
console.log(`plink2 conversions (${formats.filter((f) => f !== 'bed').join(', ')}): ${lap()}`);

const common = [
  '-p',
  pheno,
  '-outdir',
  dir,
  '--no-plots',
  '--quiet',
  ...(threads ? ['--threads', threads] : []),
];
const kin = await measure(process.execPath, [cli, ...inputs.bed, ...common, '-gk', '1', '-o', 'kin'], dir);
console.log(`-gk 1 from the .bed: ${kin.seconds.toFixed(1)} s`);
const kinship = join(dir, 'kin.cXX.txt');

interface Times {
  scan: number[];
  read: number[];
  rss: number[];
}
const times: Record<string, Times> = {};
for (const f of formats) times[f] = { scan: [], read: [], rss: [] };
const reference = new Map<string, string>();
for (let r = 0; r < reps; r++) {
  const order = formats.map((_, k) => formats[(k + r) % formats.length]);
  for (const f of order) {
    const out = `${f}_${r}`;
    const scan = await measure(
      process.execPath,
      [cli, ...inputs[f], ...common, '-k', kinship, '-lmm', '4', '-o', out],
      dir,
    );
    const read = await measure(
      process.execPath,
      [fileURLToPath(import.meta.url), '--read-only', ...inputs[f]],
      dir,
    );
    const readSeconds = (JSON.parse(read.stdout.trim().split('\n').pop()!) as { seconds: number }).seconds;
    times[f].scan.push(scan.seconds);
    times[f].read.push(readSeconds);
    times[f].rss.push(scan.peakRssMiB);
    if (r === 0) reference.set(f, readFileSync(join(dir, `${out}.assoc.txt`), 'utf8'));
    const stages = Object.entries(stageMinutes(join(dir, `${out}.log.txt`)));
    const stageText = stages.map(([label, min]) => `${label} ${(min * 60).toFixed(2)}`).join(', ');
    console.log(
      `rep ${r + 1} ${f}: scan ${scan.seconds.toFixed(2)} s, read-only ${readSeconds.toFixed(2)} s (${stageText})`,
    );
  }
}

const bedAssoc = reference.get('bed');
const rows = bedAssoc ? bedAssoc.trimEnd().split('\n').length - 1 : 0;
const bedScan = median(times.bed?.scan ?? [NaN]);
const bedRead = median(times.bed?.read ?? [NaN]);
console.log(`\nmedians of ${reps} (${rows} rows in each .assoc.txt):\n`);
console.log(
  '| format | -lmm 4 scan | ratio to .bed | read-only pass | ratio to .bed | peak RSS | .assoc.txt |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
let allIdentical = true;
for (const f of formats) {
  const same = reference.get(f) === bedAssoc;
  allIdentical &&= same;
  const scan = median(times[f].scan);
  const read = median(times[f].read);
  console.log(
    `| ${f} | ${scan.toFixed(2)} s | ${(scan / bedScan).toFixed(2)}x | ${read.toFixed(2)} s | ` +
      `${(read / bedRead).toFixed(2)}x | ${median(times[f].rss).toFixed(0)} MiB | ${same ? 'identical' : 'DIFFERS'} |`,
  );
}
console.log(
  `\nper-repetition scan seconds: ${formats.map((f) => `${f} ${times[f].scan.map((s) => s.toFixed(2)).join('/')}`).join('; ')}`,
);
if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
else console.log(`files kept in ${dir}`);
if (!allIdentical) {
  console.error('a format gave rows different from the .bed scan');
  process.exit(1);
}
