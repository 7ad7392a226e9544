/** Rotation and kinship on the WASM kernels, as GEMM calls split over a runner's threads. */
import type { KernelCall, KernelRunner } from './runner.js';
import { splitRange } from './runner.js';

// Row splits are multiples of the GEMM register tile height, so each thread runs only full tiles but the last.
const TILE_ROWS = 4;

/** U^T x for each SNP: out[j*n + k] = sum_i U[i*n + k] * block[j*n + i]; U row-major n x n, block SNP-major n x b. */
export async function rotateOn(runner: KernelRunner, U: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array> {
  checkSizes(U.length, n * n, 'eigenvectors', block.length, n * b);
  return runner.exclusive(async () => {
    const { arena } = runner;
    const pU = arena.allocF64(n * n), pX = arena.allocF64(n * b), pOut = arena.allocF64(n * b);
    arena.f64(pU, n * n).set(U);
    arena.f64(pX, n * b).set(block);
    // out (b x n) = X (b x n) * U (n x n): rows of out are SNPs, split across threads.
    const lists = splitRange(b, runner.slots, TILE_ROWS).map(([r0, r1], t): KernelCall[] => [
      ['zeroF64', [pOut + r0 * n * 8, (r1 - r0) * n]],
      ['gemm', [r1 - r0, n, n, 1, pX + r0 * n * 8, n, 1, pU, n, 1, pOut + r0 * n * 8, n, runner.scratch[t]!]],
    ]);
    await runner.parallel(lists);
    return arena.f64(pOut, n * b).slice();
  });
}

/** kinship[i*n + k] += sum_j block[j*n + i] * block[j*n + k]; kinship row-major n x n (full matrix written). */
export async function accumulateKinshipOn(runner: KernelRunner, K: Float64Array, n: number, block: Float64Array, b: number): Promise<void> {
  checkSizes(K.length, n * n, 'kinship', block.length, n * b);
  return runner.exclusive(async () => {
    const { arena } = runner;
    const pK = arena.allocF64(n * n), pX = arena.allocF64(n * b);
    arena.f64(pK, n * n).set(K);
    arena.f64(pX, n * b).set(block);
    // K rows [r0, r1) += (X^T)[r0:r1, :] X, where X^T(i, p) = X[p*n + i]: row stride 1, column stride n.
    const lists = splitRange(n, runner.slots, TILE_ROWS).map(([r0, r1], t): KernelCall[] => [
      ['gemm', [r1 - r0, n, b, 1, pX + r0 * 8, 1, n, pX, n, 1, pK + r0 * n * 8, n, runner.scratch[t]!]],
    ]);
    await runner.parallel(lists);
    K.set(arena.f64(pK, n * n));
  });
}

function checkSizes(matLen: number, matWant: number, what: string, blockLen: number, blockWant: number): void {
  if (matLen !== matWant) throw new RangeError(`lmmscan wasm: ${what} has ${matLen} values, expected ${matWant}`);
  if (blockLen !== blockWant) throw new RangeError(`lmmscan wasm: block has ${blockLen} values, expected ${blockWant}`);
}
