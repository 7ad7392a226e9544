/** The cohort `npm run bench` simulates (gemma-vs-lmmscan.ts), shared by benches that time a stage on its data. */
import { simulateCohort } from '../src/sim/index.js';

/** n individuals, m SNPs: families of 4 in two sub-populations, 2 covariates, 1 % missing calls, seed 11. */
export function simulateBenchCohort(n: number, m: number) {
  return simulateCohort({
    nIndividuals: n,
    nSnps: m,
    nChromosomes: 5,
    familySize: 4,
    nSubpopulations: 2,
    nCausal: 10,
    nCovariates: 2,
    missingGenotypeRate: 0.01,
    missingPhenotypeRate: 0.05,
    seed: 11,
  });
}
