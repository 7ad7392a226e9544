/**
 * Fuzzing the readers: valid PLINK and BIMBAM files mutated at random (seeded), a few hundred
 * cases. lmmscan must either succeed or fail cleanly with an InputError/UsageError (which the CLI
 * prints as one line): never another exception (a crash with a stack trace), never a hang, and a
 * successful -lm scan never prints nan where GEMMA would print a number.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { InputError, UsageError } from '../../src/io/input-error.js';
import { runJob } from '../../src/scan/job.js';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('fuzz');
const CASES_PER_FORMAT = 150;

beforeAll(async () => {
  const cohort = simulateCohort({ nIndividuals: 29, nSnps: 37, nChromosomes: 2, familySize: 2, nCausal: 2, nCovariates: 1, missingGenotypeRate: 0.02, missingPhenotypeRate: 0.05, seed: 3 });
  await writePlink(join(dir, 'base'), cohort);
  await writeBimbam(join(dir, 'base_bb'), cohort);
});

const GARBAGE = ['', 'NA', '-9', 'abc', '1e309', 'nan', '3', '-1', '0.5', '2', ',', '\t', '1 2', 'rs1', '9999999999999999999'];

/** One random text mutation: change, drop, duplicate or insert a field or a line. */
function mutateText(text: string, next: () => number): string {
  const lines = text.split('\n');
  const k = Math.floor(next() * Math.max(1, lines.length - 1));
  const fields = lines[k].split(/([ ,\t]+)/);
  switch (Math.floor(next() * 6)) {
    case 0: {
      const f = 2 * Math.floor((next() * (fields.length + 1)) / 2);
      fields[Math.min(f, fields.length - 1)] = GARBAGE[Math.floor(next() * GARBAGE.length)];
      lines[k] = fields.join('');
      break;
    }
    case 1:
      lines[k] = fields.slice(0, Math.max(0, fields.length - 2)).join('');
      break;
    case 2:
      lines.splice(k, 1);
      break;
    case 3:
      lines.splice(k, 0, lines[k]);
      break;
    case 4:
      lines[k] = `${lines[k]} ${GARBAGE[Math.floor(next() * GARBAGE.length)]}`;
      break;
    default:
      lines[k] = '';
  }
  return lines.join('\n');
}

/** One random binary mutation of a .bed: flip bytes, truncate, or extend. */
function mutateBed(bytes: Buffer, next: () => number): Buffer {
  const copy = Buffer.from(bytes);
  const choice = Math.floor(next() * 4);
  if (choice === 0) return copy.subarray(0, Math.floor(next() * copy.length));
  if (choice === 1) return Buffer.concat([copy, Buffer.from([Math.floor(next() * 256)])]);
  const flips = 1 + Math.floor(next() * 4);
  for (let f = 0; f < flips; f++) copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
  return copy;
}

async function runCase(flags: string[], out: string): Promise<'ok' | 'input-error'> {
  const config = toScanConfig(parseFlags([...flags, '-outdir', out, '--quiet', '--no-plots']), 'fuzz');
  try {
    await runJob(config, new TsEngine(), 'fuzz');
  } catch (e) {
    if (e instanceof InputError || e instanceof UsageError) return 'input-error';
    throw e; // anything else is a crash
  }
  const assoc = join(out, `${config.outPrefix}.assoc.txt`);
  if (existsSync(assoc)) {
    const rows = readFileSync(assoc, 'utf8').trimEnd().split('\n').slice(1);
    for (const row of rows) expect(row.split('\t').slice(8), row).not.toContain('nan');
  }
  return 'ok';
}

describe('fuzzed inputs fail cleanly or succeed', () => {
  it(`PLINK: ${CASES_PER_FORMAT} mutated filesets`, async () => {
    const next = rng(20261125);
    const outcomes = { ok: 0, 'input-error': 0 };
    for (let c = 0; c < CASES_PER_FORMAT; c++) {
      const prefix = join(dir, `p${c}`);
      for (const ext of ['bed', 'bim', 'fam']) copyFileSync(join(dir, `base.${ext}`), `${prefix}.${ext}`);
      const target = ['bed', 'bim', 'fam'][Math.floor(next() * 3)];
      if (target === 'bed') writeFileSync(`${prefix}.bed`, mutateBed(readFileSync(`${prefix}.bed`), next));
      else writeFileSync(`${prefix}.${target}`, mutateText(readFileSync(`${prefix}.${target}`, 'utf8'), next));
      outcomes[await runCase(['-bfile', prefix, '-lm', '4', '-o', `p${c}`], join(dir, 'out-p'))]++;
    }
    // Both outcomes must occur, or the mutations are not exercising anything.
    expect(outcomes['input-error']).toBeGreaterThan(20);
    expect(outcomes.ok).toBeGreaterThan(5);
  });

  it(`BIMBAM: ${CASES_PER_FORMAT} mutated genotype, phenotype, covariate and annotation files`, async () => {
    const next = rng(77);
    const outcomes = { ok: 0, 'input-error': 0 };
    const base = join(dir, 'base_bb');
    for (let c = 0; c < CASES_PER_FORMAT; c++) {
      const files = { g: `${base}.geno.txt`, p: `${base}.pheno.txt`, c: `${base}.cov.txt`, a: `${base}.anno.txt` };
      const key = (['g', 'g', 'p', 'c', 'a'] as const)[Math.floor(next() * 5)];
      const mutated = join(dir, `b${c}.${key}.txt`);
      writeFileSync(mutated, mutateText(readFileSync(files[key], 'utf8'), next));
      files[key] = mutated;
      outcomes[await runCase(['-g', files.g, '-p', files.p, '-c', files.c, '-a', files.a, '-lm', '4', '-o', `b${c}`], join(dir, 'out-b'))]++;
    }
    expect(outcomes['input-error']).toBeGreaterThan(20);
    expect(outcomes.ok).toBeGreaterThan(5);
  });
});
