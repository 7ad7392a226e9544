/**
 * BIMBAM inputs: mean-genotype file (rs, allele1, allele0, one dosage per sample; plain or gzip),
 * phenotype file (-p, one row per sample), covariate file (-c) and SNP annotation (-a).
 */
import { InputError, shown } from './input-error.js';
import { MISSING_CALL } from './call-codes.js';
import { parseValue } from './fields.js';
import { COMMA, SPACE, TAB, fieldEnd, parseField, skipField, skipSeparators } from './field-bytes.js';
import { checkRowWidth, readFirstLines, readLines, splitColumns, splitFields } from './text-file.js';

/**
 * Phenotype columns (1-based, GEMMA's -n) of a -p file; only NA is missing, as in GEMMA. Every row
 * has the first row's number of columns; commas separate only next to a space or tab (splitColumns).
 */
export function readPhenotypeFile(path: string, columns: readonly number[]): Float64Array[] {
  const lines = readLines(path, 'phenotype file');
  const out = columns.map(() => new Float64Array(lines.length));
  let first: string[] = [];
  lines.forEach((line, k) => {
    const f = splitColumns(line, path, k + 1);
    if (k === 0) first = f;
    else if (f.length > 0 && f.length !== first.length) {
      // Rows of two widths are most often two values run together without a separator (GEMMA's own
      // HLC.simu.pheno.txt: "-0.365192.69925"), which shifts that row's later columns: name that value.
      first.forEach((v) => parseValue(v, path, 1, 'phenotype'));
      f.forEach((v) => parseValue(v, path, k + 1, 'phenotype'));
      checkRowWidth(f.length, first.length, path, k + 1, 'columns');
    }
    columns.forEach((col, t) => {
      if (f[col - 1] === undefined)
        throw new InputError(path, `no phenotype column ${col} (line has ${f.length} fields)`, k + 1);
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
    const f = splitColumns(line, path, k + 1);
    if (f.length === 0) throw new InputError(path, 'empty line (every sample needs a row)', k + 1);
    const row = Float64Array.from(f, (v) => parseValue(v, path, k + 1, 'covariate'));
    if (nColumns === -1) nColumns = row.length;
    else if (row.length !== nColumns)
      throw new InputError(path, `${row.length} covariates, but earlier rows have ${nColumns}`, k + 1);
    rows.push(row);
  });
  if (rows.length === 0) throw new InputError(path, 'covariate file is empty');
  return { rows, nColumns };
}

export interface AnnotationEntry {
  pos: string;
  chr: string;
}

/**
 * A row in the form of nearly every annotation file, read by one regular expression: rs, position and
 * chromosome (and a fourth field, the cM), separated by spaces or tabs with at most one comma between
 * two fields and one at the end, the position NA or an integer that String(Number()) writes back as it
 * is. Any other row takes the general path, which gives the same entry or the row's error.
 */
const PLAIN_ROW =
  /^[ \t]*([^ \t,]+)(?:[ \t]*,[ \t]*|[ \t]+)(NA|0|-?[1-9]\d{0,14})(?:[ \t]*,[ \t]*|[ \t]+)([^ \t,]+)(?:(?:[ \t]*,[ \t]*|[ \t]+)([^ \t,]+))?[ \t]*,?[ \t]*$/;

/**
 * SNP annotation (-a): "rs, pos, chr[, cM]" per line, separated by spaces, tabs or commas (GEMMA's
 * separators); NA position prints as -9, missing chr as -9 (GEMMA). An empty cell (",,") would shift
 * the chromosome into the position, so it is an error, as is a row wider or narrower than the first.
 */
export function readAnnotationFile(path: string): Map<string, AnnotationEntry> {
  const map = new Map<string, AnnotationEntry>();
  let width = -1;
  const lines = readLines(path, 'annotation file');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    // One native match per row where it can (in a fresh process, the general path's split, filter and
    // tests cost tens of milliseconds on BXD's 7,320 rows).
    const plain = PLAIN_ROW.exec(line);
    if (plain) {
      const fields = plain[4] === undefined ? 3 : 4;
      if (width < 0) width = fields;
      if (fields === width) {
        const chr = plain[3] === 'NA' ? '-9' : plain[3];
        map.set(plain[1], { pos: plain[2] === 'NA' ? '-9' : plain[2], chr });
        continue;
      }
    }
    const f = splitFields(line);
    if (f.length === 0) continue;
    if (/,[ \t]*,|^[ \t]*,/.test(line))
      throw new InputError(path, 'empty field between commas (write NA for a missing value)', k + 1);
    if (f.length < 2)
      throw new InputError(path, `expected "rs, position, chromosome", found ${f.length} field(s)`, k + 1);
    if (width < 0) width = f.length;
    else checkRowWidth(f.length, width, path, k + 1);
    let pos = '-9';
    if (f[1] !== 'NA') {
      if (!/^-?\d+$/.test(f[1]))
        throw new InputError(path, `position ${shown(f[1])} is not an integer`, k + 1);
      pos = String(Number(f[1]));
    }
    const chr = f[2] === undefined || f[2] === 'NA' ? '-9' : f[2];
    map.set(f[0], { pos, chr });
  }
  return map;
}

/**
 * The number of samples of a BIMBAM mean-genotype file (fields after rs and the two alleles) when
 * its first two rows agree on it, read without reading the rest: what the phenotype rows must match.
 * Undefined when they disagree (the genotype reader then reports the bad row itself).
 */
export function genotypeSamples(path: string): number | undefined {
  const widths = readFirstLines(path, 'genotype file', 2).map((l) => Math.max(0, splitFields(l).length - 3));
  return widths.length > 0 && widths.every((w) => w === widths[0]) ? widths[0] : undefined;
}

/** Whether a line is blank as line.trim() sees it (ASCII whitespace only, or decoded when it has other bytes). */
function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    return c < 128 ? false : bytes.toString('utf8', start, end).trim() === '';
  }
  return true;
}

