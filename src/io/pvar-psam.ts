/**
 * plink2's text companions of a .pgen: the .pvar variant table (with its `#CHROM POS ID REF ALT ...`
 * header, or header-less in .bim column order) and the .psam sample table (`#FID IID ...`,
 * `#IID ...`, or header-less in .fam order). The counted allele (allele1) is ALT.
 */
import { readFileSync } from 'node:fs';
import { InputError } from './input-error.js';
import type { SampleId } from './genotypes.js';
import type { SnpAnnotation } from './plink.js';
import { readLines, requireFile, splitWhitespace } from './text-file.js';

/** Where each needed field sits in a .pvar data line (0-based). */
interface PvarColumns {
  chr: number;
  pos: number;
  id: number;
  ref: number;
  alt: number;
  count: number;
}

/**
 * The .pvar kept compactly (raw bytes plus data-line offsets, as BimTable does) and parsed on demand;
 * every line is validated on load. Multi-allelic variants (ALT with a comma) stay in the table, so
 * that indices match the .pgen, and are listed apart.
 */
export class PvarTable {
  private constructor(
    readonly path: string,
    private readonly raw: Buffer,
    private readonly starts: Float64Array,
    private readonly ends: Float64Array,
    private readonly lineNumbers: Int32Array,
    private readonly columns: PvarColumns,
    /** Indices of the biallelic variants, ascending. */
    readonly biallelic: Int32Array,
    readonly count: number,
  ) {}

  /** Reads and validates a .pvar. */
  static read(path: string): PvarTable {
    requireFile(path, '.pvar file');
    const raw = readFileSync(path);
    const starts: number[] = [];
    const ends: number[] = [];
    const lineNumbers: number[] = [];
    const biallelic: number[] = [];
    let columns: PvarColumns | null = null;
    let lineStart = 0;
    let lineNumber = 0;
    for (let k = 0; k <= raw.length; k++) {
      if (k < raw.length && raw[k] !== 0x0a) continue;
      if (k === raw.length && lineStart === raw.length) break;
      lineNumber++;
      const line = raw.toString('latin1', lineStart, k).replace(/\r$/, '');
      const start = lineStart;
      lineStart = k + 1;
      if (line.startsWith('##')) continue;
      if (line.startsWith('#')) {
        if (columns || starts.length > 0)
          throw new InputError(path, 'header line after the first variant line', lineNumber);
        columns = headerColumns(splitWhitespace(line.slice(1)), path, lineNumber);
        continue;
      }
      if (!columns) columns = { chr: 0, id: 1, pos: 3, alt: 4, ref: 5, count: 6 };
      if (starts.length === 0 && columns.count === 6 && splitWhitespace(line).length === 5) {
        columns = { chr: 0, id: 1, pos: 2, alt: 3, ref: 4, count: 5 }; // header-less without the CM column
      }
      const snp = parsePvarLine(line, columns, path, lineNumber);
      if (!snp.allele1.includes(',')) biallelic.push(starts.length);
      starts.push(start);
      ends.push(k);
      lineNumbers.push(lineNumber);
    }
    return new PvarTable(
      path,
      raw,
      Float64Array.from(starts),
      Float64Array.from(ends),
      Int32Array.from(lineNumbers),
      columns ?? { chr: 0, id: 1, pos: 3, alt: 4, ref: 5, count: 6 },
      Int32Array.from(biallelic),
      starts.length,
    );
  }

  /** Annotation of variant k (0-based, in .pgen order); allele1 = ALT, allele0 = REF. */
  get(k: number): SnpAnnotation {
    const line = this.raw.toString('latin1', this.starts[k], this.ends[k]).replace(/\r$/, '');
    return parsePvarLine(line, this.columns, this.path, this.lineNumbers[k]);
  }
}

function headerColumns(names: string[], path: string, lineNumber: number): PvarColumns {
  const find = (name: string) => {
    const k = names.indexOf(name);
    if (k < 0)
      throw new InputError(
        path,
        `header has no ${name} column (expected #CHROM POS ID REF ALT ...)`,
        lineNumber,
      );
    return k;
  };
  if (names[0] !== 'CHROM')
    throw new InputError(path, `header starts "#${names[0]}", expected "#CHROM"`, lineNumber);
  return {
    chr: 0,
    pos: find('POS'),
    id: find('ID'),
    ref: find('REF'),
    alt: find('ALT'),
    count: names.length,
  };
}

function parsePvarLine(line: string, c: PvarColumns, path: string, lineNumber: number): SnpAnnotation {
  const f = splitWhitespace(line);
  const needed = Math.max(c.chr, c.pos, c.id, c.ref, c.alt) + 1;
  if (f.length < needed)
    throw new InputError(path, `expected at least ${needed} fields, found ${f.length}`, lineNumber);
  if (!/^\d+$/.test(f[c.pos]))
    throw new InputError(path, `position "${f[c.pos]}" is not a non-negative integer`, lineNumber);
  return { chr: f[c.chr], rs: f[c.id], pos: String(Number(f[c.pos])), allele1: f[c.alt], allele0: f[c.ref] };
}

/** Reads a .psam (or a .fam); without an FID column the FID is null. Duplicated IDs are an error. */
export function readPsam(path: string): SampleId[] {
  const lines = readLines(path, '.psam file');
  let fid = 0;
  let iid = 1;
  let first = 0;
  while (first < lines.length && lines[first].startsWith('##')) first++;
  if (first < lines.length && lines[first].startsWith('#')) {
    const names = splitWhitespace(lines[first].slice(1));
    iid = names.indexOf('IID');
    if (iid < 0)
      throw new InputError(path, 'header has no IID column (expected #FID IID ... or #IID ...)', first + 1);
    fid = names.indexOf('FID');
    first++;
  }
  const samples: SampleId[] = [];
  const seen = new Map<string, number>();
  for (let k = first; k < lines.length; k++) {
    const f = splitWhitespace(lines[k]);
    if (f.length <= Math.max(fid, iid))
      throw new InputError(
        path,
        `expected at least ${Math.max(fid, iid) + 1} fields, found ${f.length}`,
        k + 1,
      );
    const sample = { fid: fid < 0 ? null : f[fid], iid: f[iid] };
    const key = `${sample.fid}\t${sample.iid}`;
    if (seen.has(key))
      throw new InputError(
        path,
        `duplicated sample ID ${sample.fid} ${sample.iid} (first on line ${seen.get(key)})`,
        k + 1,
      );
    seen.set(key, k + 1);
    samples.push(sample);
  }
  return samples;
}
