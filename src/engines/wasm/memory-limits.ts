/**
 * The shared-memory sizes at which the wasm engine changes its layout, in a module of their own: the memory plan
 * (src/scan/memory-plan.ts) reads them on every run, and importing them from the solvers that use them loaded the
 * eigensolver and kinship kernels' code into the command for runs that never start the engine (-lm).
 */

/**
 * n x n arrays in shared memory up to which the eigensolver keeps its three (the matrix and reflectors then U,
 * the tridiagonal eigenvectors, the merge and WY blocks) side by side, as it always has: 3.5 GiB, n = 12,500.
 * Above it, the two-region layout of eigenTwoRegions().
 */
export const EIGEN_THREE_REGION_BYTES = 3.5 * 2 ** 30;

/** Two n x n regions of shared memory up to here (the two-region layout of eigen.ts); tiles above. */
export const EIGEN_TWO_REGION_BYTES = 2 ** 32 - 2 ** 26;

/** Sums larger than this (16 n^2 bytes: hi and lo) go through bands: 2 GiB, n = 11,585. */
export const KINSHIP_RESIDENT_BYTES = 2 ** 31;