/** Whether bytes[start, end) is "NA", the one missing value of a genotype file. */
function isNA(bytes: Buffer, start: number, end: number): boolean {
  return end - start === 2 && bytes[start] === 78 && bytes[start + 1] === 65;
}

/** Whether byte c separates fields: a space, a comma or a tab. */
function isSeparator(c: number): boolean {
  return c === SPACE || c === COMMA || c === TAB;
}

const DOT = 46;

/** A genotype's code that is not a hard call nor missing (MISSING_CALL). */
const OTHER_VALUE = 4;

/** rowCalls' entries: a row's missing genotypes, its values that are not one digit nor NA, the one-digit sum and 2s. */
const MISSING_CALLS = 0;
const OTHER_VALUES = 1;
const CALL_SUM = 2;
const TWOS = 3;

/**
 * The counts of the row parseGenotypes() read last (module state, as badField), and the code otherField() gave
 * the field it read.
 */
const rowCalls = new Int32Array(4);
let lastCode = OTHER_VALUE;

/**
 * Where parseGenotypes() found the first genotype that is not a number in range nor NA: its field count
 * (-1 when none) and its bytes. Module state, so that a row returns one number and allocates nothing.
 */
const badField = new Int32Array(3);

/**
 * Parses the genotypes of one row, bytes[i, end) after its SNP id and alleles (`count` fields read so
 * far), into dosages[offset, offset + width - 3): fields past `width` are only counted. Returns the row's field
 * count; the first value out of range (and not NA) is left in badField. A field that is one digit (a
 * hard call, most of most files) is read in this loop, to the value parseField() gives it; any other field goes
 * to otherField(), so that this loop stays small enough for the engine to keep tight (a hard-call file's
 * 7.5 million fields at n = 1,500: 65 ms against the general loop's 140, warm). Runs of one-digit fields with the
 * row's own separator between them go faster still (the first inner loop: 45 ms against 85 on the mv cohort).
 * Each genotype's code goes to codes[codeOffset, ...) as well (CallCodes), with the row's counts in
 * rowCalls: what the SNP filters, the kinship and the recording read instead of the dosages.
 */
