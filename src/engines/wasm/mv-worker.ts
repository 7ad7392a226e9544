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

/** Individuals and SNPs of warmMvRange's made-up data: small, so that the warm-up is mostly the JS it warms. */
const WARM_N = 16;
const WARM_SNPS = 40;
/** EM iterations per SNP and kind in the warm-up (a real SNP's fits take a few each). */
const WARM_ITERATIONS = 4;

/**
 * Runs this thread's kernel instance's EM and Wald steps on made-up data of d traits and c rows of X (the SNP's
 * included) and throws the results away: the steps' JS is then optimised before the first real range, and the
 * mv modules loaded. The pool sends it while its thread fits the null model (workers idle, n = 1,500: a
 * worker's first range ran a tenth of a second longer cold). Changes no result: every fit starts from its block's
 * prepare() and the SNP's loadSnp(), and the kernel keeps no other state between SNPs.
 */
export function warmMvRange(d: number, c: number, module: WebAssembly.Module): number {
  kernel ??= MvKernel.on(module);
  const n = WARM_N;
  const wave = (i: number) => Math.sin(0.7 * i + 0.3) + 0.5 * Math.cos(1.3 * i);
  const X = Float64Array.from({ length: c * n }, (_, i) => (i < n ? 1 : wave(i)));
  const Y = Float64Array.from({ length: d * n }, (_, i) => wave(3 * i + 1));
  const eigenvalues = Float64Array.from({ length: n }, (_, k) => (k + 1) / n);
  const withSnp = { n, d, c, eigenvalues, X, Y };
  const unit = (scale: number) =>
    Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? scale : 0));
  const beta = new Float64Array(d);
  const vBeta = new Float64Array(d * d);
  const snp = X.subarray((c - 1) * n);
  let sum = 0;
  kernel.prepare(withSnp);
  for (let j = 0; j < WARM_SNPS; j++) {
    for (let k = 0; k < n; k++) snp[k] = wave(j * n + k);
    kernel.loadSnp(withSnp);
    const p = { vg: unit(0.5), ve: unit(1), B: new Float64Array(d * c) };
    sum += kernel.effect(withSnp, snp, p.vg, p.ve, beta, vBeta);
    // A tolerance below zero: every iteration runs.
    sum += kernel.em('L', WARM_ITERATIONS, -1, withSnp, p);
    sum += kernel.em('R', WARM_ITERATIONS, -1, withSnp, p);
    sum += kernel.effect(withSnp, snp, p.vg, p.ve, beta, vBeta);
  }
  return sum;
}
