/**
 * The plan folder: a prepared scan saved to disk so that other processes (cluster shards, a merge)
 * scan against exactly the same units. plan.json (the manifest) holds the configuration, input
 * identities, block layout, trait groups, units and null models; data/*.bin hold the arrays
 * (little-endian typed arrays: eigenvectors, eigenvalues, rotated covariates and phenotypes per
 * unit, sample selections and tested SNPs per group), each with its sha256 in the manifest. The plan
 * id is the sha256 of plan.json. Genotypes are never copied: shards read them from the genotype file.
 */
import { createHash } from 'node:crypto';
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
import type { TraitGroup } from '../scan/inputs.js';
import { recordKey, type ScanSetup } from '../scan/phase-prepare.js';
import type { NullModelRecord } from '../scan/phase-merge.js';
import type { UnitModels } from '../scan/phase-scan.js';
import type { LmmTestMode, ScanPlan } from '../model/plan.js';
import type { TestedSnps } from '../scan/snp-pass.js';
import { rowsOfPositions, type PreparedUnit, type ScanUnit } from '../scan/units.js';
import type { NullModel } from '../model/plan.js';

export const PLAN_FORMAT = 'lmmscan-plan/1';
export const MANIFEST = 'plan.json';

interface GroupEntry {
  traitColumns: number[];
  nTotal: number;
  nAnalysed: number;
  nCvt: number;
  interceptAppended: boolean;
  /** data/ files: analysed (u8), covariates and phenotypes (f64), tested SNPs (indices, missing, chromosome: i32; frequency: f64). */
  files: Record<
    'analysed' | 'covariates' | 'phenotypes' | 'indices' | 'missing' | 'frequency' | 'chromosome',
    string
  >;
}

interface UnitEntry {
  label: string;
  group: number;
  outputIds: string[];
  chromosomeCode?: number;
  /** LMM only: eigendecomposition of the unit's centred K, shared by its traits. */
  eigen?: { values: string; vectors: string };
  traits: { column: number; nullModel?: NullModel; rotatedCovariates?: string; rotatedPhenotype?: string }[];
}

export interface PlanManifest {
  format: string;
  version: string;
  endianness: 'LE';
  config: ScanConfig;
  /** path:size:mtime of every input file (null when absent). */
  inputs: (string | null)[];
  engine: string;
  kind: AnalysisKind;
  mode: LmmTestMode;
  blockSize: number;
  totalBlocks: number;
  chromosomes: string[];
  summary: RunSummary;
  union: string;
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
  records: Map<string, NullModelRecord>;
}

/** JSON that keeps NaN, +-Infinity and -0 (null models may hold them). */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) =>
      typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))
        ? { $f64: Object.is(v, -0) ? '-0' : String(v) }
        : v,
    1,
  );
}

/** Inverse of stringifyExact. */
export function parseExact<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && '$f64' in v
      ? Number((v as { $f64: string }).$f64)
      : v,
  ) as T;
}

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Removes what an earlier prepare left in `dir` (manifest, arrays, shards, merge record); keeps the rest (job scripts, logs). */
export function clearPlan(dir: string): void {
  for (const name of [MANIFEST, 'data', 'shards', 'merge.json'])
    rmSync(join(dir, name), { recursive: true, force: true });
}

