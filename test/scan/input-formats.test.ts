/**
 * One simulated related cohort (missing calls, missing phenotypes, two traits, covariates) read as a
 * .bed and as VCFs made from it by the Debian plink2 (GT plain, GT bgzip, GT:DS): -gk 1 and -lmm 4
 * give byte-identical outputs. Sample tables matched by ID, and --keep/--extract/--chr against a
 * plink2 --make-bed subset, give the same rows as the aligned files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort, writeBimbam, writePlink, type SimulatedCohort } from '../../src/sim/index.js';
import { requireComparator } from '../helpers/comparators.js';
import { maxMatrixDifference } from '../helpers/compare-assoc.js';
import { scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';

const dir = scratchDir('input-formats');
const bed = join(dir, 'cohort');
const bb = join(dir, 'bb');
const hasPlink2 = requireComparator('plink2', 'plink2');
let cohort: SimulatedCohort;

function plink2(...args: string[]): void {
  const run = spawnSync('plink2', [...args, '--silent'], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`plink2 ${args.join(' ')}: ${run.stderr}${run.stdout}`);
}

const read = (path: string) => readFileSync(path, 'utf8');
/** Runs lmmscan into `dir` and returns the named output's text. */
async function output(name: string, suffix: string, flags: string[]): Promise<string> {
  await lmmscan([...flags, '-o', name, '-outdir', dir, '--no-plots']);
  return read(join(dir, `${name}.${suffix}`));
}

beforeAll(async () => {
  cohort = simulateCohort({
    nIndividuals: 61,
    nSnps: 150,
    nChromosomes: 3,
    familySize: 3,
    nCausal: 3,
    nCovariates: 2,
    nTraits: 2,
    missingGenotypeRate: 0.03,
    missingPhenotypeRate: 0.08,
    seed: 23,
  });
  await writePlink(bed, cohort);
  await writeBimbam(bb, cohort);
  if (!hasPlink2) return;
  // id-paste=iid: the VCF samples are the .fam IIDs (unique here), as a study's VCF would name them.
  plink2('--bfile', bed, '--export', 'vcf', 'id-paste=iid', '--out', join(dir, 'gt'));
  plink2('--bfile', bed, '--export', 'vcf', 'bgz', 'id-paste=iid', '--out', join(dir, 'gtz'));
  plink2('--bfile', bed, '--export', 'vcf', 'vcf-dosage=DS-force', 'id-paste=iid', '--out', join(dir, 'ds'));
}, 60_000);

describe.runIf(hasPlink2)('VCF from plink2 gives the .bed results', () => {
  const common = () => ['-p', `${bb}.pheno.txt`, '-c', `${bb}.cov.txt`];
  it('plink2 counts the .bim allele1 as ALT', () => {
    const record = read(join(dir, 'gt.vcf'))
      .split('\n')
      .find((l) => l.startsWith(`${cohort.snps[0].chr}\t`))!
      .split('\t');
    expect([record[2], record[4], record[3]]).toEqual([
      cohort.snps[0].rs,
      cohort.snps[0].allele1,
      cohort.snps[0].allele0,
    ]);
  });
  it('-gk 1 and -lmm 4: identical files from .bed, VCF, VCF.gz (bgzip) and GT:DS', async () => {
    const kinship = await output('bed', 'cXX.txt', ['-bfile', bed, ...common(), '-gk', '1']);
    const assoc = await output('bed', 'assoc.txt', [
      '-bfile',
      bed,
      ...common(),
      '-k',
      join(dir, 'bed.cXX.txt'),
      '-lmm',
      '4',
    ]);
    expect(assoc.split('\n').length).toBeGreaterThan(100);
    const variants: [string, string[]][] = [
      ['gt', ['--vcf', join(dir, 'gt.vcf')]],
      ['gtz', ['--vcf', join(dir, 'gtz.vcf.gz')]],
      ['ds', ['--vcf', join(dir, 'ds.vcf')]],
      ['dsgt', ['--vcf', join(dir, 'ds.vcf'), '--vcf-dosage', 'GT']],
      ['dsds', ['--vcf', join(dir, 'ds.vcf'), '--vcf-dosage', 'DS']],
    ];
    for (const [name, flags] of variants) {
      expect(await output(name, 'cXX.txt', [...flags, ...common(), '-gk', '1']), name).toBe(kinship);
      expect(
        await output(name, 'assoc.txt', [...flags, ...common(), '-k', join(dir, 'bed.cXX.txt'), '-lmm', '4']),
        name,
      ).toBe(assoc);
    }
  }, 120_000);
});

