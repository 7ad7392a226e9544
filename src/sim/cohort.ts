/**
 * A deterministic simulated GWAS cohort: structured families with Mendelian genotypes, covariates
 * and quantitative traits with known causal SNPs, for tests and benchmarks against GEMMA.
 */
import { Random } from './random.js';

/** Options of simulateCohort; every field has a default. */
export interface CohortOptions {
  /** Number of genotyped individuals n (default 500). */
  nIndividuals?: number;
  /** Number of SNPs m (default 2000). */
  nSnps?: number;
  /** Chromosomes "1".."K"; SNPs are split evenly in order (default 2). */
  nChromosomes?: number;
  /** Subpopulations whose allele frequencies drift from the ancestral ones (default 2). */
  nSubpopulations?: number;
  /** Balding-Nichols fixation index of each subpopulation (default 0.05). */
  fst?: number;
  /** Siblings per family; parents are latent founders, not in the cohort (default 2; 1 = unrelated). */
  familySize?: number;
  /** Causal SNPs per trait, chosen independently for each trait (default 20). */
  nCausal?: number;
  /** Genetic share of the non-covariate variance: a value, or a [low, high] range each trait draws from (default [0.3, 0.7]). */
  heritability?: number | readonly [number, number];
  /** Covariate columns: 0 age-like (years), 1 sex-like (0/1), further ones standard normal (default 2). */
  nCovariates?: number;
  /** Probability that one genotype call is missing (default 0). */
  missingGenotypeRate?: number;
  /** Probability that one phenotype value is missing (default 0). */
  missingPhenotypeRate?: number;
  /** Number of traits (phenotype columns) (default 1). */
  nTraits?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

/** CohortOptions with every default filled in (heritability always as a range). */
export interface ResolvedCohortOptions {
  nIndividuals: number;
  nSnps: number;
  nChromosomes: number;
  nSubpopulations: number;
  fst: number;
  familySize: number;
  nCausal: number;
  heritability: readonly [number, number];
  nCovariates: number;
  missingGenotypeRate: number;
  missingPhenotypeRate: number;
  nTraits: number;
  seed: number;
}

/** One individual's family and individual id, as in a PLINK .fam file. */
export interface SimulatedIndividual {
  fid: string;
  iid: string;
}

/** One SNP as in a PLINK .bim line; allele1 is the counted allele, cm in centimorgans, pos in bp. */
export interface SimulatedSnp {
  chr: string;
  rs: string;
  cm: number;
  pos: number;
  allele1: string;
  allele0: string;
}

/**
 * The generating model of one trait: y = intercept + covariates . covariateEffects
 * + sum_k effects[k] * (true genotype at snpIndices[k] - its cohort mean) + N(0, 1 - heritability) noise.
 */
export interface TraitModel {
  /** Realised target heritability of this trait (drawn from the heritability range). */
  heritability: number;
  /** Causal SNP indices, ascending, length nCausal. */
  snpIndices: Int32Array;
  /** Effect of one extra copy of allele1 at each causal SNP, in phenotype units; same order as snpIndices. */
  effects: Float64Array;
  /** Trait intercept. */
  intercept: number;
  /** Effect of each covariate column, length nCovariates, phenotype units per covariate unit. */
  covariateEffects: Float64Array;
}

/** A simulated cohort; all matrices are flat typed arrays with the layouts documented per field. */
export interface SimulatedCohort {
  options: ResolvedCohortOptions;
  nIndividuals: number;
  nSnps: number;
  nTraits: number;
  nCovariates: number;
  /** Length n. */
  individuals: SimulatedIndividual[];
  /** Length m. */
  snps: SimulatedSnp[];
  /** SNP-major m x n: genotypes[j * n + i] = copies of allele1 (0, 1, 2), or -1 when missing. */
  genotypes: Int8Array;
  /** Individual-major n x nTraits: phenotypes[i * nTraits + t]; NaN when missing; rounded to 10 significant digits. */
  phenotypes: Float64Array;
  /** Individual-major n x nCovariates: covariates[i * nCovariates + c] (no intercept column); 10 significant digits. */
  covariates: Float64Array;
  /** PLINK sex code per individual (1 male, 2 female), length n; equals covariate column 1 plus 1 when present. */
  sex: Uint8Array;
  /** Family index of each individual, length n (siblings share it). */
  familyIndex: Int32Array;
  /** Subpopulation index of each individual, length n. */
  subpopulationIndex: Int32Array;
  /** Ancestral frequency of allele1 per SNP, length m. */
  ancestralFrequencies: Float64Array;
  /** The generating model, one entry per trait. */
  causal: TraitModel[];
}

const DEFAULTS: ResolvedCohortOptions = {
  nIndividuals: 500,
  nSnps: 2000,
  nChromosomes: 2,
  nSubpopulations: 2,
  fst: 0.05,
  familySize: 2,
  nCausal: 20,
  heritability: [0.3, 0.7],
  nCovariates: 2,
  missingGenotypeRate: 0,
  missingPhenotypeRate: 0,
  nTraits: 1,
  seed: 1,
};

// Ancestral allele1 frequencies are uniform on this range, so after drift most SNPs keep MAF > 0.05.
const ANCESTRAL_FREQUENCY_MIN = 0.1;
const ANCESTRAL_FREQUENCY_MAX = 0.9;
// Subpopulation frequencies are clamped away from fixation so every SNP stays plausibly polymorphic.
const SUBPOPULATION_FREQUENCY_MIN = 0.01;
// Mean spacing of consecutive SNPs in base pairs, and the 1 cM per Mb genetic map.
const MEAN_SNP_SPACING_BP = 5000;
const CM_PER_BP = 1e-6;
// Tries to draw a polymorphic column before one heterozygote is forced in.
const MAX_POLYMORPHIC_ATTEMPTS = 64;
const NUCLEOTIDES = ['A', 'C', 'G', 'T'] as const;
const TWO_POW_16 = 65536;

/** Fill in the defaults of CohortOptions and validate them. */
export function resolveCohortOptions(options: CohortOptions = {}): ResolvedCohortOptions {
  const h = options.heritability ?? DEFAULTS.heritability;
  const resolved: ResolvedCohortOptions = {
    ...DEFAULTS,
    ...stripUndefined(options),
    heritability: typeof h === 'number' ? [h, h] : [h[0], h[1]],
  };
  const positiveInts: (keyof ResolvedCohortOptions)[] = [
    'nIndividuals',
    'nSnps',
    'nChromosomes',
    'nSubpopulations',
    'familySize',
    'nTraits',
  ];
  for (const key of positiveInts) {
    const v = resolved[key] as number;
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`simulateCohort: ${key} must be a positive integer, got ${v}`);
  }
  for (const key of ['nCausal', 'nCovariates'] as const) {
    const v = resolved[key];
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`simulateCohort: ${key} must be a non-negative integer, got ${v}`);
  }
  if (resolved.nCausal > resolved.nSnps) throw new RangeError('simulateCohort: nCausal exceeds nSnps');
  if (resolved.nChromosomes > resolved.nSnps)
    throw new RangeError('simulateCohort: nChromosomes exceeds nSnps');
  const [hLow, hHigh] = resolved.heritability;
  if (!(hLow >= 0 && hHigh <= 1 && hLow <= hHigh))
    throw new RangeError('simulateCohort: heritability must lie in [0, 1]');
  for (const key of ['missingGenotypeRate', 'missingPhenotypeRate'] as const) {
    const v = resolved[key];
    if (!(v >= 0 && v < 1)) throw new RangeError(`simulateCohort: ${key} must be in [0, 1), got ${v}`);
  }
  if (!(resolved.fst > 0 && resolved.fst < 1)) throw new RangeError('simulateCohort: fst must be in (0, 1)');
  if (!Number.isFinite(resolved.seed)) throw new RangeError('simulateCohort: seed must be finite');
  return resolved;
}

