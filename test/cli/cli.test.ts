/** The built CLI (dist/, made by npm ci's prepare step): help, unknown flags, errors as one line. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FLAGS } from '../../src/cli/flags.js';
import { CLI, SHARED_DATA, scratchDir } from '../helpers/paths.js';

const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

it('the CLI is built', () => {
  expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true);
});

it('--help lists every flag', () => {
  const r = run(['--help']);
  expect(r.status).toBe(0);
  for (const f of FLAGS) expect(r.stdout).toContain(`-${f.name}`);
});

it('an unknown flag is an error, not ignored', () => {
  const r = run(['-bfile', 'x', '-lmmm', '4']);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/unknown flag "-lmmm"/);
});

it('a missing input file names the file, exits non-zero, shows no stack trace and writes nothing', () => {
  const out = scratchDir('cli-missing');
  const r = run(['-bfile', join(out, 'nope'), '-gk', '1', '-outdir', out, '-o', 'x']);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/nope\.bim: \.bim file not found/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(readdirSync(out)).toEqual([]);
});

it('long options work like GEMMA short ones', () => {
  const out = scratchDir('cli-long');
  const r = run([
    '--bfile',
    join(SHARED_DATA, 'hs1008', 'hs1008'),
    '--lm',
    '1',
    '--outdir',
    out,
    '-o',
    'lm1',
    '--quiet',
    '--no-plots',
  ]);
  expect(r.status, r.stderr).toBe(0);
  expect(readdirSync(out).sort()).toEqual(['lm1.assoc.txt', 'lm1.log.txt']);
});

it('a scan writes its plots as SVG, the summary and the page; PNG copies only with --png', () => {
  const out = scratchDir('cli-png');
  const scan = (name: string, extra: string[]) =>
    run([
      '-bfile',
      join(SHARED_DATA, 'hs1008', 'hs1008'),
      '-lm',
      '-outdir',
      out,
      '-o',
      name,
      '--quiet',
      ...extra,
    ]);
  const svgOnly = scan('plain', []);
  expect(svgOnly.status, svgOnly.stderr).toBe(0);
  const report = ['assoc.txt', 'log.txt', 'manhattan.svg', 'qq.svg', 'report.html', 'summary.json'];
  expect(readdirSync(out).sort()).toEqual(report.map((s) => `plain.${s}`).sort());
  expect(svgOnly.stdout).not.toMatch(/\.png/);
  const withPng = scan('png', ['--png']);
  expect(withPng.status, withPng.stderr).toBe(0);
  const files = readdirSync(out).filter((f) => f.startsWith('png.'));
  expect(files.sort()).toEqual([...report, 'manhattan.png', 'qq.png'].map((s) => `png.${s}`).sort());
  const png = readFileSync(join(out, 'png.manhattan.png'));
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(2200);
  expect(withPng.stdout).toContain(join(out, 'png.qq.png'));
});
