/**
 * --traits and --loco against GEMMA run the way its users loop today: every trait<K>.assoc.txt equals
 * `gemma -n K` alone (-lmm 4 and -lmm 1), and --loco equals, chromosome by chromosome, `gemma -loco CHR
 * -gk 1` then `gemma -loco CHR -k ... -lmm 4` (BIMBAM; PLINK input against GEMMA on the same data as BIMBAM).
 * On BXD that loop's output is read from test/fixtures/gemma-refs (scripts/gemma-references.sh runs it);
 * on the simulated cohort gemma runs it live.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort, writeBimbam, writePlink } from '../../src/sim/index.js';
import { compareAssoc, readAssoc } from '../helpers/compare-assoc.js';
import { requireComparator } from '../helpers/comparators.js';
import { REPO_ROOT, SHARED_DATA, scratchDir } from '../helpers/paths.js';
import { rng, normals } from '../helpers/random.js';
import { lmmscan } from '../helpers/run-job.js';

const BXD = join(SHARED_DATA, 'bxd');
/** gemma outputs on fixed inputs, made by scripts/gemma-references.sh. */
const GEMMA_REFS = join(REPO_ROOT, 'test', 'fixtures', 'gemma-refs');
const N_TRAITS = 16;
const runIt = requireComparator('gemma', 'gemma');

/** BXD genotypes as dosages (SNP-major, 198 per SNP) for simulating traits. */
function bxdDosages(): number[][] {
  const text = gunzipSync(readFileSync(join(BXD, 'BXD_geno.txt.gz'))).toString('utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((l) =>
      l
        .split(/[ ,\t]+/)
        .filter(Boolean)
        .slice(3)
        .map(Number),
    );
}

