/**
 * The one interface every compute engine implements (ts = float64 oracle, wasm, webgpu).
 * Layouts, stated once:
 * - n individuals, b SNPs in a block; SNP-major blocks: block[j * n + i] is SNP j, individual i.
 * - Square n x n matrices are row-major: m[i * n + k].
 * - Eigenvectors: vectors[i * n + k] = U[i][k], column k is the eigenvector of values[k] (ascending).
 */
import type { ScanPlan } from '../model/plan.js';
import type { SnpResultBlock } from '../model/results.js';

export type EngineName = 'ts' | 'wasm' | 'webgpu';

export interface Eigen {
  /** Eigenvalues in ascending order, length n. */
  values: Float64Array;
  /** Row-major n x n; column k is the eigenvector for values[k]. */
  vectors: Float64Array;
}

/** A running sum K = sum over blocks of X^T X (X SNP-major, b x n, already centred/scaled). */
export interface KinshipSession {
  /** K[i][k] += sum_j block[j*n+i] * block[j*n+k]. */
  add(block: Float64Array, b: number): Promise<void>;
  /** The sum so far, row-major n x n, exactly symmetric; the session is closed afterwards. */
  finish(): Promise<Float64Array>;
}

export interface Engine {
  readonly name: EngineName;
  /** A one-line description for the log (adapter, threads, SIMD flavour). */
  describe(): string;
  /** Starts accumulating X^T X over SNP blocks of n individuals (the sum may live on a device until finish). */
  startKinship(n: number): KinshipSession;
  /** Symmetric eigendecomposition of an n x n row-major matrix (not modified). */
  eigen(matrix: Float64Array, n: number): Promise<Eigen>;
  /** U^T x for every SNP of a block: out[j*n + k] = sum_i U[i][k] * block[j*n + i]. */
  rotate(eigenvectors: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array>;
  /** Per-SNP tests for a block of rotated genotypes (SNP-major, n x b) against a prepared plan. */
  scanBlock(plan: ScanPlan, rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock>;
  /**
   * The same for several traits of one set of individuals (plans sharing n, eigenvalues and covariates, differing
   * in the phenotype): one result block per plan, in order.
   */
  scanTraits(plans: ScanPlan[], rotatedGenotypes: Float64Array, b: number): Promise<SnpResultBlock[]>;
  /** Release workers / devices. */
  close(): Promise<void>;
}