function parseGenotypes(
  bytes: Buffer,
  i: number,
  end: number,
  count: number,
  width: number,
  dosages: Float64Array,
  offset: number,
  codes: Uint8Array,
  codeOffset: number,
  anyValues: boolean,
): number {
  badField[0] = -1;
  rowCalls[MISSING_CALLS] = 0;
  rowCalls[OTHER_VALUES] = 0;
  // The one-digit fields' sum and their count of 2s (of 2 and above with -notsnp, whose codes mean nothing).
  let sum = 0;
  let twos = 0;
  const codeAt = codeOffset - 3;
  // The highest one-digit value in range: 2, or 9 when any finite value is (-notsnp).
  const highest = anyValues ? 9 : 2;
  const at = offset - 3;
  // The row's separator as it stands before its first genotype: one or two separator bytes (", ", " ", "\t").
  // A one-digit field followed by exactly those and then a field is read in three tests; any other field takes
  // the general loop below (a hard-call file at n = 1,500: about half the parse).
  const sep0 = bytes[i - 1];
  const two = isSeparator(bytes[i - 2]);
  const first = two ? bytes[i - 2] : sep0;
  const step = two ? 3 : 2;
  const fast = isSeparator(sep0) && !(two && isSeparator(bytes[i - 3]));
  while (i < end && count < width) {
    if (fast) {
      while (i + step < end && count < width) {
        const digit = bytes[i] - 48;
        if (
          digit >>> 0 > highest ||
          bytes[i + 1] !== first ||
          bytes[i + step - 1] !== sep0 ||
          isSeparator(bytes[i + step])
        )
          break;
        dosages[at + count] = digit;
        codes[codeAt + count] = digit;
        sum += digit;
        twos += digit >> 1;
        i += step;
        count++;
      }
      if (i >= end || count >= width) break;
    }
    const digit = bytes[i] - 48;
    const next = i + 1 < end ? bytes[i + 1] : SPACE;
    if (digit >= 0 && digit <= highest && (next === SPACE || next === COMMA || next === TAB)) {
      dosages[at + count] = digit;
      codes[codeAt + count] = digit;
      sum += digit;
      twos += digit >> 1;
      i++;
    } else {
      i = otherField(bytes, i, end, count, dosages, at, anyValues);
      codes[codeAt + count] = lastCode;
    }
    count++;
    while (i < end) {
      const c = bytes[i];
      if (c !== SPACE && c !== COMMA && c !== TAB) break;
      i++;
    }
  }
  while (i < end) {
    i = skipSeparators(bytes, skipField(bytes, i, end), end);
    count++;
  }
  rowCalls[CALL_SUM] = sum;
  rowCalls[TWOS] = twos;
  return count;
}

/**
 * parseGenotypes() without the codes, for a row whose codes nobody reads: after a row of other values (a file of
 * dosages, as BXD's, whose every row holds one), a row is most likely one as well. The same loop less the codes'
 * writes and sums (BXD's read, 7,320 rows of 198: 168 ms with them, 151 without, the first pass of a process), and
 * it reads a one-decimal field itself (BXD's 117,497 fields of 0.5 through otherField() and parseField(): a further
 * 35 ms, before the engine has optimized those).
 */
function parseDosages(
  bytes: Buffer,
  i: number,
  end: number,
  count: number,
  width: number,
  dosages: Float64Array,
  offset: number,
  anyValues: boolean,
): number {
  badField[0] = -1;
  rowCalls[MISSING_CALLS] = 0;
  rowCalls[OTHER_VALUES] = 0;
  // The highest one-digit value in range: 2, or 9 when any finite value is (-notsnp); of a.b, 2.0 or any.
  const highest = anyValues ? 9 : 2;
  const highestTenths = anyValues ? 99 : 20;
  const at = offset - 3;
  const sep0 = bytes[i - 1];
  const two = isSeparator(bytes[i - 2]);
  const first = two ? bytes[i - 2] : sep0;
  const step = two ? 3 : 2;
  const fast = isSeparator(sep0) && !(two && isSeparator(bytes[i - 3]));
  while (i < end && count < width) {
    if (fast) {
      while (i + step < end && count < width) {
        const digit = bytes[i] - 48;
        if (
          digit >>> 0 > highest ||
          bytes[i + 1] !== first ||
          bytes[i + step - 1] !== sep0 ||
          isSeparator(bytes[i + step])
        )
          break;
        dosages[at + count] = digit;
        i += step;
        count++;
      }
      if (i >= end || count >= width) break;
    }
    const digit = bytes[i] - 48;
    const next = i + 1 < end ? bytes[i + 1] : SPACE;
    if (digit >= 0 && digit <= highest && (next === SPACE || next === COMMA || next === TAB)) {
      dosages[at + count] = digit;
      i++;
    } else {
      // One digit, a point and one digit (BXD's 0.5) is read here, to the value parseField() gives it.
      const t = next === DOT ? tenths(bytes, i, end) : Infinity;
      if (t <= highestTenths) {
        dosages[at + count] = t / 10;
        rowCalls[OTHER_VALUES]++;
        i += 3;
      } else i = otherField(bytes, i, end, count, dosages, at, anyValues);
    }
    count++;
    while (i < end) {
      const c = bytes[i];
      if (c !== SPACE && c !== COMMA && c !== TAB) break;
      i++;
    }
  }
  while (i < end) {
    i = skipSeparators(bytes, skipField(bytes, i, end), end);
    count++;
  }
  return count;
}

