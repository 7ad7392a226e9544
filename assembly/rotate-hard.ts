// U^T x for hard-call columns by table lookup (src/linalg/hard-rotation.ts describes the arithmetic, and its TS
// reference makes the same operations in the same order, so both give the same bits). No fused multiply-add:
// the relaxed and plain builds agree too.

/**
 * Eigenvector columns per tile: 6 f64x2 accumulators, enough independent adds to hide their latency (3 cycles,
 * two a cycle); with 8, V8 keeps one of them on the stack (8 accumulators and 8 loaded rows want 16 of its 15
 * SIMD registers) and every step waits for a store and its reload.
 */
const TILE: i32 = 12;
const PATTERNS: i32 = 81;
const ROW_BYTES: i32 = TILE * 8;
const TABLE_BYTES: i32 = PATTERNS * ROW_BYTES;
/** Groups whose tables (7.6 KiB each) are built at once: 36 of them (280 KiB) stay in L2 while the columns stream. */
const CHUNK: i32 = 36;

import { gemmWorkBytes } from './gemm';

// Row k of a TILE-wide strip of U (zeros past n), lanes 2p and 2p + 1.
// @ts-ignore: decorator
@inline function uPair(u: usize, ldU: i32, n: i32, k: i32, p: i32): v128 {
  return k < n ? v128.load(u + ((<usize>(k * ldU + 2 * p)) << 3)) : f64x2.splat(0);
}

// Group q's table for a TILE-wide strip of U: entry [code][c] = (v0 U[k0] + v1 U[k1]) + (v2 U[k2] + v3 U[k3]), code
// = 27 v0 + 9 v1 + 3 v2 + v3. The pairs' nine sums each go to `pairs` (first pair's at [0, 9), second's at [9, 18),
// TILE / 2 f64x2 each), then each row is written whole.
function buildTable(u: usize, ldU: i32, n: i32, q: i32, dst: usize, pairs: usize): void {
  const k0 = q << 2;
  const zero = f64x2.splat(0), one = f64x2.splat(1), two = f64x2.splat(2);
  for (let p = 0; p < TILE / 2; p++) {
    const u0 = uPair(u, ldU, n, k0, p), u1 = uPair(u, ldU, n, k0 + 1, p);
    const a0 = f64x2.mul(zero, u0), a1 = f64x2.mul(one, u0), a2 = f64x2.mul(two, u0);
    const b0 = f64x2.mul(zero, u1), b1 = f64x2.mul(one, u1), b2 = f64x2.mul(two, u1);
    const f = pairs + ((<usize>p) << 4);
    v128.store(f, f64x2.add(a0, b0), 0 * ROW_BYTES); v128.store(f, f64x2.add(a0, b1), 1 * ROW_BYTES);
    v128.store(f, f64x2.add(a0, b2), 2 * ROW_BYTES); v128.store(f, f64x2.add(a1, b0), 3 * ROW_BYTES);
    v128.store(f, f64x2.add(a1, b1), 4 * ROW_BYTES); v128.store(f, f64x2.add(a1, b2), 5 * ROW_BYTES);
    v128.store(f, f64x2.add(a2, b0), 6 * ROW_BYTES); v128.store(f, f64x2.add(a2, b1), 7 * ROW_BYTES);
    v128.store(f, f64x2.add(a2, b2), 8 * ROW_BYTES);
    const u2 = uPair(u, ldU, n, k0 + 2, p), u3 = uPair(u, ldU, n, k0 + 3, p);
    const c0 = f64x2.mul(zero, u2), c1 = f64x2.mul(one, u2), c2 = f64x2.mul(two, u2);
    const d0 = f64x2.mul(zero, u3), d1 = f64x2.mul(one, u3), d2 = f64x2.mul(two, u3);
    const g = f + 9 * ROW_BYTES;
    v128.store(g, f64x2.add(c0, d0), 0 * ROW_BYTES); v128.store(g, f64x2.add(c0, d1), 1 * ROW_BYTES);
    v128.store(g, f64x2.add(c0, d2), 2 * ROW_BYTES); v128.store(g, f64x2.add(c1, d0), 3 * ROW_BYTES);
    v128.store(g, f64x2.add(c1, d1), 4 * ROW_BYTES); v128.store(g, f64x2.add(c1, d2), 5 * ROW_BYTES);
    v128.store(g, f64x2.add(c2, d0), 6 * ROW_BYTES); v128.store(g, f64x2.add(c2, d1), 7 * ROW_BYTES);
    v128.store(g, f64x2.add(c2, d2), 8 * ROW_BYTES);
  }
  let row = dst;
  for (let first = 0; first < 9; first++) {
    const f = pairs + <usize>(first * ROW_BYTES);
    const f0 = v128.load(f, 0), f1 = v128.load(f, 16), f2 = v128.load(f, 32);
    const f3 = v128.load(f, 48), f4 = v128.load(f, 64), f5 = v128.load(f, 80);
    let s = pairs + 9 * ROW_BYTES;
    for (let second = 0; second < 9; second++) {
      v128.store(row, f64x2.add(f0, v128.load(s, 0)), 0); v128.store(row, f64x2.add(f1, v128.load(s, 16)), 16);
      v128.store(row, f64x2.add(f2, v128.load(s, 32)), 32); v128.store(row, f64x2.add(f3, v128.load(s, 48)), 48);
      v128.store(row, f64x2.add(f4, v128.load(s, 64)), 64); v128.store(row, f64x2.add(f5, v128.load(s, 80)), 80);
      row += ROW_BYTES;
      s += ROW_BYTES;
    }
  }
}