/** Shuffled rows (seeded), without the samples `drop`, plus two IDs the genotypes do not have. */
function shuffledTable(header: string, rows: string[][], drop: Set<number>): string {
  const order = rows.map((_, i) => i).filter((i) => !drop.has(i));
  for (let k = order.length - 1; k > 0; k--) {
    const j = (k * 7919 + 13) % (k + 1);
    [order[k], order[j]] = [order[j], order[k]];
  }
  const width = rows[0].length;
  const extra = [
    ['NOFAM', 'NOBODY_1', ...Array(width - 2).fill('1.5')],
    ['NOFAM', 'NOBODY_2', ...Array(width - 2).fill('-0.5')],
  ];
  return (
    [header, ...order.map((i) => rows[i].join('\t')), ...extra.map((r) => r.join(' '))].join('\n') + '\n'
  );
}

describe('phenotype and covariate tables matched by ID', () => {
  it('give the rows of the aligned -p / -c files (shuffled, extra and missing IDs, -9 and NA)', async () => {
    const n = cohort.nIndividuals;
    const drop = new Set([4, 17, 30]);
    const pheno = read(`${bb}.pheno.txt`)
      .trimEnd()
      .split('\n')
      .map((l) => l.split(' '));
    const cov = read(`${bb}.cov.txt`)
      .trimEnd()
      .split('\n')
      .map((l) => l.split(' '));
    const ids = cohort.individuals;
    // Aligned files: a sample absent from the table is missing there.
    writeFileSync(
      join(dir, 'aligned.pheno.txt'),
      pheno.map((r, i) => (drop.has(i) ? 'NA NA' : r.join(' '))).join('\n') + '\n',
    );
    const phenoRows = pheno.map((r, i) => [
      ids[i].fid,
      ids[i].iid,
      ...r.map((v) => (v === 'NA' ? (i % 2 ? '-9' : 'NA') : v)),
    ]);
    writeFileSync(join(dir, 'pheno.tsv'), shuffledTable('#FID\tIID\tbmi\theight', phenoRows, drop));
    const covRows = cov.map((r, i) => [ids[i].fid, ids[i].iid, ...r]);
    writeFileSync(join(dir, 'covar.tsv'), shuffledTable('FID IID one age sex', covRows, new Set()));
    expect(n).toBe(pheno.length);
    const aligned = [
      '-bfile',
      bed,
      '-p',
      join(dir, 'aligned.pheno.txt'),
      '-c',
      `${bb}.cov.txt`,
      '-k',
      join(dir, 'tables.cXX.txt'),
    ];
    const byId = [
      '-bfile',
      bed,
      '--pheno',
      join(dir, 'pheno.tsv'),
      '--covar',
      join(dir, 'covar.tsv'),
      '-k',
      join(dir, 'tables.cXX.txt'),
    ];
    await lmmscan(['-bfile', bed, '-p', `${bb}.pheno.txt`, '-gk', '1', '-o', 'tables', '-outdir', dir]);
    const expected = await output('aligned2', 'assoc.txt', [...aligned, '-n', '2', '-lmm', '4']);
    expect(await output('byname', 'assoc.txt', [...byId, '--pheno-name', 'height', '-lmm', '4'])).toBe(
      expected,
    );
    expect(await output('bynum', 'assoc.txt', [...byId, '--pheno-col-nums', '2', '-lmm', '4'])).toBe(
      expected,
    );
    expect(await output('byn', 'assoc.txt', [...byId, '-n', '2', '-lmm', '4'])).toBe(expected);
    // Two names scan as --traits 1,2 does.
    await lmmscan([
      ...aligned,
      '--traits',
      '1,2',
      '-lmm',
      '1',
      '-o',
      'alignedT',
      '-outdir',
      dir,
      '--no-plots',
    ]);
    await lmmscan([
      ...byId,
      '--pheno-name',
      'bmi,height',
      '--covar-name',
      'one,age,sex',
      '-lmm',
      '1',
      '-o',
      'byIdT',
      '-outdir',
      dir,
      '--no-plots',
    ]);
    for (const t of [1, 2])
      expect(read(join(dir, `byIdT.trait${t}.assoc.txt`))).toBe(
        read(join(dir, `alignedT.trait${t}.assoc.txt`)),
      );
    expect(read(join(dir, 'byIdT.log.txt'))).toMatch(
      /## 2 sample IDs of .*pheno\.tsv are not among the genotype samples \(ignored\)/,
    );
  }, 120_000);

  it('BIMBAM genotypes name no samples: --keep and --pheno are usage errors', async () => {
    writeFileSync(join(dir, 'k1.txt'), 'A\n');
    const bimbam = [
      '-g',
      `${bb}.geno.txt`,
      '-p',
      `${bb}.pheno.txt`,
      '-gk',
      '1',
      '-o',
      'bbsel',
      '-outdir',
      dir,
    ];
    await expect(lmmscan([...bimbam, '--keep', join(dir, 'k1.txt')])).rejects.toThrow(
      '--keep / --remove need sample IDs, which BIMBAM (-g) files do not carry',
    );
    await expect(
      lmmscan(['-g', `${bb}.geno.txt`, '--pheno', join(dir, 'k1.txt'), '-gk', '1']),
    ).rejects.toThrow('--pheno / --covar match samples by ID, which BIMBAM (-g) files do not carry');
  });

  it('a duplicated ID is an error naming the file and both lines', async () => {
    writeFileSync(
      join(dir, 'dup.tsv'),
      `#IID y\n${cohort.individuals[0].iid} 1\n${cohort.individuals[1].iid} 2\n${cohort.individuals[0].iid} 3\n`,
    );
    await expect(
      lmmscan(['-bfile', bed, '--pheno', join(dir, 'dup.tsv'), '-gk', '1', '-o', 'dup', '-outdir', dir]),
    ).rejects.toThrow(
      `${join(dir, 'dup.tsv')}:4: duplicated sample ID ${cohort.individuals[0].iid} (first on line 2)`,
    );
  });
});

