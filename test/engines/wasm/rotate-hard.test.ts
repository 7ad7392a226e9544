// Hard-call columns rotated by table lookup (src/linalg/hard-rotation.ts, assembly/rotate-hard.ts): the wasm kernel
// gives the TS reference's bits on both SIMD builds, with 1 and 2 threads and in column strips; both agree with the
// plain rotation to rounding; each column takes the path its own content picks, and its result does not depend on
// the block around it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalRunner } from '../../../src/engines/wasm/kernels.js';
import { relaxedSimdSupported } from '../../../src/engines/wasm/loader.js';
import { rotateOn } from '../../../src/engines/wasm/ops.js';
import { WasmPool } from '../../../src/engines/wasm/pool.js';
import { rotateTs } from '../../../src/engines/ts/ts-engine.js';
import { hardColumnLimit, packHardColumns } from '../../../src/linalg/hard-rotation.js';
import { maxAbs, maxAbsDiff, randomArray, refRotate, seededRandom } from './reference.js';

type Shape = 'calls' | '1% other' | '30% other' | 'all missing' | 'all 2' | 'at the limit' | 'dosages';
const SHAPES: Shape[] = ['calls', '1% other', '30% other', 'all missing', 'all 2', 'at the limit', 'dosages'];

/** A column of n entries: hard calls with some other values (imputed means, dosages) as `shape` says. */
function column(n: number, shape: Shape, rand: () => number): Float64Array {
  const x = Float64Array.from({ length: n }, () => Math.floor(3 * rand()));
  const other = (share: number) => {
    for (let k = 0; k < n; k++) if (rand() < share) x[k] = 2 * rand();
  };
  if (shape === '1% other') other(0.01);
  else if (shape === '30% other') other(0.3);
  else if (shape === 'all missing')
    x.fill(1.3); // every call imputed with the mean the file gives
  else if (shape === 'all 2') x.fill(2);
  else if (shape === 'dosages') other(1);
  else if (shape === 'at the limit') for (let k = 0; k < hardColumnLimit(n); k++) x[(7 * k) % n] = 0.25 + k;
  return x;
}

/** b columns of the given shapes in turn. */
function genotypes(n: number, b: number, seed: number, shapes = SHAPES): Float64Array {
  const rand = seededRandom(seed);
  const block = new Float64Array(n * b);
  for (let j = 0; j < b; j++) block.set(column(n, shapes[j % shapes.length]!, rand), j * n);
  return block;
}

/** |a - b| within 1e-13 of the largest |U^T x| (and of 1, for tiny n). */
function expectClose(got: Float64Array, want: Float64Array): void {
  expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-13 * Math.max(1, maxAbs(want)));
}

/** The TS engine's rows of the hard columns bitwise (the soft ones are GEMM sums: to rounding). */
function expectTsBits(got: Float64Array, U: Float64Array, n: number, X: Float64Array, b: number): void {
  const ts = rotateTs(U, n, X, b);
  const { hard } = packHardColumns(X, n, b);
  expect(hard.length).toBeGreaterThan(0);
  for (const j of hard)
    expect(got.subarray(j * n, (j + 1) * n), `column ${j}`).toEqual(ts.subarray(j * n, (j + 1) * n));
  expectClose(got, ts);
}

const SIZES: Array<[number, number]> = [
  [1, 1],
  [1, 7],
  [5, 1],
  [7, 9],
  [37, 14],
  [130, 3],
  [258, 21],
];

describe('packHardColumns', () => {
  test('picks the lookup path by each column’s own entries', () => {
    const n = 97;
    const block = genotypes(n, SHAPES.length, 5);
    const packed = packHardColumns(block, n, SHAPES.length);
    const hard = ['calls', '1% other', 'all 2', 'at the limit'].map((s) => SHAPES.indexOf(s as Shape));
    expect(Array.from(packed.hard)).toEqual(hard.sort((a, b) => a - b));
    expect(packed.hard.length + packed.soft.length).toBe(SHAPES.length);
    // One past the limit goes to the GEMM.
    const over = column(n, 'at the limit', seededRandom(1));
    over[1] = 0.5;
    expect(Array.from(packHardColumns(over, n, 1).soft)).toEqual([0]);
  });

  test('an all-missing column whose mean is a call is all hard calls', () => {
    const packed = packHardColumns(new Float64Array(10).fill(1), 10, 1);
    expect(Array.from(packed.hard)).toEqual([0]);
    expect(packed.corrRow.length).toBe(0);
  });
});

const flavours = relaxedSimdSupported() ? (['simd', 'relaxed'] as const) : (['simd'] as const);

describe.each(flavours)('rotation by lookup (%s build)', (flavour) => {
  const runner = LocalRunner.create(flavour);

  test.each(SIZES)('n=%i b=%i: the TS reference’s bits, and the plain rotation to rounding', async (n, b) => {
    const U = randomArray(n * n, 3 * n + b),
      X = genotypes(n, b, 7 * n + b);
    const out = await rotateOn(runner, U, n, X, b);
    expectTsBits(out, U, n, X, b);
    expectClose(out, refRotate(U, n, X, b));
  });

  test('in column strips: the whole-U bits', async () => {
    const n = 101,
      b = 9;
    const U = randomArray(n * n, 17),
      X = genotypes(n, b, 18);
    const whole = await rotateOn(runner, U, n, X, b);
    for (const width of [16, 48])
      expect(await rotateOn(runner, U, n, X, b, 8 * n * width + 8)).toEqual(whole);
  });
});

describe('rotation by lookup on the pool', () => {
  let one: WasmPool, two: WasmPool;
  beforeAll(async () => {
    [one, two] = await Promise.all([WasmPool.create(1), WasmPool.create(2)]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  test.each([
    [40, 30],
    [258, 13],
  ])('n=%i b=%i: a column’s bits do not depend on its block, its position or the threads', async (n, b) => {
    const U = randomArray(n * n, n + b),
      X = genotypes(n, b, 2 * n + b);
    const [r1, r2] = await Promise.all([one.rotate(U, n, X, b), two.rotate(U, n, X, b)]);
    expect(r2).toEqual(r1);
    expectTsBits(r1, U, n, X, b);
    // The block reversed, and each column alone.
    const reversed = new Float64Array(n * b);
    for (let j = 0; j < b; j++) reversed.set(X.subarray(j * n, (j + 1) * n), (b - 1 - j) * n);
    const back = await two.rotate(U, n, reversed, b);
    for (let j = 0; j < b; j++) {
      const want = r1.subarray(j * n, (j + 1) * n);
      expect(back.subarray((b - 1 - j) * n, (b - j) * n), `column ${j} reversed`).toEqual(want);
      expect(await one.rotate(U, n, X.slice(j * n, (j + 1) * n), 1), `column ${j} alone`).toEqual(want);
    }
  });
});
