/**
 * Write a simulated cohort in GEMMA's BIMBAM formats: mean genotypes (PREFIX.geno.txt[.gz]),
 * phenotypes (.pheno.txt), covariates with intercept (.cov.txt) and SNP annotation (.anno.txt).
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { roundToTenDigits, type SimulatedCohort } from './cohort.js';

/** Options of writeBimbam. */
export interface WriteBimbamOptions {
  /** Gzip the genotype file (PREFIX.geno.txt.gz) (default false). */
  gzip?: boolean;
}

/** Paths written by writeBimbam. */
export interface BimbamPaths {
  geno: string;
  pheno: string;
  cov: string;
  anno: string;
}

// Target size of one streamed chunk of the genotype file.
const CHUNK_BYTES = 1 << 20;
// Fastest zlib level: genotype text is very repetitive, so level 1 already shrinks it about 8x at
// several times the speed of the default level 6.
const GZIP_LEVEL = 1;
const utf8 = new TextEncoder();
const COMMA = 0x2c;
const SPACE = 0x20;
const NEWLINE = 0x0a;
// Text of one genotype after its ", " separator, indexed by genotype + 1 (missing, 0, 1, 2).
const GENOTYPE_TEXT = ['NA', '0', '1', '2'].map((t) => utf8.encode(t));

/** Write the four BIMBAM files for PREFIX and return their paths once everything is flushed. */
export async function writeBimbam(
  prefix: string,
  cohort: SimulatedCohort,
  options: WriteBimbamOptions = {},
): Promise<BimbamPaths> {
  const paths: BimbamPaths = {
    geno: `${prefix}.geno.txt${options.gzip ? '.gz' : ''}`,
    pheno: `${prefix}.pheno.txt`,
    cov: `${prefix}.cov.txt`,
    anno: `${prefix}.anno.txt`,
  };
  const genoWrite = options.gzip
    ? pipeline(genoChunks(cohort), createGzip({ level: GZIP_LEVEL }), createWriteStream(paths.geno))
    : pipeline(genoChunks(cohort), createWriteStream(paths.geno));
  await Promise.all([
    genoWrite,
    pipeline(
      rowChunks(cohort.nIndividuals, (i) => phenoLine(cohort, i)),
      createWriteStream(paths.pheno),
    ),
    pipeline(
      rowChunks(cohort.nIndividuals, (i) => covLine(cohort, i)),
      createWriteStream(paths.cov),
    ),
    pipeline(
      rowChunks(cohort.nSnps, (j) => annoLine(cohort, j)),
      createWriteStream(paths.anno),
    ),
  ]);
  return paths;
}

/** Text of one number as GEMMA's readers expect: up to 10 significant digits, "NA" for NaN. */
export function formatBimbamNumber(value: number): string {
  return Number.isNaN(value) ? 'NA' : String(roundToTenDigits(value));
}

function* genoChunks(cohort: SimulatedCohort): Generator<Uint8Array> {
  const { nIndividuals: n, nSnps: m, genotypes, snps } = cohort;
  let chunk = new Uint8Array(CHUNK_BYTES);
  let used = 0;
  for (let j = 0; j < m; j++) {
    const header = utf8.encode(`${snps[j].rs}, ${snps[j].allele1}, ${snps[j].allele0}`);
    // Worst case per row: header + n * ", NA" + newline.
    const rowMax = header.length + 4 * n + 1;
    if (used + rowMax > chunk.length) {
      if (used > 0) yield chunk.subarray(0, used);
      // A fresh buffer: the stream may still be reading the one just yielded.
      chunk = new Uint8Array(Math.max(CHUNK_BYTES, rowMax));
      used = 0;
    }
    chunk.set(header, used);
    used += header.length;
    const base = j * n;
    for (let i = 0; i < n; i++) {
      chunk[used++] = COMMA;
      chunk[used++] = SPACE;
      const text = GENOTYPE_TEXT[genotypes[base + i] + 1];
      for (let b = 0; b < text.length; b++) chunk[used++] = text[b];
    }
    chunk[used++] = NEWLINE;
  }
  if (used > 0) yield chunk.subarray(0, used);
}

function* rowChunks(count: number, line: (row: number) => string): Generator<string> {
  let text = '';
  for (let r = 0; r < count; r++) {
    text += line(r);
    if (text.length >= CHUNK_BYTES) {
      yield text;
      text = '';
    }
  }
  if (text.length > 0) yield text;
}

function phenoLine(cohort: SimulatedCohort, i: number): string {
  const values: string[] = [];
  for (let t = 0; t < cohort.nTraits; t++)
    values.push(formatBimbamNumber(cohort.phenotypes[i * cohort.nTraits + t]));
  return `${values.join(' ')}\n`;
}

function covLine(cohort: SimulatedCohort, i: number): string {
  // Column 1 is the intercept GEMMA expects when a covariate file is given.
  const values = ['1'];
  for (let c = 0; c < cohort.nCovariates; c++)
    values.push(formatBimbamNumber(cohort.covariates[i * cohort.nCovariates + c]));
  return `${values.join(' ')}\n`;
}

function annoLine(cohort: SimulatedCohort, j: number): string {
  const snp = cohort.snps[j];
  return `${snp.rs}, ${snp.pos}, ${snp.chr}\n`;
}
