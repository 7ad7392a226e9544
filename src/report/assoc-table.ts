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

/**
 * Where each field of a row lies in `text` (fieldStart[f], fieldEnd[f]), found by indexOf() from tab to tab:
 * no array or string per field. Returns the row's field count.
 */
function locateFields(
  text: string,
  start: number,
  end: number,
  width: number,
  fieldStart: Int32Array,
  fieldEnd: Int32Array,
): number {
  let at = start;
  for (let f = 0; f < width - 1; f++) {
    const tab = text.indexOf('\t', at);
    if (tab < 0 || tab >= end) return f + 1;
    fieldStart[f] = at;
    fieldEnd[f] = tab;
    at = tab + 1;
  }
  const extra = text.indexOf('\t', at);
  if (extra >= 0 && extra < end) return text.slice(start, end).split('\t').length;
  fieldStart[width - 1] = at;
  fieldEnd[width - 1] = end;
  return width;
}

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
  const pColumns: GrowableColumn<Float64Array>[] = [];
  const pIndex: [PlotTest, number][] = [];
  const rsPool = new StringPool();
  const allele1Pool = new StringPool();
  const allele0Pool = new StringPool();
  let maxObserved = -Infinity;
  let width = 0;
  let fieldStart = new Int32Array(0);
  let fieldEnd = new Int32Array(0);
  // The column of each value read (-1: the file has none), and the last row's chromosome.
  let [chrCol, rsCol, psCol, afCol, betaCol, seCol, obsCol, a1Col, a0Col] = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let lastChr = '';
  let lastChrIndex = -1;
  // An ASCII chunk is decoded once and its rows' fields found in that text by indexOf() and read by Number()
  // on their slice: a JS loop over the bytes, or split() into an array of strings per row, costs more in a
  // fresh process, where this runs before the engine has compiled it. A chunk with other bytes is decoded a
  // line at a time.
  for await (const batch of streamLineBatches(path, 'association file')) {
    const { bytes, starts, ends, count } = batch;
    const from = starts[0];
    const ascii = isAscii(bytes.subarray(from, ends[count - 1]));
    const chunkText = ascii ? bytes.toString('latin1', from, ends[count - 1]) : '';
    for (let k = 0; k < count; k++) {
      const lineNo = batch.firstLine + k;
      const text = ascii ? chunkText : bytes.toString('utf8', starts[k], ends[k]);
      const start = ascii ? starts[k] - from : 0;
      const end = ascii ? ends[k] - from : text.length;
      if (!header) {
        const line = text.slice(start, end);
        if (line.trim() === '') continue;
        header = line.split('\t').map((f) => f.trim());
        col = Object.fromEntries(header.map((name, k) => [name, k]));
        const missing = required.filter((c) => col[c] === undefined);
        if (missing.length)
          throw new InputError(path, `not an .assoc.txt header: no ${missing.join(', ')} column`, lineNo);
        for (const t of PLOT_TESTS) {
          if (col[`p_${t}`] !== undefined) {
            pColumns.push(new GrowableColumn(Float64Array));
            pIndex.push([t, col[`p_${t}`]]);
          }
        }
        if (pIndex.length === 0) throw new InputError(path, 'no p_wald, p_lrt or p_score column', lineNo);
        width = header.length;
        fieldStart = new Int32Array(width);
        fieldEnd = new Int32Array(width);
        [chrCol, rsCol, psCol, afCol, betaCol, seCol, obsCol, a1Col, a0Col] = [
          'chr',
          'rs',
          'ps',
          'af',
          'beta',
          'se',
          'n_obs',
          'allele1',
          'allele0',
        ].map((name) => col[name] ?? -1);
        continue;
      }
      // A blank row (as trim() sees it) starts with a space, a control or a non-ASCII character, or is empty.
      const first = text.charCodeAt(start);
      if (!(first > 32 && first < 127) && text.slice(start, end).trim() === '') continue;
      const found = locateFields(text, start, end, width, fieldStart, fieldEnd);
      if (found !== width)
        throw new InputError(path, `expected ${width} tab-separated fields, found ${found}`, lineNo);
      const field = (c: number) => text.slice(fieldStart[c], fieldEnd[c]);
      const value = (c: number) => (c < 0 ? NaN : Number(text.slice(fieldStart[c], fieldEnd[c])));
      // Most rows have the chromosome of the row before: compared in place, no string made.
      const chrLength = fieldEnd[chrCol] - fieldStart[chrCol];
      if (!(chrLength === lastChr.length && text.startsWith(lastChr, fieldStart[chrCol]))) {
        const chr = field(chrCol);
        let c = chrLookup.get(chr);
        if (c === undefined) {
          if (chromosomes.length === 0xffff)
            throw new InputError(path, 'more than 65535 distinct chromosome names', lineNo);
          c = chromosomes.length;
          chromosomes.push(chr);
          chrLookup.set(chr, c);
        }
        lastChr = chr;
        lastChrIndex = c;
      }
      chrIndex.push(lastChrIndex);
      pos.push(value(psCol));
      af.push(value(afCol));
      beta.push(value(betaCol));
      se.push(value(seCol));
      for (let t = 0; t < pIndex.length; t++) pColumns[t].push(value(pIndex[t][1]));
      if (obsCol >= 0) maxObserved = Math.max(maxObserved, value(obsCol));
      rsPool.push(field(rsCol));
      if (a1Col >= 0) allele1Pool.push(field(a1Col));
      if (a0Col >= 0) allele0Pool.push(field(a0Col));
    }
  }
  if (!header) throw new InputError(path, 'empty file: no header line');
  const p: Partial<Record<PlotTest, Float64Array>> = {};
  pIndex.forEach(([t], k) => (p[t] = pColumns[k].toArray()));
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