/** Simulate a cohort; the same options (seed included) always give the same cohort. */
export function simulateCohort(options: CohortOptions = {}): SimulatedCohort {
  const opts = resolveCohortOptions(options);
  const { nIndividuals: n, nSnps: m, nTraits, nCovariates } = opts;
  const rng = new Random(opts.seed);

  const familyIndex = new Int32Array(n);
  const subpopulationIndex = new Int32Array(n);
  const nFamilies = Math.ceil(n / opts.familySize);
  for (let i = 0; i < n; i++) {
    const family = Math.floor(i / opts.familySize);
    familyIndex[i] = family;
    // Contiguous blocks of families per subpopulation keep structure visible in the id order.
    subpopulationIndex[i] = Math.floor((family * opts.nSubpopulations) / nFamilies);
  }
  const individuals: SimulatedIndividual[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const fid = `FAM${familyIndex[i] + 1}`;
    individuals[i] = { fid, iid: `${fid}_${(i % opts.familySize) + 1}` };
  }

  const snps = simulateSnpMap(rng, m, opts.nChromosomes);
  const { covariates, sex } = simulateCovariates(rng, n, nCovariates);
  const traits = drawTraitModels(rng, opts);

  // Causal effects per SNP, looked up once per SNP while genotypes are generated.
  const causalAt = new Map<number, { trait: number; standardizedEffect: number; slot: number }[]>();
  for (let t = 0; t < nTraits; t++) {
    traits[t].snpIndices.forEach((snp, slot) => {
      const list = causalAt.get(snp) ?? [];
      list.push({ trait: t, standardizedEffect: traits[t].effects[slot], slot });
      causalAt.set(snp, list);
    });
  }

  const { genotypes, ancestralFrequencies, genetic, causalSd } = simulateGenotypes(
    rng,
    opts,
    subpopulationIndex,
    nFamilies,
    causalAt,
  );

  const phenotypes = simulatePhenotypes(rng, opts, traits, genetic, causalSd, covariates);

  return {
    options: opts,
    nIndividuals: n,
    nSnps: m,
    nTraits,
    nCovariates,
    individuals,
    snps,
    genotypes,
    phenotypes,
    covariates,
    sex,
    familyIndex,
    subpopulationIndex,
    ancestralFrequencies,
    causal: traits,
  };
}

