/**
 * The float64 TypeScript engine: plain loops and ml-matrix, written to be read. Every faster
 * engine is tested against it.
 */
import { traitPlans, type LmmTestMode, type ScanPlan } from '../../model/plan.js';
import { testLinearBlock, type LinearModel } from '../../stats/linear-model.js';
import { testRotatedBlock } from '../../stats/lmm-block.js';
import type { MvResultBlock, SnpResultBlock } from '../../model/results.js';
import type { MvScanModel } from '../../stats/mvlmm/block.js';
import { rotateThenTest, type Eigen, type Engine, type KinshipSession, type PlanHandle } from '../engine.js';
import {
  foldDoubleDouble,
  kinshipFromSum,
  mirrorKinshipSum,
  zeroKinshipSum,
} from '../../linalg/double-double.js';
import { foldHardCallBlockTs } from '../../linalg/hard-calls.js';
import { packHardColumns, rotateHardColumnsTs } from '../../linalg/hard-rotation.js';

/** K += X^T X with X SNP-major (b x n). */
export function accumulateKinshipTs(kinship: Float64Array, n: number, block: Float64Array, b: number): void {
  for (let j = 0; j < b; j++) {
    const off = j * n;
    for (let i = 0; i < n; i++) {
      const xi = block[off + i];
      if (xi === 0) continue;
      const row = i * n;
      for (let k = i; k < n; k++) kinship[row + k] += xi * block[off + k];
    }
  }
  // Only the upper triangle was updated; mirror it.
  for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) kinship[k * n + i] = kinship[i * n + k];
}

/**
 * out[j*n + k] = sum_i U[i][k] x_j[i]: columns of hard calls by table lookup (src/linalg/hard-rotation.ts, the
 * wasm engine's arithmetic), the others as plain sums.
 */
export function rotateTs(
  eigenvectors: Float64Array,
  n: number,
  block: Float64Array,
  b: number,
): Float64Array {
  const out = new Float64Array(n * b);
  const packed = packHardColumns(block, n, b);
  for (const j of packed.soft) {
    const off = j * n;
    for (let i = 0; i < n; i++) {
      const xi = block[off + i];
      if (xi === 0) continue;
      const row = i * n;
      for (let k = 0; k < n; k++) out[off + k] += eigenvectors[row + k] * xi;
    }
  }
  if (packed.hard.length > 0) rotateHardColumnsTs(eigenvectors, n, packed, out);
  return out;
}

export class TsEngine implements Engine {
  readonly name = 'ts' as const;
  describe(): string {
    return 'ts (float64 TypeScript reference engine, single thread)';
  }
  /** Each block's X^T X from zero (SNPs in order), folded into a double-double sum (upper triangle). */
  startKinship(n: number): KinshipSession {
    const sum = zeroKinshipSum(n);
    const partial = new Float64Array(n * n);
    const finishSum = async () => {
      mirrorKinshipSum(sum, n);
      return sum;
    };
    return {
      add: async (block, b) => {
        partial.fill(0);
        accumulateKinshipTs(partial, n, block, b);
        for (let i = 0; i < n; i++) foldDoubleDouble(sum.hi, sum.lo, partial, i * n + i, (i + 1) * n);
      },
      addHardCalls: async (block) => foldHardCallBlockTs(sum.hi, sum.lo, n, block),
      finishSum,
      finishKinship: async (snps) => kinshipFromSum(await finishSum(), snps),
      useKinship: async (snps, use) => use(kinshipFromSum(await finishSum(), snps)),
      finish: async () => {
        const { hi, lo } = await finishSum();
        return Float64Array.from(hi, (h, i) => h + lo[i]);
      },
    };
  }
  /** ml-matrix loads on the first eigendecomposition: a -lm scan (this engine under auto) needs none. */
  async eigen(matrix: Float64Array, n: number): Promise<Eigen> {
    return (await import('./ts-eigen.js')).eigenTs(matrix, n);
  }
  async rotate(eigenvectors: Float64Array, n: number, block: Float64Array, b: number): Promise<Float64Array> {
    return rotateTs(eigenvectors, n, block, b);
  }
  /** Nothing to upload: the handle tests with the plan's own arrays. */
  loadPlan(plan: ScanPlan): PlanHandle {
    const { eigenvectors, n } = plan;
    const traits = traitPlans(plan);
    const steps: Pick<PlanHandle, 'rotate' | 'test'> = {
      rotate: async (block, b) => rotateTs(eigenvectors, n, block, b),
      test: async (rotatedGenotypes, b) =>
        traits.map((trait) => testRotatedBlock(trait, rotatedGenotypes, b)),
    };
    return {
      ...steps,
      scanBlock: (block, b, timer) => rotateThenTest(steps, block, b, timer),
      release: async () => undefined,
    };
  }

  async testLinear(
    models: LinearModel[],
    genotypes: Float64Array,
    b: number,
    mode: LmmTestMode,
  ): Promise<SnpResultBlock[]> {
    return testLinearBlock(models, genotypes, b, mode);
  }

  /** The oracle itself, on this thread. */
  async testMultivariate(model: MvScanModel, rotated: Float64Array, b: number): Promise<MvResultBlock> {
    return (await import('../../stats/mvlmm/block.js')).scanMvBlock(model, rotated, b);
  }

  async close(): Promise<void> {}
}
