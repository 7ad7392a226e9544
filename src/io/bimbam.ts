/**
 * BIMBAM inputs: mean-genotype file (rs, allele1, allele0, one dosage per sample; plain or gzip),
 * phenotype file (-p, one row per sample), covariate file (-c) and SNP annotation (-a).
 */
import { InputError } from './input-error.js';
import { parseValue } from './fields.js';
import { readLines, splitFields, streamLines } from './text-file.js';

/** Phenotype columns (1-based, GEMMA's -n) of a -p file; only NA is missing, as in GEMMA. */
export function readPhenotypeFile(path: string, columns: readonly number[]): Float64Array[] {
  const lines = readLines(path, 'phenotype file');
  const out = columns.map(() => new Float64Array(lines.length));
  lines.forEach((line, k) => {
    const f = splitFields(line);
    columns.forEach((col, t) => {
      if (f[col - 1] === undefined) throw new InputError(path, `no phenotype column ${col} (line has ${f.length} fields)`, k + 1);
      out[t][k] = parseValue(f[col - 1], path, k + 1, 'phenotype');
    });
  });
  return out;
}

/** Covariate rows (-c); a row with any NA is missing for that sample. All complete rows must have the same width. */
export function readCovariateFile(path: string): { rows: Float64Array[]; nColumns: number } {
  const lines = readLines(path, 'covariate file');
  const rows: Float64Array[] = [];
  let nColumns = -1;
  lines.forEach((line, k) => {
    const f = splitFields(line);
    if (f.length === 0) throw new InputError(path, 'empty line (every sample needs a row)', k + 1);
    const row = Float64Array.from(f, (v) => parseValue(v, path, k + 1, 'covariate'));
    if (nColumns === -1) nColumns = row.length;
    else if (row.length !== nColumns) throw new InputError(path, `${row.length} covariates, but earlier rows have ${nColumns}`, k + 1);
    rows.push(row);
  });
  if (rows.length === 0) throw new InputError(path, 'covariate file is empty');
  return { rows, nColumns };
}

export interface AnnotationEntry {
  pos: string;
  chr: string;
}

/** SNP annotation (-a): "rs, pos, chr[, cM]" per line; NA position prints as -9, missing chr as -9 (GEMMA). */
export function readAnnotationFile(path: string): Map<string, AnnotationEntry> {
  const map = new Map<string, AnnotationEntry>();
  readLines(path, 'annotation file').forEach((line, k) => {
    const f = splitFields(line);
    if (f.length === 0) return;
    if (f.length < 2) throw new InputError(path, `expected "rs, position, chromosome", found ${f.length} field(s)`, k + 1);
    let pos = '-9';
    if (f[1] !== 'NA') {
      if (!/^-?\d+$/.test(f[1])) throw new InputError(path, `position "${f[1]}" is not an integer`, k + 1);
      pos = String(Number(f[1]));
    }
    const chr = f[2] === undefined || f[2] === 'NA' ? '-9' : f[2];
    map.set(f[0], { pos, chr });
  });
  return map;
}

export interface BimbamSnp {
  /** 0-based SNP index in the file. */
  index: number;
  rs: string;
  allele1: string;
  allele0: string;
  /** Dosage of allele1 per sample, NaN = missing. */
  dosages: Float64Array;
}

/** Streams the SNPs of a BIMBAM mean-genotype file, checking each row's width and range. */
export async function* streamBimbamGenotypes(path: string, nSamples: number): AsyncGenerator<BimbamSnp> {
  let index = 0;
  for await (const [lineNumber, line] of streamLines(path, 'genotype file')) {
    if (line.trim() === '') continue;
    const f = splitFields(line);
    if (f.length !== nSamples + 3) {
      throw new InputError(path, `SNP ${f[0] ?? '?'} has ${Math.max(0, f.length - 3)} genotypes, expected ${nSamples} (one per sample)`, lineNumber);
    }
    const dosages = new Float64Array(nSamples);
    for (let i = 0; i < nSamples; i++) {
      const v = parseValue(f[i + 3], path, lineNumber, 'genotype');
      if (v < 0 || v > 2) throw new InputError(path, `genotype ${f[i + 3]} of SNP ${f[0]} (sample ${i + 1}) is outside [0, 2]`, lineNumber);
      dosages[i] = v;
    }
    yield { index, rs: f[0], allele1: f[1], allele0: f[2], dosages };
    index++;
  }
}
