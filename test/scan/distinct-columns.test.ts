// Identical SNP columns are rotated and tested once: distinctColumns must find exactly the bitwise-equal columns,
// and spreading the distinct columns' results must give what testing every column gives.
import { expect, test } from 'vitest';
import { distinctColumns } from '../../src/scan/distinct-columns.js';
import { spreadResults } from '../helpers/spread-results.js';
import { testRotatedBlock } from '../../src/stats/lmm-block.js';
import { fitNullModel } from '../../src/stats/null-model.js';
import { normals, rng } from '../helpers/random.js';
import { DEFAULT_LAMBDA_SEARCH } from '../../src/model/settings.js';

/** b columns of n dosages in {0, 1, 2, mean-imputed 0.7}, where column j copies column copyOf[j] when set. */
function block(n: number, b: number, copyOf: Map<number, number>, seed: number): Float64Array {
  const next = rng(seed);
  const out = new Float64Array(n * b);
  for (let j = 0; j < b; j++) {
    const src = copyOf.get(j);
    for (let i = 0; i < n; i++)
      out[j * n + i] = src !== undefined ? out[src * n + i]! : [0, 1, 2, 0.7][Math.floor(next() * 4)]!;
  }
  return out;
}

test.each([
  [1, 1],
  [5, 3],
  [37, 17],
  [198, 256],
])('n=%i b=%i: duplicates found exactly, first copies kept in order', (n, b) => {
  const copies = new Map<number, number>();
  for (let j = 1; j < b; j += 3) copies.set(j, j - 1); // runs of equal neighbours
  if (b > 10) copies.set(b - 1, 2); // a far copy
  const original = block(n, b, copies, 11 * n + b);
  const g = original.slice();
  const d = distinctColumns(g, n, b);
  // The distinct columns are moved to the front of the block itself, no copy of it made.
  expect(d.columns.buffer).toBe(g.buffer);
  expect(d.columns.length).toBe(d.count * n);
  for (let j = 0; j < b; j++) {
    // Row of j holds j's values, and rows are shared only by identical columns.
    expect(Array.from(d.columns.subarray(d.rowOf[j]! * n, (d.rowOf[j]! + 1) * n))).toEqual(
      Array.from(original.subarray(j * n, (j + 1) * n)),
    );
    for (let k = 0; k < j; k++) {
      const equal = original.subarray(j * n, (j + 1) * n).every((v, i) => Object.is(v, original[k * n + i]));
      expect(d.rowOf[j] === d.rowOf[k]).toBe(equal);
    }
  }
  if (copies.size === 0) expect(d.columns).toBe(g);
  else expect(d.count).toBeLessThan(b);
});

test('columns differing in one bit (0 and -0, one value in the last word) stay distinct', () => {
  const n = 9;
  const g = block(
    n,
    3,
    new Map([
      [1, 0],
      [2, 0],
    ]),
    5,
  );
  g[1 * n + n - 1] = g[n - 1]! + 2 ** -40;
  g[2 * n] = g[0] === 0 ? -0 : g[0]! * (1 + 2 ** -52);
  expect(distinctColumns(g, n, 3).count).toBe(3);
});

test('testing the distinct columns and spreading the results equals testing every column, bit for bit', () => {
  const n = 61,
    nCvt = 2,
    b = 40;
  const next = rng(77);
  const eigenvalues = Float64Array.from({ length: n }, (_, i) => (i === 0 ? 0 : 0.05 + 3 * next()));
  eigenvalues.sort();
  const w = normals(next, n * nCvt);
  for (let i = 0; i < n; i++) w[i] = 1;
  const y = Float64Array.from(
    normals(next, n),
    (e, i) => e * Math.sqrt(eigenvalues[i]! + 1) + 0.4 * w[n + i]!,
  );
  const plan = {
    n,
    nCvt,
    eigenvalues,
    eigenvectors: new Float64Array(0),
    rotatedCovariates: w,
    rotatedPhenotype: y,
    nullModel: fitNullModel(eigenvalues, w, y, nCvt),
    testMode: 4 as const,
    search: DEFAULT_LAMBDA_SEARCH,
  };
  const copies = new Map<number, number>([
    [3, 2],
    [4, 2],
    [10, 0],
    [39, 38],
    [20, 7],
  ]);
  const g = block(n, b, copies, 3);
  const every = testRotatedBlock(plan, g, b);
  const d = distinctColumns(g, n, b);
  expect(d.count).toBe(b - copies.size);
  const spread = spreadResults(testRotatedBlock(plan, d.columns, d.count), d.rowOf);
  expect(spread).toEqual(every);
});

test('2,000 hard-call columns alike but for one call each: only the exact repeats merge', () => {
  // Hard calls leave a float64's low word zero and vary few bits of its high one: the columns' keys must still
  // tell them apart, and whatever the keys do, only bitwise-equal columns may share a row.
  const n = 64,
    b = 2000;
  const next = rng(5);
  const base = Float64Array.from({ length: n }, () => Math.floor(3 * next()));
  const g = new Float64Array(n * b);
  for (let j = 0; j < b; j++) {
    g.set(base, j * n);
    g[j * n + Math.floor(next() * n)] = Math.floor(3 * next());
  }
  const texts = Array.from({ length: b }, (_, j) => g.subarray(j * n, (j + 1) * n).join(','));
  const d = distinctColumns(g.slice(), n, b);
  expect(d.count).toBe(new Set(texts).size);
  for (let j = 1; j < b; j++) expect(d.rowOf[j] === d.rowOf[j - 1]).toBe(texts[j] === texts[j - 1]);
});

test("the caller's keys narrow the search, NaN keys are computed, and the bits decide", () => {
  const n = 6;
  // Columns 0 = 1 = 2 = 4 and 3 = 5 in bits; 6 differs from 0 in its last value only.
  const copies = new Map([
    [1, 0],
    [2, 0],
    [4, 0],
    [5, 3],
  ]);
  const g = block(n, 7, copies, 5);
  g[6 * n + n - 1] = g[n - 1]! === 2 ? 1 : 2;
  for (let i = 0; i < n - 1; i++) g[6 * n + i] = g[i]!;
  // 0, 1 and 6 share a given key (6 still stays apart: its bits differ); 2 has another (kept apart though equal in
  // bits); 3, 4 and 5 get computed keys: 5 finds 3, and 4 finds no row (0's equal bits are under the given key).
  const keys = Float64Array.of(7, 7, 8, NaN, NaN, NaN, 7);
  const d = distinctColumns(g, n, 7, keys);
  expect(Array.from(d.rowOf)).toEqual([0, 0, 1, 2, 3, 2, 4]);
});