/** Saves the setup and every unit's models (computed one unit at a time by `prepareModels`); returns the plan id. */
export async function savePlan(
  dir: string,
  setup: ScanSetup,
  inputs: (string | null)[],
  engine: string,
  prepareModels: (unit: ScanUnit) => Promise<PreparedUnit>,
  beforeManifest?: () => void,
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
  const groups: TraitGroup[] = [...new Set(setup.units.map((u) => u.group))];
  const groupEntries = groups.map((group, g): GroupEntry => {
    const sel = group.selection;
    const tested = setup.units.find((u) => u.group === group)!.tested;
    const phenotypes = new Float64Array(sel.phenotypes.length * sel.nAnalysed);
    sel.phenotypes.forEach((p, t) => phenotypes.set(p, t * sel.nAnalysed));
    return {
      traitColumns: group.traitColumns,
      nTotal: sel.nTotal,
      nAnalysed: sel.nAnalysed,
      nCvt: sel.nCvt,
      interceptAppended: sel.interceptAppended,
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
    const entry: UnitEntry = {
      label: unit.label,
      group: groups.indexOf(unit.group),
      outputIds: unit.outputIds,
      chromosomeCode: unit.chromosomeCode,
      traits: [],
    };
    if (setup.kind === 'lmm') {
      const first = prepared.plans[0];
      entry.eigen = {
        values: save(`unit${u}.eigenvalues.f64`, first.eigenvalues),
        vectors: save(`unit${u}.eigenvectors.f64`, first.eigenvectors),
      };
      prepared.plans.forEach((plan, t) =>
        entry.traits.push({
          column: unit.group.traitColumns[t],
          nullModel: plan.nullModel,
          rotatedCovariates: save(`unit${u}.trait${t}.rotated-covariates.f64`, plan.rotatedCovariates),
          rotatedPhenotype: save(`unit${u}.trait${t}.rotated-phenotype.f64`, plan.rotatedPhenotype),
        }),
      );
    } else {
      entry.traits = unit.group.traitColumns.map((column) => ({ column }));
    }
    unitEntries.push(entry);
  }
  beforeManifest?.();
  const manifest: PlanManifest = {
    format: PLAN_FORMAT,
    version: setup.summary.version,
    endianness: 'LE',
    config: setup.config,
    inputs,
    engine,
    kind: setup.kind,
    mode: setup.mode,
    blockSize: setup.blockSize,
    totalBlocks: setup.totalBlocks,
    chromosomes: setup.chromosomes,
    summary: setup.summary,
    union: save('union.i32', setup.union),
    groups: groupEntries,
    units: unitEntries,
    files,
  };
  const text = stringifyExact(manifest);
  writeFileAtomic(join(dir, MANIFEST), text);
  return sha256(text);
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
    throw new InputError(path, `format "${manifest.format}" is not ${PLAN_FORMAT}`);
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

/** Loads a plan: groups, units and records now; each unit's eigenvectors and rotated traits when first scanned. */
export function loadPlan(dir: string): LoadedPlan {
  const { id, manifest } = readManifest(dir);
  const read = <C extends ArrayKind>(name: string, kind: C) => readArray(dir, manifest, name, kind);
  const union = read(manifest.union, Int32Array);
  const groups = manifest.groups.map((g) => {
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
  const records = new Map<string, NullModelRecord>();
  manifest.units.forEach((u, k) =>
    u.traits.forEach((t, j) => {
      if (t.nullModel)
        records.set(recordKey(units[k], j), {
          label: u.label,
          column: t.column,
          n: units[k].group.selection.nAnalysed,
          nullModel: t.nullModel,
        });
    }),
  );
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
          plans: [],
          linearModels: sel.phenotypes.map((y) => new LinearModel(sel.covariates, y, sel.nCvt)),
        };
      } else {
        const eigenvalues = read(entry.eigen!.values, Float64Array);
        const eigenvectors = read(entry.eigen!.vectors, Float64Array);
        const plans: ScanPlan[] = entry.traits.map((t) => ({
          n: sel.nAnalysed,
          nCvt: sel.nCvt,
          eigenvalues,
          eigenvectors,
          rotatedCovariates: read(t.rotatedCovariates!, Float64Array),
          rotatedPhenotype: read(t.rotatedPhenotype!, Float64Array),
          nullModel: t.nullModel!,
          testMode: manifest.mode,
          search: config.search,
        }));
        p = { unit, plans, linearModels: [] };
      }
      loaded.set(unit, p);
      return p;
    },
    release(unit) {
      loaded.delete(unit);
    },
  };
  const setup: ScanSetup = {
    config,
    kind: manifest.kind,
    mode: manifest.mode,
    union,
    blockSize: manifest.blockSize,
    totalBlocks: manifest.totalBlocks,
    units,
    chromosomes: manifest.chromosomes,
    summary: manifest.summary,
  };
  return { dir, id, manifest, setup, models, records };
}
