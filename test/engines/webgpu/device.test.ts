import { afterAll, describe, expect, it } from 'vitest';
import { GpuError } from '../../../src/engines/webgpu/device.js';
import { loadShader } from '../../../src/engines/webgpu/shaders.js';
import { acquireTestGpu } from './helpers.js';

const gpu = await acquireTestGpu();
afterAll(() => gpu?.destroy());

describe.skipIf(gpu === null)('acquireGpu', () => {
  it('describes the adapter and grants the compute limits the kernels need', () => {
    expect(gpu!.adapterInfo.length).toBeGreaterThan(0);
    expect(['vulkan', 'opengles']).toContain(gpu!.backend);
    // The kernels use 8 x 8 workgroups and 16 KiB of workgroup memory; we ask for the adapter's maximum.
    expect(gpu!.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(64);
    expect(gpu!.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
    if (/llvmpipe/.test(gpu!.adapterInfo)) {
      expect(gpu!.limits.maxComputeInvocationsPerWorkgroup).toBe(1024); // raised from compat's 128
    }
  });

  it('throws a GpuError with the compiler message for a WGSL syntax error', async () => {
    await expect(gpu!.createPipeline('broken', '@compute @workgroup_size(1) fn main( {')).rejects.toThrow(
      GpuError,
    );
    await expect(gpu!.createPipeline('broken', '@compute @workgroup_size(1) fn main( {')).rejects.toThrow(
      /pipeline broken.*validation/,
    );
  });

  it('throws for a pipeline that breaks a device limit (workgroup larger than granted)', async () => {
    const tooBig = gpu!.limits.maxComputeInvocationsPerWorkgroup * 2;
    const code = `@compute @workgroup_size(${tooBig}) fn main() {}`;
    await expect(gpu!.createPipeline('too_big', code)).rejects.toThrow(/too_big/);
  });

  it('throws for an invalid dispatch (buffer without STORAGE usage bound as storage)', async () => {
    const pipeline = await gpu!.createPipeline(
      'writes_one',
      '@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@compute @workgroup_size(1) fn main() { out[0] = 1.0; }',
    );
    const device = gpu!.device;
    const uniformOnly = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM });
    await expect(
      gpu!.checked('bad dispatch', () => {
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(
          0,
          device.createBindGroup({
            layout: pipeline.getBindGroupLayout(0),
            entries: [{ binding: 0, resource: { buffer: uniformOnly } }],
          }),
        );
        pass.dispatchWorkgroups(1);
        pass.end();
        device.queue.submit([encoder.finish()]);
      }),
    ).rejects.toThrow(/bad dispatch: WebGPU validation error/);
    uniformOnly.destroy();
    // The device survives a caught validation error.
    await expect(gpu!.createPipeline('rotate_gemm', loadShader('rotate_gemm'))).resolves.toBeDefined();
  });
});

describe('loadShader', () => {
  it('splices //!include files so kernels and the self-test share ds_arith', () => {
    const source = loadShader('rotate_gemm');
    expect(source).not.toMatch(/^\/\/!include/m);
    expect(source).toMatch(/fn twoSum\(/);
    expect(source).toMatch(/fn main\(/);
  });

  it('names the missing file', () => {
    expect(() => loadShader('no_such_kernel')).toThrow(/no_such_kernel.*not found/);
  });
});
