/**
 * `lmmscan demo` (what `npm start` runs): simulates a small related cohort with the project's own
 * simulator (families, two sub-populations, a few causal SNPs, fixed seed), runs -gk 1 then -lmm 4
 * on it, and prints the null model and the top hits.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../engines/select.js';
import type { ScanConfig } from '../model/config.js';
import { runJob } from '../scan/job.js';
import { simulateCohort, writePlink } from '../sim/index.js';
import { parseFlags } from './args.js';
import { printSummary } from './report-summary.js';
import { DEFAULT_LAMBDA_SEARCH } from '../model/settings.js';
import { DEFAULT_FILTERS } from '../model/settings.js';

/** Runs the demo; returns the exit code. */
export async function runDemo(argv: string[]): Promise<number> {
  const args = parseFlags(
    argv.filter(
      (a) => a === '--quiet' || a.startsWith('--engine') || argv[argv.indexOf(a) - 1] === '--engine',
    ),
  );
  const outDir = 'output';
  const dataDir = join(outDir, 'demo-data');
  mkdirSync(dataDir, { recursive: true });
  const cohort = simulateCohort({
    nIndividuals: 400,
    nSnps: 3000,
    nChromosomes: 3,
    familySize: 4,
    nSubpopulations: 2,
    nCausal: 5,
    heritability: 0.6,
    missingGenotypeRate: 0.01,
    missingPhenotypeRate: 0.05,
    seed: 2024,
  });
  const prefix = join(dataDir, 'demo');
  await writePlink(prefix, cohort);
  process.stdout.write(
    `simulated ${cohort.nIndividuals} individuals in families of 4 from 2 sub-populations, ${cohort.nSnps} SNPs, causal SNPs: ${Array.from(cohort.causal[0].snpIndices, (k) => cohort.snps[k].rs).join(', ')}\n`,
  );
  const engineChoice = (args.get('engine') as ScanConfig['engine'] | undefined) ?? 'auto';
  const base: ScanConfig = {
    bfile: prefix,
    phenotypeColumns: [1],
    writeEigen: false,
    filters: DEFAULT_FILTERS,
    search: DEFAULT_LAMBDA_SEARCH,
    outPrefix: 'demo',
    outDir,
    engine: engineChoice,
    blockSize: 2048,
    quiet: args.has('quiet'),
    commandLine: `lmmscan -bfile ${prefix} -gk 1 -o demo`,
  };
  const { engine, reason } = await createEngine(engineChoice);
  try {
    process.stdout.write(`\n$ ${base.commandLine}\n`);
    printSummary((await runJob({ ...base, kinshipKind: 1 }, engine, reason)).summary, [
      join(outDir, 'demo.cXX.txt'),
    ]);
    const lmm: ScanConfig = {
      ...base,
      kinship: join(outDir, 'demo.cXX.txt'),
      lmm: 4,
      outPrefix: 'demo_lmm4',
      commandLine: `lmmscan -bfile ${prefix} -k ${join(outDir, 'demo.cXX.txt')} -lmm 4 -o demo_lmm4`,
    };
    process.stdout.write(`\n$ ${lmm.commandLine}\n`);
    const result = await runJob(lmm, engine, reason);
    printSummary(result.summary, result.outputs);
    printTopHits(
      join(outDir, 'demo_lmm4.assoc.txt'),
      new Set(Array.from(cohort.causal[0].snpIndices, (k) => cohort.snps[k].rs)),
    );
  } finally {
    await engine.close();
  }
  return 0;
}

function printTopHits(assocPath: string, causal: Set<string>): void {
  const [header, ...rows] = readFileSync(assocPath, 'utf8').trim().split('\n');
  const cols = header.split('\t');
  const pw = cols.indexOf('p_wald');
  const top = rows
    .map((r) => r.split('\t'))
    .sort((a, b) => Number(a[pw]) - Number(b[pw]))
    .slice(0, 10);
  process.stdout.write('\nTop 10 SNPs by p_wald:\nchr\trs\tps\tbeta\tse\tp_wald\tcausal\n');
  for (const r of top)
    process.stdout.write(
      `${r[0]}\t${r[1]}\t${r[2]}\t${r[cols.indexOf('beta')]}\t${r[cols.indexOf('se')]}\t${r[pw]}\t${causal.has(r[1]) ? 'yes' : ''}\n`,
    );
}
