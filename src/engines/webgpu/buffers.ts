/**
 * Small buffer helpers shared by the WebGPU kernels' hosts.
 */

/**
 * A uniform buffer holding `fields` as u32 followed by the u32 0 that the double-single kernels use
 * as their reassociation guard (`opaqueZero`, see ds_arith.wgsl), zero-padded to 16 bytes.
 * Matches the kernels' Params structs.
 */
export function createParams(device: GPUDevice, fields: readonly number[]): GPUBuffer {
  const words = Math.ceil((fields.length + 1) / 4) * 4;
  const buffer = device.createBuffer({
    label: 'params',
    size: words * 4,
    usage: GPUBufferUsage.UNIFORM,
    mappedAtCreation: true,
  });
  const range = buffer.getMappedRange();
  const words32 = new Uint32Array(range);
  words32.set(fields);
  words32[fields.length] = 0; // opaqueZero: must be 0, or every guarded value is corrupted

  buffer.unmap();
  return buffer;
}

/** How many items of `bytesPerItem` fit one binding of `maxBindingBytes`; throws if not even one. */
export function itemsPerBinding(bytesPerItem: number, maxBindingBytes: number, what: string): number {
  const fit = Math.floor(maxBindingBytes / bytesPerItem);
  if (fit < 1)
    throw new RangeError(
      `${what} needs ${bytesPerItem} bytes, above the binding limit of ${maxBindingBytes}`,
    );
  return fit;
}

/** Maps a MAP_READ buffer and returns a copy of its contents as f32 (hi, lo) pairs. */
export async function readBackPairs(staging: GPUBuffer): Promise<Float32Array> {
  await staging.mapAsync(GPUMapMode.READ);
  const pairs = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  return pairs;
}
