/** Deterministic cohort simulation and writers for PLINK and BIMBAM files (test and benchmark data). */
export { Random } from './random.js';
export {
  simulateCohort,
  resolveCohortOptions,
  roundToTenDigits,
  type CohortOptions,
  type ResolvedCohortOptions,
  type SimulatedCohort,
  type SimulatedIndividual,
  type SimulatedSnp,
  type TraitModel,
} from './cohort.js';
export { writePlink, packBedSnp, BED_MAGIC, type WritePlinkOptions } from './write-plink.js';
export { writeBimbam, formatBimbamNumber, type WriteBimbamOptions, type BimbamPaths } from './write-bimbam.js';
