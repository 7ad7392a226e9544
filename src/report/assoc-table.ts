/**
 * Streams a GEMMA or lmmscan .assoc.txt (plain or gzipped) into compact columns: one typed array
 * per numeric column and a string pool for SNP ids, never one object per row. Rows where GEMMA
 * printed nan keep NaN; every consumer skips them per test.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../io/input-error.js';
import { isAscii } from 'node:buffer';
import { streamLineBatches } from '../io/text-file.js';
import { GrowableColumn, StringPool } from '../io/growable.js';

export type PlotTest = 'wald' | 'lrt' | 'score';
export const PLOT_TESTS: readonly PlotTest[] = ['wald', 'lrt', 'score'];

/** One assoc file, column-wise; every array has one entry per data row, in file order. */
export interface AssocTable {
  path: string;
  /** 'lmm' (n_miss column) or 'lm' (n_mis / n_obs columns). */
  kind: 'lmm' | 'lm';
  header: string[];
  rows: number;
  /** Distinct chromosome names, in first-seen order; chrIndex points into it. */
  chromosomes: string[];
  chrIndex: Uint16Array;
  /** Base-pair position (ps). */
  pos: Float64Array;
  af: Float64Array;
  /** NaN-filled when the file has no beta / se (-lmm 2, -lm 2). */
  beta: Float64Array;
  se: Float64Array;
  /** p-values per test present in the file. */
  p: Partial<Record<PlotTest, Float64Array>>;
  /** Largest n_obs (-lm files): the number of analysed individuals; undefined for -lmm files. */
  maxObserved?: number;
  /** SNP id of row k. */
  rs(k: number): string;
  /** The alleles of row k (GEMMA's allele1, the counted one, and allele0); '' when the file has none. */
  allele1(k: number): string;
  allele0(k: number): string;
}

const required = ['chr', 'rs', 'ps'];

