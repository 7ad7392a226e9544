/**
 * --executor slurm on a real one-node Slurm (scripts/slurm-local.sh): hs1008 and a generated cohort
 * (plain, --traits, --loco, the multivariate LMM with -k and with --loco) sharded over 4 array tasks
 * give .assoc.txt files byte-identical to local
 * runs; an array task cancelled mid-way is resubmitted and the result is still identical; --no-wait
 * returns with the job ids and the merge command. Without Slurm these tests skip, except with CI=true.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { CLI, SHARED_DATA, scratchDir } from '../helpers/paths.js';
import { startLocalSlurm } from './slurm-local.js';

const slurm = startLocalSlurm();
if (!slurm.ok) {
  if (process.env.CI === 'true') {
    it('a local Slurm is available (CI=true: required)', () => {
      throw new Error(`no Slurm: ${slurm.reason}`);
    });
  } else {
    console.warn(`skipping the Slurm tests: ${slurm.reason}`);
  }
}
afterAll(() => slurm.stop());

const dir = scratchDir('cluster-slurm');
const HS = join(SHARED_DATA, 'hs1008');
const hs = ['-bfile', join(HS, 'hs1008'), '-k', join(HS, 'output', 'hs1008.cXX.txt.gz'), '-lmm', '4'];
const common = ['--block-size', '100', '--no-plots', '--quiet', '-outdir', join(dir, 'out')];
const wasm = ['--engine', 'wasm'];
const cli = (args: string[], timeout = 240_000) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, env: slurm.env, timeout });
const bytes = (name: string) => readFileSync(join(dir, 'out', name));

/** Runs `flags` locally and with --executor slurm --shards 4; expects identical files. */
function compareWithLocal(name: string, flags: string[], outputs: string[]): void {
  const local = cli([...flags, ...common, ...wasm, '-o', `${name}-local`]);
  expect(local.status, local.stderr).toBe(0);
  const r = cli([
    ...flags,
    ...common,
    ...wasm,
    '-o',
    `${name}-slurm`,
    '--executor',
    'slurm',
    '--shards',
    '4',
    '--slurm-opts',
    '--time=10:00 --cpus-per-task=1',
  ]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/wrote: /);
  for (const suffix of outputs)
    expect(
      bytes(`${name}-slurm.${suffix}`).equals(bytes(`${name}-local.${suffix}`)),
      `${name}: ${suffix}`,
    ).toBe(true);
}

