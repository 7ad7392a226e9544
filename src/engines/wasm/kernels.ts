/**
 * A kernel runner on the calling thread (one instance, its own shared memory and arena), for the
 * kernel tests and benchmarks: production runs the kernels on the worker pool (pool.ts).
 */
import { SharedArena } from './arena.js';
import type { KernelExports, SimdFlavour } from './loader.js';
import { createSharedMemory, instantiateKernels, loadWasmKernels } from './loader.js';
import type { KernelCall } from './runner.js';
import { KernelRunner, runCallsHere } from './runner.js';

/** Runs every call list in turn on the calling thread. */
export class LocalRunner extends KernelRunner {
  private constructor(
    arena: SharedArena,
    private readonly kernels: KernelExports,
    readonly flavour: SimdFlavour,
  ) {
    super(arena, 1, kernels.gemmWorkBytes());
  }

  /** A runner with a fresh memory; `prefer` picks the SIMD build (default: relaxed when supported). */
  static create(prefer?: SimdFlavour): LocalRunner {
    const { module, flavour } = loadWasmKernels(prefer);
    const memory = createSharedMemory();
    return new LocalRunner(new SharedArena(memory), instantiateKernels(module, memory), flavour);
  }

  override async run(calls: KernelCall[]): Promise<number> {
    return runCallsHere(this.kernels, calls);
  }

  override async parallel(lists: KernelCall[][]): Promise<void> {
    for (const calls of lists) await this.run(calls);
  }
}
