/**
 * A bgenix .bgi index next to a BGEN file: written here with sql.js in bgenix's schema (a WITHOUT
 * ROWID table, so an index b-tree), read by our page reader; a SNP selection through the index gives
 * what the header walk gives, reads only the chosen variants, and a stale index is ignored.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { BgenGenotypes } from '../../src/io/bgen.js';
import { snpChoiceOf } from '../../src/io/genotype-selection.js';
import type { GenotypeSelection } from '../../src/io/genotypes.js';
import { InputError } from '../../src/io/input-error.js';
import { readSqliteTable } from '../../src/io/sqlite-table.js';
import type { SelectionFlags } from '../../src/model/settings.js';
import { writeBgen, type BgenTestVariant } from '../helpers/bgen-writer.js';
import { readAllDosages } from '../helpers/genotype-files.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('bgen-index');
const bgen = join(dir, 'cohort.bgen');
const nSamples = 5;
// Enough variants for several index pages and interior pages; one allele long enough to overflow a page.
const nVariants = 1500;
const LONG_ALLELE = 'ACGT'.repeat(1200);

/** bgenix's schema (bgen's src/bgenix), as it creates FILE.bgen.bgi. */
const BGENIX_SCHEMA = `CREATE TABLE Variant (
  chromosome TEXT NOT NULL,
  position INT NOT NULL,
  rsid TEXT NOT NULL,
  number_of_alleles INT NOT NULL,
  allele1 TEXT NOT NULL,
  allele2 TEXT NULL,
  file_start_position INT NOT NULL,
  size_in_bytes INT NOT NULL,
  PRIMARY KEY (chromosome, position, rsid, allele1, allele2, file_start_position)
) WITHOUT ROWID`;

/** A row of the Variant table: chromosome .. size_in_bytes. */
type Row = [string, number, string, number, string, string | null, number, number];

/** Writes a .bgi holding `rows` (a rowid table, as older tools write, when `withoutRowid` is false). */
async function writeIndex(path: string, rows: Row[], withoutRowid = true): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run(
    withoutRowid ? BGENIX_SCHEMA : BGENIX_SCHEMA.replace(/,\s*PRIMARY KEY[^)]*\)\s*\) WITHOUT ROWID/, ')'),
  );
  db.run(
    'CREATE TABLE Metadata (filename TEXT NOT NULL, file_size INT NOT NULL, first_1000_bytes BLOB NOT NULL)',
  );
  db.run('INSERT INTO Metadata VALUES (?, ?, ?)', ['cohort.bgen', 1, new Uint8Array(1000).fill(7)]);
  const insert = db.prepare('INSERT INTO Variant VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const row of rows) insert.run(row);
  insert.free();
  writeFileSync(path, db.export());
  db.close();
}

const variants: BgenTestVariant[] = [];
let rows: Row[] = [];

beforeAll(async () => {
  const next = rng(5);
  for (let v = 0; v < nVariants; v++) {
    const alleles =
      v % 97 === 5
        ? ['A', 'C', 'G']
        : v === 700
          ? [LONG_ALLELE, 'T']
          : [['A', 'C'][v % 2], ['G', 'T'][v % 2]];
    variants.push({
      id: `id${v}`,
      // Some variants have no rsid: the reader names them by their ID.
      rs: v % 50 === 3 ? '' : `rs${v}`,
      chr: String(1 + Math.floor((3 * v) / nVariants)),
      pos: 1000 + 10 * v,
      alleles,
      samples: Array.from({ length: nSamples }, () => {
        const stored = alleles.length === 2 ? 2 : 5;
        const values = Array.from({ length: stored }, () => Math.floor(next() * 100));
        return { ploidy: 2, missing: next() < 0.1, values };
      }),
    });
  }
  const sampleIds = Array.from({ length: nSamples }, (_, i) => `s${i}`);
  const bytes = writeBgen(bgen, {
    layout: 2,
    compressed: true,
    bits: 8,
    phased: false,
    nSamples,
    sampleIds,
    variants,
  });
  // Offsets as bgenix records them: from each identifying block to the end of its genotype block.
  let at = bytes.readUInt32LE(0) + 4;
  rows = variants.map((v, k) => {
    let end = at + 2 + v.id.length + 2 + v.rs.length + 2 + v.chr.length + 4 + 2;
    for (const a of v.alleles) end += 4 + a.length;
    end += 4 + bytes.readUInt32LE(end);
    const row: Row = [v.chr, v.pos, v.rs, v.alleles.length, v.alleles[0], v.alleles[1], at, end - at];
    at = end;
    expect(k < nVariants - 1 || end === bytes.length).toBe(true);
    return row;
  });
  await writeIndex(`${bgen}.bgi`, rows);
});

/** A copy of the BGEN under another name (with no index unless one is written for it). */
function copyOf(name: string): string {
  const path = join(dir, name);
  copyFileSync(bgen, path);
  return path;
}

/** Everything a selection reads from `path`: dosages, annotations, the log notes. */
async function readSelected(path: string, flags: SelectionFlags) {
  const selection: GenotypeSelection = { snps: snpChoiceOf(flags) };
  const source = new BgenGenotypes(path, undefined, selection);
  try {
    const { dosages, annotations } = await readAllDosages(source, 7);
    return { dosages, annotations, skipped: source.skippedMultiallelic, notes: source.notes() };
  } finally {
    source.close();
  }
}

