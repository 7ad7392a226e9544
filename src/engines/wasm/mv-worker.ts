/**
 * The multivariate scan's part of the wasm engine's workers: worker.mjs imports this module on a thread's first
 * multivariate task, which tests a range of a block's SNPs (scanMvBlock) with the EM and Wald sums in that
 * thread's kernel instance (mv-kernel.ts), so that a block's per-SNP fits run on every core, on the threads that
 * rotated the block (already started, the kernels already compiled). Each thread has its own kernel memory and
 * work arrays (module state is per thread).
 */
import { scanMvBlock, type MvBlockWithoutNewton, type MvScanModel } from '../../stats/mvlmm/block.js';
import { MvKernel } from './mv-kernel.js';

/** One task: b SNP-major rotated genotypes tested against `model`. */
export interface MvTask {
  model: MvScanModel;
  rotated: Float64Array;
  b: number;
}

let kernel: MvKernel | null = null;

/**
 * Runs one task on this thread's instance of `module` (the pool's compiled kernels, from worker.mjs); the SNPs that
 * need Newton-Raphson are left to the pool's thread (mv-pool.ts).
 */
export function testMvRange({ model, rotated, b }: MvTask, module: WebAssembly.Module): MvBlockWithoutNewton {
  kernel ??= MvKernel.on(module);
  return scanMvBlock(model, rotated, b, kernel, true);
}