/** The field a.b at bytes[i..] (a, b digits) as 10 a + b, or Infinity when it is anything else. */
function tenths(bytes: Buffer, i: number, end: number): number {
  if (i + 2 >= end) return Infinity;
  const a = bytes[i] - 48;
  const b = bytes[i + 2] - 48;
  if (a >>> 0 > 9 || b >>> 0 > 9 || (i + 3 < end && !isSeparator(bytes[i + 3]))) return Infinity;
  return 10 * a + b;
}

/**
 * A genotype field parseGenotypes() does not read itself, bytes[i, ...) (field `count` of its row): parsed into
 * dosages[at + count] and checked; returns the field's end.
 */
function otherField(
  bytes: Buffer,
  i: number,
  end: number,
  count: number,
  dosages: Float64Array,
  at: number,
  anyValues: boolean,
): number {
  // NA, the one missing value, without parseField()'s decoding to a string for Number().
  const stop = isNA(bytes, i, skipField(bytes, i, end)) ? i + 2 : -1;
  if (stop >= 0) {
    dosages[at + count] = NaN;
    lastCode = MISSING_CALL;
    rowCalls[MISSING_CALLS]++;
    return stop;
  }
  lastCode = OTHER_VALUE;
  rowCalls[OTHER_VALUES]++;
  return checkedField(bytes, i, end, count, dosages, at, anyValues);
}

/** otherField() of a field that is not NA. */
function checkedField(
  bytes: Buffer,
  i: number,
  end: number,
  count: number,
  dosages: Float64Array,
  at: number,
  anyValues: boolean,
): number {
  const v = parseField(bytes, i, end);
  const stop = fieldEnd;
  dosages[at + count] = v;
  const inRange = anyValues ? Number.isFinite(v) : v >= 0 && v <= 2;
  if (!inRange && badField[0] < 0 && !(Number.isNaN(v) && isNA(bytes, i, stop))) {
    badField[0] = count;
    badField[1] = i;
    badField[2] = stop;
  }
  return stop;
}

/** The one-character ASCII strings, by code: most alleles are one, and need no decoding. */
const ONE_CHARACTER = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));

/** Buffer's own UTF-8 decoder: what toString('utf8', start, end) calls once it has checked its arguments. */
type Utf8Slice = (this: Buffer, start: number, end: number) => string;
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice: Utf8Slice }).utf8Slice;

/** bytes[start, end) decoded as UTF-8 (bytes that are not UTF-8 decode to U+FFFD), as toString() does. */
function decoded(bytes: Buffer, start: number, end: number): string {
  if (end - start === 1 && bytes[start] < 128) return ONE_CHARACTER[bytes[start]];
  return utf8Slice.call(bytes, start, end);
}

/**
 * Reads the rows of one BIMBAM mean-genotype file a line at a time, checking each row's width and range:
 * wants() reads a line's SNP id and alleles (and asks `wanted` about them), genotypes() then parses the
 * rest into an array the caller names. Rows are read as bytes (fields as splitFields() makes them, values
 * as parseValue() reads them, the same errors in the same order), so a row costs no string but its SNP id
 * and alleles.
 */
export class BimbamRowReader {
  /** 0-based index of the last row wants() read (blank lines are not rows). */
  index = -1;
  /** SNP id and alleles of that row ('' when it has fewer than three fields). */
  rs = '';
  allele1 = '';
  allele0 = '';
  private bytes: Buffer = Buffer.alloc(0);
  /** Where the row's genotypes start, and the row's end. */
  private at = 0;
  private end = 0;
  /** Fields read so far (up to the SNP id and alleles). */
  private count = 0;
  private readonly width: number;

