/**
 * Faults of the machine and of the user around a scan: a full disk (a small tmpfs mounted here),
 * two runs on one output name, an input swapped for another of the same size and date before a
 * --resume, output names and folders that cannot be used, and a kinship that is not one. Each ends
 * in the clean result or in one exact line, and never leaves a damaged file under a final name.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockOutput, unlockOutput } from '../../src/io/output-lock.js';
import { CLI, SHARED_DATA, scratchDir } from '../helpers/paths.js';
import { runStoppedAfterShards } from '../helpers/stop-after-shards.js';

const BXD = join(SHARED_DATA, 'bxd');
const dir = scratchDir('faults');
const pheno = join(dir, 'BXD_pheno.txt');
const scanArgs = (outdir: string, name: string, extra: string[] = [], covariates = true) => [
  CLI,
  '-g',
  join(BXD, 'BXD_geno.txt.gz'),
  '-p',
  pheno,
  ...(covariates ? ['-c', join(BXD, 'BXD_covariates2.txt')] : []),
  '-a',
  join(BXD, 'BXD_snps.txt'),
  '-k',
  join(BXD, 'output', 'BXD.cXX.txt.gz'),
  '-lmm',
  '4',
  '--engine',
  'ts',
  '--block-size',
  '400',
  '--no-plots',
  '-outdir',
  outdir,
  '-o',
  name,
  '--quiet',
  ...extra,
];
const run = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' });
const mounts: string[] = [];
function mountTmpfs(path: string, options: string): void {
  mkdirSync(path, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount failed (the test runs as root, as CI does): ${r.stderr}`);
  mounts.push(path);
}

let reference: Buffer;
let referenceNoCovariates: Buffer;
beforeAll(() => {
  copyFileSync(join(BXD, 'BXD_pheno.txt'), pheno);
  const full = run(scanArgs(dir, 'full'));
  expect(full.status, full.stderr).toBe(0);
  reference = readFileSync(join(dir, 'full.assoc.txt'));
  const plain = run(scanArgs(dir, 'plain', [], false));
  expect(plain.status, plain.stderr).toBe(0);
  referenceNoCovariates = readFileSync(join(dir, 'plain.assoc.txt'));
  expect(reference.equals(referenceNoCovariates)).toBe(false);
}, 120_000);
afterAll(() => {
  for (const m of mounts.reverse()) spawnSync('umount', [m]);
});

const leftovers = (folder: string) =>
  readdirSync(folder).filter((f) => f.includes('.tmp-') || f.endsWith('.lock'));

describe('a full disk', () => {
  it('fails naming the file, keeps no partial output and the checkpoint, and resumes once there is room', () => {
    const small = join(dir, 'small');
    mountTmpfs(small, 'size=1600k');
    const r = run(scanArgs(small, 'a'));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `lmmscan: error: cannot write ${join(small, 'a.assoc.txt')}: no space left on device (ENOSPC)\n`,
    );
    expect(existsSync(join(small, 'a.assoc.txt'))).toBe(false);
    expect(leftovers(small)).toEqual([]);
    // The finished blocks are kept: with room again, --resume completes the same file.
    expect(
      readdirSync(join(small, 'a.checkpoint', 'shards')).filter((f) => f.endsWith('.lmmshard')),
    ).toHaveLength(19);
    expect(spawnSync('mount', ['-o', 'remount,size=8m', small]).status).toBe(0);
    const resumed = run(scanArgs(small, 'a', ['--resume']));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(readFileSync(join(small, 'a.assoc.txt')).equals(reference)).toBe(true);
    expect(existsSync(join(small, 'a.checkpoint'))).toBe(false);
    expect(leftovers(small)).toEqual([]);
  }, 60_000);

  it('fails naming the checkpoint file when even the blocks do not fit', () => {
    const tiny = join(dir, 'tiny');
    mountTmpfs(tiny, 'size=200k');
    const r = run(scanArgs(tiny, 'b'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^lmmscan: error: cannot write ${join(tiny, 'b.checkpoint', 'shards')}/block-\\d{7}\\.lmmshard: no space left on device \\(ENOSPC\\)\\n$`,
      ),
    );
    expect(existsSync(join(tiny, 'b.assoc.txt'))).toBe(false);
    expect(leftovers(tiny)).toEqual([]);
  }, 60_000);
});

describe('runs sharing an output name', () => {
  it("two runs started together: one runs, the other stops naming it; the file is the winner's, whole", async () => {
    const shared = join(dir, 'shared');
    const start = (covariates: boolean) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, scanArgs(shared, 'same', [], covariates), {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const [withCovariates, without] = await Promise.all([start(true), start(false)]);
    const codes = [withCovariates.code, without.code];
    expect(codes.sort()).toEqual([0, 2]);
    const loser = withCovariates.code === 2 ? withCovariates : without;
    expect(loser.stderr).toMatch(
      new RegExp(
        `^lmmscan: output ${join(shared, 'same')} is in use by process \\d+ on ${hostname()} \\(since [0-9T:.-]+Z\\); wait for it, choose another -o, or remove ${join(shared, 'same.lock')} if that run is gone\\n$`,
      ),
    );
    const winner = withCovariates.code === 0 ? reference : referenceNoCovariates;
    expect(readFileSync(join(shared, 'same.assoc.txt')).equals(winner)).toBe(true);
    expect(leftovers(shared)).toEqual([]);
    expect(existsSync(join(shared, 'same.checkpoint'))).toBe(false);
  }, 60_000);

  it('a lock of a dead process is taken over; of a live one, of another host, or unfilled and fresh, is respected', () => {
    const locks = join(dir, 'locks');
    mkdirSync(locks, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const owner = (pid: number, host = hostname()) =>
      JSON.stringify({ pid, host, started: '2026-01-01T00:00:00.000Z' });
    writeFileSync(join(locks, 'dead.lock'), owner(dead));
    const taken = lockOutput(join(locks, 'dead'));
    expect(JSON.parse(readFileSync(taken, 'utf8')).pid).toBe(process.pid);
    // Held by this (live) process: a second taker is refused.
    expect(() => lockOutput(join(locks, 'dead'))).toThrow(
      `output ${join(locks, 'dead')} is in use by process ${process.pid} on ${hostname()}`,
    );
    unlockOutput(taken);
    expect(existsSync(taken)).toBe(false);
    writeFileSync(join(locks, 'far.lock'), owner(dead, 'another-host'));
    expect(() => lockOutput(join(locks, 'far'))).toThrow(
      `is in use by process ${dead} on another-host (since 2026-01-01T00:00:00.000Z)`,
    );
    writeFileSync(join(locks, 'empty.lock'), '');
    expect(() => lockOutput(join(locks, 'empty'))).toThrow(
      `output ${join(locks, 'empty')} is in use by another run`,
    );
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(locks, 'empty.lock'), old, old);
    unlockOutput(lockOutput(join(locks, 'empty')));
    expect(readdirSync(locks).sort()).toEqual(['far.lock']);
  });
});

describe('a cluster plan folder', () => {
  it('is prepared by one run at a time', () => {
    const plan = join(dir, 'busy.plan');
    writeFileSync(
      `${plan}.lock`,
      JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }),
    );
    const r = run([
      CLI,
      'prepare',
      '-bfile',
      join(SHARED_DATA, 'hs1008', 'hs1008'),
      '-lm',
      '1',
      '--quiet',
      '-outdir',
      join(dir, 'busy'),
      '-o',
      'x',
      '--plan',
      plan,
    ]);
    expect([r.status, r.stderr]).toEqual([
      2,
      `lmmscan: plan folder ${plan} is in use by process ${process.pid} on ${hostname()} (since 2026-01-01T00:00:00.000Z); wait for it, choose another --plan, or remove ${plan}.lock if that run is gone\n`,
    ]);
    expect(existsSync(plan)).toBe(false);
  });
});

/** Starts a scan and SIGKILLs it once `blocks` blocks are checkpointed. */
async function killAfter(outdir: string, name: string, blocks: number): Promise<void> {
  expect(await runStoppedAfterShards(scanArgs(outdir, name), blocks)).toBeNull();
}

