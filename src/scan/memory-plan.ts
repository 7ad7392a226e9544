/**
 * What a job's n x n stages need, checked before any genotype is read: a cohort too large for this
 * machine stops at once, with the n, the bytes and what
 * there is, instead of failing in an allocation after minutes of work.
 */
import type { EngineName } from '../engines/engine.js';
import {
  EIGEN_THREE_REGION_BYTES,
  EIGEN_TWO_REGION_BYTES,
  KINSHIP_RESIDENT_BYTES,
} from '../engines/wasm/memory-limits.js';
import { requireMemory } from '../io/memory-fit.js';

/** The n x n stages a job runs, and on which engine. */
export interface JobSizes {
  engine: EngineName;
  /** Individuals in the files (the kinship's size). */
  nTotal: number;
  /** Individuals analysed (the eigendecomposition's size); 0 when the job has no eigendecomposition. */
  nAnalysed: number;
  /** The kinship is computed from the genotypes (-gk, or an LMM without -k, -d/-u). */
  computesKinship: boolean;
  /** The kinship is read from a file (-k). */
  readsKinship: boolean;
  /** The eigenvectors come from -d/-u files rather than the eigensolver (default false). */
  givenEigen?: boolean;
}

/** Bytes of `count` n x n float64 matrices. */
const squares = (count: number, n: number): number => count * 8 * n * n;

/**
 * The peak of the job's n x n matrices, as this implementation holds them: the kinship (the wasm sum
 * in shared memory and its copy when finished; one matrix read or with the ts engine); then for the
 * eigendecomposition the kinship, its centred analysed part (the wasm engine returns the eigenvectors in
 * it), the eigensolver's n x n work arrays and (ts) the eigenvectors. Vectors and SNP blocks (O(n)) are
 * left out, and so are --loco's sums per chromosome (one n x n each: the chromosomes are known only after
 * the pass).
 */
export function jobMemoryBytes(s: JobSizes): { bytes: number; detail: string } {
  // The sum is double-double (hi, lo). The wasm sum resident in shared memory is copied out when finished
  // and then rounded (5 n x n in all); a banded one is held once, lo as float32 (1.5); the ts engine's (lo
  // float32 too) adds a block partial (2.5).
  const resident = s.engine !== 'ts' && squares(2, s.nTotal) <= KINSHIP_RESIDENT_BYTES;
  const sumCopies = s.engine === 'ts' ? 2.5 : resident ? 5 : 1.5;
  const kinshipCopies = s.computesKinship ? sumCopies : s.readsKinship ? 1 : 0;
  const kinship = squares(kinshipCopies, s.nTotal);
  const kinshipDetail = s.computesKinship ? 'the double-double kinship sum and its copies' : 'the kinship';
  if (s.nAnalysed > 0 && s.givenEigen) {
    return { bytes: squares(1, s.nAnalysed), detail: 'the eigenvectors read, 1 n x n float64' };
  }
  if (s.nAnalysed === 0)
    return { bytes: kinship, detail: `${kinshipDetail}, ${kinshipCopies} n x n float64` };
  // The ts solver's work and eigenvectors (3 + 1, as before); the wasm solver's regions in shared memory (three up
  // to EIGEN_THREE_REGION_BYTES, two up to EIGEN_TWO_REGION_BYTES), its eigenvectors returned in the centred copy
  // it is given; above, the tiled solver's basis (a JS array) and half an n x n in shared memory (eigen-tiled.ts:
  // the packed triangle, or past one memory its share of it, then a torn block's merge in a JS array of (n/2)^2).
  const solver = s.engine === 'ts' ? 3 : wasmSolverSquares(s.nAnalysed);
  const eigen = squares(solver + 1, s.nAnalysed);
  // A computed kinship is kept beside its centred copy. A file's is centred in place (prepare.ts), or, when
  // someone is left out, lives until its subset is made: both at once then, before the eigensolver starts.
  const kept = s.computesKinship ? squares(1, s.nTotal) : 0;
  const subset = s.readsKinship && s.nAnalysed < s.nTotal ? kinship + squares(1, s.nAnalysed) : 0;
  return {
    bytes: Math.max(kinship, subset, kept + eigen),
    detail:
      `${kept > 0 ? 'the kinship, ' : ''}its centred copy, the eigensolver's work and the eigenvectors: ` +
      `${(kept > 0 ? 1 : 0) + solver + 1} n x n float64`,
  };
}

// n x n float64 arrays of the wasm eigensolver's layout for order n: three or two regions, or 1.5 tiled.
function wasmSolverSquares(n: number): number {
  if (squares(3, n) <= EIGEN_THREE_REGION_BYTES) return 3;
  return squares(2, n) <= EIGEN_TWO_REGION_BYTES ? 2 : 1.5;
}

/**
 * Throws a MemoryError (one line) unless the job's n x n stages fit this machine. The wasm engine's 4 GiB
 * memory sets no limit of its own: the kinship sum goes through it in bands, the tiled eigensolver (above
 * about n = 16,200) spreads its packed triangle over as many memories as it takes and tears its divide and
 * conquer until each block fits one, and the rotation moves U through it in strips (ops.ts). Past n = 65,535
 * one n x n array no longer fits a Float64Array: requireMemory() says so.
 */
export function requireJobMemory(task: string, s: JobSizes): void {
  const { bytes, detail } = jobMemoryBytes(s);
  const withKinship = s.computesKinship || s.readsKinship;
  const n = s.nAnalysed > 0 ? Math.max(s.nAnalysed, withKinship ? s.nTotal : 0) : s.nTotal;
  requireMemory(task, n, bytes, detail);
}