  constructor(
    private readonly path: string,
    private readonly nSamples: number,
    /** GEMMA's -notsnp: a genotype may be any finite number. */
    private readonly anyValues: boolean,
    /**
     * Asked about each row (its index, SNP id and alleles) before its genotypes are parsed: a row it
     * declines is neither read further nor checked.
     */
    private readonly wanted?: (index: number, rs: string, allele1: string, allele0: string) => boolean,
  ) {
    this.width = nSamples + 3;
  }

  /**
   * The calls of the row genotypes() read last with codes, written to into[at, at + 3): its missing genotypes, the
   * sum of its other genotypes and their count of 2s, when every genotype is 0, 1, 2 or NA, as one digit (its codes
   * are then 0, 1, 2 and MISSING_CALL); -1 missing genotypes otherwise (the codes mean nothing, nor do they with
   * -notsnp).
   */
  callCounts(into: Int32Array, at: number): void {
    into[at] = this.hardCalls ? rowCalls[MISSING_CALLS] : -1;
    into[at + 1] = rowCalls[CALL_SUM];
    into[at + 2] = rowCalls[TWOS];
  }

  /** Whether the row genotypes() read last, with codes or not, holds hard calls only (see callCounts). */
  get hardCalls(): boolean {
    return rowCalls[OTHER_VALUES] === 0 && !this.anyValues;
  }

  /** Reads the SNP id and alleles of line bytes[start, end); false for a blank line or a row `wanted` declines. */
  wants(bytes: Buffer, start: number, end: number): boolean {
    if (isBlank(bytes, start, end)) return false;
    this.index++;
    let count = 0;
    let i = skipSeparators(bytes, start, end);
    for (; count < 3 && i < end; i = skipSeparators(bytes, i, end)) {
      const stop = skipField(bytes, i, end);
      if (count === 0) this.rs = decoded(bytes, i, stop);
      else if (count === 1) this.allele1 = decoded(bytes, i, stop);
      else this.allele0 = decoded(bytes, i, stop);
      count++;
      i = stop;
    }
    if (count < 3) {
      if (count < 1) this.rs = '';
      if (count < 2) this.allele1 = '';
      this.allele0 = '';
    }
    this.bytes = bytes;
    this.at = i;
    this.end = end;
    this.count = count;
    return !(this.wanted && count === 3 && !this.wanted(this.index, this.rs, this.allele1, this.allele0));
  }

  /**
   * Parses the genotypes of the row wants() accepted (line `lineNumber`) into into[offset, offset +
   * nSamples), when `codes` are given their codes into codes[codeOffset, codeOffset + nSamples) (see
   * callCounts), and checks them: an InputError for a row of another width, names that are not UTF-8, or a genotype
   * out of range.
   */
  genotypes(
    into: Float64Array,
    offset: number,
    lineNumber: number,
    codes?: Uint8Array,
    codeOffset = 0,
  ): void {
    const { bytes, path, at, end, width, anyValues } = this;
    const count = codes
      ? parseGenotypes(bytes, at, end, this.count, width, into, offset, codes, codeOffset, anyValues)
      : parseDosages(bytes, at, end, this.count, width, into, offset, anyValues);
    if (count !== this.width) {
      throw new InputError(
        path,
        `SNP ${count > 0 ? this.rs : '?'} has ${Math.max(0, count - 3)} genotypes, expected ${this.nSamples} (one per sample)`,
        lineNumber,
      );
    }
    // Names are decoded as UTF-8, as every text input is: bytes that are not UTF-8 decode to U+FFFD.
    if (this.rs.includes('\uFFFD') || this.allele1.includes('\uFFFD') || this.allele0.includes('\uFFFD'))
      throw new InputError(path, 'genotype file is not UTF-8 text (save it as UTF-8)', lineNumber);
    if (badField[0] >= 0) {
      const field = bytes.toString('utf8', badField[1], badField[2]);
      parseValue(field, path, lineNumber, 'genotype'); // throws unless it is a number
      throw new InputError(
        path,
        `genotype ${field} of SNP ${this.rs} (sample ${badField[0] - 2}) ${this.anyValues ? 'is not finite' : 'is outside [0, 2]'}`,
        lineNumber,
      );
    }
  }
}
