/**
 * Phase 1 of a scan, shared by the local job and the cluster steps: checks the analysis flags, reads
 * a given kinship (fails fast on bad input), runs the SNP pass (filters, and kinship when computed),
 * and builds the scan units. Null models are fitted per unit later (prepareUnit), so a LOCO run can
 * hold one chromosome's eigenvectors at a time.
 */
import type { Eigen, Engine } from '../engines/engine.js';
import type { AnalysisKind } from '../io/assoc-format.js';
import { InputError, UsageError } from '../io/input-error.js';
import type { RunSummary } from '../io/log-format.js';
import { groupKinship, readGroupFile } from '../kinship/groups.js';
import { genotypeFiles } from '../io/genotype-registry.js';
import { readSnpIds } from '../io/genotype-selection.js';
import { readKinshipPairs } from '../io/kinship-pairs.js';
import { VERSION } from '../version.js';
import { DEFAULT_BLOCK_SIZE, scanBlockSize, type ScanConfig } from '../model/config.js';
import { mark } from '../io/timeline.js';
import { FIRST_BLOCK_BUFFERS, warmBlockBuffers } from './block-scan.js';
import type { ScanInputs } from './inputs.js';
import type { LmmTestMode } from '../model/plan.js';
import { requireJobMemory } from './memory-plan.js';
import { eigenForAnalysed, type KinshipSource } from './prepare.js';
import { leaveOneOutKinship, runSnpPass, type KinshipPart, type SnpPassResult } from './snp-pass.js';
import { rowsOfPositions, unionOfTested, type ScanUnit } from './units.js';

/** Wall-clock laps for the log (minutes). */
export class Stopwatch {
  private readonly start = performance.now();
  private last = performance.now();

  /** `timings` and `earlierMinutes` carry on the laps of earlier processes (a plan's prepare, its shards). */
  constructor(
    readonly timings: { label: string; minutes: number }[] = [],
    private readonly earlierMinutes = 0,
  ) {}

  /** A stage that overlapped others: its own duration, and the next lap starts now. */
  record(label: string, ms: number): void {
    this.timings.push({ label, minutes: ms / 60_000 });
    this.last = performance.now();
  }

  lap(label: string): void {
    const now = performance.now();
    this.timings.push({ label, minutes: (now - this.last) / 60_000 });
    this.last = now;
  }
  get totalMinutes(): number {
    return this.earlierMinutes + (performance.now() - this.start) / 60_000;
  }
}

/**
 * Everything the scan and merge phases need once the units are known. Immutable (frozen when made):
 * a phase that learns more (null models, the engine actually used, lambda_GC) builds a new summary.
 */
export interface ScanSetup {
  readonly config: ScanConfig;
  readonly kind: AnalysisKind;
  readonly mode: LmmTestMode;
  /** Sorted file indices of every SNP some unit tests; blocks are consecutive runs of blockSize. */
  readonly union: Int32Array;
  readonly blockSize: number;
  readonly totalBlocks: number;
  readonly units: readonly ScanUnit[];
  /** Chromosome names by code (ScanUnit.chromosomeCode, TestedSnps.chromosome). */
  readonly chromosomes: readonly string[];
  /** The run summary at the end of the prepare phase (its timings a copy of the laps so far). */
  readonly summary: Readonly<RunSummary>;
}

/** A ScanSetup, frozen (with its summary) so that no phase changes it by mistake. */
export function freezeSetup(setup: ScanSetup): ScanSetup {
  Object.freeze(setup.summary);
  return Object.freeze(setup);
}

/** The result of the SNP pass: the run summary so far, and the setup unless the run only builds K (-gk). */
export interface PreparedScan {
  summary: RunSummary;
  pass: SnpPassResult;
  setup?: ScanSetup;
}

