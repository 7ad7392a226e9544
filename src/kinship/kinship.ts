/**
 * GEMMA's relatedness matrices (-gk 1 centred, -gk 2 standardised): every SNP that passes the filters
 * is centred over ALL individuals in the genotype file (missing calls set to the mean), optionally
 * scaled to unit variance, and K = X X^T / (number of SNPs), accumulated block by block.
 */
import type { Engine, KinshipSession } from '../engines/engine.js';
import type { KinshipSum } from '../linalg/double-double.js';
import type { HardCallBlock } from '../linalg/hard-calls.js';

export type KinshipKind = 1 | 2;

/** Centres (and for kind 2 standardises) one SNP in place over all n individuals; NaN = missing. */
export function prepareKinshipSnp(dosages: Float64Array, kind: KinshipKind): void {
  const n = dosages.length;
  let sum = 0;
  let sumSq = 0;
  let nMiss = 0;
  for (let i = 0; i < n; i++) {
    const g = dosages[i];
    if (Number.isNaN(g)) nMiss++;
    else {
      sum += g;
      sumSq += g * g;
    }
  }
  const mean = sum / (n - nMiss);
  // Variance with missing calls counted at the mean, over all n (GEMMA's geno_var).
  const variance = (sumSq + mean * mean * nMiss) / n - mean * mean;
  const scale = kind === 2 && variance !== 0 ? 1 / Math.sqrt(variance) : 1;
  for (let i = 0; i < n; i++) {
    const g = Number.isNaN(dosages[i]) ? mean : dosages[i];
    dosages[i] = (g - mean) * scale;
  }
}

/** Accumulates K over SNP blocks through an engine, then normalises by the SNP count. */
export class KinshipAccumulator {
  private readonly session: KinshipSession;
  private snpCount = 0;

  constructor(
    engine: Engine,
    readonly n: number,
  ) {
    this.session = engine.startKinship(n);
  }

  /** Adds b prepared SNPs (SNP-major, b x n). */
  async add(block: Float64Array, b: number): Promise<void> {
    if (b === 0) return;
    await this.session.add(block, b);
    this.snpCount += b;
  }

  /** Whether the engine folds blocks of hard calls exactly (addHardCalls). */
  get exact(): boolean {
    return this.session.addHardCalls !== undefined;
  }

  /** Adds a block of hard calls (-gk 1) exactly; only where `exact`. */
  async addHardCalls(block: HardCallBlock): Promise<void> {
    if (block.b === 0) return;
    if (!this.session.addHardCalls) throw new Error('lmmscan: this kinship session has no hard-call path');
    await this.session.addHardCalls(block);
    this.snpCount += block.b;
  }

  get snps(): number {
    return this.snpCount;
  }

  /** The unnormalised sum X X^T (row-major n x n); ends the accumulation. */
  sum(): Promise<Float64Array> {
    return this.session.finish();
  }

  /** The unnormalised sum as double-double (hi, lo); ends the accumulation. */
  doubleDoubleSum(): Promise<KinshipSum> {
    return this.session.finishSum();
  }

  /**
   * `use` on the sum / number of SNPs (the bits of kinshipFromSum on the double-double sum), where the engine
   * holds it (valid during the call only); ends the accumulation.
   */
  useKinship<T>(use: (kinship: Float64Array) => T): Promise<T> {
    return this.session.useKinship(this.snpCount, use);
  }

  /** K / number of SNPs (row-major n x n). */
  async finish(): Promise<Float64Array> {
    const k = await this.session.finish();
    const inv = 1 / this.snpCount;
    for (let i = 0; i < k.length; i++) k[i] *= inv;
    return k;
  }
}