/** Reads an assoc file into columns; throws InputError (with file and line) on a malformed file. */
export async function readAssocTable(path: string): Promise<AssocTable> {
  let header: string[] | undefined;
  let col: Record<string, number> = {};
  const chromosomes: string[] = [];
  const chrLookup = new Map<string, number>();
  const chrIndex = new GrowableColumn(Uint16Array);
  const pos = new GrowableColumn(Float64Array);
  const af = new GrowableColumn(Float64Array);
  const beta = new GrowableColumn(Float64Array);
  const se = new GrowableColumn(Float64Array);
  const pColumns: Partial<Record<PlotTest, GrowableColumn<Float64Array>>> = {};
  const pIndex: [PlotTest, number][] = [];
  const rsPool = new StringPool();
  const allele1Pool = new StringPool();
  const allele0Pool = new StringPool();
  let maxObserved = -Infinity;
  // Lines a chunk at a time (an ASCII chunk decoded once, its lines sliced from that text), each split and
  // read by split() and Number(): a JS loop over the bytes costs more in a fresh process, where it runs
  // before the engine has compiled it.
  for await (const batch of streamLineBatches(path, 'association file')) {
    const { bytes, starts, ends, count } = batch;
    const from = starts[0];
    const ascii = isAscii(bytes.subarray(from, ends[count - 1]));
    const text = ascii ? bytes.toString('latin1', from, ends[count - 1]) : '';
    for (let k = 0; k < count; k++) {
      const lineNo = batch.firstLine + k;
      const line = ascii
        ? text.slice(starts[k] - from, ends[k] - from)
        : bytes.toString('utf8', starts[k], ends[k]);
      if (line.trim() === '') continue;
      const fields = line.split('\t');
      if (!header) {
        header = fields.map((f) => f.trim());
        col = Object.fromEntries(header.map((name, k) => [name, k]));
        const missing = required.filter((c) => col[c] === undefined);
        if (missing.length)
          throw new InputError(path, `not an .assoc.txt header: no ${missing.join(', ')} column`, lineNo);
        for (const t of PLOT_TESTS) {
          if (col[`p_${t}`] !== undefined) {
            pColumns[t] = new GrowableColumn(Float64Array);
            pIndex.push([t, col[`p_${t}`]]);
          }
        }
        if (pIndex.length === 0) throw new InputError(path, 'no p_wald, p_lrt or p_score column', lineNo);
        continue;
      }
      if (fields.length !== header.length)
        throw new InputError(
          path,
          `expected ${header.length} tab-separated fields, found ${fields.length}`,
          lineNo,
        );
      const chr = fields[col.chr];
      let c = chrLookup.get(chr);
      if (c === undefined) {
        if (chromosomes.length === 0xffff)
          throw new InputError(path, 'more than 65535 distinct chromosome names', lineNo);
        c = chromosomes.length;
        chromosomes.push(chr);
        chrLookup.set(chr, c);
      }
      chrIndex.push(c);
      pos.push(Number(fields[col.ps]));
      af.push(col.af === undefined ? NaN : Number(fields[col.af]));
      beta.push(col.beta === undefined ? NaN : Number(fields[col.beta]));
      se.push(col.se === undefined ? NaN : Number(fields[col.se]));
      for (const [t, k] of pIndex) pColumns[t]!.push(Number(fields[k]));
      if (col.n_obs !== undefined) maxObserved = Math.max(maxObserved, Number(fields[col.n_obs]));
      rsPool.push(fields[col.rs]);
      if (col.allele1 !== undefined) allele1Pool.push(fields[col.allele1]);
      if (col.allele0 !== undefined) allele0Pool.push(fields[col.allele0]);
    }
  }
  if (!header) throw new InputError(path, 'empty file: no header line');
  const p: Partial<Record<PlotTest, Float64Array>> = {};
  for (const [t] of pIndex) p[t] = pColumns[t]!.toArray();
  return {
    path,
    kind: col.n_miss !== undefined ? 'lmm' : 'lm',
    header,
    rows: chrIndex.length,
    chromosomes,
    chrIndex: chrIndex.toArray(),
    pos: pos.toArray(),
    af: af.toArray(),
    beta: beta.toArray(),
    se: se.toArray(),
    p,
    maxObserved: Number.isFinite(maxObserved) ? maxObserved : undefined,
    rs: (k) => rsPool.get(k),
    allele1: (k) => (allele1Pool.length ? allele1Pool.get(k) : ''),
    allele0: (k) => (allele0Pool.length ? allele0Pool.get(k) : ''),
  };
}

/** The figures of a GEMMA / lmmscan log next to an assoc file (NAME.log.txt), when there is one. */
export interface LogFacts {
  nAnalysed?: number;
  nullModel?: Record<string, number>;
  engine?: string;
}

const LOG_KEYS: [RegExp, string][] = [
  [/^## REMLE log-likelihood in the null model = (\S+)/m, 'remlLogLikelihood'],
  [/^## MLE log-likelihood in the null model = (\S+)/m, 'mleLogLikelihood'],
  [/^## pve estimate in the null model = (\S+)/m, 'pve'],
  [/^## se\(pve\) in the null model = (\S+)/m, 'pveSe'],
  [/^## vg estimate in the null model = (\S+)/m, 'vg'],
  [/^## ve estimate in the null model = (\S+)/m, 've'],
];

/** Reads NAME.log.txt beside NAME.assoc.txt if it exists (best effort: absent figures stay undefined). */
export function readNeighbourLog(assocPath: string): LogFacts {
  const logPath = assocPath.replace(/\.assoc\.txt(\.gz)?$/, '.log.txt');
  if (logPath === assocPath) return {};
  let text: string;
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return {};
  }
  const facts: LogFacts = {};
  const n = /number of analyzed individuals = (\d+)/.exec(text);
  if (n) facts.nAnalysed = Number(n[1]);
  const nullModel: Record<string, number> = {};
  for (const [re, key] of LOG_KEYS) {
    const m = re.exec(text);
    if (m) nullModel[key] = Number(m[1]);
  }
  if (Object.keys(nullModel).length) facts.nullModel = nullModel;
  const engine = /## (GEMMA Version|engine) *= (.+)/.exec(text);
  if (engine) facts.engine = engine[1] === 'GEMMA Version' ? `GEMMA ${engine[2].trim()}` : engine[2].trim();
  return facts;
}
