/** Per-SNP statistics of one block, struct-of-arrays (length = SNPs in the block). NaN where not computed. */
export interface SnpResultBlock {
  beta: Float64Array;
  se: Float64Array;
  logLikH1: Float64Array;
  lambdaRemle: Float64Array;
  lambdaMle: Float64Array;
  pWald: Float64Array;
  pLrt: Float64Array;
  pScore: Float64Array;
}

/** A multivariate LMM block: also beta_1..beta_d, then Vbeta_i_j (i <= j), one array per column. */
export interface MvResultBlock extends SnpResultBlock {
  effects: Float64Array[];
}

/** An empty result block for b SNPs, every statistic NaN. */
export function emptyResultBlock(b: number): SnpResultBlock {
  const make = () => new Float64Array(b).fill(NaN);
  return {
    beta: make(),
    se: make(),
    logLikH1: make(),
    lambdaRemle: make(),
    lambdaMle: make(),
    pWald: make(),
    pLrt: make(),
    pScore: make(),
  };
}