describe.runIf(runIt)('--traits against gemma -n K', () => {
  const dir = scratchDir('traits');
  const pheno = join(dir, 'traits.txt');
  const bb = [
    '-g',
    join(BXD, 'BXD_geno.txt.gz'),
    '-c',
    join(BXD, 'BXD_covariates2.txt'),
    '-a',
    join(BXD, 'BXD_snps.txt'),
    '-k',
    join(BXD, 'output', 'BXD.cXX.txt.gz'),
  ];

  beforeAll(() => {
    // 16 traits over all 198 strains: a few causal SNPs each, heritability from 0 to 0.8, and each
    // trait its own missing individuals (0 to 40%), so traits fall into several missingness groups.
    const geno = bxdDosages();
    const next = rng(2718);
    const n = 198;
    const columns: string[][] = [];
    for (let t = 0; t < N_TRAITS; t++) {
      const h2 = (t % 5) * 0.2;
      const genetic = new Float64Array(n);
      for (let c = 0; c < 3; c++) {
        const snp = geno[Math.floor(next() * geno.length)];
        for (let i = 0; i < n; i++) genetic[i] += Number.isNaN(snp[i]) ? 0 : snp[i];
      }
      let mean = 0;
      let sd = 0;
      genetic.forEach((v) => (mean += v / n));
      genetic.forEach((v) => (sd += (v - mean) ** 2 / n));
      sd = Math.sqrt(sd) || 1;
      const noise = normals(next, n);
      const missingRate = t < 3 ? 0 : (t % 4) * 0.1;
      columns.push(
        Array.from({ length: n }, (_, i) =>
          next() < missingRate
            ? 'NA'
            : (10 + (Math.sqrt(h2) * (genetic[i] - mean)) / sd + Math.sqrt(1 - h2) * noise[i]).toFixed(6),
        ),
      );
    }
    writeFileSync(
      pheno,
      Array.from({ length: n }, (_, i) => columns.map((c) => c[i]).join('\t')).join('\n') + '\n',
    );
  });

  for (const mode of ['4', '1']) {
    it(`-lmm ${mode}: every trait matches its own gemma run`, async () => {
      await lmmscan(
        [
          ...bb,
          '-p',
          pheno,
          '--traits',
          `1-${N_TRAITS}`,
          '-lmm',
          mode,
          '-outdir',
          join(dir, 'ours'),
          '-o',
          `t${mode}`,
        ],
        'wasm',
      );
      let exceptions = 0;
      for (let t = 1; t <= N_TRAITS; t++) {
        execFileSync('gemma', [...bb, '-p', pheno, '-n', String(t), '-lmm', mode, '-o', `g${mode}_${t}`], {
          cwd: dir,
          stdio: 'pipe',
        });
        const r = compareAssoc(
          join(dir, 'ours', `t${mode}.trait${t}.assoc.txt`),
          join(dir, 'output', `g${mode}_${t}.assoc.txt`),
        );
        expect(r.problems, `trait ${t}: ${r.problems.slice(0, 5).join('\n')}`).toEqual([]);
        expect(r.rows).toBeGreaterThan(7000);
        exceptions += r.lowLambdaExceptions.length;
      }
      expect(exceptions).toBeLessThan(N_TRAITS * 3);
      const table = readFileSync(join(dir, 'ours', `t${mode}.traits.tsv`), 'utf8')
        .trimEnd()
        .split('\n');
      expect(table).toHaveLength(N_TRAITS + 1);
      // The trait table's best p-value is the minimum of the trait's file.
      const best = Math.min(
        ...readAssoc(join(dir, 'ours', `t${mode}.trait7.assoc.txt`))
          .rows.map((r) => Number(r[r.length - 1 - (mode === '4' ? 2 : 0)]))
          .filter((p) => !Number.isNaN(p)),
      );
      const row7 = table.find((l) => l.startsWith('7\t'))!.split('\t');
      expect(Number(row7[10])).toBeCloseTo(best, 12);
    }, 900_000);
  }

  it('--keep-p writes only rows at or below P and still counts every SNP', async () => {
    await lmmscan(
      [
        ...bb,
        '-p',
        pheno,
        '--traits',
        '1-4',
        '-lmm',
        '4',
        '--keep-p',
        '0.01',
        '-outdir',
        join(dir, 'keep'),
        '-o',
        'k',
      ],
      'ts',
    );
    const kept = readAssoc(join(dir, 'keep', 'k.trait1.assoc.txt')).rows;
    for (const r of kept)
      expect(Math.min(Number(r[12]), Number(r[13]), Number(r[14]))).toBeLessThanOrEqual(0.01);
    const table = readFileSync(join(dir, 'keep', 'k.traits.tsv'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(Number(table[1].split('\t')[6])).toBeGreaterThan(7000);
    expect(kept.length).toBeLessThan(7000);
  }, 300_000);
});

/** Runs GEMMA's LOCO loop (one -gk and one -lmm run per chromosome) and concatenates in file order. */
function gemmaLoco(dir: string, inputs: string[], chromosomes: string[], tag: string): string {
  const rows: string[] = [];
  let header = '';
  for (const chr of chromosomes) {
    execFileSync('gemma', [...inputs, '-loco', chr, '-gk', '1', '-o', `${tag}_${chr}`], {
      cwd: dir,
      stdio: 'pipe',
    });
    execFileSync(
      'gemma',
      [
        ...inputs,
        '-loco',
        chr,
        '-k',
        `output/${tag}_${chr}.cXX.txt`,
        '-lmm',
        '4',
        '-o',
        `${tag}_${chr}_lmm4`,
      ],
      { cwd: dir, stdio: 'pipe' },
    );
    const lines = readFileSync(join(dir, 'output', `${tag}_${chr}_lmm4.assoc.txt`), 'utf8')
      .trimEnd()
      .split('\n');
    header = lines[0];
    rows.push(...lines.slice(1));
  }
  const path = join(dir, `${tag}_loco_concat.assoc.txt`);
  writeFileSync(path, [header, ...rows].join('\n') + '\n');
  return path;
}

describe.runIf(runIt)('--loco against GEMMA looped over chromosomes', () => {
  it('BIMBAM (BXD): every chromosome matches gemma -loco CHR', async () => {
    const dir = scratchDir('loco-bxd');
    const inputs = [
      '-g',
      join(BXD, 'BXD_geno.txt.gz'),
      '-p',
      join(BXD, 'BXD_pheno.txt'),
      '-c',
      join(BXD, 'BXD_covariates2.txt'),
      '-a',
      join(BXD, 'BXD_snps.txt'),
    ];
    const chromosomes = [
      ...new Set(
        readFileSync(join(BXD, 'BXD_snps.txt'), 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => l.split(/\s+/)[2]),
      ),
    ];
    // GEMMA's loop on these fixed inputs is a fixed file (40 gemma runs): scripts/gemma-references.sh
    // made it with exactly gemmaLoco's commands; the PLINK case below runs the loop live.
    const reference = join(GEMMA_REFS, 'bxd-loco-lmm4.assoc.txt.gz');
    await lmmscan([...inputs, '--loco', '-lmm', '4', '-outdir', join(dir, 'ours'), '-o', 'loco'], 'wasm');
    const r = compareAssoc(join(dir, 'ours', 'loco.assoc.txt'), reference);
    expect(r.problems, r.problems.slice(0, 10).join('\n')).toEqual([]);
    expect(r.rows).toBe(7317);
    const log = readFileSync(join(dir, 'ours', 'loco.log.txt'), 'utf8');
    for (const chr of chromosomes) expect(log).toContain(`chr ${chr}: n = 67`);
  });

  it('PLINK input matches GEMMA on the same data as BIMBAM (GEMMA itself ignores -loco for PLINK)', async () => {
    const dir = scratchDir('loco-plink');
    const cohort = simulateCohort({
      nIndividuals: 151,
      nSnps: 900,
      nChromosomes: 3,
      familySize: 3,
      nCausal: 3,
      nCovariates: 1,
      missingGenotypeRate: 0.01,
      missingPhenotypeRate: 0.05,
      seed: 31,
    });
    await writePlink(join(dir, 'c'), cohort);
    const bb = await writeBimbam(join(dir, 'c_bb'), cohort);
    const reference = gemmaLoco(dir, ['-g', bb.geno, '-p', bb.pheno, '-a', bb.anno], ['1', '2', '3'], 'sim');
    await lmmscan(
      ['-bfile', join(dir, 'c'), '--loco', '-lmm', '4', '-outdir', join(dir, 'ours'), '-o', 'loco'],
      'ts',
    );
    const r = compareAssoc(join(dir, 'ours', 'loco.assoc.txt'), reference);
    expect(r.problems, r.problems.slice(0, 10).join('\n')).toEqual([]);
    expect(r.rows).toBeGreaterThan(850);
  });
});
