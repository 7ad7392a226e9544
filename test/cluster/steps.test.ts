/**
 * The three steps by hand (prepare, four `scan --shard`, merge) give the bytes of a local run, for a
 * plain scan, --traits and --loco on a generated cohort; merge refuses a plan folder with a shard
 * missing, duplicated, truncated or from another plan, naming the file, and writes nothing.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  truncateSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { CLI, scratchDir } from '../helpers/paths.js';

const dir = scratchDir('cluster-steps');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
let bimbam: string[];
let plink: string[];
let selected: string[];

beforeAll(async () => {
  const cohort = simulateCohort({
    nIndividuals: 240,
    nSnps: 1600,
    nChromosomes: 3,
    nTraits: 3,
    missingGenotypeRate: 0.01,
    missingPhenotypeRate: 0.05,
    seed: 31,
  });
  const paths = await writeBimbam(join(dir, 'sim'), cohort, { gzip: true });
  await writePlink(join(dir, 'sim'), cohort);
  bimbam = ['-g', paths.geno, '-p', paths.pheno, '-a', paths.anno, '-c', paths.cov];
  plink = ['-bfile', join(dir, 'sim')];
  const k = cli([...plink, '-gk', '1', '-outdir', dir, '-o', 'sim', '--quiet']);
  expect(k.status, k.stderr).toBe(0);
  // A sample selection and a phenotype table in reversed order, for the case that the plan carries them.
  const ids = cohort.individuals;
  writeFileSync(
    join(dir, 'keep.txt'),
    ids
      .filter((_, i) => i % 5 !== 2)
      .map((s) => `${s.fid} ${s.iid}`)
      .join('\n') + '\n',
  );
  const rows = ids.map(
    (s, i) =>
      `${s.fid} ${s.iid} ${Array.from({ length: 3 }, (_, t) => cohort.phenotypes[i * 3 + t])
        .map((v) => (Number.isNaN(v) ? 'NA' : v))
        .join(' ')}`,
  );
  writeFileSync(join(dir, 'pheno.tsv'), `#FID IID a b c\n${rows.reverse().join('\n')}\n`);
  selected = [
    ...plink,
    '--keep',
    join(dir, 'keep.txt'),
    '--chr',
    '1,3',
    '--pheno',
    join(dir, 'pheno.tsv'),
    '--pheno-name',
    'b',
  ];
});

const common = [
  '--engine',
  'ts',
  '--block-size',
  '150',
  '--no-plots',
  '--quiet',
  '-outdir',
  join(dir, 'out'),
];

/** prepare + `scan --shard I/4` for I = 1..4 + merge; returns the merge's stderr. */
function threeSteps(name: string, flags: string[], plan = join(dir, `${name}.plan`)): void {
  const p = cli(['prepare', ...flags, ...common, '-o', name, '--plan', plan]);
  expect(p.status, p.stderr).toBe(0);
  expect(p.stdout).toMatch(/blocks of 150 SNPs/);
  for (let i = 1; i <= 4; i++) {
    const s = cli(['scan', '--plan', plan, '--shard', `${i}/4`, '--quiet']);
    expect(s.status, s.stderr).toBe(0);
  }
  const m = cli(['merge', '--plan', plan, '--quiet']);
  expect(m.status, m.stderr).toBe(0);
}

describe('three steps by hand = one local run', () => {
  const cases: [string, string[], string[]][] = [
    ['plain', ['-k', 'sim.cXX.txt', '-lmm', '4'], ['assoc.txt']],
    [
      'traits',
      ['-k', 'sim.cXX.txt', '-lmm', '1', '--traits', '1-3'],
      ['trait1.assoc.txt', 'trait2.assoc.txt', 'trait3.assoc.txt', 'traits.tsv'],
    ],
    ['loco', ['--loco', '-lmm', '4'], ['assoc.txt']],
    ['lm', ['-lm', '4'], ['assoc.txt']],
    ['selected', ['-k', 'sim.cXX.txt', '-lmm', '4'], ['assoc.txt']],
  ];
  for (const [name, flags, outputs] of cases) {
    it(`${name} (BIMBAM for plain/traits, PLINK for loco/lm, PLINK with --keep --chr --pheno for selected)`, () => {
      const input = name === 'selected' ? selected : name === 'loco' || name === 'lm' ? plink : bimbam;
      const local = cli([...input, ...flags, ...common, '-o', `${name}-local`]);
      expect(local.status, local.stderr).toBe(0);
      threeSteps(`${name}-sharded`, [...input, ...flags]);
      for (const suffix of outputs) {
        const a = readFileSync(join(dir, 'out', `${name}-local.${suffix}`));
        const b = readFileSync(join(dir, 'out', `${name}-sharded.${suffix}`));
        expect(b.equals(a), `${name}: ${suffix} differs`).toBe(true);
        const rowsAtLeast = name === 'traits' ? 100 : name === 'selected' ? 600 : 1000;
        if (suffix.endsWith('assoc.txt'))
          expect(a.toString().split('\n').length).toBeGreaterThan(rowsAtLeast);
      }
    });
  }
});

