/**
 * A bgenix index (FILE.bgen.bgi, a SQLite database: https://enkre.net/cgi-bin/code/bgen/wiki/bgenix):
 * every variant's chromosome, position, rsid, first two alleles and where its block lies in the
 * .bgen, so that a SNP selection seeks to the chosen variants instead of walking every header.
 */
import { existsSync } from 'node:fs';
import { InputError } from './input-error.js';
import { readSqliteTable } from './sqlite-table.js';

/** One row of the index's Variant table. */
export interface IndexedVariant {
  chr: string;
  pos: number;
  rsid: string;
  nAlleles: number;
  allele1: string;
  allele2: string;
  /** Offset of the variant's identifying block in the .bgen, and its size with the genotype block. */
  start: number;
  size: number;
}

/** What the .bgen says of itself, to check the index against. */
interface BgenLayout {
  fileSize: number;
  firstVariant: number;
  nVariants: number;
}

/**
 * The variants of `${bgenPath}.bgi` in file order: `variants`, or `problem` saying why the index
 * cannot be used (absent: `variants` and `problem` both undefined). The index must tile the file's
 * variant region exactly, variant after variant, as many as the header says.
 */
export function readBgenIndex(
  bgenPath: string,
  layout: BgenLayout,
): { path: string; variants?: IndexedVariant[]; problem?: string } {
  const path = `${bgenPath}.bgi`;
  if (!existsSync(path)) return { path };
  let variants: IndexedVariant[];
  try {
    variants = readSqliteTable(path, 'Variant', 'BGEN index').map((r) => ({
      chr: String(r.chromosome),
      pos: Number(r.position),
      rsid: String(r.rsid ?? ''),
      nAlleles: Number(r.number_of_alleles),
      allele1: String(r.allele1 ?? ''),
      allele2: String(r.allele2 ?? ''),
      start: Number(r.file_start_position),
      size: Number(r.size_in_bytes),
    }));
  } catch (error) {
    if (error instanceof InputError) return { path, problem: error.reason };
    throw error;
  }
  variants.sort((a, b) => a.start - b.start);
  if (variants.length !== layout.nVariants) {
    return { path, problem: `it lists ${variants.length} variants, the .bgen holds ${layout.nVariants}` };
  }
  let expected = layout.firstVariant;
  for (const v of variants) {
    if (!(v.start === expected && v.size > 0)) {
      return {
        path,
        problem: `its variant at byte ${v.start} does not follow the one before (stale index?)`,
      };
    }
    expected = v.start + v.size;
  }
  if (expected !== layout.fileSize) {
    return { path, problem: `its variants end at byte ${expected}, the .bgen at ${layout.fileSize}` };
  }
  return { path, variants };
}
