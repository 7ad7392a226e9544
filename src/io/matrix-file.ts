/**
 * Text matrices and vectors as GEMMA reads and writes them: kinship (.cXX/.sXX), eigenvectors
 * (.eigenU) and eigenvalues (.eigenD); "%.10g", tab-separated, one row per line.
 */
import { InputError } from './input-error.js';
import { formatGeneral } from './number-format.js';
import { readLines, splitFields } from './text-file.js';

/** Reads a square matrix, checking shape, finiteness and (for kinship) symmetry. Row-major. */
export function readSquareMatrix(path: string, what: string, options: { expectedSize?: number; symmetric?: boolean } = {}): { n: number; data: Float64Array } {
  const lines = readLines(path, what).filter((l, k, all) => !(k === all.length - 1 && l.trim() === ''));
  const n = lines.length;
  if (n === 0) throw new InputError(path, `${what} is empty`);
  if (options.expectedSize !== undefined && n !== options.expectedSize) {
    throw new InputError(path, `${what} has ${n} rows but there are ${options.expectedSize} individuals`);
  }
  const data = new Float64Array(n * n);
  lines.forEach((line, r) => {
    const f = splitFields(line);
    if (f.length !== n) throw new InputError(path, `${what} is not square: row ${r + 1} has ${f.length} values, expected ${n}`, r + 1);
    for (let c = 0; c < n; c++) {
      const v = Number(f[c]);
      if (!Number.isFinite(v)) throw new InputError(path, `${what} value "${f[c]}" in column ${c + 1} is not a finite number`, r + 1);
      data[r * n + c] = v;
    }
  });
  if (options.symmetric) {
    for (let r = 0; r < n; r++)
      for (let c = r + 1; c < n; c++) {
        const a = data[r * n + c];
        const b = data[c * n + r];
        if (Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))) {
          throw new InputError(path, `${what} is not symmetric: K[${r + 1}][${c + 1}] = ${a} but K[${c + 1}][${r + 1}] = ${b}`, r + 1);
        }
      }
  }
  return { n, data };
}

/** Reads a column vector (one number per line). */
export function readVector(path: string, what: string): Float64Array {
  const lines = readLines(path, what).filter((l) => l.trim() !== '');
  return Float64Array.from(lines, (l, k) => {
    const v = Number(splitFields(l)[0]);
    if (!Number.isFinite(v)) throw new InputError(path, `${what} value "${l}" is not a finite number`, k + 1);
    return v;
  });
}

/** Text of a row-major rows x cols matrix in GEMMA's format. */
export function formatMatrix(data: Float64Array, rows: number, cols: number): string {
  const out: string[] = [];
  const row: string[] = new Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) row[c] = formatGeneral(data[r * cols + c], 10);
    out.push(row.join('\t'));
  }
  return out.join('\n') + '\n';
}

/** Text of a vector, one "%.10g" value per line. */
export function formatVector(data: Float64Array): string {
  return Array.from(data, (v) => formatGeneral(v, 10)).join('\n') + '\n';
}
