// The Chebyshev tables of a plan's SNP-independent sums (assembly/lmm-interp.ts) against float64 sums computed here,
// on fresh random columns and spectra of awkward sizes (n = 1 upwards, zero and repeated eigenvalues), at random
// lambdas over the whole search range, both ends and the grid points; and the checks that refuse a table.
// Tolerance: 5e-13 of sum_i |p_i| w_i^k (of sum_i |log(lambda d_i + 1)| for log|H|), the size of the rounding error
// of a direct sum over a few hundred individuals.
import { describe, expect, test } from 'vitest';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import type { KernelExports } from '../../../src/engines/wasm/loader.js';
import { relaxedSimdSupported } from '../../../src/engines/wasm/loader.js';
import { normals, rng } from '../../helpers/random.js';

const L_MIN = 1e-5;
const L_MAX = 1e5;
const REGIONS = 20; // two per decade, as the engine builds them

interface Built {
  ok: boolean;
  values(lambda: number): Promise<Float64Array>;
}

// Builds a table with the kernel exports on a main-thread runner (run takes a kernel name and its arguments).
async function build(
  runner: LocalRunner,
  d: Float64Array,
  columns: Float64Array[],
  lMin = L_MIN,
  lMax = L_MAX,
): Promise<Built> {
  const n = d.length;
  const g = columns.length;
  const call = (name: keyof KernelExports, ...args: number[]) => runner.run([[name, args]]);
  const { arena } = runner;
  const f = await call('interpFunctionCount', g);
  const pd = arena.allocF64(n),
    pairs = arena.allocF64(g * n),
    out = arena.allocF64(f);
  const table = arena.alloc(await call('interpTableBytes', g, REGIONS)),
    scratch = arena.alloc(await call('interpScratchBytes', g));
  arena.f64(pd, n).set(d);
  const interleaved = arena.f64(pairs, g * n);
  columns.forEach((col, v) => col.forEach((x, i) => (interleaved[(v >> 1) * 2 * n + 2 * i + (v & 1)] = x)));
  const ok = (await call('interpBuild', table, n, pd, pairs, g, lMin, lMax, REGIONS, scratch)) !== 0;
  const logMin = Math.log(lMin),
    width = Math.log(lMax / lMin) / REGIONS;
  return {
    ok,
    async values(lambda: number) {
      await call('interpEvaluate', table, REGIONS, g, logMin, width, lambda, f, out);
      return arena.f64(out, f).slice();
    },
  };
}

/** Float64 sums and their absolute scales in the table's layout: S_v1, S_v2, S_v3 for each column, then log|H|. */
function reference(
  d: Float64Array,
  columns: Float64Array[],
  lambda: number,
): { value: number[]; scale: number[] } {
  const g = columns.length;
  const value = new Array<number>(3 * g + 1).fill(0),
    scale = new Array<number>(3 * g + 1).fill(0);
  d.forEach((di, i) => {
    const w = 1 / (lambda * di + 1);
    columns.forEach((col, v) => {
      for (let k = 1; k <= 3; k++) {
        value[(k - 1) * g + v] += col[i]! * w ** k;
        scale[(k - 1) * g + v] += Math.abs(col[i]!) * w ** k;
      }
    });
    const l = Math.log1p(lambda * di);
    value[3 * g] += l;
    scale[3 * g] += Math.abs(l);
  });
  return { value, scale };
}

type Spectrum = 'spread' | 'zeros' | 'repeated';

function spectrum(next: () => number, n: number, kind: Spectrum): Float64Array {
  const d = Float64Array.from({ length: n }, () => 0.001 + 6 * next() ** 3);
  if (kind === 'zeros') for (let i = 0; i < n; i += 3) d[i] = 0;
  if (kind === 'repeated') for (let i = 0; i < n; i++) d[i] = i % 2 ? 1.25 : d[0]!;
  return d;
}

const flavours = relaxedSimdSupported() ? (['simd', 'relaxed'] as const) : (['simd'] as const);
const CASES: Array<[n: number, g: number, kind: Spectrum]> = [
  [1, 2, 'spread'],
  [2, 4, 'zeros'],
  [7, 6, 'repeated'],
  [198, 12, 'zeros'],
  [1001, 10, 'spread'],
];

describe.each(flavours)('Chebyshev tables of the plan sums (%s build)', (flavour) => {
  test.each(CASES)('n=%i, %i columns, %s spectrum: within 5e-13 of the float64 sums', async (n, g, kind) => {
    const runner = LocalRunner.create(flavour);
    const next = rng(31 * n + g);
    const d = spectrum(next, n, kind);
    // Columns like the plan's: products of normal vectors (mixed signs), a positive one, and the column of ones.
    const columns = Array.from({ length: g }, (_, v) => {
      const a = normals(next, n),
        b = normals(next, n);
      return v === g - 1
        ? new Float64Array(n).fill(1)
        : Float64Array.from(a, (x, i) => (v % 3 === 0 ? x * x : x * (b[i]! + 0.5)));
    });
    const table = await build(runner, d, columns);
    expect(table.ok).toBe(true);
    const grid = Array.from(
      { length: REGIONS + 1 },
      (_, r) => L_MIN * Math.exp((Math.log(L_MAX / L_MIN) / REGIONS) * r),
    );
    const random = Array.from({ length: 150 }, () =>
      Math.exp(Math.log(L_MIN) + next() * Math.log(L_MAX / L_MIN)),
    );
    let worst = 0;
    for (const lambda of [L_MIN, L_MAX, ...grid.slice(1, -1), ...random]) {
      const got = await table.values(lambda);
      const { value, scale } = reference(d, columns, lambda);
      value.forEach((v, q) => {
        worst = Math.max(worst, Math.abs(got[q]! - v) / (scale[q]! || 1));
      });
    }
    expect(worst).toBeLessThan(5e-13);
    expect(worst).toBeGreaterThan(0); // an interpolant, not the sums themselves
  });

  test('refuses a range that does not start above zero, and a pole inside the range (a negative eigenvalue)', async () => {
    const runner = LocalRunner.create(flavour);
    const next = rng(7);
    const d = spectrum(next, 40, 'spread');
    const columns = [normals(next, 40), normals(next, 40)];
    expect((await build(runner, d, columns, 0, L_MAX)).ok).toBe(false);
    expect((await build(runner, d, columns, L_MIN, L_MAX)).ok).toBe(true);
    d[5] = -1e-3; // lambda d_5 + 1 = 0 at lambda = 1000
    expect((await build(runner, d, columns, L_MIN, L_MAX)).ok).toBe(false);
  });
});
