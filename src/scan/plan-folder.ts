/**
 * The plan folder: a prepared scan saved to disk, the one artefact every run goes through. plan.json
 * (the manifest) holds the configuration, input identities, block layout, trait groups, units and
 * null models; its sha256 is the plan id, the checksum that every shard file of the plan carries.
 * Finished blocks are shard files under shards/ (shard-file.ts).
 *
 * A cluster plan (`lmmscan prepare`) also holds the arrays the shards scan against, in data/*.bin
 * (little-endian typed arrays: eigenvectors, eigenvalues, rotated covariates and trait matrix per unit,
 * sample selections and tested SNPs per group), each with its sha256 in the manifest. A local run's
 * plan (OUTDIR/NAME.checkpoint) holds none: the process that scans it has them in memory, and
 * --resume recomputes them from the inputs (which the manifest identifies by content), since writing
 * and reading back n x n eigenvectors per unit would cost a local run more than their computation
 * saves a rare resume. Genotypes are never copied: shards read them from the genotype file.
 */
import { createHash } from '../io/lazy-crypto.js';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-file.js';
import { InputError } from '../io/input-error.js';
import type { AnalysisKind } from '../io/assoc-format.js';
import type { RunSummary } from '../io/log-format.js';
import type { SampleSelection } from '../qc/samples.js';
import { LinearModel } from '../stats/linear-model.js';
import type { ScanConfig } from '../model/config.js';
import { hashedContent, type HashAside } from '../io/content-hash.js';
import { VERSION } from '../version.js';
import { inputFiles, selectionSettings, type TraitGroup } from './inputs.js';
import { freezeSetup, recordKey, type ScanSetup } from './phase-prepare.js';
import type { SavedNullModel } from './phase-merge.js';
import { loadMvUnit, mvRecord, saveMvUnit, type MvUnitEntry } from './mv-plan-folder.js';
import type { UnitModels } from './phase-scan.js';
import type { LmmTestMode } from '../model/plan.js';
import type { TestedSnps } from './snp-pass.js';
import { rowsOfPositions, type PreparedUnit, type ScanUnit } from './units.js';
import type { NullModel } from '../model/plan.js';

/** plan.json's layout: /2 holds a unit's rotated traits as one matrix (/1, one array per trait, is refused). */
export const PLAN_FORMAT = 'lmmscan-plan/2';
export const MANIFEST = 'plan.json';

interface GroupEntry {
  traitColumns: number[];
  nTotal: number;
  nAnalysed: number;
  nCvt: number;
  interceptAppended: boolean;
  /** data/ files (a cluster plan's only): analysed (u8), covariates and phenotypes (f64), tested SNPs (indices, missing, chromosome: i32; frequency: f64). */
  files?: Record<
    'analysed' | 'covariates' | 'phenotypes' | 'indices' | 'missing' | 'frequency' | 'chromosome',
    string
  >;
}

interface UnitEntry {
  label: string;
  group: number;
  outputIds: string[];
  chromosomeCode?: number;
  /** LMM only, a cluster plan's: eigendecomposition of the unit's centred K, shared by its traits. */
  eigen?: { values: string; vectors: string };
  /** LMM only, a cluster plan's: U^T W (column-major n x c) and U^T Y (column-major n x traits), the plan's. */
  rotated?: { covariates: string; phenotypes: string };
  traits: { column: number; nullModel?: NullModel }[];
  /** The multivariate LMM's unit, a cluster plan's (mv-plan-folder.ts). */
  mv?: MvUnitEntry;
}

