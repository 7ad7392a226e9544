/** A likelihood model that counts its passes over the individuals, for tests of the lambda searches' cost. */
import { MixedModelLikelihood, type LikelihoodKind } from '../../src/stats/likelihood.js';

/** Counts every evaluation of the likelihood or its derivatives (each one pass over the individuals). */
export class CountingModel extends MixedModelLikelihood {
  evaluations = 0;
  override derivative1(kind: LikelihoodKind, lambda: number): number {
    this.evaluations++;
    return super.derivative1(kind, lambda);
  }
  override derivatives12(kind: LikelihoodKind, lambda: number): void {
    this.evaluations++;
    super.derivatives12(kind, lambda);
  }
  override logLikelihood(kind: LikelihoodKind, lambda: number): number {
    this.evaluations++;
    return super.logLikelihood(kind, lambda);
  }
}
