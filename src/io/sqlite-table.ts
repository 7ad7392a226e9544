/**
 * Reads every row of one table of a SQLite 3 database file (https://www.sqlite.org/fileformat.html),
 * page by page through a FileWindow: enough to read a bgenix .bgi index without loading it whole.
 * Read-only, UTF-8 databases, ordinary and WITHOUT ROWID tables; no SQL beyond the CREATE TABLE text.
 * (Node 20 has no SQLite; sql.js loads the whole file into memory and starts asynchronously.)
 */
import { FileWindow } from './file-window.js';
import { InputError } from './input-error.js';

/** A column value as SQLite stores it (integers above 2^53 lose precision). */
export type SqliteValue = number | string | Uint8Array | null;

const TABLE_INTERIOR = 0x05;
const TABLE_LEAF = 0x0d;
const INDEX_INTERIOR = 0x02;
const INDEX_LEAF = 0x0a;

/** The rows of table `name` in `path` as objects keyed by column name, in key (rowid or primary key) order. */
export function readSqliteTable(path: string, name: string, label: string): Record<string, SqliteValue>[] {
  const db = new SqliteFile(path, label);
  try {
    const schema = db.rows(1, false).find((r) => r[0] === 'table' && r[1] === name);
    if (!schema) throw new InputError(path, `no table ${name}`);
    const columns = storedColumns(String(schema[4]));
    return db.rows(Number(schema[3]), true).map((values) => {
      const row: Record<string, SqliteValue> = {};
      columns.forEach((column, c) => (row[column] = values[c] ?? null));
      return row;
    });
  } finally {
    db.close();
  }
}

/**
 * Column names in the order a table's records store them, from its CREATE TABLE text: declaration
 * order, except that a WITHOUT ROWID table stores its primary key columns first.
 */