/** Rejects contradictory analysis flags with a UsageError. */
export function checkModes(config: ScanConfig): void {
  const lmmOrLm = config.lmm !== undefined || config.lm !== undefined;
  const modes = [
    config.kinshipKind !== undefined && !config.loco,
    config.lmm !== undefined,
    config.lm !== undefined,
    config.writeEigen,
  ].filter(Boolean).length;
  if (modes === 0) throw new UsageError('nothing to do: give one of -gk, -lmm, -lm or -eigen');
  if (modes > 1) throw new UsageError('give only one of -gk, -lmm, -lm and -eigen per run (as GEMMA)');
  if (config.traits && !lmmOrLm) throw new UsageError('--traits works with -lmm or -lm');
  checkGxeWeights(config);
  if (config.keepP !== undefined && !config.traits) throw new UsageError('--keep-p works with --traits');
  if (config.phenotypeColumns.length > 1) {
    // GEMMA's multivariate LMM; the other analyses take one column (--traits scans many one by one).
    if (config.lm !== undefined || config.fit || config.traits)
      throw new UsageError(
        `-n ${config.phenotypeColumns.join(' ')}: several columns work with -lmm (the multivariate LMM), -gk and -eigen`,
      );
  }
  if (config.loco) {
    if (config.lmm === undefined)
      throw new UsageError(
        '--loco needs -lmm (it builds one kinship per chromosome and tests that chromosome against it)',
      );
    if (config.kinship || config.eigenValuesFile || config.groups)
      throw new UsageError('--loco computes its kinships from the genotypes: drop -k / -d / -u / --groups');
    if (config.traits) throw new UsageError('--loco and --traits cannot be combined in one run');
    if (config.locoChromosome)
      throw new UsageError('give either --loco (every chromosome) or -loco CHR (one), not both');
  }
  if (config.ksnps && (config.loco || config.locoChromosome))
    throw new UsageError('-ksnps cannot be combined with --loco or -loco (as GEMMA)');
  if (config.ksnps && !config.kinshipKind)
    throw new UsageError('-ksnps chooses the SNPs of the kinship: it needs -gk');
}

/** -gxe and -widv: which analyses take them (GEMMA applies them in its univariate LMM only). */
function checkGxeWeights(config: ScanConfig): void {
  for (const [flag, given] of [
    ['-gxe', config.gxe],
    ['-widv', config.widv],
  ] as const) {
    if (!given) continue;
    if (config.lmm === undefined && !(flag === '-widv' && config.writeEigen))
      throw new UsageError(`${flag} works with -lmm (GEMMA's univariate LMM)`);
    if (config.phenotypeColumns.length > 1)
      throw new UsageError(`${flag} works with one phenotype column (not the multivariate LMM)`);
    if (config.loco || (flag === '-gxe' && config.locoChromosome !== undefined))
      throw new UsageError(`${flag} cannot be combined with LOCO (GEMMA: "LOCO does not support GXE (yet)")`);
    if (config.fit) throw new UsageError(`${flag} works with a scan, not --fit`);
  }
  if (config.widv && (config.eigenValuesFile || config.eigenVectorsFile))
    throw new UsageError('-widv weights the kinship before its eigendecomposition: give -k, not -d/-u');
}

/** Where an LMM's K comes from: -k, -d/-u, or --groups (K = D D^T, double-centred like any K in a scan). */
export function kinshipSourceOf(config: ScanConfig, inputs?: ScanInputs): KinshipSource {
  if (config.groups && (config.kinship || config.eigenValuesFile))
    throw new UsageError('give either --groups or -k / -d -u, not both');
  if (config.kinship && (config.eigenValuesFile || config.eigenVectorsFile)) {
    throw new UsageError('give either -k (a kinship) or -d/-u (its eigendecomposition), not both');
  }
  // GEMMA's -km 2: pairs by sample ID, laid out over the genotype samples here (no rows to pick later).
  const pairs =
    config.kinshipFormat === 2 && config.kinship ? kinshipPairsOf(config.kinship, inputs) : undefined;
  return {
    kinship: config.groups ? groupKinship(readGroupFile(config.groups)) : pairs,
    kinshipFile: config.kinship,
    kinshipRows: pairs ? undefined : inputs?.kinshipRows,
    eigenValuesFile: config.eigenValuesFile,
    eigenVectorsFile: config.eigenVectorsFile,
    quiet: config.quiet,
    weights: inputs?.weights,
  };
}