describe('merge refuses a bad plan folder, naming the shard, and writes nothing', () => {
  const plan = join(dir, 'refuse.plan');
  const shards = join(plan, 'shards');
  const output = join(dir, 'out', 'refuse.assoc.txt');
  const merge = () => {
    const r = cli(['merge', '--plan', plan]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(join(dir, 'out')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    return r.stderr;
  };

  beforeAll(() => {
    threeSteps('refuse', [...plink, '-k', 'sim.cXX.txt', '-lmm', '4']);
    rmSync(output);
    // A second plan (other filters) with one shard, to mix in.
    const other = join(dir, 'other.plan');
    expect(
      cli([
        'prepare',
        ...plink,
        '-k',
        'sim.cXX.txt',
        '-lmm',
        '4',
        '-miss',
        '0.001',
        ...common,
        '-o',
        'other',
        '--plan',
        other,
      ]).status,
    ).toBe(0);
    expect(cli(['scan', '--plan', other, '--shard', '2/4', '--quiet']).status).toBe(0);
  });

  it('a shard removed', () => {
    renameSync(join(shards, 'shard-3-of-4.lmmshard'), join(dir, 'aside.lmmshard'));
    expect(merge()).toMatch(
      /shard-3-of-4\.lmmshard: missing: blocks \d+-\d+ of \d+ are in no shard \(run lmmscan scan --plan .* --shard 3\/4\)/,
    );
    renameSync(join(dir, 'aside.lmmshard'), join(shards, 'shard-3-of-4.lmmshard'));
  });

  it('a shard duplicated', () => {
    copyFileSync(join(shards, 'shard-2-of-4.lmmshard'), join(shards, 'shard-2-of-4.copy.lmmshard'));
    expect(merge()).toMatch(
      /shard-2-of-4.*\.lmmshard: block \d+ is also in shard-2-of-4.*\.lmmshard: a shard is duplicated/,
    );
    rmSync(join(shards, 'shard-2-of-4.copy.lmmshard'));
  });

  it('a shard from another plan', () => {
    copyFileSync(join(shards, 'shard-2-of-4.lmmshard'), join(dir, 'keep.lmmshard'));
    copyFileSync(
      join(dir, 'other.plan', 'shards', 'shard-2-of-4.lmmshard'),
      join(shards, 'shard-2-of-4.lmmshard'),
    );
    expect(merge()).toMatch(
      /shard-2-of-4\.lmmshard: comes from another plan \(plan id [0-9a-f]{12}; .* is plan [0-9a-f]{12}\)/,
    );
    copyFileSync(join(dir, 'keep.lmmshard'), join(shards, 'shard-2-of-4.lmmshard'));
  });

  it('a shard truncated', () => {
    const path = join(shards, 'shard-4-of-4.lmmshard');
    copyFileSync(path, join(dir, 'keep4.lmmshard'));
    truncateSync(path, Math.floor(statSync(path).size / 2));
    expect(merge()).toMatch(/shard-4-of-4\.lmmshard: truncated/);
    copyFileSync(join(dir, 'keep4.lmmshard'), path);
  });

  it('and merges once the folder is whole again', () => {
    const r = cli(['merge', '--plan', plan, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(output)).toBe(true);
  });

  it('scan refuses a bad --shard and a folder without a plan', () => {
    expect(cli(['scan', '--plan', plan, '--shard', '5/4']).stderr).toMatch(/--shard 5\/4: expected I\/N/);
    expect(cli(['scan', '--plan', join(dir, 'nowhere'), '--shard', '1/4']).stderr).toMatch(/no plan\.json/);
  });
});
