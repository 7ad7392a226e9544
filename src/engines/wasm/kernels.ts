/** Single-threaded WASM linear algebra on the main thread: one instance, its own shared memory and arena. */
import type { Eigen } from '../engine.js';
import { SharedArena } from './arena.js';
import { eigenOn } from './eigen.js';
import type { KernelExports, SimdFlavour } from './loader.js';
import { createSharedMemory, instantiateKernels, loadWasmKernels } from './loader.js';
import { accumulateKinshipOn, rotateOn } from './ops.js';
import type { KernelCall } from './runner.js';
import { KernelRunner } from './runner.js';

/** Runs every call list in turn on the calling thread. */
export class LocalRunner extends KernelRunner {
  private constructor(arena: SharedArena, private readonly kernels: KernelExports, readonly flavour: SimdFlavour) {
    super(arena, 1, kernels.gemmWorkBytes());
  }

  /** A runner with a fresh memory; `prefer` picks the SIMD build (default: relaxed when supported). */
  static create(prefer?: SimdFlavour): LocalRunner {
    const { module, flavour } = loadWasmKernels(prefer);
    const memory = createSharedMemory();
    return new LocalRunner(new SharedArena(memory), instantiateKernels(module, memory), flavour);
  }

  override async run(calls: KernelCall[]): Promise<number> {
    let result = 0;
    for (const [name, args] of calls) {
      result = (this.kernels[name] as (...xs: number[]) => number | undefined)(...args) ?? 0;
    }
    return result;
  }

  override async parallel(lists: KernelCall[][]): Promise<void> {
    for (const calls of lists) await this.run(calls);
  }
}

let local: LocalRunner | undefined;
function localRunner(): LocalRunner {
  local ??= LocalRunner.create();
  return local;
}

/** out[j*n + k] = sum_i U[i*n + k] * block[j*n + i]; U row-major n x n eigenvectors, block SNP-major (b SNPs). */
export function wasmRotate(U: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array> {
  return rotateOn(localRunner(), U, n, block, b);
}

/** K[i*n + k] += sum_j block[j*n + i] * block[j*n + k] for k >= i, lower triangle mirrored; K row-major n x n and symmetric. */
export function wasmAccumulateKinship(K: Float64Array, n: number, block: Float64Array, b: number): Promise<void> {
  return accumulateKinshipOn(localRunner(), K, n, block, b);
}

/** Eigenvalues ascending and row-major eigenvectors (column k for values[k]) of a symmetric n x n row-major matrix. */
export function wasmEigen(matrix: Float64Array, n: number): Promise<Eigen> {
  return eigenOn(localRunner(), matrix, n);
}