export interface PlanManifest {
  format: string;
  version: string;
  endianness: 'LE';
  /** A local run's plan: no data/ arrays (they are recomputed from the inputs), see the file comment. */
  local?: boolean;
  /** What a resumed local run must match: the inputs (path, size, content hash) and every setting that changes a row. */
  identity?: Record<string, unknown>;
  config: ScanConfig;
  /** path:size:content hash of every input file (null when absent). */
  inputs: (string | null)[];
  engine: string;
  kind: AnalysisKind;
  mode: LmmTestMode;
  blockSize: number;
  totalBlocks: number;
  chromosomes: string[];
  summary: RunSummary;
  /** data/ file of the union of tested SNPs (a cluster plan's only). */
  union?: string;
  groups: GroupEntry[];
  units: UnitEntry[];
  files: Record<string, { bytes: number; sha256: string }>;
}

/** A plan read back: its id, manifest, the setup the phases use, lazily read unit models and the null-model records. */
export interface LoadedPlan {
  dir: string;
  id: string;
  manifest: PlanManifest;
  setup: ScanSetup;
  models: UnitModels;
  records: Map<string, SavedNullModel>;
}

/**
 * Identity of an input file: path, size and a hash of its content, so that a file replaced by
 * another of the same size and date (cp -p, rsync -a) is seen as changed.
 */
export function fileIdentity(path: string | undefined, aside?: Map<string, HashAside>): string | null {
  if (!path || !existsSync(path)) return null;
  const { bytes, hash } = hashedContent(path, aside);
  return `${path}:${bytes}:${hash}`;
}

/** A run's identity (planIdentity). */
export type PlanIdentity = Record<string, unknown> & { inputs: (string | null)[] };

/**
 * What a plan must match to be resumed: the inputs (path, size, content hash: from `hashes` where it holds them, see
 * contentHashesAside) and every setting that changes a row.
 */
export function planIdentity(
  config: ScanConfig,
  engine: string,
  tested: number,
  blockSize: number,
  hashes?: Map<string, HashAside>,
): PlanIdentity {
  return {
    version: VERSION,
    engine,
    inputs: inputFiles(config).map((path) => fileIdentity(path, hashes)),
    ...selectionSettings(config),
    phenotypeColumns: config.phenotypeColumns,
    traits: config.traits ?? null,
    keepP: config.keepP ?? null,
    loco: config.loco ? (config.kinshipKind ?? 1) : (config.locoChromosome ?? null),
    lmm: config.lmm ?? null,
    lm: config.lm ?? null,
    filters: config.filters,
    search: config.search,
    blockSize,
    testedSnps: tested,
  };
}

/**
 * JSON that keeps NaN, +-Infinity and -0 (null models may hold them), and Float64Arrays (the fixed
 * effects of a null model, a multivariate one's matrices) as Float64Arrays.
 */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) =>
      typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))
        ? { $f64: Object.is(v, -0) ? '-0' : String(v) }
        : v instanceof Float64Array
          ? { $f64array: Array.from(v) }
          : v,
    1,
  );
}

/** Inverse of stringifyExact. */
export function parseExact<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length !== 1) return v;
    if ('$f64' in v) return Number((v as { $f64: string }).$f64);
    if ('$f64array' in v) return Float64Array.from((v as { $f64array: number[] }).$f64array);
    return v;
  }) as T;
}

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Removes what an earlier prepare left in `dir` (manifest, arrays, shards, merge record); keeps the rest (job scripts, logs). */
export function clearPlan(dir: string): void {
  for (const name of [MANIFEST, 'data', 'shards', 'merge.json'])
    rmSync(join(dir, name), { recursive: true, force: true });
}

/** The groups of a setup's units, in first-use order. */
const groupsOf = (setup: ScanSetup): TraitGroup[] => [...new Set(setup.units.map((u) => u.group))];

/** The manifest's description of a group (its data files added by a cluster plan). */
function groupEntry(setup: ScanSetup, group: TraitGroup): GroupEntry {
  const sel = group.selection;
  return {
    traitColumns: group.traitColumns,
    nTotal: sel.nTotal,
    nAnalysed: sel.nAnalysed,
    nCvt: sel.nCvt,
    interceptAppended: sel.interceptAppended,
  };
}

