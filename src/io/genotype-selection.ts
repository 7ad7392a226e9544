/**
 * Sample and SNP selection as plink2 spells it (--keep/--remove, --extract/--exclude, --chr,
 * --from-bp/--to-bp) plus GEMMA's -snps: the choices every genotype reader applies while decoding.
 */
import type { SampleChoice, SampleId, SnpChoice } from './genotypes.js';
import { InputError, UsageError } from './input-error.js';
import type { SnpAnnotation } from './plink.js';
import { readLines, splitFields, splitWhitespace } from './text-file.js';
import type { SelectionFlags } from '../model/settings.js';

/**
 * A list of samples: one ID per line (IID), or FID and IID; a header line starting with # (#FID IID,
 * #IID) says which. An entry with a FID matches a sample with the same FID and IID; an entry without
 * one (or a sample without one, as in a VCF) matches on the IID alone.
 */
export class SampleList {
  /** FID\tIID of the entries with both. */
  private readonly pairs = new Set<string>();
  /** IIDs of the entries with both (matched against samples without a FID). */
  private readonly pairIids = new Set<string>();
  /** Entries with an IID only. */
  private readonly iids = new Set<string>();

  constructor(readonly path: string) {
    const lines = readLines(path, 'sample list');
    let iidOnly: boolean | undefined;
    lines.forEach((line, k) => {
      const f = splitWhitespace(line.trim());
      if (f.length === 0) return;
      if (k === 0 && f[0].startsWith('#')) {
        iidOnly = f[0] === '#IID';
        if (!iidOnly && f[0] !== '#FID') {
          throw new InputError(path, `header "${f[0]}": expected #FID or #IID`, 1);
        }
        return;
      }
      if (iidOnly ?? f.length === 1) this.iids.add(f[0]);
      else if (f.length < 2) throw new InputError(path, 'expected FID and IID', k + 1);
      else {
        this.pairs.add(`${f[0]}\t${f[1]}`);
        this.pairIids.add(f[1]);
      }
    });
  }

  /** Whether the list names this sample. */
  has(id: SampleId): boolean {
    if (this.iids.has(id.iid)) return true;
    return id.fid === null ? this.pairIids.has(id.iid) : this.pairs.has(`${id.fid}\t${id.iid}`);
  }
}

/** A set of SNP IDs: the first field of each line (space, comma or tab separated, as GEMMA's -snps). */
export function readSnpIds(path: string): Set<string> {
  const ids = new Set<string>();
  for (const line of readLines(path, 'SNP list')) {
    const f = splitFields(line.trim());
    if (f.length > 0) ids.add(f[0]);
  }
  return ids;
}

/** A chromosome name without a leading "chr" (chr1 and 1 are the same chromosome). */
export function chromosomeKey(name: string): string {
  return name.replace(/^chr/i, '').toUpperCase();
}

/** Parses --chr LIST: names and numeric ranges, comma separated. */
export function parseChromosomeList(list: string): Set<string> {
  const out = new Set<string>();
  for (const part of list.split(',').map((p) => p.trim())) {
    if (part === '') throw new UsageError(`--chr ${list}: empty item`);
    const range = /^(?:chr)?(\d+)-(?:chr)?(\d+)$/i.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (from > to) throw new UsageError(`--chr ${list}: range ${part} runs backwards`);
      for (let c = from; c <= to; c++) out.add(String(c));
    } else out.add(chromosomeKey(part));
  }
  return out;
}

/** The sample choice of --keep / --remove, or undefined when neither is given. */
export function sampleChoiceOf(flags: SelectionFlags): SampleChoice | undefined {
  const keep = flags.keep ? new SampleList(flags.keep) : null;
  const remove = flags.remove ? new SampleList(flags.remove) : null;
  if (!keep && !remove) return undefined;
  return { keeps: (id) => (!keep || keep.has(id)) && !(remove && remove.has(id)) };
}

/** The SNP choice of --extract / --exclude / -snps / --chr / --from-bp / --to-bp, or undefined. */
export function snpChoiceOf(flags: SelectionFlags): SnpChoice | undefined {
  const extract = flags.extract ? readSnpIds(flags.extract) : null;
  const snps = flags.snps ? readSnpIds(flags.snps) : null;
  const exclude = flags.exclude ? readSnpIds(flags.exclude) : null;
  const chromosomes = flags.chr ? parseChromosomeList(flags.chr) : null;
  const from = flags.fromBp ?? -Infinity;
  const to = flags.toBp ?? Infinity;
  if (from > to) throw new UsageError(`--from-bp ${from} is after --to-bp ${to}`);
  const byPosition = flags.fromBp !== undefined || flags.toBp !== undefined;
  if (!extract && !snps && !exclude && !chromosomes && !byPosition) return undefined;
  return {
    keeps(snp: SnpAnnotation): boolean {
      if (extract && !extract.has(snp.rs)) return false;
      if (snps && !snps.has(snp.rs)) return false;
      if (exclude && exclude.has(snp.rs)) return false;
      if (chromosomes && !chromosomes.has(chromosomeKey(snp.chr))) return false;
      if (byPosition) {
        const pos = Number(snp.pos);
        // A SNP without a position (BIMBAM without -a: -9) is outside every range.
        if (snp.pos === '-9' || !(pos >= from && pos <= to)) return false;
      }
      return true;
    },
  };
}