// acc[h] (TILE doubles) += the tables' rows that column h's codes pick, for every column, groups [q0, q0 + qn);
// the first chunk starts from +0.
function addChunk(count: i32, codes: usize, groups: i32, q0: i32, qn: i32, tables: usize, acc: usize): void {
  for (let h = 0; h < count; h++) {
    const a = acc + ((<usize>(h * TILE)) << 3);
    let x0 = f64x2.splat(0), x1 = f64x2.splat(0), x2 = f64x2.splat(0);
    let x3 = f64x2.splat(0), x4 = f64x2.splat(0), x5 = f64x2.splat(0);
    if (q0 > 0) {
      x0 = v128.load(a, 0); x1 = v128.load(a, 16); x2 = v128.load(a, 32);
      x3 = v128.load(a, 48); x4 = v128.load(a, 64); x5 = v128.load(a, 80);
    }
    let pc = codes + <usize>(h * groups + q0);
    const end = pc + <usize>qn;
    let t = tables;
    while (pc < end) {
      const row = t + <usize>(<i32>load<u8>(pc) * ROW_BYTES);
      x0 = f64x2.add(x0, v128.load(row, 0)); x1 = f64x2.add(x1, v128.load(row, 16));
      x2 = f64x2.add(x2, v128.load(row, 32)); x3 = f64x2.add(x3, v128.load(row, 48));
      x4 = f64x2.add(x4, v128.load(row, 64)); x5 = f64x2.add(x5, v128.load(row, 80));
      t += TABLE_BYTES;
      pc++;
    }
    v128.store(a, x0, 0); v128.store(a, x1, 16); v128.store(a, x2, 32);
    v128.store(a, x3, 48); v128.store(a, x4, 64); v128.store(a, x5, 80);
  }
}

// Adds each column's corrections (value * its row of the strip, ascending rows) to acc[h] and writes the first
// `cols` doubles to out[rowOf[h]*ldOut ..].
function finishTile(
  count: i32, u: usize, ldU: i32, cols: i32,
  corrStart: usize, corrRow: usize, corrValue: usize,
  out: usize, ldOut: i32, rowOf: usize, acc: usize,
): void {
  for (let h = 0; h < count; h++) {
    const a = acc + ((<usize>(h * TILE)) << 3);
    const e1 = load<i32>(corrStart + ((<usize>(h + 1)) << 2));
    let e = load<i32>(corrStart + ((<usize>h) << 2));
    if (e < e1) {
      // In registers: a chain through memory would wait for each store's reload.
      let x0 = v128.load(a, 0), x1 = v128.load(a, 16), x2 = v128.load(a, 32);
      let x3 = v128.load(a, 48), x4 = v128.load(a, 64), x5 = v128.load(a, 80);
      for (; e < e1; e++) {
        const v = v128.load64_splat(corrValue + ((<usize>e) << 3));
        const r = u + ((<usize>(load<i32>(corrRow + ((<usize>e) << 2)) * ldU)) << 3);
        x0 = f64x2.add(x0, f64x2.mul(v, v128.load(r, 0))); x1 = f64x2.add(x1, f64x2.mul(v, v128.load(r, 16)));
        x2 = f64x2.add(x2, f64x2.mul(v, v128.load(r, 32))); x3 = f64x2.add(x3, f64x2.mul(v, v128.load(r, 48)));
        x4 = f64x2.add(x4, f64x2.mul(v, v128.load(r, 64))); x5 = f64x2.add(x5, f64x2.mul(v, v128.load(r, 80)));
      }
      v128.store(a, x0, 0); v128.store(a, x1, 16); v128.store(a, x2, 32);
      v128.store(a, x3, 48); v128.store(a, x4, 64); v128.store(a, x5, 80);
    }
    const dst = out + ((<usize>(load<i32>(rowOf + ((<usize>h) << 2)) * ldOut)) << 3);
    if (cols == TILE) memory.copy(dst, a, <usize>ROW_BYTES);
    else memory.copy(dst, a, (<usize>cols) << 3);
  }
}

/**
 * U^T x for `count` hard columns over eigenvector columns [0, w) of a strip of U: U(k, c) = u[k*ldU + c] for k < n
 * (the strip readable TILE - 1 doubles past each row's w). Column h's codes are codes[h*groups ..], its
 * corrections corrRow/corrValue[corrStart[h] .. corrStart[h+1]); its result goes to out[rowOf[h]*ldOut + c].
 * `tables` is a GEMM scratch area (gemmWorkBytes(), far more than the tables need), `acc` count * 12 doubles.
 */
export function rotateHard(
  n: i32, w: i32, u: usize, ldU: i32,
  count: i32, codes: usize, groups: i32,
  corrStart: usize, corrRow: usize, corrValue: usize,
  out: usize, ldOut: i32, rowOf: usize,
  tables: usize, acc: usize,
): void {
  const pairs = tables + <usize>(CHUNK * TABLE_BYTES);
  assert(<usize>(CHUNK * TABLE_BYTES + 18 * ROW_BYTES) <= gemmWorkBytes());
  for (let c0 = 0; c0 < w; c0 += TILE) {
    const strip = u + ((<usize>c0) << 3);
    for (let q0 = 0; q0 < groups; q0 += CHUNK) {
      const qn = min(CHUNK, groups - q0);
      for (let q = 0; q < qn; q++) buildTable(strip, ldU, n, q0 + q, tables + <usize>(q * TABLE_BYTES), pairs);
      addChunk(count, codes, groups, q0, qn, tables, acc);
    }
    finishTile(count, strip, ldU, min(TILE, w - c0), corrStart, corrRow, corrValue,
      out + ((<usize>c0) << 3), ldOut, rowOf, acc);
  }
}
