/**
 * Acquiring a WebGPU device from Node (Dawn's `webgpu` binding) and turning its asynchronous,
 * easily-silent errors into exceptions. See shared/notes/webgpu.md for the measured traps.
 */
import { create, globals } from 'webgpu';

export type GpuBackend = 'vulkan' | 'opengles';

/** The limits this module cares about, as granted to the device. */
export interface GpuLimits {
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupStorageSize: number;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

/** Raised for anything the GPU reports: no adapter, validation, out-of-memory, lost device. */
export class GpuError extends Error {
  override readonly name = 'GpuError';
}

/** A device with its description; every pipeline and submission goes through `checked` scopes. */
export class GpuContext {
  private lostMessage: string | null = null;
  private destroyed = false;

  constructor(
    readonly device: GPUDevice,
    /** vendor / architecture / device / description, joined for the log. */
    readonly adapterInfo: string,
    readonly limits: GpuLimits,
    readonly backend: GpuBackend,
    /** Dawn's instance: if it were garbage-collected while the device lives, the process segfaults. */
    private readonly instance: GPU,
  ) {
    void device.lost.then((info) => {
      if (!this.destroyed) this.lostMessage = `${info.reason}: ${info.message}`;
    });
    // Errors outside any scope would otherwise vanish; remember the first for the next check.
    device.addEventListener('uncapturederror', (event) => {
      this.lostMessage ??= `uncaptured ${(event as GPUUncapturedErrorEvent).error.message}`;
    });
  }

  /** Throws if the device was lost or reported an error outside a scope. */
  assertUsable(what: string): void {
    if (this.destroyed) throw new GpuError(`${what}: GPU device already destroyed`);
    if (this.lostMessage !== null) throw new GpuError(`${what}: GPU device lost (${this.lostMessage})`);
  }

  /**
   * Runs `work` (synchronous: encoding, submits, buffer creation) inside 'validation' and
   * 'out-of-memory' error scopes and rethrows what they catch, labelled with `what`. WebGPU reports
   * these asynchronously or not at all. Push, work and pop happen in one synchronous stretch, so
   * concurrent callers cannot interleave scopes.
   */
  async checked<T>(what: string, work: () => T): Promise<T> {
    this.assertUsable(what);
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    let result: T | undefined;
    let thrown: unknown = null;
    try {
      result = work();
    } catch (error) {
      thrown = error;
    }
    // Scopes pop in reverse order and must always be popped, even when work() threw.
    const oomPromise = this.device.popErrorScope();
    const validationPromise = this.device.popErrorScope();
    const [oom, validation] = await Promise.all([oomPromise, validationPromise]);
    if (validation) throw new GpuError(`${what}: WebGPU validation error: ${validation.message}`);
    if (oom) throw new GpuError(`${what}: WebGPU out of memory: ${oom.message}`);
    if (thrown !== null) {
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      throw new GpuError(`${what}: ${message}`);
    }
    this.assertUsable(what);
    return result as T;
  }

  /** Compiles a compute pipeline (entry point `main`, auto layout); throws GpuError on any compile or validation error. */
  async createPipeline(label: string, code: string): Promise<GPUComputePipeline> {
    let module: GPUShaderModule | undefined;
    try {
      return await this.checked(`pipeline ${label}`, () => {
        module = this.device.createShaderModule({ label, code });
        return this.device.createComputePipeline({
          label,
          layout: 'auto',
          compute: { module, entryPoint: 'main' },
        });
      });
    } catch (error) {
      // The scope's message is generic ("invalid shader module"); the compiler's lines say where.
      const info = module ? await module.getCompilationInfo() : null;
      const lines = (info?.messages ?? [])
        .filter((m) => m.type === 'error')
        .map((m) => `${label}.wgsl (includes spliced) ${m.lineNum}:${m.linePos} ${m.message}`);
      if (lines.length === 0) throw error;
      throw new GpuError(`${(error as Error).message}; ${lines.join('; ')}`);
    }
  }

  /** Releases the device; buffers created on it become invalid. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.destroy();
  }
}

/** Options for acquireGpu: 'auto' tries Vulkan (real GPUs), then OpenGL ES (Mesa llvmpipe). */
export interface AcquireOptions {
  backend?: 'auto' | GpuBackend;
}

/**
 * Opens a WebGPU device for compute, raising the workgroup and storage limits to what the adapter
 * offers. Throws GpuError naming the backends tried and the environment they need.
 */
export async function acquireGpu(options: AcquireOptions = {}): Promise<GpuContext> {
  const wanted = options.backend ?? 'auto';
  const order: GpuBackend[] = wanted === 'auto' ? ['vulkan', 'opengles'] : [wanted];
  const failures: string[] = [];
  for (const backend of order) {
    try {
      return await openBackend(backend);
    } catch (error) {
      failures.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new GpuError(
    `no usable WebGPU adapter (tried ${failures.join('; ')}). ` +
      'Vulkan needs libvulkan1 and a GPU ICD (in containers the NVIDIA "graphics" capability); ' +
      'OpenGL ES needs Debian packages libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri and EGL_PLATFORM=surfaceless ' +
      `(now ${process.env['EGL_PLATFORM'] ?? 'unset'}).`,
  );
}

let globalsInstalled = false;

async function openBackend(backend: GpuBackend): Promise<GpuContext> {
  if (!globalsInstalled) {
    // Dawn's binding exposes GPUBufferUsage etc. only through `globals`; add the missing ones.
    for (const [key, value] of Object.entries(globals)) {
      if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
    }
    globalsInstalled = true;
  }
  // Without a surfaceless EGL platform, Mesa's EGL looks for a display and the adapter comes back null.
  if (backend === 'opengles') process.env['EGL_PLATFORM'] ??= 'surfaceless';
  const gpu = create([`backend=${backend}`]);
  // Dawn's OpenGL ES backend only offers compatibility-mode adapters.
  const adapter =
    backend === 'opengles'
      ? await gpu.requestAdapter({ featureLevel: 'compatibility' })
      : await gpu.requestAdapter();
  if (adapter === null) throw new GpuError('requestAdapter returned null');

  const offered = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxComputeInvocationsPerWorkgroup: offered.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: offered.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: offered.maxComputeWorkgroupSizeY,
    maxComputeWorkgroupStorageSize: offered.maxComputeWorkgroupStorageSize,
    maxStorageBufferBindingSize: offered.maxStorageBufferBindingSize,
    maxBufferSize: offered.maxBufferSize,
  };
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (error) {
    throw new GpuError(`requestDevice failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const info = adapter.info;
  const adapterInfo = [info.vendor, info.architecture, info.device, info.description]
    .filter((part) => part !== undefined && part !== '')
    .join(' / ');
  const l = device.limits;
  const limits: GpuLimits = {
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
  return new GpuContext(device, adapterInfo, limits, backend, gpu);
}
