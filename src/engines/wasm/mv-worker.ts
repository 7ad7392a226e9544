/**
 * Piscina worker of the multivariate scan: tests a range of a block's SNPs (scanMvBlock) with the EM and
 * Wald sums in this thread's kernel instance (mv-kernel.ts), so that a block's per-SNP fits run on every
 * core. Each worker thread has its own kernel memory and work arrays (module state is per thread).
 */
import { scanMvBlock, type MvScanModel } from '../../stats/mvlmm/block.js';
import type { MvResultBlock } from '../../model/results.js';
import { MvKernel } from './mv-kernel.js';

/** One task: b SNP-major rotated genotypes tested against `model`. */
export interface MvTask {
  model: MvScanModel;
  rotated: Float64Array;
  b: number;
}

let kernel: MvKernel | null = null;

/** Runs one task (piscina calls the default export). */
export default function runMvTask({ model, rotated, b }: MvTask): MvResultBlock {
  kernel ??= MvKernel.create();
  return scanMvBlock(model, rotated, b, kernel);
}
