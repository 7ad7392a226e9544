/** Chooses the engine once, at the top of a run. */
import type { EngineChoice } from '../model/config.js';
import type { Engine } from './engine.js';
import { UsageError } from '../io/input-error.js';
import { webgpuMissingMessage, webgpuPackageInstalled } from './webgpu/optional.js';

export interface EngineSelection {
  engine: Engine;
  /** Why this engine was chosen (goes to the log). */
  reason: string;
}

/**
 * Creates the requested engine. `auto` takes webgpu on a hardware adapter and wasm otherwise
 * (also when the GPU cannot be opened: the reason says why). An explicit `webgpu` that cannot be
 * opened is an error, never a silent fallback. Without the optional `webgpu` package, `auto` takes
 * wasm and says so, and `webgpu` is a UsageError naming the package (`hasWebgpu` is for tests).
 */
export async function createEngine(
  choice: EngineChoice,
  options: { threads?: number; hasWebgpu?: () => boolean } = {},
): Promise<EngineSelection> {
  // The TS engine (and ml-matrix) loads only when asked for: a tenth of a second off every wasm run's start.
  if (choice === 'ts')
    return { engine: new (await import('./ts/ts-engine.js')).TsEngine(), reason: 'requested' };
  const webgpuInstalled = (options.hasWebgpu ?? webgpuPackageInstalled)();
  if (choice === 'webgpu' && !webgpuInstalled) throw new UsageError(webgpuMissingMessage());
  // The wasm engine (piscina, the kernels' loader) loads here: a -lm scan on the TS engine never needs it.
  const { WasmEngine } = await import('./wasm/wasm-engine.js');
  // A small job's kernels run on this thread: the workers start only once its work would repay their start.
  const { MAIN_THREAD_WORK_NS } = await import('./wasm/pool.js');
  const cpu = await WasmEngine.create(options.threads, MAIN_THREAD_WORK_NS);
  if (choice === 'wasm') return { engine: cpu, reason: 'requested' };
  if (!webgpuInstalled)
    return { engine: cpu, reason: 'auto: the optional package webgpu is not installed, using wasm' };
  if (choice === 'webgpu') {
    const { WebGpuEngine } = await import('./webgpu/webgpu-engine.js');
    try {
      // Without a hardware Vulkan adapter go straight to OpenGL ES (llvmpipe), skipping Dawn's Vulkan warnings.
      const { probeHardwareGpu } = await import('./webgpu/probe.js');
      const backend = probeHardwareGpu().hardware ? 'vulkan' : 'opengles';
      return { engine: await WebGpuEngine.create(cpu, backend), reason: `requested (${backend})` };
    } catch (error) {
      await cpu.close();
      throw error;
    }
  }
  // Probe in a child process first, so a CPU-only machine never sees Dawn's native warnings; the WebGPU engine
  // (and Dawn's native library, tens of milliseconds to load) loads only when the probe finds hardware.
  const { probeHardwareGpu } = await import('./webgpu/probe.js');
  const probe = probeHardwareGpu();
  if (!probe.hardware) return { engine: cpu, reason: `auto: no hardware GPU (${probe.detail}), using wasm` };
  const { WebGpuEngine } = await import('./webgpu/webgpu-engine.js');
  try {
    return {
      engine: await WebGpuEngine.create(cpu, 'vulkan', true),
      reason: `auto: hardware GPU adapter (${probe.detail})`,
    };
  } catch (error) {
    return {
      engine: cpu,
      reason: `auto: the GPU could not be used (${firstLine(error)}), falling back to wasm`,
    };
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 160);
}