describe.runIf(hasPlink2)('selection gives the rows of a plink2 --make-bed subset', () => {
  it('--keep, --extract, --chr; --remove, --exclude, --from-bp/--to-bp; -snps; on the .bed and the VCF', async () => {
    const ids = cohort.individuals;
    const keep = ids.filter((_, i) => i % 4 !== 1);
    writeFileSync(join(dir, 'keep.txt'), keep.map((s) => `${s.fid} ${s.iid}`).join('\n') + '\n');
    writeFileSync(join(dir, 'keep-iid.txt'), '#IID\n' + keep.map((s) => s.iid).join('\n') + '\n');
    writeFileSync(
      join(dir, 'remove.txt'),
      ids
        .filter((_, i) => i % 4 === 1)
        .map((s) => s.iid)
        .join('\n') + '\n',
    );
    const extract = cohort.snps.filter((_, j) => j % 3 !== 0).map((s) => s.rs);
    writeFileSync(join(dir, 'extract.txt'), extract.join('\n') + '\n');
    writeFileSync(
      join(dir, 'exclude.txt'),
      cohort.snps
        .filter((_, j) => j % 3 === 0)
        .map((s) => s.rs)
        .join('\n') + '\n',
    );
    plink2(
      '--bfile',
      bed,
      '--keep',
      join(dir, 'keep.txt'),
      '--extract',
      join(dir, 'extract.txt'),
      '--chr',
      '1,3',
      '--make-bed',
      '--out',
      join(dir, 'sub'),
    );
    writeFileSync(
      join(dir, 'sub.pheno.txt'),
      read(`${bb}.pheno.txt`)
        .trimEnd()
        .split('\n')
        .filter((_, i) => i % 4 !== 1)
        .join('\n') + '\n',
    );
    writeFileSync(
      join(dir, 'sub.cov.txt'),
      read(`${bb}.cov.txt`)
        .trimEnd()
        .split('\n')
        .filter((_, i) => i % 4 !== 1)
        .join('\n') + '\n',
    );
    const subset = ['-p', join(dir, 'sub.pheno.txt'), '-c', join(dir, 'sub.cov.txt')];
    const full = ['-p', `${bb}.pheno.txt`, '-c', `${bb}.cov.txt`];
    const kinship = await output('sub', 'cXX.txt', ['-bfile', join(dir, 'sub'), ...subset, '-gk', '1']);
    const assoc = await output('sub', 'assoc.txt', [
      '-bfile',
      join(dir, 'sub'),
      ...subset,
      '-k',
      join(dir, 'sub.cXX.txt'),
      '-lmm',
      '4',
    ]);
    const selections: [string, string[]][] = [
      [
        'selA',
        [
          '-bfile',
          bed,
          '--keep',
          join(dir, 'keep.txt'),
          '--extract',
          join(dir, 'extract.txt'),
          '--chr',
          '1,3',
        ],
      ],
      [
        'selB',
        [
          '-bfile',
          bed,
          '--remove',
          join(dir, 'remove.txt'),
          '--exclude',
          join(dir, 'exclude.txt'),
          '--chr',
          '1,3',
        ],
      ],
      [
        'selC',
        [
          '-bfile',
          bed,
          '--keep',
          join(dir, 'keep-iid.txt'),
          '-snps',
          join(dir, 'extract.txt'),
          '--chr',
          '1,3',
        ],
      ],
      [
        'selV',
        [
          '--vcf',
          join(dir, 'gtz.vcf.gz'),
          '--keep',
          join(dir, 'keep.txt'),
          '--extract',
          join(dir, 'extract.txt'),
          '--chr',
          '1,3',
        ],
      ],
    ];
    for (const [name, flags] of selections) {
      expect(await output(name, 'cXX.txt', [...flags, ...full, '-gk', '1']), name).toBe(kinship);
      // The subset's K given by its own ID list (the .fam of the subset serves as one).
      const k = ['-k', join(dir, 'sub.cXX.txt'), '--kinship-ids', join(dir, 'sub.fam')];
      expect(await output(name, 'assoc.txt', [...flags, ...full, ...k, '-lmm', '4']), name).toBe(assoc);
    }
    // The subset's K in another order, with its IDs in that order.
    const subK = read(join(dir, 'sub.cXX.txt'))
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    const subIds = read(join(dir, 'sub.fam'))
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    const perm = subIds.map((_, k) => (k * 17 + 5) % subIds.length);
    expect(new Set(perm).size).toBe(subIds.length);
    writeFileSync(
      join(dir, 'perm.cXX.txt'),
      perm.map((a) => perm.map((b) => subK[a][b]).join('\t')).join('\n') + '\n',
    );
    writeFileSync(join(dir, 'perm.ids'), perm.map((a) => subIds[a]).join('\n') + '\n');
    const permuted = ['-k', join(dir, 'perm.cXX.txt'), '--kinship-ids', join(dir, 'perm.ids')];
    expect(await output('selP', 'assoc.txt', [...selections[0][1], ...full, ...permuted, '-lmm', '4'])).toBe(
      assoc,
    );
    // A -k over every sample of the genotype file is cut to the kept ones.
    const kept = new Set(keep.map((s) => s.iid));
    const subRows = read(join(dir, 'sub.cXX.txt'))
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    let next = 0;
    const position = ids.map((s) => (kept.has(s.iid) ? next++ : -1));
    const embedded = ids.map((_, a) =>
      ids
        .map((__, b) =>
          position[a] >= 0 && position[b] >= 0 ? subRows[position[a]][position[b]] : a === b ? '1' : '0',
        )
        .join('\t'),
    );
    writeFileSync(join(dir, 'embedded.cXX.txt'), embedded.join('\n') + '\n');
    expect(
      await output('selK', 'assoc.txt', [
        ...selections[0][1],
        ...full,
        '-k',
        join(dir, 'embedded.cXX.txt'),
        '-lmm',
        '4',
      ]),
    ).toBe(assoc);
    // --from-bp / --to-bp against plink2's own.
    const pos = cohort.snps.filter((s) => s.chr === cohort.snps[0].chr).map((s) => s.pos);
    const [from, to] = [pos[10], pos[pos.length - 10]];
    plink2(
      '--bfile',
      bed,
      '--chr',
      String(cohort.snps[0].chr),
      '--from-bp',
      String(from),
      '--to-bp',
      String(to),
      '--make-bed',
      '--out',
      join(dir, 'range'),
    );
    const rangeK = await output('range', 'cXX.txt', ['-bfile', join(dir, 'range'), ...full, '-gk', '1']);
    expect(
      await output('selR', 'cXX.txt', [
        '-bfile',
        bed,
        ...full,
        '--chr',
        String(cohort.snps[0].chr),
        '--from-bp',
        String(from),
        '--to-bp',
        String(to),
        '-gk',
        '1',
      ]),
    ).toBe(rangeK);
  }, 180_000);
});