/** The -km 2 kinship over the genotype samples, matched by individual ID. */
function kinshipPairsOf(file: string, inputs: ScanInputs | undefined): Float64Array {
  const ids = inputs?.source.sampleIds;
  if (!ids) {
    const format = inputs?.source.format ?? 'these';
    throw new UsageError(
      `-km 2 matches individuals by ID, which ${format} genotypes do not carry: use -km 1`,
    );
  }
  return readKinshipPairs(file, ids);
}

/** The genotype file named in errors about SNPs. */
export function genotypeFile(config: ScanConfig): string {
  return genotypeFiles(config)[0] ?? 'genotypes';
}

/** The scan units of a run: one per trait group, or one per chromosome for --loco. */
function buildUnits(
  config: ScanConfig,
  inputs: ScanInputs,
  pass: SnpPassResult,
  union: Int32Array,
  engine: Engine,
  earlyEigen: Map<number, Promise<Eigen>>,
): ScanUnit[] {
  const units: ScanUnit[] = [];
  const outputIdsOf = (columns: number[]) => (config.traits ? columns.map((c) => `trait${c}`) : ['assoc']);
  if (config.loco) {
    if (pass.chromosomes.length < 2)
      throw new InputError(
        genotypeFile(config),
        `--loco needs SNPs on at least two chromosomes (found ${pass.chromosomes.join(', ') || 'none'})`,
      );
    const group = inputs.groups[0];
    pass.chromosomes.forEach((chr, code) => {
      const { rows, last } = rowsOfPositions(union, pass.tested[0], code);
      units.push({
        label: `chromosome ${chr} left out`,
        group,
        tested: pass.tested[0],
        outputIds: ['assoc'],
        chromosomeCode: code,
        rowOfPosition: rows,
        lastPosition: last,
        eigen: async () => {
          const kinship = leaveOneOutKinship(pass, chr);
          if (!kinship)
            throw new InputError(
              genotypeFile(config),
              `no SNP outside chromosome ${chr} passed the filters: its LOCO kinship is undefined`,
            );
          return eigenForAnalysed({ kinship }, group.selection, engine);
        },
      });
    });
    return units;
  }
  inputs.groups.forEach((group, g) => {
    let code: number | undefined;
    if (config.locoChromosome !== undefined) {
      // GEMMA tests every SNP when CHR is not among the chromosomes.
      const found = pass.chromosomes.indexOf(config.locoChromosome);
      code = found >= 0 ? found : undefined;
    }
    const { rows, last } = rowsOfPositions(union, pass.tested[g], code);
    units.push({
      label:
        inputs.groups.length > 1 ? `trait group ${g + 1} (columns ${group.traitColumns.join(',')})` : 'all',
      group,
      tested: pass.tested[g],
      outputIds: outputIdsOf(group.traitColumns),
      chromosomeCode: code,
      rowOfPosition: rows,
      lastPosition: last,
      eigen: earlyEigen.has(g) ? () => earlyEigen.get(g)! : undefined,
    });
  });
  return units;
}

/**
 * Everything up to the units: a given K's eigendecomposition first (bad input fails before any
 * genotype is read), then the SNP pass. No setup when the run only computes K (-gk without --loco).
 * `kinshipSums` (merged kinship shards) stand for the pass's kinship, which then only filters.
 */