/** Round to 10 significant digits, so values written as text read back bit-identical. */
export function roundToTenDigits(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(10)) : value;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function simulateSnpMap(rng: Random, m: number, nChromosomes: number): SimulatedSnp[] {
  const snps: SimulatedSnp[] = new Array(m);
  let j = 0;
  for (let c = 0; c < nChromosomes; c++) {
    // Even split; the first (m mod K) chromosomes get one extra SNP.
    const count = Math.floor(m / nChromosomes) + (c < m % nChromosomes ? 1 : 0);
    let pos = 1 + rng.int(MEAN_SNP_SPACING_BP);
    for (let k = 0; k < count; k++, j++) {
      const a1 = rng.int(4);
      const a0 = (a1 + 1 + rng.int(3)) % 4; // any of the other three letters
      snps[j] = {
        chr: String(c + 1),
        rs: `rs${j + 1}`,
        cm: roundToTenDigits(pos * CM_PER_BP),
        pos,
        allele1: NUCLEOTIDES[a1],
        allele0: NUCLEOTIDES[a0],
      };
      pos += 1 + rng.int(2 * MEAN_SNP_SPACING_BP - 1);
    }
  }
  return snps;
}

function simulateCovariates(
  rng: Random,
  n: number,
  nCovariates: number,
): { covariates: Float64Array; sex: Uint8Array } {
  const covariates = new Float64Array(n * nCovariates);
  const sex = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const female = rng.bernoulli(0.5);
    sex[i] = female ? 2 : 1;
    for (let c = 0; c < nCovariates; c++) {
      let value: number;
      if (c === 0)
        value = Math.round((50 + 10 * rng.normal()) * 10) / 10; // age in years, one decimal
      else if (c === 1) value = female;
      else value = roundToTenDigits(rng.normal());
      covariates[i * nCovariates + c] = value;
    }
  }
  return { covariates, sex };
}

function covariateScale(c: number): number {
  // Standard deviation of each covariate kind, so effects are drawn on a comparable scale.
  return c === 0 ? 10 : c === 1 ? 0.5 : 1;
}

function drawTraitModels(rng: Random, opts: ResolvedCohortOptions): TraitModel[] {
  const traits: TraitModel[] = [];
  const [hLow, hHigh] = opts.heritability;
  for (let t = 0; t < opts.nTraits; t++) {
    const heritability = hLow + (hHigh - hLow) * rng.uniform();
    const snpIndices = sampleDistinctSorted(rng, opts.nSnps, opts.nCausal);
    // Effects start on the standardized-genotype scale; simulatePhenotypes converts them to per-allele units.
    const effects = new Float64Array(opts.nCausal);
    for (let k = 0; k < opts.nCausal; k++) effects[k] = rng.normal();
    const covariateEffects = new Float64Array(opts.nCovariates);
    for (let c = 0; c < opts.nCovariates; c++) covariateEffects[c] = (0.3 * rng.normal()) / covariateScale(c);
    const intercept = 2 * rng.normal();
    traits.push({ heritability, snpIndices, effects, intercept, covariateEffects });
  }
  return traits;
}

