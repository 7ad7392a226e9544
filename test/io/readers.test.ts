/** Readers: PLINK (odd sample counts, so the last .bed byte is part padding), BIMBAM, matrices. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAnnotationFile, readCovariateFile, readPhenotypeFile, streamBimbamGenotypes } from '../../src/io/bimbam.js';
import { PlinkGenotypes } from '../../src/io/genotypes.js';
import { InputError } from '../../src/io/input-error.js';
import { readSquareMatrix } from '../../src/io/matrix-file.js';
import { readBim, readFam } from '../../src/io/plink.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('readers');

/** Encodes dosages (NaN = missing) as a .bed the way PLINK does, independently of the reader. */
function writeBed(path: string, genotypes: number[][], n: number) {
  const per = Math.ceil(n / 4);
  const bytes = new Uint8Array(3 + per * genotypes.length);
  bytes.set([0x6c, 0x1b, 0x01]);
  genotypes.forEach((snp, j) => {
    snp.forEach((g, i) => {
      const code = Number.isNaN(g) ? 1 : g === 2 ? 0 : g === 1 ? 2 : 3;
      bytes[3 + j * per + (i >> 2)] |= code << (2 * (i & 3));
    });
  });
  writeFileSync(path, bytes);
}

describe.each([1, 5, 7, 13])('PLINK with %i samples', (n) => {
  it('decodes every genotype, counting allele1, with padding ignored', async () => {
    const next = rng(n);
    const m = 9;
    const genotypes = Array.from({ length: m }, () => Array.from({ length: n }, () => (next() < 0.1 ? NaN : Math.floor(next() * 3))));
    const prefix = join(dir, `p${n}`);
    writeBed(`${prefix}.bed`, genotypes, n);
    writeFileSync(`${prefix}.bim`, genotypes.map((_, j) => `${1 + (j % 2)}\trs${j}\t0\t${100 * (j + 1)}\tA\tG`).join('\n') + '\n');
    writeFileSync(`${prefix}.fam`, Array.from({ length: n }, (_, i) => `F${i} I${i} 0 0 1 ${i === 0 ? -9 : (i * 0.5).toFixed(1)}`).join('\n') + '\n');
    const snps = readBim(`${prefix}.bim`);
    expect(snps.get(3)).toEqual({ chr: '2', rs: 'rs3', pos: '400', allele1: 'A', allele0: 'G' });
    const fam = readFam(`${prefix}.fam`, [1]);
    expect(Number.isNaN(fam.phenotypes[0][0])).toBe(true);
    if (n > 1) expect(fam.phenotypes[0][1]).toBe(0.5);
    const source = new PlinkGenotypes(`${prefix}.bed`, snps, n);
    const seen: number[][] = [];
    for await (const block of source.blocks(4)) for (let j = 0; j < block.count; j++) seen.push(Array.from(block.dosages.subarray(j * n, (j + 1) * n)));
    expect(seen).toEqual(genotypes);
    // Random access to a sparse selection.
    const picked: number[] = [];
    for await (const block of source.blocks(2, Int32Array.from([1, 6, 8]))) picked.push(...block.indices);
    expect(picked).toEqual([1, 6, 8]);
    source.close();
  });
});

describe('PLINK errors', () => {
  it('rejects a wrong magic number and a size that does not match .bim x .fam', () => {
    const prefix = join(dir, 'bad');
    writeFileSync(`${prefix}.bim`, '1\trs1\t0\t10\tA\tG\n');
    writeFileSync(`${prefix}.bed`, Uint8Array.from([0x6c, 0x1c, 0x01, 0]));
    expect(() => new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), 3)).toThrow(/magic/);
    writeFileSync(`${prefix}.bed`, Uint8Array.from([0x6c, 0x1b, 0x01, 0, 0]));
    expect(() => new PlinkGenotypes(`${prefix}.bed`, readBim(`${prefix}.bim`), 3)).toThrow(/size 5 bytes/);
  });
  it('names the file and line of a short .fam line', () => {
    writeFileSync(join(dir, 'short.fam'), 'F1 I1 0 0 1 2\nF2 I2 0\n');
    try {
      readFam(join(dir, 'short.fam'), [1]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).message).toMatch(/short\.fam:2: expected at least 6 fields/);
    }
  });
});

