/**
 * A simulated related cohort for the multivariate LMM: d correlated traits (trait 1's causal SNPs act
 * on every trait through a shared component, each trait also has its own), covariates, and a few
 * individuals missing one trait. Written as BIMBAM and PLINK, plus a copy of the phenotypes moved by
 * 1e-13 (to see which of GEMMA's rows are stable under a nudge).
 */
import { writeFileSync } from 'node:fs';
import {
  Random,
  simulateCohort,
  writeBimbam,
  writePlink,
  type SimulatedCohort,
} from '../../src/sim/index.js';

export interface MvCohortFiles {
  cohort: SimulatedCohort;
  /** BIMBAM paths (geno, pheno, cov, anno) and the nudged phenotypes. */
  geno: string;
  pheno: string;
  nudgedPheno: string;
  cov: string;
  anno: string;
  /** PLINK prefix (phenotypes in the .fam too). */
  plink: string;
}

/** Writes the cohort under `prefix`; traits t > 1 get 0.6 x trait 1 added, and ~4% miss one trait. */
export async function writeMvCohort(
  prefix: string,
  traits: number,
  n: number,
  m: number,
  seed: number,
): Promise<MvCohortFiles> {
  const cohort = simulateCohort({
    nIndividuals: n,
    nSnps: m,
    nChromosomes: 2,
    familySize: 3,
    nCausal: 3,
    heritability: [0.4, 0.7],
    nCovariates: 2,
    nTraits: traits,
    missingGenotypeRate: 0.01,
    seed,
  });
  const rng = new Random(seed + 1000);
  const y = cohort.phenotypes;
  for (let i = 0; i < n; i++) {
    for (let t = 1; t < traits; t++) y[i * traits + t] += 0.6 * y[i * traits];
    if (rng.uniform() < 0.04) y[i * traits + Math.floor(rng.uniform() * traits)] = NaN;
  }
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(y[i])) y[i] = Number(y[i].toPrecision(10));
  const bb = await writeBimbam(prefix, cohort);
  await writePlink(`${prefix}_plink`, cohort);
  const nudged: string[] = [];
  for (let i = 0; i < n; i++) {
    const row: string[] = [];
    for (let t = 0; t < traits; t++) {
      const v = y[i * traits + t];
      row.push(Number.isNaN(v) ? 'NA' : String(v + 1e-13));
    }
    nudged.push(row.join('\t'));
  }
  const nudgedPheno = `${prefix}.nudged.pheno.txt`;
  writeFileSync(nudgedPheno, nudged.join('\n') + '\n');
  return {
    cohort,
    geno: bb.geno,
    pheno: bb.pheno,
    nudgedPheno,
    cov: bb.cov,
    anno: bb.anno,
    plink: `${prefix}_plink`,
  };
}
