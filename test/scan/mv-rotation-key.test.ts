// A multivariate unit's blocks rotate with one key (phase-scan.ts, engine.rotate's `key`), so that the wasm engine
// keeps the unit's U in shared memory from block to block; the key is released once, after the unit's last block
// (with --loco, each chromosome's unit its own key). The .assoc.txt is byte-identical to the one-off rotations'.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import type { Engine } from '../../src/engines/engine.js';
import { createEngine } from '../../src/engines/select.js';
import { runJob } from '../../src/scan/job.js';
import { kinshipOfCohort } from '../helpers/mv-kinship.js';
import { writeMvCohort, type MvCohortFiles } from '../helpers/mv-cohort.js';
import { scratchDir } from '../helpers/paths.js';

const out = scratchDir('mv-rotation-key');
let files: MvCohortFiles;
let kinship: string;
let wasm: Engine;

beforeAll(async () => {
  files = await writeMvCohort(join(out, 'cohort'), 2, 120, 80, 23);
  kinship = await kinshipOfCohort(files, out);
  wasm = (await createEngine('wasm', { threads: 2 })).engine;
}, 120_000);

afterAll(async () => {
  await wasm?.close();
});

type Call = { op: 'rotate' | 'release'; key: object };

/** The wasm engine, recording the keyed rotations and releases; with `dropKeys` every rotation is one-off. */
function recording(calls: Call[], dropKeys: boolean): Engine {
  const engine: Engine = Object.create(wasm);
  engine.rotate = (U, n, block, b, key) => {
    if (key) calls.push({ op: 'rotate', key });
    return wasm.rotate(U, n, block, b, dropKeys ? undefined : key);
  };
  engine.releaseRotation = (key) => {
    calls.push({ op: 'release', key });
    return wasm.releaseRotation!(key);
  };
  return engine;
}

async function scan(name: string, kinshipFlags: string[], engine: Engine): Promise<string> {
  const flags = [
    ...['-g', files.geno, '-p', files.pheno, '-c', files.cov, '-a', files.anno, '-n', '1', '2'],
    ...kinshipFlags,
    ...['-lmm', '4', '--block-size', '16', '-outdir', out, '-o', name, '--quiet', '--no-plots'],
  ];
  const config = toScanConfig(parseFlags(flags), ['lmmscan', ...flags].join(' '));
  await runJob(config, engine, 'requested');
  return readFileSync(join(out, `${name}.assoc.txt`), 'utf8');
}

/** Each key's rotations, in order of first use; asserts every key is released once, after its last rotation. */
function keyedRuns(calls: Call[]): number[] {
  const keys = [...new Set(calls.map((c) => c.key))];
  return keys.map((key) => {
    const mine = calls.map((c, i) => ({ ...c, i })).filter((c) => c.key === key);
    const releases = mine.filter((c) => c.op === 'release');
    expect(releases).toHaveLength(1);
    expect(mine.at(-1)!.op).toBe('release');
    return mine.length - 1;
  });
}

describe('multivariate blocks rotate with a key per unit', () => {
  test.each([
    ['k', () => ['-k', kinship], 1],
    ['loco', () => ['--loco'], 2],
  ])(
    '%s: one key per unit over its blocks, released after its last; rows as one-off rotations',
    async (name, kinshipFlags, units) => {
      const calls: Call[] = [];
      const keyed = await scan(`${name}-keyed`, kinshipFlags(), recording(calls, false));
      const oneOff = await scan(`${name}-one-off`, kinshipFlags(), recording([], true));
      expect(keyed).toBe(oneOff);
      const runs = keyedRuns(calls);
      expect(runs).toHaveLength(units);
      // 80 SNPs in blocks of 16: every block of a unit is one rotation under its key.
      expect(runs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(80 / 16);
      for (const rotations of runs) expect(rotations).toBeGreaterThan(1);
    },
    120_000,
  );
});
