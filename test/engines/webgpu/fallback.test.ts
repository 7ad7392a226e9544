/**
 * A GPU that fails mid-run: under --engine auto the rotation continues on the CPU engine and the
 * engine's description (which goes to the log) says so; with an explicit webgpu engine it is an error.
 */
import { expect, it } from 'vitest';
import { TsEngine, rotateTs } from '../../../src/engines/ts/ts-engine.js';
import { WebGpuEngine } from '../../../src/engines/webgpu/webgpu-engine.js';
import { acquireTestGpu, randomOrthogonal, seededRandom } from './helpers.js';

async function engineOrSkip(fallbackOnError: boolean): Promise<WebGpuEngine | null> {
  const probe = await acquireTestGpu(); // fails under CI=true when no adapter exists
  if (!probe) return null;
  probe.destroy();
  return WebGpuEngine.create(new TsEngine(), 'opengles', fallbackOnError);
}

it('auto mode: after the device is lost, rotation falls back to the CPU engine with the same result, and says so', async () => {
  const engine = await engineOrSkip(true);
  if (!engine) return;
  const random = seededRandom(4);
  const n = 13;
  const b = 3;
  const u = randomOrthogonal(n, random);
  const block = Float64Array.from({ length: n * b }, () => Math.floor(3 * random()));
  const onGpu = await engine.rotate(u, n, block, b);
  const expected = rotateTs(u, n, block, b);
  onGpu.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThan(1e-12));
  engine.gpu.destroy(); // the device is gone from here on
  const after = await engine.rotate(u, n, Float64Array.from(block), b);
  after.forEach((v, k) => expect(v).toBe(expected[k]));
  expect(engine.describe()).toMatch(/then wasm after a GPU failure/);
  await engine.close();
});

it('explicit webgpu: a lost device is an error, never a silent switch', async () => {
  const engine = await engineOrSkip(false);
  if (!engine) return;
  const random = seededRandom(5);
  const n = 9;
  const u = randomOrthogonal(n, random);
  engine.gpu.destroy();
  await expect(
    engine.rotate(
      u,
      n,
      Float64Array.from({ length: n }, () => random()),
      1,
    ),
  ).rejects.toThrow(/destroyed|GPU/);
});
