/**
 * A job tells its engine the size of the work to come before that work's first block (Engine.expectKinship,
 * Engine.expectEigen), so that an engine which starts its threads only for enough work (the wasm pool's main-thread
 * allowance) starts them while this thread still reads: -gk with the kinship's SNP bound before the SNP pass, an
 * LMM with its -k file's row bound before reading it.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import type { Eigen } from '../../src/engines/engine.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { runJob } from '../../src/scan/job.js';
import { simulateCohort, writeBimbam } from '../../src/sim/index.js';
import { scratchDir } from '../helpers/paths.js';

const dir = scratchDir('engine-hints');
const bb = join(dir, 'bb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const cohort = simulateCohort({
    nIndividuals: 41,
    nSnps: 60,
    nChromosomes: 2,
    familySize: 2,
    nCausal: 2,
    nCovariates: 1,
    missingGenotypeRate: 0.01,
    seed: 17,
  });
  await writeBimbam(bb, cohort);
});

/** A TS engine that logs the hints and the work it is asked for, in order. */
function spyEngine(log: string[]): TsEngine {
  const engine = new TsEngine();
  const startKinship = engine.startKinship.bind(engine);
  const eigen = engine.eigen.bind(engine);
  return Object.assign(engine, {
    expectKinship: (n: number, snps: number) => log.push(`expectKinship ${n} ${snps}`),
    expectEigen: (n: number) => log.push(`expectEigen ${n}`),
    startKinship: (n: number) => (log.push(`startKinship ${n}`), startKinship(n)),
    eigen: (matrix: Float64Array, n: number, consume?: boolean): Promise<Eigen> => (
      log.push(`eigen ${n}`),
      eigen(matrix, n, consume)
    ),
  });
}

const run = (flags: string[], engine: TsEngine) =>
  runJob(
    toScanConfig(
      parseFlags(['-g', `${bb}.geno.txt`, '-p', `${bb}.pheno.txt`, ...flags, '-outdir', dir, '--quiet']),
      'test',
    ),
    engine,
    'test',
  );

describe('engine hints', () => {
  test('-gk: the kinship SNP bound (BIMBAM: file size / 2n) before the pass; -lmm: the -k file row bound before K is read', async () => {
    const gk: string[] = [];
    await run(['-gk', '1', '-o', 'k'], spyEngine(gk));
    const bound = Math.floor(statSync(`${bb}.geno.txt`).size / (2 * 41));
    expect(bound).toBeGreaterThanOrEqual(60);
    expect(gk.slice(0, 2)).toEqual([`expectKinship 41 ${bound}`, 'startKinship 41']);
    expect(gk.some((entry) => entry.startsWith('expectEigen'))).toBe(false);

    const kinship = join(dir, 'k.cXX.txt');
    const rows = Math.floor(Math.sqrt(statSync(kinship).size / 18));
    // Each of the 41 x 41 values takes at most 18 bytes: the bound is at most n, and not far below it.
    expect(rows).toBeLessThanOrEqual(41);
    expect(rows).toBeGreaterThanOrEqual(10);
    const lmm: string[] = [];
    await run(['-k', kinship, '-lmm', '1', '-o', 'l', '--no-plots'], spyEngine(lmm));
    expect(lmm[0]).toBe(`expectEigen ${rows}`);
    expect(lmm).toContain('eigen 41');
  });
});
