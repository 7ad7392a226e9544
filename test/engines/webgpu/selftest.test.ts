import { afterAll, describe, expect, it } from 'vitest';
import { selfTestDoubleSingle } from '../../../src/engines/webgpu/selftest.js';
import { acquireTestGpu } from './helpers.js';

const gpu = await acquireTestGpu();
afterAll(() => gpu?.destroy());

describe.skipIf(gpu === null)('selfTestDoubleSingle', () => {
  it('finds TwoSum and Dekker TwoProd exact on this adapter and a cancelling rotation near float64', async () => {
    const report = await selfTestDoubleSingle(gpu!);
    expect(report.pairs).toBe(256);
    // Tolerance: 1e-12 of sum|terms| (the self-test's own limit); plain f32 would give ~1e-8.
    expect(report.rotateScaledError).toBeLessThanOrEqual(1e-12);
  });
});
