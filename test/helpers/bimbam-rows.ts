/**
 * The SNPs of a BIMBAM mean-genotype file one at a time, each in a new array: the reader the tests hold
 * the byte readers to (BimbamRowReader over streamLineBatches(), as BimbamGenotypes.blocks() reads them,
 * one row per iteration).
 */
import { BimbamRowReader } from '../../src/io/bimbam.js';
import { streamLineBatches } from '../../src/io/text-file.js';

/** One SNP row of a BIMBAM file. */
export interface BimbamSnp {
  /** 0-based SNP index in the file. */
  index: number;
  rs: string;
  allele1: string;
  allele0: string;
  /** Dosage of allele1 per sample, NaN = missing. */
  dosages: Float64Array;
}

/**
 * Streams the SNPs of a BIMBAM mean-genotype file, checking each row's width and range (BimbamRowReader).
 * With `anyValues` (GEMMA's -notsnp) a genotype may be any finite number. `wanted`, when given, is asked
 * about each row (its index, SNP id and alleles) before its genotypes are parsed: a row it declines is
 * neither read further nor checked, and is not yielded (GEMMA does not read the genotypes of a SNP outside
 * -snps either).
 */
export async function* streamBimbamGenotypes(
  path: string,
  nSamples: number,
  anyValues = false,
  wanted?: (index: number, rs: string, allele1: string, allele0: string) => boolean,
): AsyncGenerator<BimbamSnp> {
  const reader = new BimbamRowReader(path, nSamples, anyValues, wanted);
  for await (const batch of streamLineBatches(path, 'genotype file')) {
    for (let k = 0; k < batch.count; k++) {
      if (!reader.wants(batch.bytes, batch.starts[k], batch.ends[k])) continue;
      const dosages = new Float64Array(nSamples);
      reader.genotypes(dosages, 0, batch.firstLine + k);
      const { index, rs, allele1, allele0 } = reader;
      yield { index, rs, allele1, allele0, dosages };
    }
  }
}
