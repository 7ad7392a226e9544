/** GEMMA 0.98.5's spellings of the flags lmmscan shares with it, and clear refusals of the rest. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { FLAGS, helpText } from '../../src/cli/flags.js';
import { UsageError } from '../../src/io/input-error.js';
import { checkScanConfig } from '../../src/scan/preflight.js';
import { CLI, REPO_ROOT, SHARED_DATA, scratchDir } from '../helpers/paths.js';

const config = (argv: string[]) => toScanConfig(parseFlags(argv), argv.join(' '));
const usageError = (argv: string[]) => {
  try {
    config(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};
const run = (args: string[], cwd?: string) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });

describe('GEMMA spellings', () => {
  it('a bare -gk, -lmm or -lm is mode 1, as in GEMMA, also before another flag', () => {
    expect(config(['-bfile', 'x', '-gk']).kinshipKind).toBe(1);
    expect(config(['-bfile', 'x', '-gk', '-o', 'k']).kinshipKind).toBe(1);
    expect(config(['-bfile', 'x', '-lmm', '-no-check', '-k', 'K']).lmm).toBe(1);
    expect(config(['-bfile', 'x', '-lm']).lm).toBe(1);
    expect(config(['-bfile', 'x', '-gk', '2']).kinshipKind).toBe(2);
  });

  it('-b is -bfile, -fa is -lmm, -silence is --quiet', () => {
    const c = config(['-b', 'data/x', '-fa', '2', '-k', 'K', '-silence']);
    expect(c.bfile).toBe('data/x');
    expect(c.lmm).toBe(2);
    expect(c.quiet).toBe(true);
  });

  it('-lmm 9 is accepted; -lmm 5 and -lm 9 are not', () => {
    expect(config(['-bfile', 'x', '-lmm', '9', '-k', 'K']).lmm).toBe(9);
    expect(usageError(['-bfile', 'x', '-lmm', '5'])).toMatch(/-lmm 5: expected one of 1, 2, 3, 4, 9/);
    expect(usageError(['-bfile', 'x', '-lm', '9'])).toMatch(/-lm 9: expected one of 1, 2, 3, 4/);
  });

  it('-check, -no-check, -pace N and -km 1 are accepted and change nothing', () => {
    const plain = config(['-bfile', 'x', '-lmm', '4', '-k', 'K']);
    const gemma = config([
      '-bfile',
      'x',
      '-lmm',
      '4',
      '-k',
      'K',
      '-check',
      '-no-check',
      '-pace',
      '100',
      '-km',
      '1',
    ]);
    expect({ ...gemma, commandLine: '' }).toEqual({ ...plain, commandLine: '' });
    expect(usageError(['-bfile', 'x', '-gk', '-pace', '0'])).toMatch(/-pace 0: expected a positive integer/);
  });

  it('-notsnp lifts the [0, 2] check and turns the maf (and so hwe) filter off, even with -maf', () => {
    const c = config(['-g', 'g.txt', '-p', 'p.txt', '-notsnp', '-maf', '0.1', '-gk']);
    expect(c.anyGenotypeValues).toBe(true);
    expect(c.filters.maf).toBe(-1);
    expect(config(['-g', 'g.txt', '-p', 'p.txt', '-gk']).anyGenotypeValues).toBeUndefined();
  });

  it('-km 2 reads ID pairs with PLINK and is refused with BIMBAM, as GEMMA', () => {
    expect(config(['-bfile', 'x', '-km', '2', '-k', 'K', '-lmm']).kinshipFormat).toBe(2);
    expect(config(['-bfile', 'x', '-km', '1', '-k', 'K', '-lmm']).kinshipFormat).toBeUndefined();
    expect(usageError(['-g', 'g', '-p', 'p', '-km', '2', '-k', 'K', '-lmm'])).toMatch(
      /-km 2 pairs individuals by ID, which BIMBAM files lack: use -km 1/,
    );
    expect(usageError(['-bfile', 'x', '-km', '3'])).toMatch(/-km 3: expected one of 1, 2/);
  });

  it('-nind N, -gxe FILE, -widv FILE and its help-text name -weight FILE', () => {
    expect(config(['-g', 'g', '-p', 'p', '-nind', '400', '-gk']).nind).toBe(400);
    expect(usageError(['-g', 'g', '-p', 'p', '-nind', '0', '-gk'])).toMatch(
      /-nind 0: expected a positive integer/,
    );
    const c = config(['-bfile', 'x', '-k', 'K', '-lmm', '4', '-gxe', 'e.txt', '-weight', 'w.txt']);
    expect([c.gxe, c.widv]).toEqual(['e.txt', 'w.txt']);
    expect(config(['-bfile', 'x', '-k', 'K', '-lmm', '-widv', 'w.txt']).widv).toBe('w.txt');
    expect(usageError(['-bfile', 'x', '-k', 'K', '-lmm', '-gxe', 'e', '--plan', 'P'])).toMatch(
      /-gxe and -widv run in one process/,
    );
    const modes = (argv: string[]) => () => checkScanConfig(config(argv));
    expect(modes(['-bfile', 'x', '-gk', '-gxe', 'e'])).toThrow(/-gxe works with -lmm/);
    expect(modes(['-bfile', 'x', '-lmm', '--loco', '-gxe', 'e'])).toThrow(/LOCO does not support GXE/);
    expect(modes(['-bfile', 'x', '-lmm', '-d', 'D', '-u', 'U', '-widv', 'w'])).toThrow(/give -k, not -d\/-u/);
  });

  it('-n takes a list as GEMMA does; several columns are the multivariate LMM', () => {
    expect(config(['-bfile', 'x', '-n', '3', '-gk']).phenotypeColumns).toEqual([3]);
    expect(config(['-bfile', 'x', '-n', '1', '6', '-lmm', '-k', 'K']).phenotypeColumns).toEqual([1, 6]);
    expect(usageError(['-bfile', 'x', '-n', '1', 'x', '-lmm', '-k', 'K'])).toMatch(
      /-n 1 x: expected column numbers >= 1/,
    );
    expect(usageError(['-bfile', 'x', '-n', '-lmm'])).toMatch(/flag -n needs a value/);
  });
});

describe('flags lmmscan does not take', () => {
  it.each([
    ['-bslmm', /-bslmm is GEMMA's flag for BSLMM, which lmmscan does not do/],
    ['-predict', /-predict is GEMMA's flag for prediction/],
    ['-vc', /-vc is GEMMA's flag for variance components/],
    ['-gs', /-gs is GEMMA's flag for kinship kinds other than -gk/],
    ['-mbfile', /-mbfile is GEMMA's flag for multiple-file input/],
    ['-gq', /-gq is GEMMA's flag for kinship kinds other than -gk/],
  ])('%s: one line naming it', (flag, message) => {
    expect(usageError(['-bfile', 'x', flag, 'v'])).toMatch(message);
  });

  it('a typo gets the closest flag, written as the help writes it', () => {
    expect(usageError(['-bfile', 'x', '-lmmm', '4'])).toMatch(/unknown flag "-lmmm" \(did you mean -lmm\?/);
    expect(usageError(['--trait', '1-3'])).toMatch(/did you mean --traits\?/);
    expect(usageError(['--engien', 'ts'])).toMatch(/did you mean --engine\?/);
    expect(usageError(['--zzzzzz'])).not.toMatch(/did you mean/);
  });
});

describe('settings checked before any work', () => {
  it('an LMM without a kinship, -d without -u, -eigen without -k', () => {
    expect(() => checkScanConfig(config(['-bfile', 'x', '-lmm', '4']))).toThrow(/an LMM needs a kinship/);
    expect(() => checkScanConfig(config(['-bfile', 'x', '-lmm', '4', '-d', 'D']))).toThrow(
      /-d and -u must be given together/,
    );
    expect(() => checkScanConfig(config(['-bfile', 'x', '-eigen']))).toThrow(/-eigen needs a kinship/);
  });

  it('each named input file is checked, naming it', () => {
    const dir = scratchDir('preflight');
    const geno = join(dir, 'g.txt');
    const pheno = join(dir, 'p.txt');
    writeFileSync(geno, 'rs1 A T 0 1 2\n');
    writeFileSync(pheno, '1\n2\n3\n');
    const base = ['-g', geno, '-p', pheno, '-lmm', '1'];
    for (const [flag, what] of [
      ['-k', 'kinship matrix'],
      ['-c', 'covariate file'],
      ['-a', 'annotation file'],
    ]) {
      const missing = join(dir, `no${flag}.txt`);
      const extra = flag === '-k' ? [] : ['-k', geno];
      expect(() => checkScanConfig(config([...base, ...extra, flag, missing]))).toThrow(
        `${missing}: ${what} not found`,
      );
    }
  });

  it('the CLI reports a missing -k before reading a genotype (an unreadable genotype file is never reached)', () => {
    const dir = scratchDir('preflight-cli');
    writeFileSync(join(dir, 'g.txt'), 'not a BIMBAM file\n');
    writeFileSync(join(dir, 'p.txt'), '1\n2\n');
    const r = run(['-g', 'g.txt', '-p', 'p.txt', '-lmm', '4', '-o', 'x'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('lmmscan: an LMM needs a kinship: -k FILE, -d/-u, or --groups\n');
  });

  it('plot --assoc names a missing file', () => {
    const r = run(['plot', '--assoc', 'nothere.txt'], scratchDir('plot-missing'));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('lmmscan: error: nothere.txt: association file not found\n');
  });
});

describe('help and version', () => {
  it.each([['help'], ['-h'], ['--help']])('lmmscan %s prints the help', (arg) => {
    const r = run([arg]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(helpText());
  });

  it.each([['-v'], ['--version']])('lmmscan %s prints the version', (arg) => {
    const r = run([arg]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^lmmscan \d+\.\d+\.\d+\n$/);
  });

  it('writes GEMMA flags with one dash and lmmscan flags with two, as the README does', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const help = helpText();
    for (const f of FLAGS) {
      if (f.name === 'loco' || f.name === 'help' || f.name === 'version' || f.name === 'assoc') continue;
      const rows = readme.split('\n').filter((l) => l.startsWith('| `'));
      const inReadme = rows.find((l) => new RegExp(`\`--?${f.name}[ \`]`).test(l));
      expect(inReadme, `README flag table lacks ${f.name}`).toBeDefined();
      const spelling = new RegExp(`\`(--?)${f.name}[ \`]`).exec(inReadme!)![1];
      expect(help, f.name).toMatch(new RegExp(`^  (-\\w, )?${spelling}${f.name}\\b`, 'm'));
    }
    expect(help).toMatch(/^ {2}-loco CHR, --loco /m);
  });
});

describe('start-up', () => {
  it('-lm with --engine auto starts no worker pool or GPU probe, and says so in the log', () => {
    const out = scratchDir('lm-startup');
    const r = run([
      '-bfile',
      join(SHARED_DATA, 'hs1008', 'hs1008'),
      '-lm',
      '-outdir',
      out,
      '-o',
      'lm',
      '--quiet',
      '--no-plots',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'lm.log.txt'), 'utf8')).toMatch(
      /^## engine += ts .*\(auto: -lm tests each SNP on the main thread; no worker pool or GPU needed\)$/m,
    );
  });
});
