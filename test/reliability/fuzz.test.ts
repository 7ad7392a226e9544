/**
 * Fuzzing the readers: valid PLINK and BIMBAM files mutated at random (seeded), a few hundred
 * cases. lmmscan must either succeed or fail cleanly with an InputError/UsageError (which the CLI
 * prints as one line): never another exception (a crash with a stack trace), never a hang, and a
 * successful -lm scan never prints nan where GEMMA would print a number.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
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
  const cohort = simulateCohort({
    nIndividuals: 29,
    nSnps: 37,
    nChromosomes: 2,
    familySize: 2,
    nCausal: 2,
    nCovariates: 1,
    missingGenotypeRate: 0.02,
    missingPhenotypeRate: 0.05,
    seed: 3,
  });
  await writePlink(join(dir, 'base'), cohort);
  await writeBimbam(join(dir, 'base_bb'), cohort);
});

const GARBAGE = [
  '',
  'NA',
  '-9',
  'abc',
  '1e309',
  'nan',
  '3',
  '-1',
  '0.5',
  '2',
  ',',
  '\t',
  '1 2',
  'rs1',
  '9999999999999999999',
];

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

async function runCase(
  flags: string[],
  out: string,
  onError?: (e: Error) => void,
): Promise<'ok' | 'input-error'> {
  const config = toScanConfig(parseFlags([...flags, '-outdir', out, '--quiet', '--no-plots']), 'fuzz');
  try {
    await runJob(config, new TsEngine(), 'fuzz');
  } catch (e) {
    if (e instanceof InputError || e instanceof UsageError) {
      onError?.(e);
      return 'input-error';
    }
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
      else
        writeFileSync(`${prefix}.${target}`, mutateText(readFileSync(`${prefix}.${target}`, 'utf8'), next));
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
      const files = {
        g: `${base}.geno.txt`,
        p: `${base}.pheno.txt`,
        c: `${base}.cov.txt`,
        a: `${base}.anno.txt`,
      };
      const key = (['g', 'g', 'p', 'c', 'a'] as const)[Math.floor(next() * 5)];
      const mutated = join(dir, `b${c}.${key}.txt`);
      writeFileSync(mutated, mutateText(readFileSync(files[key], 'utf8'), next));
      files[key] = mutated;
      outcomes[
        await runCase(
          ['-g', files.g, '-p', files.p, '-c', files.c, '-a', files.a, '-lm', '4', '-o', `b${c}`],
          join(dir, 'out-b'),
        )
      ]++;
    }
    expect(outcomes['input-error']).toBeGreaterThan(20);
    expect(outcomes.ok).toBeGreaterThan(5);
  });
});

/** A re-encoding that must not change what is read: a byte-order mark, other line ends, gzip. */
function reencode(text: string, next: () => number): Buffer {
  const lines = text.split('\n');
  const ends = ['\n', '\r\n', '\r'];
  const mixed = next() < 0.5;
  const fixed = ends[Math.floor(next() * 3)];
  let out = lines
    .map((l, k) => (k < lines.length - 1 ? l + (mixed ? ends[Math.floor(next() * 3)] : fixed) : l))
    .join('');
  if (next() < 0.5) out = `\uFEFF${out}`;
  return next() < 0.3 ? gzipSync(Buffer.from(out)) : Buffer.from(out);
}

const NOISE = [0x00, 0x07, 0x0d, 0x0a, 0xff, 0xc3, 0xef, 0x2c, 0x3b, 0x09, 0x22, 0x20];

/** Stray bytes (control bytes, broken UTF-8, commas, quotes, line breaks) inserted at random places. */
function addNoise(bytes: Buffer, next: () => number): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  const count = 1 + Math.floor(next() * 3);
  const places = Array.from({ length: count }, () => Math.floor(next() * bytes.length)).sort((a, b) => a - b);
  for (const p of places) {
    parts.push(bytes.subarray(at, p), Buffer.from([NOISE[Math.floor(next() * NOISE.length)]]));
    at = p;
  }
  parts.push(bytes.subarray(at));
  return Buffer.concat(parts);
}

describe('fuzzed encodings of the text readers', () => {
  it('re-encoded inputs give the clean bytes; stray bytes give a clean one-line error or a result', async () => {
    const next = rng(15015);
    const base = join(dir, 'base_bb');
    const clean = {
      g: `${base}.geno.txt`,
      p: `${base}.pheno.txt`,
      c: `${base}.cov.txt`,
      a: `${base}.anno.txt`,
    };
    const flags = (f: typeof clean, name: string) => [
      '-g',
      f.g,
      '-p',
      f.p,
      '-c',
      f.c,
      '-a',
      f.a,
      '-lm',
      '4',
      '-o',
      name,
    ];
    const out = join(dir, 'out-e');
    expect(await runCase(flags(clean, 'clean'), out)).toBe('ok');
    const reference = readFileSync(join(out, 'clean.assoc.txt'));
    const plinkOut = join(dir, 'out-ep');
    expect(await runCase(['-bfile', join(dir, 'base'), '-lm', '4', '-o', 'clean'], plinkOut)).toBe('ok');
    const plinkReference = readFileSync(join(plinkOut, 'clean.assoc.txt'));
    const outcomes = { same: 0, ok: 0, 'input-error': 0 };
    for (let c = 0; c < CASES_PER_FORMAT; c++) {
      const noisy = next() < 0.5;
      const key = (['g', 'p', 'c', 'a', 'bim', 'fam'] as const)[Math.floor(next() * 6)];
      const plink = key === 'bim' || key === 'fam';
      const source = plink ? join(dir, `base.${key}`) : clean[key];
      const text = readFileSync(source);
      // PLINK text files are never gzipped (a .bim is read whole, as bytes).
      let bytes = noisy ? addNoise(text, next) : reencode(text.toString('utf8'), next);
      if (plink && bytes[0] === 0x1f) bytes = gunzipSync(bytes);
      let flagsOf: string[];
      if (plink) {
        const prefix = join(dir, `e${c}`);
        for (const ext of ['bed', 'bim', 'fam']) copyFileSync(join(dir, `base.${ext}`), `${prefix}.${ext}`);
        writeFileSync(`${prefix}.${key}`, bytes);
        flagsOf = ['-bfile', prefix, '-lm', '4', '-o', `e${c}`];
      } else {
        const path = join(dir, `e${c}.${key}.txt`);
        writeFileSync(path, bytes);
        flagsOf = flags({ ...clean, [key]: path }, `e${c}`);
      }
      const where = plink ? plinkOut : out;
      let message = '';
      const outcome = await runCase(flagsOf, where, (e) => (message = e.message));
      if (!noisy) {
        expect(outcome, `${key}: ${message}`).toBe('ok');
        expect(
          readFileSync(join(where, `e${c}.assoc.txt`)).equals(plink ? plinkReference : reference),
          key,
        ).toBe(true);
        outcomes.same++;
        continue;
      }
      outcomes[outcome]++;
      if (outcome === 'input-error') {
        // One readable line: no control byte, no line break, a bounded length.
        expect(message).not.toMatch(/[\x00-\x1f\x7f]/);
        expect(message.length).toBeLessThan(700);
      }
    }
    // Most stray bytes break a row (an error), a few land where they are harmless (a space, a tab).
    expect(outcomes.same).toBeGreaterThan(50);
    expect(outcomes['input-error']).toBeGreaterThan(20);
    expect(outcomes.ok).toBeGreaterThan(0);
  });
});