/** The manifest's description of a unit, with its traits' null models when known. */
function unitEntry(setup: ScanSetup, unit: ScanUnit, nullModels?: readonly NullModel[]): UnitEntry {
  return {
    label: unit.label,
    group: groupsOf(setup).indexOf(unit.group),
    outputIds: unit.outputIds,
    chromosomeCode: unit.chromosomeCode,
    traits: unit.group.traitColumns.map((column, t) => ({ column, nullModel: nullModels?.[t] })),
  };
}

/** The manifest fields every plan has. */
function manifestOf(
  setup: ScanSetup,
  summary: RunSummary,
  engine: string,
  groups: GroupEntry[],
  units: UnitEntry[],
): Omit<PlanManifest, 'files' | 'inputs'> {
  return {
    format: PLAN_FORMAT,
    version: setup.summary.version,
    endianness: 'LE',
    config: setup.config,
    engine,
    kind: setup.kind,
    mode: setup.mode,
    blockSize: setup.blockSize,
    totalBlocks: setup.totalBlocks,
    chromosomes: [...setup.chromosomes],
    summary,
    groups,
    units,
  };
}

/**
 * A local run's manifest: the identity a resume must match, and the null models of the units fitted
 * before the scan (`nullModels`; a --loco run fits its units during the scan and saves them as records).
 */
export function localManifest(
  setup: ScanSetup,
  identity: PlanIdentity,
  engine: string,
  nullModels: (unit: ScanUnit) => readonly NullModel[] | undefined,
): PlanManifest {
  const groups = groupsOf(setup).map((g) => groupEntry(setup, g));
  const units = setup.units.map((u) => unitEntry(setup, u, nullModels(u)));
  return {
    ...manifestOf(setup, setup.summary, engine, groups, units),
    local: true,
    identity,
    inputs: identity.inputs,
    files: {},
  };
}

/** Writes plan.json into `dir` (created if need be); returns the plan id, the sha256 of its text. */
export function writeManifest(dir: string, manifest: PlanManifest): string {
  mkdirSync(dir, { recursive: true });
  const text = stringifyExact(manifest);
  writeFileAtomic(join(dir, MANIFEST), text);
  return sha256(text);
}

/**
 * Saves a cluster plan: the setup and every unit's models (computed one unit at a time by
 * `prepareModels`); `summaryNow` gives the run summary to carry on once they are. Returns the plan id.
 */
export async function savePlan(
  dir: string,
  setup: ScanSetup,
  inputs: (string | null)[],
  engine: string,
  prepareModels: (unit: ScanUnit) => Promise<PreparedUnit>,
  summaryNow: () => RunSummary,
): Promise<string> {
  clearPlan(dir);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const files: PlanManifest['files'] = {};
  const save = (name: string, array: Int32Array | Float64Array | Uint8Array): string => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    writeFileAtomic(join(dir, 'data', name), bytes);
    files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
    return name;
  };
  const groupEntries = groupsOf(setup).map((group, g): GroupEntry => {
    const sel = group.selection;
    const tested = setup.units.find((u) => u.group === group)!.tested;
    const phenotypes = new Float64Array(sel.phenotypes.length * sel.nAnalysed);
    sel.phenotypes.forEach((p, t) => phenotypes.set(p, t * sel.nAnalysed));
    return {
      ...groupEntry(setup, group),
      files: {
        analysed: save(`group${g}.analysed.u8`, sel.analysed),
        covariates: save(`group${g}.covariates.f64`, sel.covariates),
        phenotypes: save(`group${g}.phenotypes.f64`, phenotypes),
        indices: save(`group${g}.tested-indices.i32`, tested.indices),
        missing: save(`group${g}.tested-missing.i32`, tested.missing),
        frequency: save(`group${g}.tested-frequency.f64`, tested.frequency),
        chromosome: save(`group${g}.tested-chromosome.i32`, tested.chromosome),
      },
    };
  });
  const unitEntries: UnitEntry[] = [];
  for (const [u, unit] of setup.units.entries()) {
    const prepared = await prepareModels(unit);
    const { plan } = prepared;
    const entry = unitEntry(setup, unit, plan?.nullModels);
    if (plan) {
      entry.eigen = {
        values: save(`unit${u}.eigenvalues.f64`, plan.eigenvalues),
        vectors: save(`unit${u}.eigenvectors.f64`, plan.eigenvectors),
      };
      entry.rotated = {
        covariates: save(`unit${u}.rotated-covariates.f64`, plan.rotatedCovariates),
        phenotypes: save(`unit${u}.rotated-phenotypes.f64`, plan.rotatedPhenotypes),
      };
    }
    if (setup.kind === 'mvlmm') entry.mv = saveMvUnit(u, prepared.mvPlan!, save);
    unitEntries.push(entry);
  }
  const summary = summaryNow();
  const union = save('union.i32', setup.union);
  const manifest: PlanManifest = {
    ...manifestOf(setup, summary, engine, groupEntries, unitEntries),
    inputs,
    union,
    files,
  };
  return writeManifest(dir, manifest);
}

