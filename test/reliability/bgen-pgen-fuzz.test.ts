/**
 * Fuzzing the BGEN and PGEN readers: plink2's files with bytes changed, zeroed, set to 0xff, cut or
 * duplicated at random (seeded), and their text companions with lines dropped or swapped. Opening and
 * reading every SNP must succeed or raise an InputError (the one-line error), never another exception
 * and never an allocation sized by a corrupt count.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BgenGenotypes } from '../../src/io/bgen.js';
import type { GenotypeSource } from '../../src/io/genotypes.js';
import { InputError } from '../../src/io/input-error.js';
import { PgenGenotypes } from '../../src/io/pgen.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { requireComparator } from '../helpers/comparators.js';
import { readAllDosages } from '../helpers/genotype-files.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('bgen-pgen-fuzz');
const havePlink2 = requireComparator('plink2', 'plink2');
const CASES = 150;

/** One random byte-level mutation of a binary file. */
function mutateBytes(bytes: Buffer, next: () => number): Buffer {
  const at = Math.floor(next() * bytes.length);
  const out = Buffer.from(bytes);
  switch (Math.floor(next() * 5)) {
    case 0:
      out[at] = Math.floor(next() * 256);
      return out;
    case 1:
      out.fill(0, at, Math.min(out.length, at + 1 + Math.floor(next() * 8)));
      return out;
    case 2:
      out.fill(0xff, at, Math.min(out.length, at + 1 + Math.floor(next() * 4)));
      return out;
    case 3:
      return out.subarray(0, at);
    default:
      return Buffer.concat([out.subarray(0, at), out.subarray(at - Math.min(at, 16), bytes.length)]);
  }
}

/** Drops or swaps a random line of a text file. */
function mutateLines(text: string, next: () => number): string {
  const lines = text.split('\n');
  const k = Math.floor(next() * (lines.length - 1));
  if (next() < 0.5) lines.splice(k, 1);
  else [lines[k], lines[0]] = [lines[0], lines[k]];
  return lines.join('\n');
}

/** Opens and reads everything; returns 'ok' or the InputError, rethrows anything else. */
async function attempt(open: () => GenotypeSource): Promise<string> {
  let source: GenotypeSource | undefined;
  try {
    source = open();
    await readAllDosages(source, 7);
    return 'ok';
  } catch (error) {
    if (error instanceof InputError) return 'input-error';
    throw error;
  } finally {
    source?.close();
  }
}

describe.runIf(havePlink2)('BGEN and PGEN readers under corrupted input', () => {
  const prefix = join(dir, 'base');
  beforeAll(async () => {
    const cohort = simulateCohort({
      nIndividuals: 67,
      nSnps: 40,
      nCausal: 2,
      missingGenotypeRate: 0.05,
      seed: 5,
    });
    await writePlink(prefix, cohort);
    for (const [name, args] of [
      ['v11', ['bgen-1.1']],
      ['v12', ['bgen-1.2', 'bits=8']],
      ['v13', ['bgen-1.3']],
    ] as const) {
      execFileSync('plink2', [
        '--bfile',
        prefix,
        '--export',
        ...args,
        'ref-first',
        '--out',
        join(dir, name),
        '--silent',
      ]);
    }
    execFileSync('plink2', ['--bfile', prefix, '--make-pgen', '--out', join(dir, 'pg'), '--silent']);
  }, 60_000);

  it.each(['v11', 'v12', 'v13'])('BGEN %s: mutated files give data or an InputError', async (name) => {
    const next = rng(name.charCodeAt(2) * 7);
    const bytes = readFileSync(join(dir, `${name}.bgen`));
    const sample = readFileSync(join(dir, `${name}.sample`), 'utf8');
    const outcomes = new Map<string, number>();
    for (let c = 0; c < CASES; c++) {
      const path = join(dir, `fuzz-${name}.bgen`);
      const samplePath = join(dir, `fuzz-${name}.sample`);
      writeFileSync(path, c % 10 === 9 ? bytes : mutateBytes(bytes, next));
      writeFileSync(samplePath, c % 10 === 9 ? mutateLines(sample, next) : sample);
      const outcome = await attempt(() => new BgenGenotypes(path, samplePath));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes.get('input-error')).toBeGreaterThan(10);
  });

  it('PGEN: mutated .pgen, .pvar and .psam give data or an InputError', async () => {
    const next = rng(99);
    const files = {
      pgen: readFileSync(join(dir, 'pg.pgen')),
      pvar: readFileSync(join(dir, 'pg.pvar'), 'utf8'),
      psam: readFileSync(join(dir, 'pg.psam'), 'utf8'),
    };
    const paths = {
      pgen: join(dir, 'fuzz.pgen'),
      pvar: join(dir, 'fuzz.pvar'),
      psam: join(dir, 'fuzz.psam'),
    };
    const outcomes = new Map<string, number>();
    for (let c = 0; c < CASES; c++) {
      writeFileSync(paths.pgen, c % 10 < 8 ? mutateBytes(files.pgen, next) : files.pgen);
      writeFileSync(paths.pvar, c % 10 === 8 ? mutateLines(files.pvar, next) : files.pvar);
      writeFileSync(paths.psam, c % 10 === 9 ? mutateLines(files.psam, next) : files.psam);
      const outcome = await attempt(() => new PgenGenotypes(paths));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes.get('input-error')).toBeGreaterThan(10);
  });
});
