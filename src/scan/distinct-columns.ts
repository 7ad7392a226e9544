/**
 * Identical SNP columns within a block (adjacent markers in one haplotype block of an inbred panel, e.g. a quarter
 * of BXD's markers) give identical rotated columns and identical statistics, so each distinct column is rotated
 * and tested once and its results are copied to the others: the same numbers, bit for bit, for less work.
 */

export interface DistinctColumns {
  /** The distinct columns, SNP-major (count x n); the input itself when every column is distinct. */
  columns: Float64Array;
  count: number;
  /** For each of the block's b columns, its row in `columns`. */
  rowOf: Int32Array;
}

/** Finds the distinct columns of a SNP-major block (b x n, float64) by their exact bits. */
export function distinctColumns(genotypes: Float64Array, n: number, b: number): DistinctColumns {
  const words = new Uint32Array(genotypes.buffer, genotypes.byteOffset, 2 * n * b);
  const width = 2 * n;
  const rowOf = new Int32Array(b);
  const firstOfRow: number[] = [];
  const byHash = new Map<number, number[]>();
  const same = (j: number, k: number) => {
    for (let w = 0; w < width; w++) if (words[j * width + w] !== words[k * width + w]) return false;
    return true;
  };
  for (let j = 0; j < b; j++) {
    // FNV-1a over the column's 32-bit words.
    let h = 0x811c9dc5;
    for (let w = j * width, end = w + width; w < end; w++) h = Math.imul(h ^ words[w]!, 0x01000193);
    const rows = byHash.get(h);
    const match = rows?.find((r) => same(firstOfRow[r]!, j));
    if (match !== undefined) {
      rowOf[j] = match;
      continue;
    }
    rowOf[j] = firstOfRow.length;
    if (rows) rows.push(firstOfRow.length);
    else byHash.set(h, [firstOfRow.length]);
    firstOfRow.push(j);
  }
  const count = firstOfRow.length;
  if (count === b) return { columns: genotypes, count, rowOf };
  const columns = new Float64Array(count * n);
  firstOfRow.forEach((j, r) => columns.set(genotypes.subarray(j * n, (j + 1) * n), r * n));
  return { columns, count, rowOf };
}
