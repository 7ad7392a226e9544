/** Chooses the engine once, at the top of a run. */
import type { EngineChoice } from '../scan/config.js';
import type { Engine } from './engine.js';
import { TsEngine } from './ts/ts-engine.js';
import { WasmEngine } from './wasm/wasm-engine.js';

export interface EngineSelection {
  engine: Engine;
  /** Why this engine was chosen (goes to the log). */
  reason: string;
}

/**
 * Creates the requested engine. `auto` takes webgpu on a hardware adapter and wasm otherwise
 * (also when the GPU cannot be opened: the reason says why). An explicit `webgpu` that cannot be
 * opened is an error, never a silent fallback.
 */
export async function createEngine(choice: EngineChoice, options: { threads?: number } = {}): Promise<EngineSelection> {
  if (choice === 'ts') return { engine: new TsEngine(), reason: 'requested' };
  const cpu = await WasmEngine.create(options.threads);
  if (choice === 'wasm') return { engine: cpu, reason: 'requested' };
  const { WebGpuEngine } = await import('./webgpu/webgpu-engine.js');
  if (choice === 'webgpu') {
    try {
      return { engine: await WebGpuEngine.create(cpu), reason: 'requested' };
    } catch (error) {
      await cpu.close();
      throw error;
    }
  }
  let gpu;
  try {
    gpu = await WebGpuEngine.create(cpu, 'vulkan');
  } catch (error) {
    return { engine: cpu, reason: `auto: no hardware GPU (${firstLine(error)}), using wasm` };
  }
  if (gpu.isSoftware) {
    // Software rasterisers (llvmpipe, lavapipe) are far slower than the CPU engine.
    await gpu.close();
    return { engine: await WasmEngine.create(options.threads), reason: 'auto: only a software GPU adapter, using wasm' };
  }
  return { engine: gpu, reason: 'auto: hardware GPU adapter found' };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 160);
}