function sampleDistinctSorted(rng: Random, universe: number, count: number): Int32Array {
  // Floyd's algorithm: count distinct draws without materialising the universe.
  const chosen = new Set<number>();
  for (let j = universe - count; j < universe; j++) {
    const candidate = rng.int(j + 1);
    chosen.add(chosen.has(candidate) ? j : candidate);
  }
  return Int32Array.from(chosen).sort();
}

interface GenotypeResult {
  genotypes: Int8Array;
  ancestralFrequencies: Float64Array;
  /** Individual-major n x nTraits sum of standardizedEffect * standardized true genotype. */
  genetic: Float64Array;
  /** Per trait, per causal slot: SD of the true genotype column (to convert effects to per-allele units). */
  causalSd: Float64Array[];
}

function simulateGenotypes(
  rng: Random,
  opts: ResolvedCohortOptions,
  subpopulationIndex: Int32Array,
  nFamilies: number,
  causalAt: Map<number, { trait: number; standardizedEffect: number; slot: number }[]>,
): GenotypeResult {
  const { nIndividuals: n, nSnps: m, nSubpopulations: nSub, fst, nTraits, missingGenotypeRate } = opts;
  const genotypes = new Int8Array(m * n);
  const ancestralFrequencies = new Float64Array(m);
  const genetic = new Float64Array(n * nTraits);
  const causalSd = Array.from({ length: nTraits }, () => new Float64Array(opts.nCausal));

  // Scratch, reused across SNPs: true genotypes, per-subpopulation allele thresholds, family bounds.
  const trueColumn = new Int8Array(n);
  const subThreshold16 = new Int32Array(nSub);
  const familyStart = new Int32Array(nFamilies + 1);
  const familySubpopulation = new Int32Array(nFamilies);
  for (let f = 0; f < nFamilies; f++) {
    familyStart[f] = Math.min(n, f * opts.familySize);
    familySubpopulation[f] = subpopulationIndex[familyStart[f]];
  }
  familyStart[nFamilies] = n;

  // Balding-Nichols: subpopulation frequency ~ Beta(p(1-F)/F, (1-p)(1-F)/F), mean p, variance F p(1-p).
  const driftShape = (1 - fst) / fst;
  const logKeep = Math.log(1 - missingGenotypeRate);

  for (let j = 0; j < m; j++) {
    const p = ANCESTRAL_FREQUENCY_MIN + (ANCESTRAL_FREQUENCY_MAX - ANCESTRAL_FREQUENCY_MIN) * rng.uniform();
    ancestralFrequencies[j] = p;
    for (let s = 0; s < nSub; s++) {
      const q = rng.beta(p * driftShape, (1 - p) * driftShape);
      const clamped = Math.min(1 - SUBPOPULATION_FREQUENCY_MIN, Math.max(SUBPOPULATION_FREQUENCY_MIN, q));
      subThreshold16[s] = Math.round(clamped * TWO_POW_16);
    }
    const column = genotypes.subarray(j * n, (j + 1) * n);

    let accepted = false;
    for (let attempt = 0; attempt < MAX_POLYMORPHIC_ATTEMPTS && !accepted; attempt++) {
      drawFamilyGenotypes(rng, trueColumn, familyStart, familySubpopulation, subThreshold16);
      column.set(trueColumn);
      if (missingGenotypeRate > 0) maskMissing(rng, column, logKeep);
      accepted = isPolymorphic(column);
    }
    if (!accepted) {
      // Tiny cohorts can fail every try; one observed heterozygote makes the SNP usable.
      trueColumn[0] = 1;
      column[0] = 1;
    }

    const effectsHere = causalAt.get(j);
    if (effectsHere !== undefined) addCausalContribution(trueColumn, effectsHere, genetic, nTraits, causalSd);
  }
  return { genotypes, ancestralFrequencies, genetic, causalSd };
}