describe.runIf(slurm.ok)('--executor slurm on a local one-node Slurm', () => {
  let sim: string[];
  let simPlink: string[];
  let simPheno: string;
  beforeAll(async () => {
    const cohort = simulateCohort({
      nIndividuals: 300,
      nSnps: 2400,
      nChromosomes: 3,
      nTraits: 3,
      missingGenotypeRate: 0.01,
      seed: 77,
    });
    const p = await writeBimbam(join(dir, 'sim'), cohort, { gzip: true });
    await writePlink(join(dir, 'sim'), cohort);
    sim = ['-g', p.geno, '-p', p.pheno, '-a', p.anno, '-c', p.cov];
    simPlink = ['-bfile', join(dir, 'sim')];
    simPheno = p.pheno;
    expect(cli([...simPlink, '-gk', '1', '-outdir', dir, '-o', 'sim', '--quiet']).status).toBe(0);
  });

  it('hs1008 (PLINK, -k, -lmm 4): byte-identical to the local run', () => {
    compareWithLocal('hs', hs, ['assoc.txt']);
    expect(bytes('hs-local.assoc.txt').toString().split('\n').length).toBeGreaterThan(1800);
  });

  it('generated cohort (BIMBAM, -k, -lmm 4): byte-identical', () =>
    compareWithLocal('sim', [...sim, '-k', 'sim.cXX.txt', '-lmm', '4'], ['assoc.txt']));

  it('generated cohort --traits 1-3: every trait file and the table byte-identical', () =>
    compareWithLocal(
      'traits',
      [...sim, '-k', 'sim.cXX.txt', '-lmm', '4', '--traits', '1-3'],
      ['trait1.assoc.txt', 'trait2.assoc.txt', 'trait3.assoc.txt', 'traits.tsv'],
    ));

  // --loco and -gk run their kinship as an array of 4 `lmmscan kinship --shard I/4` tasks (blocks of 100 SNPs:
  // segments of 1600 file SNPs, so the 2400 SNPs make 2 segments: 2 shards hold one, 2 are empty).
  it('generated cohort --loco (PLINK), kinship shards: byte-identical', () => {
    compareWithLocal('loco', [...simPlink, '--loco', '-lmm', '4'], ['assoc.txt']);
    expect(existsSync(join(dir, 'out', 'loco-slurm.plan', 'kinship', 'part-4-of-4'))).toBe(true);
  });

  it('generated cohort -n 1 2 3 (BIMBAM, -k, the multivariate LMM): byte-identical', () =>
    compareWithLocal('mv', [...sim, '-n', '1', '2', '3', '-k', 'sim.cXX.txt', '-lmm', '1'], ['assoc.txt']));

  it('generated cohort -n 1 2 --loco (PLINK, the multivariate LMM), kinship shards: byte-identical', () => {
    compareWithLocal(
      'mvloco',
      [...simPlink, '-p', simPheno, '-n', '1', '2', '--loco', '-lmm', '4'],
      ['assoc.txt'],
    );
    expect(bytes('mvloco-local.assoc.txt').toString().split('\n')[0]).toContain('Vbeta_1_2');
  });

  for (const [name, kind] of [
    ['gk1', '1'],
    ['gk2', '2'],
  ] as const) {
    it(`generated cohort -gk ${kind} (${kind === '1' ? 'PLINK' : 'BIMBAM'}) as 4 kinship shards: byte-identical`, () => {
      const suffix = kind === '1' ? 'cXX.txt' : 'sXX.txt';
      compareWithLocal(name, [...(kind === '1' ? simPlink : sim), '-gk', kind], [suffix]);
      expect(bytes(`${name}-local.${suffix}`).toString().split('\n').length).toBe(301);
    });
  }

  /**
   * Runs the hs1008 scan on Slurm with `flags`, polling its stderr every 50 ms; scancels the first job id that
   * `pick` names (given the stderr so far), once. Returns the exit code, the stderr and the cancelled id.
   */
  async function runAndCancel(
    name: string,
    flags: string[],
    pick: (stderr: string) => string | undefined,
  ): Promise<{ code: number | null; stderr: string; cancelled: string }> {
    const args = [CLI, ...hs, ...common.filter((a) => a !== '--quiet'), ...wasm, '-o', name];
    const child = spawn(process.execPath, [...args, '--executor', 'slurm', ...flags], {
      cwd: dir,
      env: slurm.env,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let cancelled = '';
    for (let k = 0; k < 1200 && !cancelled && child.exitCode === null; k++) {
      await new Promise((r) => setTimeout(r, 50));
      const job = pick(stderr);
      if (!job) continue;
      cancelled = job;
      spawnSync('scancel', [job], { env: slurm.env });
    }
    return { code: await exited, stderr, cancelled };
  }

  /**
   * Runs the hs1008 scan on 4 shards and scancels array task 2: as soon as squeue shows it running, or with
   * `atOnce` as soon as the array is submitted (a task cancelled while running can have written its shard
   * already, and then the run rightly finishes).
   */
  async function runAndCancelTask2(
    name: string,
    retries: number,
    atOnce = false,
  ): Promise<{ code: number | null; stderr: string }> {
    const { code, stderr, cancelled } = await runAndCancel(
      name,
      ['--shards', '4', '--retries', String(retries)],
      (sofar) => {
        const array = /shard array (\d+)/.exec(sofar)?.[1];
        if (!array) return undefined;
        if (atOnce) return `${array}_2`;
        const q = spawnSync('squeue', ['-h', '-r', '-j', array, '-o', '%i %T'], {
          encoding: 'utf8',
          env: slurm.env,
        });
        return new RegExp(`^${array}_2 RUNNING$`, 'm').test(q.stdout) ? `${array}_2` : undefined;
      },
    );
    expect(cancelled, `task 2 was never seen running: ${stderr}`).not.toBe('');
    return { code, stderr };
  }

  it('an array task cancelled mid-way is resubmitted and the result is identical', async () => {
    const { code, stderr } = await runAndCancelTask2('cancel', 1);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(
      /shard 2 \((CANCELLED|ended without its shard file)\) failed: resubmitted as array \d+ \(attempt 2 of 2\)/,
    );
    expect(existsSync(join(dir, 'out', 'cancel.plan', 'jobs', 'logs', 'shard-2.try2.out'))).toBe(true);
    if (!existsSync(join(dir, 'out', 'hs-local.assoc.txt')))
      expect(cli([...hs, ...common, ...wasm, '-o', 'hs-local']).status).toBe(0);
    expect(bytes('cancel.assoc.txt').equals(bytes('hs-local.assoc.txt'))).toBe(true);
  });

  it('a merge job killed before it ran (its array failed after every shard was written) is submitted again', async () => {
    // Slurm kills a merge whose array fails even when the failing task had written its shard; cancelling the
    // pending merge makes that ending at will.
    const {
      code,
      stderr,
      cancelled: killed,
    } = await runAndCancel('remerge', ['--shards', '2'], (sofar) => /merge job (\d+)/.exec(sofar)?.[1]);
    expect(killed, `the merge job was never submitted: ${stderr}`).not.toBe('');
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(
      new RegExp(
        `the merge job ${killed} ended \\([A-Z ]+\\) before it ran, with every shard done: resubmitted as \\d+`,
      ),
    );
    if (!existsSync(join(dir, 'out', 'hs-local.assoc.txt')))
      expect(cli([...hs, ...common, ...wasm, '-o', 'hs-local']).status).toBe(0);
    expect(bytes('remerge.assoc.txt').equals(bytes('hs-local.assoc.txt'))).toBe(true);
  });

  it('with no retries left, the error names the failed shard and its log, and no output is written', async () => {
    const { code, stderr } = await runAndCancelTask2('noretry', 0, true);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /lmmscan: error: slurm: shard 2 \((CANCELLED|ended without its shard file)\) of 4 failed after 1 attempt; logs: .*noretry\.plan\/jobs\/logs\/shard-2\.try1\.out/,
    );
    expect(existsSync(join(dir, 'out', 'noretry.assoc.txt'))).toBe(false);
  });

  it('--no-wait prints the job ids and the merge command; the merge job finishes the run', async () => {
    const r = cli([
      ...hs,
      ...common,
      ...wasm,
      '-o',
      'nowait',
      '--executor',
      'slurm',
      '--shards',
      '2',
      '--no-wait',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/submitted: prepare job \d+, shard array \d+, merge job \d+/);
    expect(r.stdout).toMatch(/lmmscan merge --plan .*nowait\.plan/);
    for (let k = 0; k < 600 && !existsSync(join(dir, 'out', 'nowait.assoc.txt')); k++)
      await new Promise((res) => setTimeout(res, 200));
    expect(bytes('nowait.assoc.txt').equals(bytes('hs-local.assoc.txt'))).toBe(true);
  });

  it('a missing input fails before any job is submitted; a failed prepare job and a refused sbatch are clear errors', () => {
    const missing = cli([
      ...sim,
      '-k',
      'missing.cXX.txt',
      '-lmm',
      '4',
      ...common,
      ...wasm,
      '-o',
      'nojob',
      '--executor',
      'slurm',
      '--shards',
      '2',
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('lmmscan: error: missing.cXX.txt: kinship matrix not found\n');
    expect(existsSync(join(dir, 'out', 'nojob.plan'))).toBe(false);
    // A kinship of the wrong size is found by the prepare job, which reads it.
    writeFileSync(join(dir, 'small.cXX.txt'), '1 0\n0 1\n');
    const p = cli([
      ...sim,
      '-k',
      'small.cXX.txt',
      '-lmm',
      '4',
      ...common,
      ...wasm,
      '-o',
      'noprep',
      '--executor',
      'slurm',
      '--shards',
      '2',
    ]);
    expect(p.status).toBe(1);
    expect(p.stderr).toMatch(
      /slurm: the prepare job \d+ ended .* without a plan; log .*noprep\.plan\/jobs\/logs\/prepare\.out: lmmscan: error: .*small\.cXX\.txt/,
    );
    const s = cli([
      ...sim,
      '-k',
      'sim.cXX.txt',
      '-lmm',
      '4',
      ...common,
      ...wasm,
      '-o',
      'bad',
      '--executor',
      'slurm',
      '--shards',
      '2',
      '--slurm-opts',
      '--time=bogus',
    ]);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/sbatch failed: .*time/i);
  });
});
