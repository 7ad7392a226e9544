/**
 * End to end: one simulated related cohort (hard calls with missing calls) as .bed and as plink2's
 * BGEN (1.1, 1.2 at 8 and 16 bits, 1.3) and PGEN conversions; -gk 1 and -lmm 4 from each give the
 * .bed run's kinship and .assoc.txt byte for byte (the dosages are the same numbers, so the scan is).
 * Dosages (plink2 --import-dosage, then PGEN and BGEN 16-bit) give the rows of BIMBAM files holding
 * the same values; how close those values are to the imported ones is tested in test/io.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { UsageError } from '../../src/io/input-error.js';
import { BgenGenotypes } from '../../src/io/bgen.js';
import { openGenotypes } from '../../src/io/genotype-registry.js';
import type { GenotypeSource } from '../../src/io/genotypes.js';
import { PgenGenotypes } from '../../src/io/pgen.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { importDosageCohort, readAllDosages } from '../helpers/genotype-files.js';
import { requireComparator } from '../helpers/comparators.js';
import { scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';

const dir = scratchDir('bgen-pgen-scan');
const havePlink2 = requireComparator('plink2', 'plink2');

describe.runIf(havePlink2)('-gk 1 and -lmm 4 from BGEN and PGEN', () => {
  const prefix = join(dir, 'cohort');
  const pheno = join(dir, 'pheno.txt');
  const run = async (label: string, input: string[]) => {
    await lmmscan([...input, '-p', pheno, '-gk', '1', '-outdir', dir, '-o', label, '--no-plots']);
    await lmmscan([
      ...input,
      '-p',
      pheno,
      '-k',
      join(dir, `${label}.cXX.txt`),
      '-lmm',
      '4',
      '-outdir',
      dir,
      '-o',
      `${label}_lmm`,
      '--no-plots',
    ]);
    return {
      kinship: readFileSync(join(dir, `${label}.cXX.txt`), 'utf8'),
      assoc: readFileSync(join(dir, `${label}_lmm.assoc.txt`), 'utf8'),
    };
  };
  let bed: { kinship: string; assoc: string };

  beforeAll(async () => {
    const cohort = simulateCohort({
      nIndividuals: 94,
      nSnps: 150,
      nCausal: 5,
      missingGenotypeRate: 0.03,
      seed: 41,
    });
    await writePlink(prefix, cohort);
    writeFileSync(
      pheno,
      Array.from({ length: cohort.nIndividuals }, (_, i) =>
        String(cohort.phenotypes[i * cohort.nTraits]),
      ).join('\n') + '\n',
    );
    bed = await run('bed', ['-bfile', prefix]);
    expect(bed.assoc.trim().split('\n').length).toBeGreaterThan(100);
  }, 120_000);

  it.each([
    ['bgen-1.1', ['bgen-1.1']],
    ['bgen-1.2-8', ['bgen-1.2', 'bits=8']],
    ['bgen-1.2-16', ['bgen-1.2', 'bits=16']],
    ['bgen-1.3', ['bgen-1.3']],
  ])(
    '%s (--bgen --sample) gives the .bed rows',
    async (label, exportArgs) => {
      const out = join(dir, label);
      execFileSync('plink2', [
        '--bfile',
        prefix,
        '--export',
        ...exportArgs,
        'ref-first',
        '--out',
        out,
        '--silent',
      ]);
      expect(await run(label, ['--bgen', `${out}.bgen`, '--sample', `${out}.sample`])).toEqual(bed);
    },
    120_000,
  );

  it('--pfile and --pgen/--pvar/--psam give the .bed rows', async () => {
    const out = join(dir, 'pgen');
    execFileSync('plink2', ['--bfile', prefix, '--make-pgen', '--out', out, '--silent']);
    expect(await run('pfile', ['--pfile', out])).toEqual(bed);
    expect(
      await run('pgen3', ['--pgen', `${out}.pgen`, '--pvar', `${out}.pvar`, '--psam', `${out}.psam`]),
    ).toEqual(bed);
  }, 120_000);

  it('--pheno matched by ID, --keep and --chr give the .bed rows for BGEN and PGEN', async () => {
    const fam = readFileSync(`${prefix}.fam`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    const values = readFileSync(pheno, 'utf8').trim().split('\n');
    // Shuffled rows, one sample absent (missing), one ID the genotypes do not have.
    const rows = fam
      .map((f, i) => `${f[0]} ${f[1]} ${values[i]}`)
      .filter((_, i) => i !== 0)
      .reverse();
    writeFileSync(join(dir, 'table.txt'), ['#FID IID y', ...rows, 'NOPE NOPE 1.5'].join('\n') + '\n');
    writeFileSync(
      join(dir, 'keep.txt'),
      fam
        .filter((_, i) => i % 4 !== 1)
        .map((f) => `${f[0]} ${f[1]}`)
        .join('\n') + '\n',
    );
    const selected = async (label: string, input: string[]) => {
      const flags = [
        ...input,
        '--pheno',
        join(dir, 'table.txt'),
        '--keep',
        join(dir, 'keep.txt'),
        '--chr',
        '2',
        '-outdir',
        dir,
        '--no-plots',
      ];
      await lmmscan([...flags, '-gk', '1', '-o', `${label}_sel`]);
      // -k is in the genotype file's sample order (all 94) and is cut to the kept samples.
      await lmmscan([...flags, '-k', join(dir, 'bed.cXX.txt'), '-lmm', '4', '-o', `${label}_sel_lmm`]);
      return [
        readFileSync(join(dir, `${label}_sel.cXX.txt`), 'utf8'),
        readFileSync(join(dir, `${label}_sel_lmm.assoc.txt`), 'utf8'),
      ];
    };
    const expected = await selected('bed', ['-bfile', prefix]);
    // 70 samples kept (the kinship covers them all; the first has no phenotype); chromosome 2 only.
    expect(expected[0].trim().split('\n')).toHaveLength(70);
    const assocRows = expected[1].trim().split('\n').slice(1);
    expect(assocRows.length).toBeGreaterThan(20);
    expect(assocRows.every((row) => row.startsWith('2\t'))).toBe(true);
    const out = join(dir, 'sel');
    execFileSync('plink2', [
      '--bfile',
      prefix,
      '--export',
      'bgen-1.2',
      'bits=8',
      'ref-first',
      '--out',
      out,
      '--silent',
    ]);
    execFileSync('plink2', ['--bfile', prefix, '--make-pgen', '--out', out, '--silent']);
    expect(await selected('bgen', ['--bgen', `${out}.bgen`, '--sample', `${out}.sample`])).toEqual(expected);
    expect(await selected('pgen', ['--pfile', out])).toEqual(expected);
  }, 120_000);
});

describe('BGEN and PGEN flags', () => {
  const config = (flags: string[]) => toScanConfig(parseFlags(flags), flags.join(' '));
  const open = (flags: string[]) => openGenotypes(config(flags));
  it('fill the config and refuse incomplete or conflicting combinations', () => {
    expect(config(['--bgen', 'a.bgen', '--sample', 'a.sample', '-gk', '1']).genotypeOptions).toEqual({
      bgen: 'a.bgen',
      sample: 'a.sample',
    });
    expect(config(['--pfile', 'x', '-gk', '1']).genotypeOptions).toEqual({ pfile: 'x' });
    expect(() => open(['--sample', 'a.sample', '-gk', '1'])).toThrow(
      new UsageError('--sample goes with --bgen FILE'),
    );
    expect(() => open(['--sample', 'a.sample', '-bfile', 'x', '-gk', '1'])).toThrow(UsageError);
    expect(() => open(['--pgen', 'a.pgen', '--pvar', 'a.pvar', '-gk', '1'])).toThrow(
      new UsageError('--pgen, --pvar and --psam go together (or give --pfile PREFIX)'),
    );
    expect(() => open(['--pfile', 'x', '--pgen', 'a.pgen', '-gk', '1'])).toThrow(
      new UsageError('give either --pfile or --pgen/--pvar/--psam, not both'),
    );
    expect(() => open(['--pfile', 'x', '--bgen', 'a.bgen', '-gk', '1'])).toThrow(UsageError);
  });
});

describe.runIf(havePlink2)('-gk 1 and -lmm 4 from dosages in PGEN and BGEN', () => {
  it('give the rows of BIMBAM files holding the dosages the readers decode', async () => {
    const prefix = join(dir, 'dosage');
    const cohort = simulateCohort({
      nIndividuals: 86,
      nSnps: 120,
      nCausal: 4,
      missingGenotypeRate: 0.03,
      seed: 43,
    });
    importDosageCohort(prefix, cohort, 11);
    const pheno = join(dir, 'dosage-pheno.txt');
    writeFileSync(
      pheno,
      Array.from({ length: cohort.nIndividuals }, (_, i) =>
        String(cohort.phenotypes[i * cohort.nTraits]),
      ).join('\n') + '\n',
    );
    execFileSync('plink2', [
      '--pfile',
      prefix,
      '--export',
      'bgen-1.2',
      'bits=16',
      'ref-first',
      '--out',
      prefix,
      '--silent',
    ]);
    const scan = async (label: string, input: string[]) => {
      await lmmscan([...input, '-p', pheno, '-gk', '1', '-outdir', dir, '-o', label, '--no-plots']);
      await lmmscan([
        ...input,
        '-p',
        pheno,
        '-k',
        join(dir, `${label}.cXX.txt`),
        '-lmm',
        '4',
        '-outdir',
        dir,
        '-o',
        `${label}_lmm`,
        '--no-plots',
      ]);
      return [
        readFileSync(join(dir, `${label}.cXX.txt`), 'utf8'),
        readFileSync(join(dir, `${label}_lmm.assoc.txt`), 'utf8'),
      ];
    };
    const sources: [string, GenotypeSource, string[]][] = [
      [
        'pgen',
        new PgenGenotypes({ pgen: `${prefix}.pgen`, pvar: `${prefix}.pvar`, psam: `${prefix}.psam` }),
        ['--pfile', prefix],
      ],
      [
        'bgen',
        new BgenGenotypes(`${prefix}.bgen`, `${prefix}.sample`),
        ['--bgen', `${prefix}.bgen`, '--sample', `${prefix}.sample`],
      ],
    ];
    for (const [label, source, flags] of sources) {
      // The same doubles written out in full (String() round-trips), as GEMMA users would convert them.
      const { dosages, annotations } = await readAllDosages(source);
      source.close();
      const geno = join(dir, `${label}.geno.txt`);
      const anno = join(dir, `${label}.anno.txt`);
      writeFileSync(
        geno,
        dosages
          .map((d, j) =>
            [
              annotations[j].rs,
              annotations[j].allele1,
              annotations[j].allele0,
              ...Array.from(d, (v) => (Number.isNaN(v) ? 'NA' : String(v))),
            ].join(', '),
          )
          .join('\n') + '\n',
      );
      writeFileSync(anno, annotations.map((a) => `${a.rs}, ${a.pos}, ${a.chr}`).join('\n') + '\n');
      expect(dosages.some((d) => d.some((v) => v !== Math.round(v)))).toBe(true);
      expect(await scan(label, flags)).toEqual(await scan(`${label}-bimbam`, ['-g', geno, '-a', anno]));
    }
  }, 120_000);
});
