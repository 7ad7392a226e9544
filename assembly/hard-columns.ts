// Packing a SNP block's hard-call columns for the lookup rotation (assembly/rotate-hard.ts), as
// src/linalg/hard-rotation.ts's packHardColumns does in TS: the same codes and corrections.

/** others[j] = entries of column j (SNP-major block x, n per column) that are not exactly 0, 1 or 2, j in [j0, j1). */
export function countOtherEntries(n: i32, x: usize, j0: i32, j1: i32, others: usize): void {
  const zero = f64x2.splat(0), one = f64x2.splat(1), two = f64x2.splat(2);
  for (let j = j0; j < j1; j++) {
    let p = x + ((<usize>j * <usize>n) << 3);
    const pairEnd = p + ((<usize>(n & ~1)) << 3);
    // Lanes that are 0, 1 or 2 are all ones; each pair adds its count of calls (0, -1 or -2) to `calls`.
    let calls = i64x2.splat(0);
    while (p < pairEnd) {
      const v = v128.load(p);
      const hit = v128.or(v128.or(f64x2.eq(v, zero), f64x2.eq(v, one)), f64x2.eq(v, two));
      calls = i64x2.add(calls, hit);
      p += 16;
    }
    let other = (n & ~1) + <i32>(i64x2.extract_lane(calls, 0) + i64x2.extract_lane(calls, 1));
    if (n & 1) {
      const last = load<f64>(p);
      if (last != 0 && last != 1 && last != 2) other++;
    }
    store<i32>(others + ((<usize>j) << 2), other);
  }
}

/**
 * Codes and corrections of hard columns [h0, h1): column h is block column rowOf[h]; its codes go to
 * codes[h*groups ..] (base 3, four individuals a byte, zeros past n), its other entries to corrRow/corrValue from
 * corrStart[h], ascending.
 */
export function packHardColumns(
  n: i32, x: usize, h0: i32, h1: i32, rowOf: usize, groups: i32,
  codes: usize, corrStart: usize, corrRow: usize, corrValue: usize,
): void {
  for (let h = h0; h < h1; h++) {
    const column = x + ((<usize>load<i32>(rowOf + ((<usize>h) << 2)) * <usize>n) << 3);
    let e = load<i32>(corrStart + ((<usize>h) << 2));
    let out = codes + <usize>h * <usize>groups;
    for (let q = 0; q < groups; q++) {
      let code = 0;
      for (let k = q << 2; k < (q << 2) + 4; k++) {
        const v = k < n ? load<f64>(column + ((<usize>k) << 3)) : 0.0;
        code *= 3;
        if (v == 1) code += 1;
        else if (v == 2) code += 2;
        else if (v != 0) {
          store<i32>(corrRow + ((<usize>e) << 2), k);
          store<f64>(corrValue + ((<usize>e) << 3), v);
          e++;
        }
      }
      store<u8>(out++, <u8>code);
    }
  }
}
