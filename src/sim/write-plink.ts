/**
 * Write a simulated cohort as a PLINK binary fileset (PREFIX.bed, .bim, .fam), the way GEMMA reads it
 * with `-bfile PREFIX`. The .bed is streamed in chunks of SNPs so m = 1e6 never needs one giant buffer.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { roundToTenDigits, type SimulatedCohort } from './cohort.js';

/** Options of writePlink. */
export interface WritePlinkOptions {
  /** Which trait (0-based phenotype column of the cohort) goes into .fam column 6 (default 0). */
  trait?: number;
}

/** First three bytes of every SNP-major PLINK .bed file. */
export const BED_MAGIC = Uint8Array.of(0x6c, 0x1b, 0x01);

// 2-bit .bed code for each genotype value + 1 (index 0 = missing, 1..3 = copies of allele1 0..2).
// PLINK's first allele (allele1) is the one counted: 00 = two copies, 10 = one, 11 = none, 01 = missing.
const BED_CODE_BY_GENOTYPE_PLUS_ONE = Uint8Array.of(0b01, 0b11, 0b10, 0b00);
// Target size of one streamed chunk of the .bed / .bim.
const CHUNK_BYTES = 1 << 20;

/** Write PREFIX.bed, PREFIX.bim and PREFIX.fam; resolves once all three are flushed to disk. */
export async function writePlink(
  prefix: string,
  cohort: SimulatedCohort,
  options: WritePlinkOptions = {},
): Promise<void> {
  const trait = options.trait ?? 0;
  if (!Number.isInteger(trait) || trait < 0 || trait >= cohort.nTraits) {
    throw new RangeError(`writePlink: trait must be an integer in [0, ${cohort.nTraits}), got ${trait}`);
  }
  await Promise.all([
    pipeline(bedChunks(cohort), createWriteStream(`${prefix}.bed`)),
    pipeline(bimChunks(cohort), createWriteStream(`${prefix}.bim`)),
    pipeline(famChunks(cohort, trait), createWriteStream(`${prefix}.fam`)),
  ]);
}

/** Pack one SNP's genotypes (length n, values -1..2) into ceil(n/4) .bed bytes at out[offset..]. */
export function packBedSnp(column: Int8Array, out: Uint8Array, offset: number): void {
  const n = column.length;
  const fullBytes = n >> 2;
  for (let b = 0; b < fullBytes; b++) {
    const i = b << 2;
    out[offset + b] =
      BED_CODE_BY_GENOTYPE_PLUS_ONE[column[i] + 1] |
      (BED_CODE_BY_GENOTYPE_PLUS_ONE[column[i + 1] + 1] << 2) |
      (BED_CODE_BY_GENOTYPE_PLUS_ONE[column[i + 2] + 1] << 4) |
      (BED_CODE_BY_GENOTYPE_PLUS_ONE[column[i + 3] + 1] << 6);
  }
  if ((n & 3) !== 0) {
    // Last partial byte: the unused high bit pairs stay zero, as PLINK writes them.
    let last = 0;
    for (let i = fullBytes << 2; i < n; i++)
      last |= BED_CODE_BY_GENOTYPE_PLUS_ONE[column[i] + 1] << (2 * (i & 3));
    out[offset + fullBytes] = last;
  }
}

function* bedChunks(cohort: SimulatedCohort): Generator<Uint8Array> {
  const n = cohort.nIndividuals;
  const m = cohort.nSnps;
  const bytesPerSnp = Math.ceil(n / 4);
  const snpsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / bytesPerSnp));
  yield BED_MAGIC;
  for (let first = 0; first < m; first += snpsPerChunk) {
    const count = Math.min(snpsPerChunk, m - first);
    // A fresh buffer per chunk: the stream may still hold the previous one when we resume.
    const chunk = new Uint8Array(count * bytesPerSnp);
    for (let k = 0; k < count; k++) {
      const j = first + k;
      packBedSnp(cohort.genotypes.subarray(j * n, (j + 1) * n), chunk, k * bytesPerSnp);
    }
    yield chunk;
  }
}

function* bimChunks(cohort: SimulatedCohort): Generator<string> {
  let text = '';
  for (const snp of cohort.snps) {
    text += `${snp.chr}\t${snp.rs}\t${String(roundToTenDigits(snp.cm))}\t${snp.pos}\t${snp.allele1}\t${snp.allele0}\n`;
    if (text.length >= CHUNK_BYTES) {
      yield text;
      text = '';
    }
  }
  if (text.length > 0) yield text;
}

function* famChunks(cohort: SimulatedCohort, trait: number): Generator<string> {
  const { nIndividuals: n, nTraits } = cohort;
  let text = '';
  for (let i = 0; i < n; i++) {
    const { fid, iid } = cohort.individuals[i];
    const y = cohort.phenotypes[i * nTraits + trait];
    // GEMMA (like PLINK) reads -9 in the phenotype column as missing.
    const phenotype = Number.isNaN(y) ? '-9' : String(roundToTenDigits(y));
    text += `${fid} ${iid} 0 0 ${cohort.sex[i]} ${phenotype}\n`;
    if (text.length >= CHUNK_BYTES) {
      yield text;
      text = '';
    }
  }
  if (text.length > 0) yield text;
}
