/** Deterministic cohort simulation and writers for PLINK and BIMBAM files (test and benchmark data). */
export { Random } from './random.js';
export { simulateCohort, type SimulatedCohort } from './cohort.js';
export { writePlink, packBedSnp, BED_MAGIC } from './write-plink.js';
export { writeBimbam } from './write-bimbam.js';
