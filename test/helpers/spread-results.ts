/**
 * The results of a block's distinct genotype columns spread back to all of its columns: the reference
 * the tests compare the scan's own copying (block-format.ts reads results through rowOf) against.
 */
import type { SnpResultBlock } from '../../src/model/results.js';

/** Results of the distinct columns (rowOf[j] = column j's row) spread back to all b columns. */
export function spreadResults(results: SnpResultBlock, rowOf: Int32Array): SnpResultBlock {
  const spread = (v: Float64Array) => {
    const out = new Float64Array(rowOf.length);
    for (let j = 0; j < rowOf.length; j++) out[j] = v[rowOf[j]!]!;
    return out;
  };
  return {
    beta: spread(results.beta),
    se: spread(results.se),
    logLikH1: spread(results.logLikH1),
    lambdaRemle: spread(results.lambdaRemle),
    lambdaMle: spread(results.lambdaMle),
    pWald: spread(results.pWald),
    pLrt: spread(results.pLrt),
    pScore: spread(results.pScore),
  };
}
