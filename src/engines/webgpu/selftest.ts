/**
 * Start-up check that the adapter's shader compiler kept double-single arithmetic error-free.
 * WGSL permits reassociation and fusion; a compiler that folds TwoSum's error term to 0 would make
 * every kernel silently plain-f32. Callers fall back to the WASM engine when this throws.
 */
import type { GpuContext } from './device.js';
import { GpuError } from './device.js';
import { createParams } from './buffers.js';
import { packDoubleSingle } from './double-single.js';
import { GpuRotator } from './rotate.js';
import { loadShader } from './shaders.js';

/** Summary of a passed self-test. */
export interface DoubleSingleReport {
  /** Pairs checked for exact TwoSum, TwoProd and packed products. */
  pairs: number;
  /** Worst |gpu - float64| / sum|terms| of the end-to-end rotation check (must be far below f32's ~1e-7). */
  rotateScaledError: number;
}

/**
 * Runs TwoSum, Dekker TwoProd (split 4097) and the packed product on the adapter and checks them
 * exactly against float64, then one small rotation with heavy cancellation. Throws GpuError on any miss.
 */
export async function selfTestDoubleSingle(gpu: GpuContext): Promise<DoubleSingleReport> {
  const { a, b } = testPairs();
  const count = a.length;
  const results = await runPrimitives(gpu, a, b);
  const fround = Math.fround;
  for (let i = 0; i < count; i++) {
    // Layout per pair (ds_selftest.wgsl): (twoSum.s, .err, twoProd.p, .err), (packed hi, lo, chained hi, lo).
    const o = 8 * i;
    const [s, sErr, p, pErr, q, qErr, c, cErr] = Array.from(results.subarray(o, o + 8)) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const ai = fround(a[i]!);
    const bi = fround(b[i]!);
    // The float64 sum and product of two f32 values chosen within 2^28 of each other are exact.
    const sum = ai + bi;
    const product = ai * bi;
    const where = `pair ${i} (a=${ai}, b=${bi})`;
    if (s !== fround(sum) || s + sErr !== sum) {
      throw new GpuError(
        `double-single self-test: TwoSum not exact at ${where}: got ${s} + ${sErr}, want ${sum}`,
      );
    }
    if (p !== fround(product) || p + pErr !== product) {
      throw new GpuError(
        `double-single self-test: TwoProd not exact at ${where}: got ${p} + ${pErr}, want ${product}`,
      );
    }
    const chainedScale = Math.abs(sum) + Math.abs(product);
    if (!(Math.abs(c + cErr - (sum + product)) <= 2 ** -44 * chainedScale)) {
      throw new GpuError(
        `double-single self-test: chained dsAdd(TwoSum, TwoProd) lost its low part at ${where}: got ${c + cErr}, want ${sum + product}`,
      );
    }
    const wantPacked = a[i]! * b[i]!;
    if (!(Math.abs(q + qErr - wantPacked) <= 2 ** -44 * Math.abs(wantPacked))) {
      throw new GpuError(
        `double-single self-test: packed product off at pair ${i}: got ${q + qErr}, want ${wantPacked}`,
      );
    }
  }
  const rotateScaledError = await rotateCancellation(gpu);
  // Plain f32 accumulation gives ~1e-8..1e-7 here; double-single gives ~1e-15.
  if (!(rotateScaledError <= 1e-12)) {
    throw new GpuError(
      `double-single self-test: rotation error ${rotateScaledError} of sum|terms| (limit 1e-12): compiler broke compensation`,
    );
  }
  return { pairs: count, rotateScaledError };
}

/** Float64 operands (used as f32 for TwoSum/TwoProd, packed for the packed product); deterministic. */
function testPairs(): { a: Float64Array; b: Float64Array } {
  const fixed: [number, number][] = [
    [1, 2 ** -30], // the case llvmpipe folded to 0 without the `one` guard
    [1 + 2 ** -23, -1],
    [3, 1e-7],
    [16777215, 16777215], // 24-bit mantissas: product needs all 48 bits
    [0.1, 0.3],
    [-1e3, 1e-5],
    [0, 5],
  ];
  const random = lcg(20240611);
  const total = 256;
  const a = new Float64Array(total);
  const b = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    if (i < fixed.length) {
      [a[i], b[i]] = fixed[i]!;
    } else {
      // Exponents within [-14, 14] keep a + b exact in float64 (gap <= 28 bits plus 24-bit mantissas).
      a[i] = (random() * 2 - 1) * 2 ** Math.floor(random() * 29 - 14);
      b[i] = (random() * 2 - 1) * 2 ** Math.floor(random() * 29 - 14);
    }
  }
  return { a, b };
}

async function runPrimitives(gpu: GpuContext, a: Float64Array, b: Float64Array): Promise<Float32Array> {
  const count = a.length;
  const pipeline = await gpu.createPipeline('ds_selftest', loadShader('ds_selftest'));
  const device = gpu.device;
  const buffers: GPUBuffer[] = [];
  try {
    const staging = await gpu.checked('double-single self-test', () => {
      const params = createParams(device, [count]);
      const pairs = device.createBuffer({
        size: count * 8,
        usage: GPUBufferUsage.STORAGE,
        mappedAtCreation: true,
      });
      const pairView = new Float32Array(pairs.getMappedRange());
      for (let i = 0; i < count; i++) {
        pairView[2 * i] = a[i]!;
        pairView[2 * i + 1] = b[i]!;
      }
      pairs.unmap();
      const packed = device.createBuffer({
        size: count * 32,
        usage: GPUBufferUsage.STORAGE,
        mappedAtCreation: true,
      });
      const interleaved = new Float64Array(2 * count);
      for (let i = 0; i < count; i++) {
        interleaved[2 * i] = a[i]!;
        interleaved[2 * i + 1] = b[i]!;
      }
      packDoubleSingle(interleaved, 0, 2 * count, new Float32Array(packed.getMappedRange()));
      packed.unmap();
      const results = device.createBuffer({
        size: count * 32,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      const staging = device.createBuffer({
        size: count * 32,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      buffers.push(params, pairs, packed, results, staging);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(
        0,
        device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: [params, pairs, packed, results].map((buffer, binding) => ({
            binding,
            resource: { buffer },
          })),
        }),
      );
      pass.dispatchWorkgroups(Math.ceil(count / 64));
      pass.end();
      encoder.copyBufferToBuffer(results, 0, staging, 0, count * 32);
      device.queue.submit([encoder.finish()]);
      return staging;
    });
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    return out;
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
}

/** Rotates x = 1 + tiny by a dense U whose columns nearly cancel; returns max |err| / sum|terms|. */
async function rotateCancellation(gpu: GpuContext): Promise<number> {
  const n = 48;
  const random = lcg(7);
  const u = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) u[i] = (i % 2 === 0 ? 1 : -1) * (1 + random() * 1e-6);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 1 + random() * 1e-5;
  const rotator = new GpuRotator(gpu, u, n);
  let got: Float64Array;
  try {
    got = await rotator.rotate(x, 1);
  } finally {
    rotator.destroy();
  }
  let worst = 0;
  for (let k = 0; k < n; k++) {
    let sum = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      sum += u[i * n + k]! * x[i]!;
      scale += Math.abs(u[i * n + k]! * x[i]!);
    }
    worst = Math.max(worst, Math.abs(got[k]! - sum) / scale);
  }
  return worst;
}

/** A tiny deterministic generator in [0, 1) (self-contained: the self-test must not depend on test helpers). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}