describe.runIf(requireComparator('gemma', 'gemma'))('GEMMA -snps and -ksnps', () => {
  it('-snps restricts -gk and -lmm as gemma 0.98.5 does on BIMBAM input; -ksnps (which gemma lists but rejects) only the kinship', async () => {
    const list = cohort.snps.filter((_, j) => j % 2 === 0).map((s) => `${s.rs}, x`);
    writeFileSync(join(dir, 'half.txt'), list.join('\n') + '\n');
    const bimbam = ['-g', `${bb}.geno.txt`, '-p', `${bb}.pheno.txt`, '-a', `${bb}.anno.txt`];
    const gemma = (args: string[]) =>
      execFileSync('gemma', [...bimbam, ...args], { cwd: dir, stdio: 'pipe' });
    gemma(['-snps', join(dir, 'half.txt'), '-gk', '1', '-o', 'g_snps']);
    await lmmscan([...bimbam, '-snps', join(dir, 'half.txt'), '-gk', '1', '-o', 'l_snps', '-outdir', dir]);
    expect(
      maxMatrixDifference(join(dir, 'l_snps.cXX.txt'), join(dir, 'output', 'g_snps.cXX.txt')),
    ).toBeLessThan(1e-6);
    await lmmscan([...bimbam, '-gk', '1', '-o', 'l_all', '-outdir', dir]);
    expect(read(join(dir, 'l_all.cXX.txt'))).not.toBe(read(join(dir, 'l_snps.cXX.txt')));
    // The same SNPs through -ksnps give the same kinship.
    await lmmscan([...bimbam, '-ksnps', join(dir, 'half.txt'), '-gk', '1', '-o', 'l_ksnps', '-outdir', dir]);
    expect(read(join(dir, 'l_ksnps.cXX.txt'))).toBe(read(join(dir, 'l_snps.cXX.txt')));
    gemma(['-snps', join(dir, 'half.txt'), '-k', join(dir, 'l_snps.cXX.txt'), '-lmm', '1', '-o', 'g_snps']);
    await lmmscan([
      ...bimbam,
      '-snps',
      join(dir, 'half.txt'),
      '-k',
      join(dir, 'l_snps.cXX.txt'),
      '-lmm',
      '1',
      '-o',
      'l_snps',
      '-outdir',
      dir,
      '--no-plots',
    ]);
    const rs = (path: string) =>
      read(path)
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t')[1]);
    expect(rs(join(dir, 'l_snps.assoc.txt'))).toEqual(rs(join(dir, 'output', 'g_snps.assoc.txt')));
    expect(rs(join(dir, 'l_snps.assoc.txt')).length).toBeLessThan(cohort.nSnps / 2 + 1);
  }, 120_000);
});