describe('--resume checks the inputs by content', () => {
  it('refuses an input swapped for one of the same size and date, and resumes once it is back (only its date changed)', async () => {
    const swap = join(dir, 'swap');
    mkdirSync(swap, { recursive: true });
    await killAfter(swap, 's', 2);
    expect(existsSync(join(swap, 's.assoc.txt'))).toBe(false);
    // What cp -p or rsync -a leave: other content, same size, same modification time.
    const original = readFileSync(pheno);
    const dated = join(dir, 'pheno-date');
    expect(spawnSync('cp', ['-p', pheno, dated]).status).toBe(0);
    const lines = original.toString('utf8').split('\n');
    const other = lines.findIndex((l) => l.length === lines[0].length && l !== lines[0]);
    [lines[0], lines[other]] = [lines[other], lines[0]];
    writeFileSync(pheno, lines.join('\n'));
    expect(spawnSync('touch', ['-r', dated, pheno]).status).toBe(0);
    expect(statSync(pheno).size).toBe(original.length);
    expect(statSync(pheno, { bigint: true }).mtimeNs).toBe(statSync(dated, { bigint: true }).mtimeNs);
    const refused = run(scanArgs(swap, 's', ['--resume']));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(
      `lmmscan: --resume: input ${pheno} changed since ${join(swap, 's.checkpoint')} was made (its content differs); remove the checkpoint or run without --resume\n`,
    );
    // The same content with a new date is the same input.
    writeFileSync(pheno, original);
    const resumed = run(scanArgs(swap, 's', ['--resume']));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(readFileSync(join(swap, 's.assoc.txt')).equals(reference)).toBe(true);
    expect(leftovers(swap)).toEqual([]);
  }, 90_000);
});

