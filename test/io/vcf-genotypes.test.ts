/**
 * The VCF reader on hand-written records: GT and DS dosages of ALT, missing calls, haploid calls,
 * multi-allelic records skipped and counted, sample and SNP selection while decoding, bgzip
 * (multi-member gzip), and one exact error per kind of bad line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sampleChoiceOf, snpChoiceOf } from '../../src/io/genotype-selection.js';
import type { GenotypeSelection } from '../../src/io/genotypes.js';
import { VcfGenotypes, type VcfDosageField } from '../../src/io/vcf-genotypes.js';
import { scratchDir } from '../helpers/paths.js';

const dir = scratchDir('vcf');
const HEADER =
  '##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\n';
const RECORDS = [
  '1\t100\trs1\tG\tT\t.\t.\t.\tGT\t0/0\t0|1\t1/1',
  '1\t200\trs2\tA\tC,G\t.\t.\t.\tGT\t0/0\t0/1\t1/2',
  '1\t300\trs3\tC\tA\t.\t.\t.\tGT:DS\t./.:.\t0/1:0.9\t1/1:1.75',
  '2\t50\trs4\tT\tG\t.\t.\t.\tGT\t1\t0\t.',
  'X\t70\trs5\tA\tT\t.\t.\t.\tGT:DS\t0/1\t1/1:2\t0/0:0',
];

function write(name: string, text: string, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(Buffer.from(text)) : text);
  return path;
}

async function read(path: string, dosage: VcfDosageField = 'auto', selection: GenotypeSelection = {}) {
  const source = VcfGenotypes.open(path, dosage, selection);
  const rows: (string | number[])[] = [];
  for await (const block of source.blocks(2)) {
    for (let j = 0; j < block.count; j++) {
      const a = block.annotations[j];
      rows.push(
        `${block.indices[j]} ${a.chr}:${a.pos} ${a.rs} ${a.allele1}/${a.allele0}`,
        Array.from(block.dosages.subarray(j * source.nSamples, (j + 1) * source.nSamples)),
      );
    }
  }
  return { source, rows };
}

describe('VcfGenotypes', () => {
  it('reads ALT dosages from DS when present, else GT; skips multi-allelic records and says so', async () => {
    const { source, rows } = await read(write('a.vcf', HEADER + RECORDS.join('\n') + '\n'));
    expect(source.sampleIds).toEqual([
      { fid: null, iid: 'A' },
      { fid: null, iid: 'B' },
      { fid: null, iid: 'C' },
    ]);
    expect(rows).toEqual([
      '0 1:100 rs1 T/G',
      [0, 1, 2],
      '1 1:300 rs3 A/C',
      [NaN, 0.9, 1.75],
      '2 2:50 rs4 G/T',
      [2, 0, NaN],
      // A sample whose trailing DS is dropped is missing.
      '3 X:70 rs5 T/A',
      [NaN, 2, 0],
    ]);
    expect(source.notes()).toEqual([`1 multi-allelic records of ${join(dir, 'a.vcf')} skipped`]);
  });

  it('--vcf-dosage GT takes GT even where DS is given; DS requires it', async () => {
    const path = write('b.vcf', HEADER + RECORDS.join('\n') + '\n');
    const { rows } = await read(path, 'GT');
    expect(rows[3]).toEqual([NaN, 1, 2]);
    await expect(read(path, 'DS')).rejects.toThrow(`${path}:4: no DS in FORMAT (--vcf-dosage DS)`);
  });

  it('bgzip (several gzip members) reads as the plain file, with selection applied while decoding', async () => {
    const members = Buffer.concat([
      gzipSync(Buffer.from(HEADER + RECORDS.slice(0, 2).join('\n') + '\n')),
      gzipSync(Buffer.from(RECORDS.slice(2).join('\n') + '\n')),
    ]);
    const path = join(dir, 'c.vcf.gz');
    writeFileSync(path, members);
    writeFileSync(join(dir, 'keep.txt'), 'C\nA\n');
    writeFileSync(join(dir, 'ext.txt'), 'rs1\nrs3\nrs4\n');
    const selection = {
      samples: sampleChoiceOf({ keep: join(dir, 'keep.txt') }),
      snps: snpChoiceOf({ extract: join(dir, 'ext.txt'), chr: '2-3,1' }),
    };
    const { source, rows } = await read(path, 'auto', selection);
    expect(source.sampleIds!.map((s) => s.iid)).toEqual(['A', 'C']);
    expect(Array.from(source.sampleRows)).toEqual([0, 2]);
    expect(rows).toEqual([
      '0 1:100 rs1 T/G',
      [0, 2],
      '1 1:300 rs3 A/C',
      [NaN, 1.75],
      '2 2:50 rs4 G/T',
      [2, NaN],
    ]);
    // Re-reading chosen SNPs by index (the scan's second pass) gives the same rows.
    const again: number[] = [];
    for await (const block of source.blocks(5, Int32Array.of(2)))
      again.push(...block.indices, ...block.dosages);
    expect(again).toEqual([2, 2, NaN]);
  });

  const bad: [string, string, string][] = [
    [
      'too few samples',
      '1\t100\trs1\tG\tT\t.\t.\t.\tGT\t0/0\t0/1',
      '4: 2 sample columns, expected 3 (the samples of the #CHROM line)',
    ],
    [
      'too many samples',
      '1\t100\trs1\tG\tT\t.\t.\t.\tGT\t0/0\t0/1\t1/1\t0/0',
      '4: 4 sample columns, expected 3 (the samples of the #CHROM line)',
    ],
    ['fixed columns cut short', '1\t100\trs1\tG', '4: 4 columns, expected 9 fixed columns and 3 samples'],
    [
      'a GT that is not a call',
      '1\t100\trs1\tG\tT\t.\t.\t.\tGT\t0/0\t0/x\t1/1',
      '4: GT "0/x" of sample 2 is not a biallelic call',
    ],
    [
      'a DS outside [0, 2]',
      '1\t100\trs1\tG\tT\t.\t.\t.\tDS\t0\t2.5\t1',
      '4: DS "2.5" of sample 2 is not a dosage in [0, 2]',
    ],
    ['no GT', '1\t100\trs1\tG\tT\t.\t.\t.\tAD\t1\t2\t3', '4: no GT in FORMAT (AD)'],
  ];
  for (const [name, line, message] of bad) {
    it(`${name}: an InputError naming the file and line`, async () => {
      const path = write(`${name.replace(/\W+/g, '-')}.vcf`, `${HEADER}${line}\n`);
      await expect(read(path)).rejects.toThrow(`${path}:${message}`);
    });
  }

  it('a file without the #CHROM line, or with a bad one, is refused on open', () => {
    const none = write('none.vcf', '##fileformat=VCFv4.2\n');
    expect(() => VcfGenotypes.open(none, 'auto', {})).toThrow(`${none}: no #CHROM header line`);
    const badHeader = write('badheader.vcf.gz', '##x\n#CHROM\tPOS\tID\n', true);
    expect(() => VcfGenotypes.open(badHeader, 'auto', {})).toThrow(
      `${badHeader}:2: expected the header line #CHROM POS ID REF ALT QUAL FILTER INFO FORMAT <samples>`,
    );
  });
});