export async function prepareScan(
  config: ScanConfig,
  inputs: ScanInputs,
  engine: Engine,
  engineNote: string,
  clock: Stopwatch,
  kinshipSums?: Map<string, KinshipPart>,
): Promise<PreparedScan> {
  const { source, selection } = inputs;
  requireJobMemory(
    config.lmm !== undefined
      ? `-lmm ${config.lmm}`
      : config.lm !== undefined
        ? `-lm ${config.lm}`
        : `-gk ${config.kinshipKind ?? 1}`,
    {
      engine: engine.name,
      nTotal: selection.nTotal,
      nAnalysed: config.lmm !== undefined ? Math.max(...inputs.groups.map((g) => g.selection.nAnalysed)) : 0,
      computesKinship: Boolean(config.kinshipKind || config.loco),
      readsKinship: Boolean(config.kinship) && config.lmm !== undefined,
      givenEigen: Boolean(config.eigenValuesFile),
    },
  );
  const earlyEigen = new Map<number, Promise<Eigen>>();
  // Warnings about a given K, for the log (and said at once on stderr, as GEMMA does).
  const warnings: string[] = [];
  const warn = (message: string) => {
    if (warnings.includes(message)) return;
    warnings.push(message);
    if (!config.quiet) process.stderr.write(`lmmscan: ${message}\n`);
  };
  // The eigendecompositions run on the engine's threads while this thread reads and filters the SNPs.
  let eigenDone: Promise<number> | undefined;
  // Resolves once the first group's K needs this thread no more (or its reading failed): its text read, while the
  // engine's threads parse it (the values then centred and handed over between the pass's turns), or K read and
  // with the engine. The SNP pass starts then, so that this thread reads K's text alone and then filters SNPs while
  // the engine's threads parse and decompose K. (Both on this thread at once, the pass ran first and the engine's
  // threads waited for K until it ended.)
  let firstKinshipRead: Promise<void> = Promise.resolve();
  if (config.lmm !== undefined && !config.loco) {
    const kinshipSource = kinshipSourceOf(config, inputs);
    const started = performance.now();
    let chain: Promise<unknown> = Promise.resolve();
    let handedOver: () => void = () => undefined;
    firstKinshipRead = new Promise<void>((resolve) => (handedOver = resolve));
    for (let g = 0; g < inputs.groups.length; g++) {
      const eigen = chain.then(() =>
        eigenForAnalysed(
          kinshipSource,
          inputs.groups[g].selection,
          engine,
          warn,
          g === 0 ? handedOver : undefined,
        ),
      );
      earlyEigen.set(g, eigen);
      chain = eigen;
    }
    // A failure is reported as before, after the pass (its errors keep their precedence), not here.
    chain.then(handedOver, handedOver);
    eigenDone = chain.then(() => {
      mark('eigendecomposition done');
      return performance.now() - started;
    });
    eigenDone.catch(() => undefined); // reported when awaited below; the SNP pass may fail first
  }
  await firstKinshipRead;
  // One turn of the event loop: the eigendecomposition's dispatch to the workers is a chain of microtasks (its
  // arena turn, its set-up on this thread, the post), and each of them would otherwise wait behind one of the
  // pass's long synchronous steps (its own awaits are microtasks too): the workers sat idle for 0.1-0.2 s.
  if (eigenDone) await new Promise((resolve) => setImmediate(resolve));
  mark('K read, SNP pass starts');
  const kinshipKind = config.kinshipKind ?? 1;
  const passStarted = performance.now();
  const pass = await runSnpPass(source, inputs.groups, {
    filters: config.filters,
    blockSize: config.blockSize ?? DEFAULT_BLOCK_SIZE,
    kinshipOnly: !config.loco && Boolean(config.kinshipKind),
    quiet: config.quiet,
    snpsInFile: inputs.snpsInFile,
    kinshipSnps: config.ksnps ? readSnpIds(config.ksnps) : undefined,
    kinshipSums,
    kinship: config.loco
      ? { kind: kinshipKind, engine, split: { by: 'chromosome' } }
      : config.kinshipKind
        ? {
            kind: config.kinshipKind,
            engine,
            split:
              config.locoChromosome !== undefined
                ? { by: 'exclude', chromosome: config.locoChromosome }
                : { by: 'none' },
            // -gk writes K and nothing else: no double-double pair beside it.
            rounded: true,
          }
        : undefined,
  });
  const passLabel =
    config.kinshipKind || config.loco ? 'calculating relatedness matrix' : 'reading and filtering SNPs';
  const union = unionOfTested(pass.tested);
  if (eigenDone) {
    const passMs = performance.now() - passStarted;
    // This thread idles while the engine's threads decompose K: the scan's first block buffers take their page
    // faults now, not while those threads wait for block 0 (the block size as below, from the groups).
    const traitsPerUnit = config.traits ? Math.max(...inputs.groups.map((g) => g.traitColumns.length)) : 1;
    const nAnalysed = Math.max(...inputs.groups.map((g) => g.selection.nAnalysed));
    const firstBlock = Math.min(union.length, scanBlockSize(config, traitsPerUnit, nAnalysed));
    warmBlockBuffers(firstBlock * nAnalysed, FIRST_BLOCK_BUFFERS);
    clock.record('eigen-decomposition', await eigenDone);
    clock.record(passLabel, passMs);
  } else {
    clock.lap(passLabel);
  }
  const summary: RunSummary = {
    version: VERSION,
    commandLine: config.commandLine,
    engine: `${engine.describe()} (${engineNote})`,
    nTotal: selection.nTotal,
    nAnalysed: selection.nAnalysed,
    nCvt: selection.nCvt,
    nPhenotypes: inputs.traitColumns.length,
    snpsTotal: pass.snpsInFile,
    snpsAnalysed: union.length,
    timings: clock.timings,
    totalMinutes: 0,
    notes: [
      ...(selection.interceptAppended
        ? ['no intercept column found in the covariate file: a column of 1s was appended (as GEMMA)']
        : []),
      ...warnings,
    ],
  };
  summary.notes.push(...inputs.notes, ...source.notes());
  if (config.kinshipKind && !config.loco) return { summary, pass };
  if (union.length === 0) {
    throw new InputError(
      genotypeFile(config),
      `none of the ${pass.snpsInFile} SNPs passed the filters (-maf, -miss, -r2, -hwe): zero analysable SNPs`,
    );
  }
  const kind = analysisKind(config);
  const mode = (config.lm ?? config.lmm ?? 4) as LmmTestMode;
  const units = buildUnits(config, inputs, pass, union, engine, earlyEigen);
  summary.snpsAnalysed = units.reduce(
    (s, u) => s + u.rowOfPosition.reduce((c, r) => c + (r >= 0 ? 1 : 0), 0),
    0,
  );
  if (config.traits) summary.snpsAnalysed = union.length;
  const blockSize = scanBlockSize(
    config,
    Math.max(...units.map((u) => u.outputIds.length)),
    Math.max(...units.map((u) => u.group.selection.nAnalysed)),
  );
  return {
    summary,
    pass,
    setup: freezeSetup({
      config,
      kind,
      mode,
      union,
      blockSize,
      totalBlocks: Math.ceil(union.length / blockSize),
      units,
      chromosomes: pass.chromosomes,
      summary: { ...summary, notes: [...summary.notes], timings: [...summary.timings] },
    }),
  };
}

/** What a scan fits: -lm, several -n columns fitted together (an mvLMM), or one LMM per trait. */
export function analysisKind(config: ScanConfig): AnalysisKind {
  if (config.lm) return 'lm';
  return config.phenotypeColumns.length > 1 && !config.traits ? 'mvlmm' : 'lmm';
}

/** Key of a unit trait's null-model record: the output id, plus the chromosome for LOCO / -loco CHR. */
export function recordKey(unit: ScanUnit, t: number): string {
  return `${unit.outputIds[t]}${unit.chromosomeCode !== undefined ? `.chr${unit.chromosomeCode}` : ''}`;
}
