/**
 * U^T x for SNP columns of hard calls by table lookup (the "four Russians" trick). A column x whose entries are
 * mostly 0, 1 or 2 splits as x = h + c: h holds those entries (0 elsewhere), c the few others (an imputed missing
 * call, a dosage). Individuals go in groups of ROTATION_GROUP; a group's entries of h are one base-3 code, and
 * for each group a table holds, for every code and eigenvector column, sum_k h_k U[k, col] over the group's k.
 * Then (U^T x)[col] = sum over groups (in order) of table[group][code][col], plus c_k U[k, col] for each other
 * entry (in ascending k): one add per group of ROTATION_GROUP individuals, where the GEMM does a multiply-add per
 * individual; the tables are built once per block and serve all its hard columns.
 *
 * Every operation is a float64 multiply or add in a fixed order (no fused multiply-add): a table entry is
 * (v0 U[k0] + v1 U[k1]) + (v2 U[k2] + v3 U[k3]), each v U exact (v in {0, 1, 2}; a row past n is zeros); a
 * column's sum starts at +0 and adds its groups' entries, then its corrections' products. The wasm kernel (assembly/rotate-hard.ts) makes
 * the same operations, so both engines give the same bits, and a column's result depends on its content alone
 * (not on its block, its position there or the threads).
 */

/** Individuals per lookup group (a byte of base-3 code). */
export const ROTATION_GROUP = 4;
/** Codes of a group: 3^ROTATION_GROUP. */
export const ROTATION_PATTERNS = 81;

/**
 * Entries that are not exactly 0, 1 or 2 up to which a column of n individuals takes the lookup path: each costs
 * a multiply and an add per eigenvector column, the lookup about 1/8 of a multiply-add per individual.
 */
export function hardColumnLimit(n: number): number {
  return Math.floor(n / 16);
}

/** A block's columns split by path, the hard ones packed for the lookup. */
export interface HardColumns {
  /** Columns (SNP indices in the block) for the lookup path, ascending. */
  hard: Int32Array;
  /** The other columns, for the GEMM, ascending. */
  soft: Int32Array;
  /** Groups per column: ceil(n / ROTATION_GROUP). */
  groups: number;
  /** Hard-column-major codes: codes[h*groups + q] = sum_i digit(k = q*G + i) 3^(G-1-i), digit 0 past n. */
  codes: Uint8Array;
  /** The other entries of hard column h: rows corrRow[corrStart[h]] .. [corrStart[h+1] - 1], ascending. */
  corrStart: Int32Array;
  corrRow: Int32Array;
  /** Their values. */
  corrValue: Float64Array;
}

/** Entries of column j of a SNP-major block that are not exactly 0, 1 or 2, counted up to limit + 1. */
function otherEntries(block: Float64Array, n: number, j: number, limit: number): number {
  let other = 0;
  for (let k = j * n, end = k + n; k < end && other <= limit; k++) {
    const x = block[k]!;
    if (x !== 0 && x !== 1 && x !== 2) other++;
  }
  return other;
}

/** Splits the columns of a SNP-major b x n block by path and packs the hard ones (codes and corrections). */
export function packHardColumns(block: Float64Array, n: number, b: number): HardColumns {
  const limit = hardColumnLimit(n);
  const others = new Int32Array(b);
  let hardCount = 0,
    corrections = 0;
  for (let j = 0; j < b; j++) {
    others[j] = otherEntries(block, n, j, limit);
    if (others[j]! > limit) continue;
    hardCount++;
    corrections += others[j]!;
  }
  const hard = new Int32Array(hardCount),
    soft = new Int32Array(b - hardCount);
  for (let j = 0, h = 0, s = 0; j < b; j++) {
    if (others[j]! <= limit) hard[h++] = j;
    else soft[s++] = j;
  }
  const groups = Math.ceil(n / ROTATION_GROUP);
  const codes = new Uint8Array(hardCount * groups);
  const corrStart = new Int32Array(hardCount + 1),
    corrRow = new Int32Array(corrections),
    corrValue = new Float64Array(corrections);
  let e = 0;
  for (let h = 0; h < hardCount; h++) {
    const base = hard[h]! * n;
    for (let q = 0; q < groups; q++) {
      let code = 0;
      for (let k = q * ROTATION_GROUP; k < (q + 1) * ROTATION_GROUP; k++) {
        const x = k < n ? block[base + k]! : 0;
        if (x === 1) code = 3 * code + 1;
        else if (x === 2) code = 3 * code + 2;
        else {
          code *= 3;
          if (x !== 0) {
            corrRow[e] = k;
            corrValue[e++] = x;
          }
        }
      }
      codes[h * groups + q] = code;
    }
    corrStart[h + 1] = e;
  }
  return { hard, soft, groups, codes, corrStart, corrRow, corrValue };
}

/**
 * Group q's table for eigenvector columns [c0, c0 + w) of U (row-major, n x n): table[code*w + c], entries as
 * the module comment orders them.
 */
function buildTable(U: Float64Array, n: number, q: number, c0: number, w: number, table: Float64Array): void {
  const k0 = q * ROTATION_GROUP;
  const entry = (i: number, c: number) => (k0 + i < n ? U[(k0 + i) * n + c0 + c]! : 0);
  for (let code = 0; code < ROTATION_PATTERNS; code++) {
    const v0 = Math.floor(code / 27),
      v1 = Math.floor(code / 9) % 3,
      v2 = Math.floor(code / 3) % 3,
      v3 = code % 3;
    for (let c = 0; c < w; c++)
      table[code * w + c] = v0 * entry(0, c) + v1 * entry(1, c) + (v2 * entry(2, c) + v3 * entry(3, c));
  }
}

/**
 * The lookup path's reference: out[hard[h]*n + col] = (U^T x)[col] for each hard column (the other rows of out
 * untouched); U row-major n x n, block SNP-major b x n as packed by packHardColumns.
 */
export function rotateHardColumnsTs(
  U: Float64Array,
  n: number,
  packed: HardColumns,
  out: Float64Array,
): void {
  const { hard, groups, codes, corrStart, corrRow, corrValue } = packed;
  const table = new Float64Array(ROTATION_PATTERNS * n);
  const sums = new Float64Array(hard.length * n);
  for (let q = 0; q < groups; q++) {
    buildTable(U, n, q, 0, n, table);
    for (let h = 0; h < hard.length; h++) {
      const row = codes[h * groups + q]! * n;
      for (let col = 0; col < n; col++) sums[h * n + col] += table[row + col]!;
    }
  }
  for (let h = 0; h < hard.length; h++) {
    for (let e = corrStart[h]!; e < corrStart[h + 1]!; e++) {
      const value = corrValue[e]!,
        k = corrRow[e]!;
      for (let col = 0; col < n; col++) sums[h * n + col] += value * U[k * n + col]!;
    }
    out.set(sums.subarray(h * n, (h + 1) * n), hard[h]! * n);
  }
}