function storedColumns(sql: string): string[] {
  const body = sql.slice(sql.indexOf('(') + 1, sql.lastIndexOf(')'));
  const parts = body.split(/,(?![^(]*\))/).map((p) => p.trim());
  const unquote = (word: string) => word.replace(/^["`[]|["`\]]$/g, '');
  const declared: string[] = [];
  let primaryKey: string[] = [];
  for (const part of parts) {
    const key = /^PRIMARY\s+KEY\s*\(([^)]*)\)/i.exec(part);
    if (key) primaryKey = key[1].split(',').map((c) => unquote(c.trim().split(/\s+/)[0]));
    else if (!/^(CONSTRAINT|UNIQUE|CHECK|FOREIGN)\b/i.test(part))
      declared.push(unquote(part.split(/\s+/)[0]));
  }
  if (!/\)\s*WITHOUT\s+ROWID\s*;?\s*$/i.test(sql)) return declared;
  return [...primaryKey, ...declared.filter((c) => !primaryKey.includes(c))];
}

/** A SQLite file's b-trees, read a page at a time. */
class SqliteFile {
  private readonly file: FileWindow;
  private readonly pageSize: number;
  private readonly usable: number;

  constructor(
    readonly path: string,
    label: string,
  ) {
    this.file = new FileWindow(path, label);
    try {
      const magic = this.file.bytes(0, 16, 'header').toString('latin1');
      if (magic !== 'SQLite format 3\0') throw new InputError(path, 'not a SQLite 3 database');
      const size = this.file.uint(16, 1, 'header') * 256 + this.file.uint(17, 1, 'header');
      this.pageSize = size === 1 ? 65536 : size;
      this.usable = this.pageSize - this.file.uint(20, 1, 'header');
      const encoding = this.file.bytes(56, 4, 'header').readUInt32BE(0);
      if (encoding !== 1) throw new InputError(path, `text encoding ${encoding} is not UTF-8`);
    } catch (error) {
      this.file.close();
      throw error;
    }
  }

  close(): void {
    this.file.close();
  }

  /** Every record of the b-tree rooted at page `root` (a table's, or a WITHOUT ROWID table's), in key order. */
  rows(root: number, allowIndex: boolean): SqliteValue[][] {
    const out: SqliteValue[][] = [];
    this.readPage(root, allowIndex, new Set(), out);
    return out;
  }

  /** Appends the records of the subtree at `page` to `out`, children before the cells that follow them. */
  private readPage(page: number, allowIndex: boolean, seen: Set<number>, out: SqliteValue[][]): void {
    const what = `page ${page}`;
    // A page reached twice means a corrupt (cyclic) tree.
    if (seen.has(page)) throw new InputError(this.path, `${what} is reached twice (corrupt file)`);
    seen.add(page);
    const start = (page - 1) * this.pageSize;
    // Page 1 starts with the 100-byte file header.
    const header = page === 1 ? 100 : 0;
    const bytes = Buffer.from(this.file.bytes(start, this.pageSize, what));
    const type = bytes[header];
    const isIndex = type === INDEX_INTERIOR || type === INDEX_LEAF;
    if (![TABLE_INTERIOR, TABLE_LEAF, INDEX_INTERIOR, INDEX_LEAF].includes(type) || (isIndex && !allowIndex))
      throw new InputError(this.path, `${what}: b-tree page type ${type} is not expected here`);
    const interior = type === TABLE_INTERIOR || type === INDEX_INTERIOR;
    const cells = bytes.readUInt16BE(header + 3);
    const pointers = header + (interior ? 12 : 8);
    for (let c = 0; c < cells; c++) {
      let at = bytes.readUInt16BE(pointers + 2 * c);
      if (interior) {
        this.readPage(bytes.readUInt32BE(at), allowIndex, seen, out);
        at += 4;
        // A table's interior cells hold only a key; an index's hold a whole entry.
        if (type === TABLE_INTERIOR) continue;
      }
      const [payload, afterSize] = varint(bytes, at);
      at = afterSize;
      if (type === TABLE_LEAF) at = varint(bytes, at)[1];
      out.push(this.record(this.payload(bytes, at, payload, isIndex, what), what));
    }
    if (interior) this.readPage(bytes.readUInt32BE(header + 8), allowIndex, seen, out);
  }

  /** A cell's payload of `size` bytes starting at `at`, following overflow pages where it spills. */
  private payload(page: Buffer, at: number, size: number, isIndex: boolean, what: string): Buffer {
    const u = this.usable;
    const maxLocal = isIndex ? Math.floor(((u - 12) * 64) / 255) - 23 : u - 35;
    if (size <= maxLocal) return page.subarray(at, at + size);
    const minLocal = Math.floor(((u - 12) * 32) / 255) - 23;
    const k = minLocal + ((size - minLocal) % (u - 4));
    const local = k <= maxLocal ? k : minLocal;
    const parts = [page.subarray(at, at + local)];
    let got = local;
    let next = page.readUInt32BE(at + local);
    while (got < size) {
      if (next === 0) throw new InputError(this.path, `${what}: overflow chain ends early`);
      const overflow = this.file.bytes((next - 1) * this.pageSize, u, `overflow page ${next}`);
      const take = Math.min(u - 4, size - got);
      parts.push(Buffer.from(overflow.subarray(4, 4 + take)));
      got += take;
      next = overflow.readUInt32BE(0);
    }
    return Buffer.concat(parts);
  }

  /** Decodes a record: a header of serial types, then the values. */
  private record(payload: Buffer, what: string): SqliteValue[] {
    const [headerSize, first] = varint(payload, 0);
    const types: number[] = [];
    for (let at = first; at < headerSize;) {
      const [type, next] = varint(payload, at);
      types.push(type);
      at = next;
    }
    const values: SqliteValue[] = [];
    let at = headerSize;
    for (const type of types) {
      const width = valueWidth(type);
      if (at + width > payload.length) throw new InputError(this.path, `${what}: record runs past its cell`);
      values.push(value(payload, at, type, width));
      at += width;
    }
    return values;
  }
}

/** Bytes taken by a value of serial type `type`. */
function valueWidth(type: number): number {
  if (type >= 12) return Math.floor((type - 12) / 2);
  return [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][type];
}

/** The value of serial type `type` at `at`. */
function value(b: Buffer, at: number, type: number, width: number): SqliteValue {
  if (type === 0) return null;
  if (type === 8 || type === 9) return type - 8;
  if (type === 7) return b.readDoubleBE(at);
  if (type >= 12)
    return type % 2 === 0 ? Uint8Array.from(b.subarray(at, at + width)) : b.toString('utf8', at, at + width);
  // Big-endian two's-complement integers of 1, 2, 3, 4, 6 or 8 bytes.
  let v = b[at] >= 128 ? b[at] - 256 : b[at];
  for (let i = 1; i < width; i++) v = v * 256 + b[at + i];
  return v;
}

/** A SQLite varint at `at`: its value and where the next field starts. */
function varint(b: Buffer, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const byte = b[at + i];
    v = v * 128 + (byte & 0x7f);
    if (byte < 0x80) return [v, at + i + 1];
  }
  return [v * 256 + b[at + 8], at + 9];
}
