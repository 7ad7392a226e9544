/**
 * -gk tells its engine the kinship's size before the SNP pass's first block (Engine.expectKinship), so that an engine
 * which starts its threads only for enough work (the wasm pool's main-thread allowance) starts them while this thread
 * still parses: for BIMBAM, whose SNP count is known only once read, a bound from the file's size.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
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

/** A TS engine that logs the hint and the kinship it is asked for, in order. */
function spyEngine(log: string[]): TsEngine {
  const engine = new TsEngine();
  const startKinship = engine.startKinship.bind(engine);
  return Object.assign(engine, {
    expectKinship: (n: number, snps: number) => log.push(`expectKinship ${n} ${snps}`),
    startKinship: (n: number) => (log.push(`startKinship ${n}`), startKinship(n)),
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
  test('-gk: the kinship SNP bound (BIMBAM: file size / 2n) before the kinship starts', async () => {
    const gk: string[] = [];
    await run(['-gk', '1', '-o', 'k'], spyEngine(gk));
    const bound = Math.floor(statSync(`${bb}.geno.txt`).size / (2 * 41));
    expect(bound).toBeGreaterThanOrEqual(60);
    expect(gk.slice(0, 2)).toEqual([`expectKinship 41 ${bound}`, 'startKinship 41']);
    expect(gk.filter((entry) => entry.startsWith('expect'))).toHaveLength(1);
  });
});
