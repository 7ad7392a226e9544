/**
 * A scan killed with SIGKILL at several points and resumed with --resume gives an .assoc.txt
 * byte-identical to an uninterrupted run; SIGTERM stops cleanly and keeps the checkpoint.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, SHARED_DATA, scratchDir } from '../helpers/paths.js';
import { runStoppedAfterShards } from '../helpers/stop-after-shards.js';

const BXD = join(SHARED_DATA, 'bxd');
const out = scratchDir('resume');
const kinship = join(BXD, 'output', 'BXD.cXX.txt.gz');
const args = (name: string, extra: string[] = []) => [
  CLI,
  '-g',
  join(BXD, 'BXD_geno.txt.gz'),
  '-p',
  join(BXD, 'BXD_pheno.txt'),
  '-c',
  join(BXD, 'BXD_covariates2.txt'),
  '-a',
  join(BXD, 'BXD_snps.txt'),
  '-k',
  kinship,
  '-lmm',
  '4',
  '--engine',
  'ts',
  '--block-size',
  '400',
  '-outdir',
  out,
  '-o',
  name,
  '--quiet',
  ...extra,
];
const blocksDone = (name: string) => {
  const dir = join(out, `${name}.checkpoint`, 'shards');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.lmmshard')).length : 0;
};

/** Runs a scan until `blocks` blocks are checkpointed, then sends `signal`; resolves with the exit status. */
const runUntil = (name: string, blocks: number, signal: NodeJS.Signals, resume: boolean) =>
  runStoppedAfterShards(args(name, resume ? ['--resume'] : []), blocks, signal);

it('SIGKILL at several points, then --resume: byte-identical to an uninterrupted run', async () => {
  const full = spawnSync(process.execPath, args('full'), { encoding: 'utf8' });
  expect(full.status, full.stderr).toBe(0);
  const reference = readFileSync(join(out, 'full.assoc.txt'));
  expect(reference.toString().split('\n').length).toBeGreaterThan(7000);

  // Kill after 2 blocks, then resume and kill after 7, then after 12, then let it finish (19 blocks).
  expect(await runUntil('killed', 2, 'SIGKILL', false)).toBeNull();
  expect(existsSync(join(out, 'killed.assoc.txt'))).toBe(false);
  for (const stopAt of [7, 12]) {
    const before = blocksDone('killed');
    expect(await runUntil('killed', stopAt, 'SIGKILL', true)).toBeNull();
    expect(blocksDone('killed')).toBeGreaterThanOrEqual(Math.max(before, stopAt));
    expect(existsSync(join(out, 'killed.assoc.txt'))).toBe(false);
  }
  const finish = spawnSync(process.execPath, args('killed', ['--resume']), { encoding: 'utf8' });
  expect(finish.status, finish.stderr).toBe(0);
  expect(readFileSync(join(out, 'killed.assoc.txt')).equals(reference)).toBe(true);
  expect(existsSync(join(out, 'killed.checkpoint'))).toBe(false);
  // No temporary files are left behind.
  expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
});

it('SIGTERM stops cleanly, keeps the checkpoint, and a resume completes the same file', async () => {
  const code = await runUntil('term', 3, 'SIGTERM', false);
  expect(code).not.toBe(0);
  expect(blocksDone('term')).toBeGreaterThanOrEqual(3);
  expect(existsSync(join(out, 'term.assoc.txt'))).toBe(false);
  const finish = spawnSync(process.execPath, args('term', ['--resume']), { encoding: 'utf8' });
  expect(finish.status, finish.stderr).toBe(0);
  expect(readFileSync(join(out, 'term.assoc.txt')).equals(readFileSync(join(out, 'full.assoc.txt')))).toBe(
    true,
  );
});

it('--resume refuses a checkpoint made by a different command', async () => {
  expect(await runUntil('other', 1, 'SIGKILL', false)).toBeNull();
  // Same output name, different settings (-miss 0.1): the manifest differs.
  const r = spawnSync(process.execPath, args('other', ['--resume', '-miss', '0.1']), { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/made by a different command or different inputs/);
});
