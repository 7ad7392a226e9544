/**
 * Kinship shards by hand: `lmmscan kinship <flags> --plan DIR --shard I/N` for I = 1..N, then the -gk run given
 * --plan DIR (or lmmscan prepare) merges the parts; the .cXX/.sXX files are byte-identical to a one-node -gk run
 * for 1..4 shards, PLINK and BIMBAM with missing calls, and a --loco scan through kinship shards is byte-identical
 * to a local --loco run. The merge refuses a missing, duplicated, foreign or corrupted part, naming the file.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { CLI, scratchDir } from '../helpers/paths.js';

const dir = scratchDir('kinship-shards');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
let bimbam: string[];
let plink: string[];

beforeAll(async () => {
  const cohort = simulateCohort({
    nIndividuals: 150,
    nSnps: 1300,
    nChromosomes: 3,
    nTraits: 1,
    missingGenotypeRate: 0.02,
    missingPhenotypeRate: 0.05,
    seed: 41,
  });
  const paths = await writeBimbam(join(dir, 'sim'), cohort, { gzip: true });
  await writePlink(join(dir, 'sim'), cohort);
  bimbam = ['-g', paths.geno, '-p', paths.pheno, '-a', paths.anno];
  plink = ['-bfile', join(dir, 'sim')];
});

// Block size 20: segments of 320 file SNPs, so 4 shards of 1300 SNPs each hold one or two segments.
const common = (engine: string) => [
  '--engine',
  engine,
  '--block-size',
  '20',
  '--no-plots',
  '--quiet',
  '-outdir',
  join(dir, 'out'),
];

function ok(args: string[]): void {
  const r = cli(args);
  expect(r.status, r.stderr).toBe(0);
}

/** The N kinship shards of `flags` into a fresh plan folder. */
function kinshipShards(plan: string, flags: string[], shards: number): void {
  rmSync(plan, { recursive: true, force: true });
  for (let i = 1; i <= shards; i++) ok(['kinship', ...flags, '--plan', plan, '--shard', `${i}/${shards}`]);
}

describe('kinship shards by hand = one-node kinship', () => {
  for (const engine of ['wasm', 'ts']) {
    for (const [format, kind] of [
      ['plink', '1'],
      ['bimbam', '2'],
    ] as const) {
      it(`-gk ${kind} on ${format}, engine ${engine}: 1..4 shards byte-identical`, () => {
        const flags = [...(format === 'plink' ? plink : bimbam), '-gk', kind, ...common(engine)];
        const suffix = kind === '1' ? 'cXX.txt' : 'sXX.txt';
        ok([...flags, '-o', `one-${engine}-${format}`]);
        const one = readFileSync(join(dir, 'out', `one-${engine}-${format}.${suffix}`));
        expect(one.toString().split('\n').length).toBe(151);
        for (let shards = 1; shards <= 4; shards++) {
          const plan = join(dir, `plan-${engine}-${format}-${shards}`);
          kinshipShards(plan, flags, shards);
          ok([...flags, '--plan', plan, '-o', `sharded-${engine}-${format}-${shards}`]);
          const sharded = readFileSync(join(dir, 'out', `sharded-${engine}-${format}-${shards}.${suffix}`));
          expect(sharded.equals(one), `${shards} shards differ`).toBe(true);
        }
      });
    }
  }

  it('--loco -lmm through kinship shards and prepare/scan/merge = a local --loco run', () => {
    const flags = [...plink, '--loco', '-lmm', '4', ...common('wasm')];
    ok([...flags, '-o', 'loco-local']);
    const plan = join(dir, 'loco.plan');
    kinshipShards(plan, flags, 3);
    ok(['prepare', ...flags, '-o', 'loco-sharded', '--plan', plan]);
    for (let i = 1; i <= 2; i++) ok(['scan', '--plan', plan, '--shard', `${i}/2`, '--quiet']);
    ok(['merge', '--plan', plan, '--quiet']);
    const a = readFileSync(join(dir, 'out', 'loco-local.assoc.txt'));
    expect(a.toString().split('\n').length).toBeGreaterThan(1000);
    expect(readFileSync(join(dir, 'out', 'loco-sharded.assoc.txt')).equals(a)).toBe(true);
  });

  it('refuses a missing, duplicated, foreign or corrupted part, naming the file', () => {
    const flags = [...plink, '-gk', '1', ...common('wasm')];
    const plan = join(dir, 'bad.plan');
    const merge = () => cli([...flags, '--plan', plan, '-o', 'bad']);
    kinshipShards(plan, flags, 3);
    const part2 = join(plan, 'kinship', 'part-2-of-3');
    const saved = readFileSync(part2);
    rmSync(part2);
    expect(merge().stderr).toMatch(/part-2-of-3.*missing/);
    copyFileSync(join(plan, 'kinship', 'part-1-of-3'), join(plan, 'kinship', 'part-02-of-3'));
    writeFileSync(part2, saved);
    expect(merge().stderr).toMatch(/duplicates kinship shard 2 of 3/);
    rmSync(join(plan, 'kinship', 'part-02-of-3'));
    const bytes = Buffer.from(saved);
    bytes[bytes.length - 200] ^= 1;
    writeFileSync(part2, bytes);
    expect(merge().stderr).toMatch(/part-2-of-3.*checksum mismatch/);
    writeFileSync(part2, saved);
    // A part of the -gk 2 kinship among -gk 1 parts: foreign.
    ok([
      'kinship',
      ...plink,
      '-gk',
      '2',
      ...common('wasm'),
      '--plan',
      join(dir, 'other.plan'),
      '--shard',
      '2/3',
    ]);
    copyFileSync(join(dir, 'other.plan', 'kinship', 'part-2-of-3'), part2);
    expect(merge().stderr).toMatch(/part-2-of-3.*foreign/);
    // A part summed by the ts engine among wasm parts: foreign too (the engines order a block's sum differently).
    ok(['kinship', ...plink, '-gk', '1', ...common('ts'), '--plan', join(dir, 'ts.plan'), '--shard', '2/3']);
    copyFileSync(join(dir, 'ts.plan', 'kinship', 'part-2-of-3'), part2);
    expect(merge().stderr).toMatch(/part-2-of-3.*foreign/);
    writeFileSync(part2, saved);
    const r = merge();
    expect(r.status, r.stderr).toBe(0);
  });
});
