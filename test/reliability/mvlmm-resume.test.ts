/**
 * A multivariate LMM scan (-n 1 2 -lmm 4, with -k and with --loco) killed with SIGKILL after a few
 * blocks and resumed with --resume gives an .assoc.txt byte-identical to an uninterrupted run (blocks
 * of the multivariate units go through the same checkpoint as univariate ones; a --loco run's null
 * fits of the chromosomes already scanned are read back for the log). Runs the built CLI (dist/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { writeMvCohort, type MvCohortFiles } from '../helpers/mv-cohort.js';
import { CLI, scratchDir } from '../helpers/paths.js';
import { kinshipOfCohort } from '../helpers/mv-kinship.js';
import { runStoppedAfterShards } from '../helpers/stop-after-shards.js';

const out = scratchDir('mvlmm-resume');
let files: MvCohortFiles;
let kinship: string;
const args = (name: string, extra: string[] = [], kinshipFlags = ['-k', kinship]) => [
  CLI,
  '-g',
  files.geno,
  '-p',
  files.pheno,
  '-c',
  files.cov,
  '-a',
  files.anno,
  '-n',
  '1',
  '2',
  ...kinshipFlags,
  '-lmm',
  '4',
  '--engine',
  'ts',
  '--block-size',
  '16',
  '-outdir',
  out,
  '-o',
  name,
  '--quiet',
  '--no-plots',
  ...extra,
];
const blocksDone = (name: string) => {
  const dir = join(out, `${name}.checkpoint`, 'shards');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.lmmshard')).length : 0;
};

beforeAll(async () => {
  files = await writeMvCohort(join(out, 'cohort'), 2, 150, 96, 17);
  kinship = await kinshipOfCohort(files, out);
}, 120_000);

/**
 * Runs `name` until `blocks` blocks are saved, then SIGKILLs it. Given --resume (no folder to continue yet): a scan
 * this short keeps a checkpoint folder only then.
 */
async function killAfter(name: string, blocks: number, kinshipFlags?: string[]): Promise<void> {
  expect(await runStoppedAfterShards(args(name, ['--resume'], kinshipFlags), blocks)).toBeNull();
  expect(existsSync(join(out, `${name}.assoc.txt`))).toBe(false);
}

/** The log without its date and timings. */
const logOf = (name: string) =>
  readFileSync(join(out, `${name}.log.txt`), 'utf8')
    .split('\n')
    .filter((l) => !/Command Line|Date =|time on|computation time/.test(l));

it('SIGKILL after two blocks, then --resume: byte-identical to an uninterrupted run', async () => {
  const full = spawnSync(process.execPath, args('full'), { encoding: 'utf8' });
  expect(full.status, full.stderr).toBe(0);
  const reference = readFileSync(join(out, 'full.assoc.txt'));
  expect(reference.toString().split('\n')[0]).toContain('Vbeta_1_2');
  await killAfter('killed', 2);
  expect(blocksDone('killed')).toBeGreaterThanOrEqual(2);
  const finish = spawnSync(process.execPath, args('killed', ['--resume']), { encoding: 'utf8' });
  expect(finish.status, finish.stderr).toBe(0);
  expect(readFileSync(join(out, 'killed.assoc.txt')).equals(reference)).toBe(true);
  expect(readFileSync(join(out, 'killed.log.txt'), 'utf8')).toContain(
    '## REMLE estimate for Vg in the null model:',
  );
}, 300_000);

it('--loco: SIGKILL in the second chromosome, then --resume: byte-identical, every null model in the log', async () => {
  const loco = ['--loco'];
  const full = spawnSync(process.execPath, args('loco-full', [], loco), { encoding: 'utf8' });
  expect(full.status, full.stderr).toBe(0);
  const reference = readFileSync(join(out, 'loco-full.assoc.txt'));
  // 96 SNPs on two chromosomes in blocks of 16: block 4 onwards is chromosome 2.
  await killAfter('loco-killed', 4, loco);
  expect(blocksDone('loco-killed')).toBeGreaterThanOrEqual(4);
  expect(readdirSync(join(out, 'loco-killed.checkpoint')).filter((f) => f.startsWith('record.'))).toContain(
    'record.assoc.chr0.json',
  );
  const finish = spawnSync(process.execPath, args('loco-killed', ['--resume'], loco), { encoding: 'utf8' });
  expect(finish.status, finish.stderr).toBe(0);
  expect(readFileSync(join(out, 'loco-killed.assoc.txt')).equals(reference)).toBe(true);
  const log = logOf('loco-killed');
  expect(log.filter((l) => /^## {3}chr \d: n = \d+, REMLE logl = /.test(l))).toHaveLength(2);
  expect(log).toEqual(logOf('loco-full'));
}, 300_000);
