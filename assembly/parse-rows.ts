// Rows of a text matrix (a kinship or eigenvector file) parsed on the engine's threads: each field is read the way
// the JS reader's fast path reads it (src/io/field-bytes.ts parseField: a plain decimal of at most 15 digits whose
// power of ten is within 10^+-22, as one exact integer times or divided by one exact power of ten, so one correctly
// rounded operation, as Number() gives). Anything else (more digits, "nan", a wrong field count) fails the row, and
// the caller reads the file with the JS reader instead, which gives Number()'s value or the error.

const SPACE: u8 = 32;
const TAB: u8 = 9;
const COMMA: u8 = 44;

// 10^k for k = 0..22, every one exact in a double.
const POW10: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
]);

// @ts-ignore: decorator
@inline function isSeparator(c: u32): bool { return c == SPACE || c == TAB || c == COMMA; }
// @ts-ignore: decorator
@inline function isDigit(c: u32): bool { return c - 48 < 10; }

/**
 * Parses rows row0..row1-1 of an n-column matrix: row r is the bytes text[bounds[2r], bounds[2r+1]), followed by a
 * byte that is not part of a number (its line end, or a zero after the text). Fields are separated by runs of
 * space, tab and comma, as the JS reader splits them; out[r*n + c] gets field c. Returns the number of rows that
 * failed (a field count other than n, or a field the fast path does not read), also stored at `failed` (i32).
 */
export function parseRows(text: usize, bounds: usize, n: i32, row0: i32, row1: i32, out: usize, failed: usize): i32 {
  let bad = 0;
  for (let r = row0; r < row1; r++) {
    const start = text + <usize>load<i32>(bounds + (<usize>r << 3));
    const end = text + <usize>load<i32>(bounds + (<usize>r << 3) + 4);
    if (!parseRow(start, end, n, out + ((<usize>r * <usize>n) << 3))) bad++;
  }
  store<i32>(failed, bad);
  return bad;
}

// One row into row[0, n): false when it is not n fields that the fast path reads.
function parseRow(p: usize, end: usize, n: i32, row: usize): bool {
  let count = 0;
  for (;;) {
    while (p < end && isSeparator(load<u8>(p))) p++;
    if (p >= end) break;
    if (count >= n) return false;
    let c = <u32>load<u8>(p);
    const negative = c == 45;
    if (negative || c == 43) c = <u32>load<u8>(++p);
    let mantissa: f64 = 0;
    let digits = 0;
    let power = 0;
    while (isDigit(c)) {
      // A 16th digit would not be exact: the JS reader hands such a field to Number().
      if (mantissa >= 9e14) return false;
      mantissa = mantissa * 10 + <f64>(c - 48);
      digits++;
      c = <u32>load<u8>(++p);
    }
    if (c == 46) {
      c = <u32>load<u8>(++p);
      while (isDigit(c)) {
        if (mantissa >= 9e14) return false;
        mantissa = mantissa * 10 + <f64>(c - 48);
        power--;
        digits++;
        c = <u32>load<u8>(++p);
      }
    }
    if (digits == 0) return false;
    if (c == 101 || c == 69) {
      c = <u32>load<u8>(++p);
      const negativeExponent = c == 45;
      if (negativeExponent || c == 43) c = <u32>load<u8>(++p);
      let exponent = 0;
      let exponentDigits = 0;
      while (isDigit(c)) {
        if (exponent < 10000) exponent = exponent * 10 + <i32>(c - 48);
        exponentDigits++;
        c = <u32>load<u8>(++p);
      }
      if (exponentDigits == 0) return false;
      power += negativeExponent ? -exponent : exponent;
    }
    if (p < end && !isSeparator(c)) return false;
    let v: f64;
    if (mantissa == 0) v = 0;
    else if (power >= 0 && power <= 22) v = mantissa * load<f64>(POW10 + (<usize>power << 3));
    else if (power < 0 && power >= -22) v = mantissa / load<f64>(POW10 + (<usize>-power << 3));
    else return false;
    store<f64>(row + (<usize>count << 3), negative ? -v : v);
    count++;
  }
  return count == n;
}