describe('BIMBAM', () => {
  it('reads genotypes with NA, trailing commas and gzip-agnostic streaming', async () => {
    const path = join(dir, 'g.txt');
    writeFileSync(path, 'rs1, A, T, 0, 1.5, NA,\nrs2, C, G, 2, 0.25, 1\n');
    const snps = [];
    for await (const s of streamBimbamGenotypes(path, 3)) snps.push(s);
    expect(snps.map((s) => s.rs)).toEqual(['rs1', 'rs2']);
    expect(Array.from(snps[0].dosages)).toEqual([0, 1.5, NaN]);
    expect(Array.from(snps[1].dosages)).toEqual([2, 0.25, 1]);
  });
  it('rejects a row with the wrong number of genotypes and values outside [0, 2]', async () => {
    const path = join(dir, 'g_bad.txt');
    writeFileSync(path, 'rs1, A, T, 0, 1, 2\nrs2, A, T, 0, 1\n');
    await expect(async () => {
      for await (const _ of streamBimbamGenotypes(path, 3)) void _;
    }).rejects.toThrow(/g_bad\.txt:2: SNP rs2 has 2 genotypes, expected 3/);
    writeFileSync(path, 'rs1, A, T, 0, 2.5, 2\n');
    await expect(async () => {
      for await (const _ of streamBimbamGenotypes(path, 3)) void _;
    }).rejects.toThrow(/outside \[0, 2\]/);
  });
  it('reads phenotypes, covariates (NA rows) and annotation', () => {
    writeFileSync(join(dir, 'p.txt'), '1.5 2\nNA 3\n-9 4\n');
    const [p1] = readPhenotypeFile(join(dir, 'p.txt'), [1]);
    expect(Array.from(p1)).toEqual([1.5, NaN, -9]); // -9 is a value in a -p file, as in GEMMA
    expect(() => readPhenotypeFile(join(dir, 'p.txt'), [3])).toThrow(/no phenotype column 3/);
    writeFileSync(join(dir, 'p_bad.txt'), '1.5\nabc\n');
    expect(() => readPhenotypeFile(join(dir, 'p_bad.txt'), [1])).toThrow(/p_bad\.txt:2: phenotype "abc" is not a number/);
    writeFileSync(join(dir, 'c.txt'), '1 0.5\t\n1 NA\n');
    const cov = readCovariateFile(join(dir, 'c.txt'));
    expect(cov.nColumns).toBe(2);
    expect(Number.isNaN(cov.rows[1][1])).toBe(true);
    writeFileSync(join(dir, 'a.txt'), 'rs1, 1200, 3\nrs2 NA NA\n');
    const anno = readAnnotationFile(join(dir, 'a.txt'));
    expect(anno.get('rs1')).toEqual({ pos: '1200', chr: '3' });
    expect(anno.get('rs2')).toEqual({ pos: '-9', chr: '-9' });
  });
});

describe('matrix files', () => {
  it('rejects a non-square, asymmetric or non-finite kinship', () => {
    writeFileSync(join(dir, 'k1.txt'), '1 0.5\n0.5\n');
    expect(() => readSquareMatrix(join(dir, 'k1.txt'), 'kinship', { symmetric: true })).toThrow(/not square/);
    writeFileSync(join(dir, 'k2.txt'), '1 0.5\n0.4 1\n');
    expect(() => readSquareMatrix(join(dir, 'k2.txt'), 'kinship', { symmetric: true })).toThrow(/not symmetric/);
    writeFileSync(join(dir, 'k3.txt'), '1 nan\nnan 1\n');
    expect(() => readSquareMatrix(join(dir, 'k3.txt'), 'kinship', { symmetric: true })).toThrow(/not a finite number/);
  });
});
