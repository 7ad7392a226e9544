/** LMMSCAN_TIMELINE: a run's phases on stderr at exit, in order, with its outputs unchanged. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, SHARED_DATA, scratchDir } from '../helpers/paths.js';

const BXD = join(SHARED_DATA, 'bxd');
const out = scratchDir('timeline');
const run = (prefix: string, env: NodeJS.ProcessEnv) =>
  spawnSync(
    process.execPath,
    [
      CLI,
      '-g',
      join(BXD, 'BXD_geno.txt.gz'),
      '-p',
      join(BXD, 'BXD_pheno.txt'),
      '-a',
      join(BXD, 'BXD_snps.txt'),
      '-lm',
      '4',
      '--block-size',
      '2048',
      '-outdir',
      out,
      '-o',
      prefix,
      '--quiet',
    ],
    { encoding: 'utf8', env },
  );

it('lists the phases of a run in order when LMMSCAN_TIMELINE is set, and nothing otherwise', () => {
  const { LMMSCAN_TIMELINE: _, ...quiet } = process.env;
  const plain = run('plain', quiet);
  expect(plain.status, plain.stderr).toBe(0);
  expect(plain.stderr).toBe('');
  const timed = run('timed', { ...quiet, LMMSCAN_TIMELINE: '1' });
  expect(timed.status, timed.stderr).toBe(0);
  const lines = timed.stderr.split('\n');
  expect(lines[0]).toMatch(/^timeline \(wall ms, process cpu ms, main thread cpu ms/);
  const marks = lines.slice(
    1,
    lines.findIndex((l) => l.startsWith('threads alive')),
  );
  const phases = marks
    .map((l) => /^\s*[\d.]+\s+[\d.]+\s+(?:[\d.]+|NaN)\s+(?:[\d.]+|NaN)\s+(.+)$/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
  const expected = ['flags read', 'inputs opened', 'SNP pass done', 'block 0 tested', 'block 3 saved'];
  expected.push('scan done', 'assoc written', 'report written', 'checkpoint removed', 'exit');
  const at = expected.map((p) => phases.indexOf(p));
  expect(
    at.every((k) => k >= 0),
    phases.join(', '),
  ).toBe(true);
  expect(at).toEqual([...at].sort((a, b) => a - b));
  // The wall times only grow.
  const walls = marks.filter((l) => /^\s*[\d.]/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
  expect(walls).toEqual([...walls].sort((a, b) => a - b));
  expect(timed.stderr).toMatch(/threads alive at exit/);
  expect(readFileSync(join(out, 'timed.assoc.txt'), 'utf8')).toBe(
    readFileSync(join(out, 'plain.assoc.txt'), 'utf8'),
  );
}, 60_000);