/** Reads plan.json and its id; InputError when the folder holds no complete plan. */
export function readManifest(dir: string): { id: string; manifest: PlanManifest } {
  const path = join(dir, MANIFEST);
  if (!existsSync(path))
    throw new InputError(
      dir,
      `no ${MANIFEST}: not a plan folder, or its prepare step has not finished (run lmmscan prepare ... --plan ${dir})`,
    );
  const text = readFileSync(path, 'utf8');
  let manifest: PlanManifest;
  try {
    manifest = parseExact<PlanManifest>(text);
  } catch (e) {
    throw new InputError(path, `not valid JSON (${(e as Error).message})`);
  }
  if (manifest.format !== PLAN_FORMAT)
    throw new InputError(
      path,
      `format "${manifest.format}" is not ${PLAN_FORMAT} (a plan of another lmmscan version): run lmmscan prepare again`,
    );
  if (manifest.endianness !== (endianness() === 'LE' ? 'LE' : 'BE'))
    throw new InputError(path, 'was written on a little-endian machine; this one is big-endian');
  return { id: sha256(text), manifest };
}

type ArrayKind = Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

/** Reads data/NAME, checking its size and sha256 against the manifest. */
function readArray<C extends ArrayKind>(
  dir: string,
  manifest: PlanManifest,
  name: string,
  kind: C,
): InstanceType<C> {
  const path = join(dir, 'data', name);
  const expected = manifest.files[name];
  if (!expected) throw new InputError(join(dir, MANIFEST), `lists no file ${name}`);
  if (!existsSync(path)) throw new InputError(path, 'missing from the plan folder');
  const bytes = readFileSync(path);
  if (bytes.byteLength !== expected.bytes || sha256(bytes) !== expected.sha256)
    throw new InputError(path, `checksum does not match ${MANIFEST} (changed or truncated since prepare)`);
  const out = new kind(bytes.byteLength / kind.BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(bytes);
  return out as InstanceType<C>;
}

/** The null models a manifest holds, keyed by recordKey (units: the plan's, in manifest order). */
export function manifestRecords(
  manifest: PlanManifest,
  units: readonly ScanUnit[],
): Map<string, SavedNullModel> {
  const records = new Map<string, SavedNullModel>();
  manifest.units.forEach((u, k) => {
    if (u.mv) records.set(recordKey(units[k], 0), mvRecord(units[k], u.mv.nullModel));
    u.traits.forEach((t, j) => {
      if (t.nullModel)
        records.set(recordKey(units[k], j), {
          label: u.label,
          column: t.column,
          n: units[k].group.selection.nAnalysed,
          nullModel: t.nullModel,
        });
    });
  });
  return records;
}

/** Loads a plan: groups, units and records now; each unit's eigenvectors and rotated traits when first scanned. */
export function loadPlan(dir: string): LoadedPlan {
  const { id, manifest } = readManifest(dir);
  if (manifest.local || !manifest.union)
    throw new InputError(
      join(dir, MANIFEST),
      'is the plan of a local run (its models are not saved): finish it with lmmscan --resume, or make a plan with lmmscan prepare',
    );
  const read = <C extends ArrayKind>(name: string, kind: C) => readArray(dir, manifest, name, kind);
  const union = read(manifest.union, Int32Array);
  const groups = manifest.groups.map((g) => {
    if (!g.files) throw new InputError(join(dir, MANIFEST), 'lists a trait group without its data files');
    const phenotypes = read(g.files.phenotypes, Float64Array);
    const selection: SampleSelection = {
      nTotal: g.nTotal,
      analysed: read(g.files.analysed, Uint8Array),
      nAnalysed: g.nAnalysed,
      phenotypes: g.traitColumns.map((_, t) => phenotypes.slice(t * g.nAnalysed, (t + 1) * g.nAnalysed)),
      covariates: read(g.files.covariates, Float64Array),
      nCvt: g.nCvt,
      interceptAppended: g.interceptAppended,
    };
    const tested: TestedSnps = {
      indices: read(g.files.indices, Int32Array),
      missing: read(g.files.missing, Int32Array),
      frequency: read(g.files.frequency, Float64Array),
      chromosome: read(g.files.chromosome, Int32Array),
    };
    return { group: { selection, traitColumns: g.traitColumns } as TraitGroup, tested };
  });
  const units: ScanUnit[] = manifest.units.map((u) => {
    const { group, tested } = groups[u.group];
    const { rows, last } = rowsOfPositions(union, tested, u.chromosomeCode);
    return {
      label: u.label,
      group,
      tested,
      outputIds: u.outputIds,
      chromosomeCode: u.chromosomeCode,
      rowOfPosition: rows,
      lastPosition: last,
    };
  });
  const records = manifestRecords(manifest, units);
  const config = manifest.config;
  const loaded = new Map<ScanUnit, PreparedUnit>();
  const models: UnitModels = {
    async get(unit) {
      let p = loaded.get(unit);
      if (p) return p;
      const entry = manifest.units[units.indexOf(unit)];
      const sel = unit.group.selection;
      if (manifest.kind === 'lm') {
        p = {
          unit,
          linearModels: sel.phenotypes.map((y) => new LinearModel(sel.covariates, y, sel.nCvt)),
        };
      } else if (entry.mv) {
        const mvPlan = loadMvUnit(entry.mv, unit, manifest.mode, (name) => read(name, Float64Array));
        p = { unit, linearModels: [], mvPlan };
      } else {
        const plan = {
          n: sel.nAnalysed,
          nCvt: sel.nCvt,
          eigenvalues: read(entry.eigen!.values, Float64Array),
          eigenvectors: read(entry.eigen!.vectors, Float64Array),
          rotatedCovariates: read(entry.rotated!.covariates, Float64Array),
          traits: entry.traits.length,
          rotatedPhenotypes: read(entry.rotated!.phenotypes, Float64Array),
          nullModels: entry.traits.map((t) => t.nullModel!),
          testMode: manifest.mode,
          search: config.search,
        };
        p = { unit, plan, linearModels: [] };
      }
      loaded.set(unit, p);
      return p;
    },
    release(unit) {
      loaded.delete(unit);
    },
  };
  const setup = freezeSetup({
    config,
    kind: manifest.kind,
    mode: manifest.mode,
    union,
    blockSize: manifest.blockSize,
    totalBlocks: manifest.totalBlocks,
    units,
    chromosomes: manifest.chromosomes,
    summary: manifest.summary,
  });
  return { dir, id, manifest, setup, models, records };
}
