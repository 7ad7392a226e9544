/**
 * The multivariate LMM (-n 1 2 [3] -lmm) through the three steps by hand (prepare, three
 * `scan --shard`, merge) gives the .assoc.txt of a local run byte for byte, and the same null-model
 * lines in the log: with -k (BIMBAM, d = 3) and with --loco (PLINK, d = 2, one unit per chromosome).
 * The plan folder holds each unit's eigendecomposition, rotated covariates and traits and null fits.
 * Each chromosome's rows are those of a `-loco CHR` run given that unit's eigendecomposition.
 * A univariate merge's log has the null model's beta and se(beta) of the local run (plan.json keeps
 * Float64Arrays).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMvCohort, type MvCohortFiles } from '../helpers/mv-cohort.js';
import { kinshipOfCohort } from '../helpers/mv-kinship.js';
import { CLI, scratchDir } from '../helpers/paths.js';

const dir = scratchDir('mvlmm-steps');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
const common = ['--engine', 'ts', '--block-size', '16', '--no-plots', '--quiet', '-outdir', join(dir, 'out')];
let files: MvCohortFiles;
let kinship: string;

beforeAll(async () => {
  files = await writeMvCohort(join(dir, 'cohort'), 3, 140, 80, 41);
  kinship = await kinshipOfCohort(files, dir);
}, 120_000);

/** The log's lines without the command line, date and timings (which differ between the runs). */
function logLines(name: string): string[] {
  return readFileSync(join(dir, 'out', `${name}.log.txt`), 'utf8')
    .split('\n')
    .filter((l) => !/Command Line|Date =|time on|computation time/.test(l));
}

/** A local run and prepare + 3 shards + merge of `flags`; returns the two output names. */
function localAndSharded(name: string, flags: string[]): { local: string; sharded: string } {
  const local = cli([...flags, ...common, '-o', `${name}-local`]);
  expect(local.status, local.stderr).toBe(0);
  const plan = join(dir, `${name}.plan`);
  const p = cli(['prepare', ...flags, ...common, '-o', `${name}-sharded`, '--plan', plan]);
  expect(p.status, p.stderr).toBe(0);
  for (let i = 1; i <= 3; i++) {
    const s = cli(['scan', '--plan', plan, '--shard', `${i}/3`, '--quiet']);
    expect(s.status, s.stderr).toBe(0);
  }
  const m = cli(['merge', '--plan', plan, '--quiet']);
  expect(m.status, m.stderr).toBe(0);
  return { local: `${name}-local`, sharded: `${name}-sharded` };
}

const assoc = (name: string) => readFileSync(join(dir, 'out', `${name}.assoc.txt`));

/** A data/ array of a plan folder (little-endian float64). */
function readF64(path: string): Float64Array {
  const bytes = readFileSync(path);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('multivariate LMM: prepare, scan --shard, merge = one local run', () => {
  it('-n 1 2 3 -k -lmm 4 (BIMBAM): .assoc.txt byte-identical, the same null model in the log', () => {
    const bimbam = ['-g', files.geno, '-p', files.pheno, '-a', files.anno, '-c', files.cov];
    const { local, sharded } = localAndSharded('mv3', [
      ...bimbam,
      '-n',
      '1',
      '2',
      '3',
      '-k',
      kinship,
      '-lmm',
      '4',
    ]);
    expect(assoc(sharded).equals(assoc(local))).toBe(true);
    const text = assoc(local).toString();
    expect(text.split('\n')[0]).toContain('Vbeta_2_3');
    expect(text.trimEnd().split('\n').length).toBeGreaterThan(70);
    expect(logLines(sharded)).toEqual(logLines(local));
    expect(logLines(local)).toContain('## REMLE estimate for Vg in the null model: ');
    const data = readdirSync(join(dir, 'mv3.plan', 'data'));
    expect(data).toEqual(expect.arrayContaining(['unit0.mv-rotated-traits.f64', 'unit0.eigenvectors.f64']));
  });

  it('-n 1 2 --loco -lmm 1 (PLINK): byte-identical, a null model per chromosome, rows of -loco CHR runs', () => {
    const plink = ['-bfile', files.plink, '-p', files.pheno, '-c', files.cov];
    const { local, sharded } = localAndSharded('mvloco', [...plink, '-n', '1', '2', '--loco', '-lmm', '1']);
    expect(assoc(sharded).equals(assoc(local))).toBe(true);
    const rows = assoc(local).toString().trimEnd().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(70);
    expect(new Set(rows.map((r) => r.split('\t')[0]))).toEqual(new Set(['1', '2']));
    expect(logLines(sharded)).toEqual(logLines(local));
    const notes = logLines(local).filter((l) =>
      /^## {3}chr \d: n = \d+, REMLE logl = .*, Vg = .*; .*, Ve = /.test(l),
    );
    expect(notes).toHaveLength(2);
    // Independently, chromosome by chromosome: `-loco CHR` with the unit's eigendecomposition from the
    // plan (as -d/-u text at 17 digits, read back exactly) gives the same bytes.
    const manifest = JSON.parse(readFileSync(join(dir, 'mvloco.plan', 'plan.json'), 'utf8')) as {
      units: { mv: { eigenvalues: string; eigenvectors: string } }[];
    };
    const perChromosome: string[] = [];
    manifest.units.forEach((unit, k) => {
      const values = readF64(join(dir, 'mvloco.plan', 'data', unit.mv.eigenvalues));
      const vectors = readF64(join(dir, 'mvloco.plan', 'data', unit.mv.eigenvectors));
      const n = values.length;
      const exact = (a: Float64Array) => Array.from(a, (x) => x.toPrecision(17)).join('\t');
      writeFileSync(join(dir, `eigen${k}.D.txt`), exact(values).replaceAll('\t', '\n') + '\n');
      const rows = Array.from({ length: n }, (_, i) => exact(vectors.subarray(i * n, (i + 1) * n)));
      writeFileSync(join(dir, `eigen${k}.U.txt`), rows.join('\n') + '\n');
      const flags = ['-d', join(dir, `eigen${k}.D.txt`), '-u', join(dir, `eigen${k}.U.txt`)];
      const chr = String(k + 1);
      const one = cli([
        ...plink,
        '-n',
        '1',
        '2',
        ...flags,
        '-loco',
        chr,
        '-lmm',
        '1',
        ...common,
        '-o',
        `chr${chr}`,
      ]);
      expect(one.status, one.stderr).toBe(0);
      perChromosome.push(...assoc(`chr${chr}`).toString().trimEnd().split('\n').slice(1));
    });
    expect(perChromosome).toEqual(rows);
  });

  it('a univariate merge writes the null beta and se(beta) of the local run', () => {
    const bimbam = ['-g', files.geno, '-p', files.pheno, '-a', files.anno, '-c', files.cov];
    const { local, sharded } = localAndSharded('uni', [...bimbam, '-n', '2', '-k', kinship, '-lmm', '4']);
    expect(assoc(sharded).equals(assoc(local))).toBe(true);
    const beta = (name: string) => logLines(name).filter((l) => /^## (se\()?beta/.test(l));
    expect(beta(local)).toHaveLength(2);
    expect(beta(local)[0]).toMatch(/= {3}-?\d/);
    expect(beta(sharded)).toEqual(beta(local));
  });
});
