/**
 * A multivariate LMM scan (-n 1 2 -lmm 4) killed with SIGKILL after a few blocks and resumed with
 * --resume gives an .assoc.txt byte-identical to an uninterrupted run (blocks of the multivariate
 * unit go through the same checkpoint as univariate ones). Runs the built CLI (dist/).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { writeMvCohort, type MvCohortFiles } from '../helpers/mv-cohort.js';
import { CLI, scratchDir } from '../helpers/paths.js';
import { kinshipOfCohort } from '../helpers/mv-kinship.js';

const out = scratchDir('mvlmm-resume');
let files: MvCohortFiles;
let kinship: string;
const args = (name: string, extra: string[] = []) => [
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
  '-k',
  kinship,
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

it('SIGKILL after two blocks, then --resume: byte-identical to an uninterrupted run', async () => {
  const full = spawnSync(process.execPath, args('full'), { encoding: 'utf8' });
  expect(full.status, full.stderr).toBe(0);
  const reference = readFileSync(join(out, 'full.assoc.txt'));
  expect(reference.toString().split('\n')[0]).toContain('Vbeta_1_2');
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, args('killed'), { stdio: 'ignore' });
    const timer = setInterval(() => {
      if (blocksDone('killed') >= 2) {
        child.kill('SIGKILL');
        clearInterval(timer);
      }
    }, 10);
    child.on('exit', () => {
      clearInterval(timer);
      resolve();
    });
  });
  expect(existsSync(join(out, 'killed.assoc.txt'))).toBe(false);
  expect(blocksDone('killed')).toBeGreaterThanOrEqual(2);
  const finish = spawnSync(process.execPath, args('killed', ['--resume']), { encoding: 'utf8' });
  expect(finish.status, finish.stderr).toBe(0);
  expect(readFileSync(join(out, 'killed.assoc.txt')).equals(reference)).toBe(true);
  expect(readFileSync(join(out, 'killed.log.txt'), 'utf8')).toContain(
    '## REMLE estimate for Vg in the null model:',
  );
}, 300_000);