function drawFamilyGenotypes(
  rng: Random,
  out: Int8Array,
  familyStart: Int32Array,
  familySubpopulation: Int32Array,
  subThreshold16: Int32Array,
): void {
  // Everything below is branch-free bit arithmetic: the conditions are coin flips, so branches
  // would mispredict half the time and dominate the run time.
  const nFamilies = familySubpopulation.length;
  for (let f = 0; f < nFamilies; f++) {
    const threshold = subThreshold16[familySubpopulation[f]];
    // Latent founders: two haplotype alleles each for father and mother, from their subpopulation.
    // Each 32-bit draw gives two 16-bit uniforms u (frequency resolution 2^-16, ample here);
    // (u - threshold) >>> 31 is 1 exactly when u < threshold.
    const fatherDraw = rng.uint32();
    const motherDraw = rng.uint32();
    const fatherA = ((fatherDraw & 0xffff) - threshold) >>> 31;
    const fatherB = ((fatherDraw >>> 16) - threshold) >>> 31;
    const motherA = ((motherDraw & 0xffff) - threshold) >>> 31;
    const motherB = ((motherDraw >>> 16) - threshold) >>> 31;
    const fatherDiff = fatherA ^ fatherB;
    const motherDiff = motherA ^ motherB;
    // Mendelian transmission: one fair bit per parent and child picks which allele is passed on
    // (B ^ ((A ^ B) & bit) is A when bit = 1, else B); a 32-bit draw covers 16 children.
    let transmissionBits = 0;
    let bitsLeft = 0;
    const end = familyStart[f + 1];
    for (let i = familyStart[f]; i < end; i++) {
      if (bitsLeft === 0) {
        transmissionBits = rng.uint32() | 0;
        bitsLeft = 32;
      }
      out[i] =
        (fatherB ^ (fatherDiff & transmissionBits)) + (motherB ^ (motherDiff & (transmissionBits >>> 1)));
      transmissionBits >>>= 2;
      bitsLeft -= 2;
    }
  }
}

function maskMissing(rng: Random, column: Int8Array, logKeep: number): void {
  // Geometric skips between missing calls: one draw per missing call instead of one per call.
  const n = column.length;
  let i = geometricSkip(rng, logKeep);
  while (i < n) {
    column[i] = -1;
    i += 1 + geometricSkip(rng, logKeep);
  }
}

function geometricSkip(rng: Random, logKeep: number): number {
  // Number of kept calls before the next missing one: floor(log U / log(1 - rate)).
  return Math.floor(Math.log(1 - rng.uniform()) / logKeep);
}

function isPolymorphic(column: Int8Array): boolean {
  let first = -1;
  for (let i = 0; i < column.length; i++) {
    const g = column[i];
    if (g < 0) continue;
    if (g === 1) return true;
    if (first < 0) first = g;
    else if (g !== first) return true;
  }
  return false;
}

function addCausalContribution(
  trueColumn: Int8Array,
  effectsHere: { trait: number; standardizedEffect: number; slot: number }[],
  genetic: Float64Array,
  nTraits: number,
  causalSd: Float64Array[],
): void {
  const n = trueColumn.length;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    sum += trueColumn[i];
    sumSq += trueColumn[i] * trueColumn[i];
  }
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(sumSq / n - mean * mean, 0));
  for (const { trait, standardizedEffect, slot } of effectsHere) {
    causalSd[trait][slot] = sd;
    if (sd === 0) continue;
    const scale = standardizedEffect / sd;
    for (let i = 0; i < n; i++) genetic[i * nTraits + trait] += scale * (trueColumn[i] - mean);
  }
}

function simulatePhenotypes(
  rng: Random,
  opts: ResolvedCohortOptions,
  traits: TraitModel[],
  genetic: Float64Array,
  causalSd: Float64Array[],
  covariates: Float64Array,
): Float64Array {
  const { nIndividuals: n, nTraits, nCovariates, missingPhenotypeRate } = opts;
  const phenotypes = new Float64Array(n * nTraits);
  for (let t = 0; t < nTraits; t++) {
    const trait = traits[t];
    // Scale the (already centred) genetic values to variance h2 exactly; noise then has variance 1 - h2.
    let variance = 0;
    for (let i = 0; i < n; i++) variance += genetic[i * nTraits + t] ** 2;
    variance /= n;
    const geneticScale = variance > 0 ? Math.sqrt(trait.heritability / variance) : 0;
    // Report effects per copy of allele1: standardized effect * scale / genotype SD.
    for (let k = 0; k < trait.effects.length; k++) {
      const sd = causalSd[t][k];
      trait.effects[k] = sd > 0 ? (trait.effects[k] * geneticScale) / sd : 0;
    }
    const noiseSd = Math.sqrt(1 - trait.heritability);
    for (let i = 0; i < n; i++) {
      let y = trait.intercept + geneticScale * genetic[i * nTraits + t] + noiseSd * rng.normal();
      for (let c = 0; c < nCovariates; c++) y += trait.covariateEffects[c] * covariates[i * nCovariates + c];
      phenotypes[i * nTraits + t] = roundToTenDigits(y);
    }
  }
  if (missingPhenotypeRate > 0) {
    for (let k = 0; k < n * nTraits; k++) if (rng.uniform() < missingPhenotypeRate) phenotypes[k] = NaN;
  }
  return phenotypes;
}