describe('output names, folders and flags that cannot work', () => {
  const quick = (extra: string[]) =>
    run([CLI, '-bfile', join(SHARED_DATA, 'hs1008', 'hs1008'), '-lm', '1', '--quiet', ...extra]);
  it('-o with an absolute path', () => {
    const r = quick(['-o', '/abs/name']);
    expect([r.status, r.stderr]).toEqual([
      2,
      'lmmscan: -o /abs/name is a path: -o takes a name and -outdir the folder (-outdir /abs -o name)\n',
    ]);
  });
  it('-o empty', () => {
    const r = quick(['-o', '']);
    expect([r.status, r.stderr]).toEqual([2, 'lmmscan: -o needs a name (it was empty)\n']);
  });
  it('-outdir that is a file', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = quick(['-outdir', file, '-o', 'x']);
    expect([r.status, r.stderr]).toEqual([2, `lmmscan: -outdir ${file} is a file, not a folder\n`]);
  });
  it('-outdir under a file', () => {
    const r = quick(['-outdir', join(dir, 'a-file', 'sub'), '-o', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `lmmscan: -outdir ${join(dir, 'a-file', 'sub')} cannot be created: a path component is a file, not a folder (ENOTDIR)\n`,
    );
  });
  it('-outdir on a read-only file system', () => {
    const ro = join(dir, 'ro');
    mountTmpfs(ro, 'size=64k,ro');
    const r = quick(['-outdir', ro, '-o', 'x']);
    expect([r.status, r.stderr]).toEqual([
      2,
      `lmmscan: -outdir ${ro} is not writable: read-only file system (EROFS)\n`,
    ]);
  });
  it('-k with -d/-u', () => {
    const out = join(dir, 'kdu');
    const r = run([
      ...scanArgs(out, 'x'),
      '-d',
      join(BXD, 'output', 'BXD.eigenD.txt'),
      '-u',
      join(BXD, 'output', 'BXD.eigenU.txt.gz'),
    ]);
    expect([r.status, r.stderr]).toEqual([
      2,
      'lmmscan: give either -k (a kinship) or -d/-u (its eigendecomposition), not both\n',
    ]);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]); // nothing written (a folder made for the lock goes too)
  });
});

describe('a kinship that is not positive semi-definite', () => {
  it('is warned about on stderr and in the log, as GEMMA warns; a valid one is not', () => {
    const negated = join(dir, 'negated.cXX.txt');
    const text = readFileSync(join(dir, 'full.log.txt'), 'utf8'); // a log of the clean kinship
    expect(text).not.toMatch(/WARNING/);
    const k = spawnSync('gunzip', ['-c', join(BXD, 'output', 'BXD.cXX.txt.gz')]).stdout.toString();
    writeFileSync(
      negated,
      k.replace(/(^|\t)(-?)(?=\d)/gm, (_, sep: string, sign: string) => `${sep}${sign ? '' : '-'}`),
    );
    const args = scanArgs(dir, 'neg').filter((a) => a !== '--quiet');
    args[args.indexOf('-k') + 1] = negated;
    const r = run(args);
    expect(r.status, r.stderr).toBe(0);
    const warning =
      /WARNING: the kinship \S+negated\.cXX\.txt has (\d+) negative eigenvalues \(smallest -[\d.e+-]+\): it is not positive semi-definite, so it is not a kinship matrix; GEMMA warns "K has more than one negative eigenvalues!"; vg, pve and se\(pve\) may be meaningless/;
    expect(r.stderr).toMatch(warning);
    expect(Number(warning.exec(r.stderr)![1])).toBeGreaterThan(1);
    expect(readFileSync(join(dir, 'neg.log.txt'), 'utf8')).toMatch(new RegExp(`## ${warning.source}`));
  }, 60_000);
});