describe('the SQLite page reader', () => {
  it("reads bgenix's WITHOUT ROWID Variant table, pages and overflow included, as SQLite wrote it", () => {
    const got = readSqliteTable(`${bgen}.bgi`, 'Variant', 'BGEN index');
    expect(got.length).toBe(nVariants);
    const byStart = [...got].sort((a, b) => Number(a.file_start_position) - Number(b.file_start_position));
    const named = [
      ...['chromosome', 'position', 'rsid', 'number_of_alleles', 'allele1', 'allele2'],
      ...['file_start_position', 'size_in_bytes'],
    ];
    expect(byStart.map((r) => named.map((c) => r[c]))).toEqual(rows);
    expect(byStart[700].allele1).toBe(LONG_ALLELE);
  });

  it('reads a rowid table the same way, and names a missing table', async () => {
    const path = join(dir, 'rowid.bgi');
    await writeIndex(path, rows, false);
    const got = readSqliteTable(path, 'Variant', 'BGEN index').map((r) => Object.values(r));
    // A rowid table stores the columns in declaration order, and reads back in insertion order.
    expect(got).toEqual(rows);
    const meta = readSqliteTable(path, 'Metadata', 'BGEN index');
    expect(meta[0].first_1000_bytes).toEqual(new Uint8Array(1000).fill(7));
    expect(() => readSqliteTable(path, 'Nothere', 'BGEN index')).toThrow(/rowid\.bgi: no table Nothere/);
  });

  it('names a file that is not SQLite', () => {
    const path = join(dir, 'not.bgi');
    writeFileSync(path, 'x'.repeat(200));
    expect(() => readSqliteTable(path, 'Variant', 'BGEN index')).toThrow(InputError);
    expect(() => readSqliteTable(path, 'Variant', 'BGEN index')).toThrow(/not a SQLite 3 database/);
  });
});

describe('a BGEN selection through a .bgi index', () => {
  const selections: [string, SelectionFlags][] = [
    ['--chr 2', { chr: '2' }],
    ['--chr 3 --from-bp --to-bp', { chr: '3', fromBp: 11_000, toBp: 12_500 }],
    ['--extract', { extract: join(dir, 'extract.txt') }],
  ];

  it.each(selections)('%s gives what the header walk gives', async (_label, flags) => {
    writeFileSync(join(dir, 'extract.txt'), ['rs10', 'id53', 'rs700', 'rs1499', 'rs5', 'nothere'].join('\n'));
    const withIndex = await readSelected(bgen, flags);
    const walked = await readSelected(copyOf('walk.bgen'), flags);
    expect(withIndex.dosages.length).toBeGreaterThan(0);
    expect(withIndex.dosages).toEqual(walked.dosages);
    expect(withIndex.annotations).toEqual(walked.annotations);
    expect(withIndex.skipped).toBe(walked.skipped);
    expect(withIndex.skipped).toBeGreaterThan(0);
    expect(withIndex.notes[0]).toBe(
      `index ${bgen}.bgi: read the ${withIndex.dosages.length} chosen of ${nVariants} variants`,
    );
    expect(walked.notes.some((n) => n.startsWith('index '))).toBe(false);
  });

  it('reads only the chosen variants: a damaged header elsewhere stops the walk but not the index', async () => {
    const damaged = copyOf('damaged.bgen');
    const bytes = readFileSync(damaged);
    // Variant 10's ID length, far past the end of the file.
    bytes.writeUInt16LE(60_000, rows[10][6]);
    writeFileSync(damaged, bytes);
    copyFileSync(`${bgen}.bgi`, `${damaged}.bgi`);
    const flags = { chr: '3' };
    const expected = await readSelected(bgen, flags);
    const got = await readSelected(damaged, flags);
    expect(got.dosages).toEqual(expected.dosages);
    expect(got.annotations).toEqual(expected.annotations);
    copyFileSync(damaged, join(dir, 'damaged-alone.bgen'));
    await expect(readSelected(join(dir, 'damaged-alone.bgen'), flags)).rejects.toThrow(
      /damaged-alone\.bgen: variant 1\d header/,
    );
  });

  it('ignores a stale index, with a log line saying why, and reads as without one', async () => {
    const cases: [string, Row[], RegExp][] = [
      ['fewer.bgen', rows.slice(0, -1), /it lists 1499 variants, the \.bgen holds 1500/],
      [
        'moved.bgen',
        rows.map((r, k): Row => (k === 20 ? [r[0], r[1], r[2], r[3], r[4], r[5], r[6] + 1, r[7] - 1] : r)),
        /its variant at byte \d+ does not follow the one before/,
      ],
      // Labels swapped between two chosen variants: the offsets tile the file, the headers disagree.
      [
        'swapped.bgen',
        rows.map((r, k): Row => (k === 1200 ? ([...rows[1201].slice(0, 6), r[6], r[7]] as Row) : r)),
        /variant 1201 at byte \d+ is not the variant it lists/,
      ],
    ];
    const flags = { chr: '3' };
    const expected = await readSelected(copyOf('plain.bgen'), flags);
    for (const [name, indexRows, why] of cases) {
      const path = copyOf(name);
      await writeIndex(`${path}.bgi`, indexRows);
      const got = await readSelected(path, flags);
      expect(got.dosages).toEqual(expected.dosages);
      expect(got.annotations).toEqual(expected.annotations);
      expect(got.notes[0]).toMatch(new RegExp(`^index ${path}\\.bgi ignored: ${why.source}`));
    }
  });

  it('is not read without a SNP selection', async () => {
    const got = await readSelected(bgen, {});
    expect(got.dosages.length).toBe(nVariants - got.skipped);
    expect(got.notes.some((n) => n.startsWith('index '))).toBe(false);
  });
});
