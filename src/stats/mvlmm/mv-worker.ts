/**
 * Piscina worker of the multivariate scan: tests a range of a block's SNPs with the TS oracle
 * (scanMvBlock), so that a block's per-SNP EM and Newton-Raphson fits run on every core. Each worker
 * thread has its own work arrays (scratch.ts is per module instance, so per thread).
 */
import { scanMvBlock, type MvScanModel } from './block.js';
import type { MvResultBlock } from '../../model/results.js';

/** One task: b SNP-major rotated genotypes tested against `model`. */
export interface MvTask {
  model: MvScanModel;
  rotated: Float64Array;
  b: number;
}

/** Runs one task (piscina calls the default export). */
export default function runMvTask({ model, rotated, b }: MvTask): MvResultBlock {
  return scanMvBlock(model, rotated, b);
}
