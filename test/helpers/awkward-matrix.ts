/**
 * Random matrices for the matrix writers' tests: values of every scale with zeros of both signs, NaN
 * and infinities among them; a square one mostly mirrored (the text the writers reuse), with a few
 * pairs that differ and 0 against -0, NaN against NaN.
 */

const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 0.5, 2.5e-7, 1e21, -1e-300];

/** A rows x cols row-major matrix drawn with `next` (uniform in [0, 1)). */
export function awkwardMatrix(next: () => number, rows: number, cols: number): Float64Array {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const special = next() < 0.1;
    if (special) data[i] = SPECIAL[Math.floor(next() * SPECIAL.length)]!;
    else data[i] = (next() - 0.5) * 10 ** Math.floor(next() * 8 - 6);
  }
  if (rows === cols) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < r; c++) if (next() < 0.9) data[r * cols + c] = data[c * cols + r]!;
    }
    if (rows > 2) {
      data[1] = 0;
      data[cols] = -0;
      data[2] = NaN;
      data[2 * cols] = NaN;
    }
  }
  return data;
}
