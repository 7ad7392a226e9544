/**
 * Identical SNP columns within a block (adjacent markers in one haplotype block of an inbred panel, e.g. a quarter
 * of BXD's markers) give identical rotated columns and identical statistics, so each distinct column is rotated
 * and tested once and its results are copied to the others: the same numbers, bit for bit, for less work. That
 * holds because every engine's result for a column depends on that column alone, not on its place in the block
 * (test/engines/column-position.test.ts). Measured on BXD (7,320 markers, 5,404 distinct analysed columns): blocks
 * of 256 SNPs find all but 4 of the 1,916 repeats, so columns are not remembered from one block to the next.
 */

export interface DistinctColumns {
  /** The distinct columns, SNP-major (count x n): the front of the input, moved there (the input when all differ). */
  columns: Float64Array;
  count: number;
  /** For each of the block's b columns, its row in `columns`. */
  rowOf: Int32Array;
}

/**
 * Set to 1 only by tests: every column is tested, none merged, so that a test can compare whole outputs with and
 * without the merging (they must be byte-identical).
 */
const EVERY_COLUMN_ENV = 'LMMSCAN_TEST_EVERY_COLUMN';

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 52-bit key of a column's 32-bit words: two multiply-rotate lanes (murmur3's), one over each float64's low words
 * and one over its high words, finalised together. Hard calls leave the low words zero and vary only a few bits
 * of the high ones, hence the rotation (FNV-1a's multiply alone never carries a high bit down). A few cycles a
 * word: for -lm, whose test is itself O(n) a column, the key must cost well below the test.
 */
function columnKey(words: Uint32Array, from: number, to: number): number {
  let low = 0x9747b28c;
  let high = 0x2545f491;
  for (let w = from; w < to; w += 2) {
    low = Math.imul(low ^ words[w]!, 0xcc9e2d51);
    low = (low << 15) | (low >>> 17);
    high = Math.imul(high ^ words[w + 1]!, 0x1b873593);
    high = (high << 13) | (high >>> 19);
  }
  return mix(high) * 0x100000 + (mix(low ^ high) & 0xfffff);
}

/** Whether words[a, a + width) and words[b, b + width) are the same bits. */
function sameBits(words: Uint32Array, a: number, b: number, width: number): boolean {
  for (let w = 0; w < width; w++) if (words[a + w] !== words[b + w]) return false;
  return true;
}

/**
 * Finds the distinct columns of a SNP-major block (b x n, float64) by their exact bits and moves them, in order, to
 * the front of the block (overwriting the repeats' places: the caller reads the block only through the result).
 * `keys`, where given, holds each column's key as the caller computed it from what the column was made of (equal
 * sources, equal keys), or NaN where this function computes it: a key only narrows the search (columns with
 * different keys are left apart, tested each; the same results), the bits decide.
 */
export function distinctColumns(
  genotypes: Float64Array,
  n: number,
  b: number,
  keys?: Float64Array,
): DistinctColumns {
  const rowOf = new Int32Array(b);
  if (process.env[EVERY_COLUMN_ENV] === '1') {
    for (let j = 0; j < b; j++) rowOf[j] = j;
    return { columns: genotypes, count: b, rowOf };
  }
  const words = new Uint32Array(genotypes.buffer, genotypes.byteOffset, 2 * n * b);
  const width = 2 * n;
  // Each distinct column's block index, and an open-addressing table of them by key (typed arrays, not a Map of
  // arrays: a cold -lm scan spent more on those objects than on the keys).
  const firstOfRow = new Int32Array(b);
  let count = 0;
  let bits = 1;
  while (1 << bits < 2 * b) bits++;
  const size = 1 << bits;
  const slotRow = new Int32Array(size).fill(-1);
  const slotKey = new Float64Array(size);
  for (let j = 0; j < b; j++) {
    const given = keys ? keys[j]! : NaN;
    const key = given === given ? given : columnKey(words, j * width, (j + 1) * width);
    // The key only narrows the search: a column joins a row only when every one of its bits equals the row's.
    // Fibonacci hashing of both 32-bit halves: a key made from codes is a sum whose low bits alone mix poorly.
    let slot = Math.imul((key >>> 0) ^ ((key / 0x100000000) >>> 0), 0x9e3779b1) >>> (32 - bits);
    let match = -1;
    for (; slotRow[slot]! >= 0; slot = (slot + 1) & (size - 1)) {
      const r = slotRow[slot]!;
      if (slotKey[slot] === key && sameBits(words, firstOfRow[r]! * width, j * width, width)) {
        match = r;
        break;
      }
    }
    if (match >= 0) {
      rowOf[j] = match;
      continue;
    }
    rowOf[j] = count;
    slotRow[slot] = count;
    slotKey[slot] = key;
    firstOfRow[count++] = j;
  }
  if (count === b) return { columns: genotypes, count, rowOf };
  // In place, to the front (row r's column is at r or after it): a new array of a block's size cost more than the
  // keys and comparisons together (zeroed pages; 80 ms a block at n = 1940).
  for (let r = 0; r < count; r++) {
    const j = firstOfRow[r]!;
    if (j !== r) genotypes.copyWithin(r * n, j * n, (j + 1) * n);
  }
  return { columns: genotypes.subarray(0, count * n), count, rowOf };
}
