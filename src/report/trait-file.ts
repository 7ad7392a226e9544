/**
 * A lean reader for the per-trait files of a --traits run, which the traits report reads back by the
 * hundred: only chr, ps and one p column are parsed (the rs id of a row is cut from the text on
 * demand), by index arithmetic on the file's text rather than a split of every line. About eight
 * times faster than readAssocTable, which parses every column of a file a person plots.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../io/input-error.js';
import { PLOT_TESTS, type PlotTest } from './assoc-table.js';

/** The columns the traits report needs; arrays have one entry per data row, in file order. */
export interface TraitColumns {
  rows: number;
  test: PlotTest;
  chromosomes: string[];
  chrIndex: Uint16Array;
  pos: Float64Array;
  p: Float64Array;
  /** SNP id of row k. */
  rs(k: number): string;
}

/** Reads chr, ps, rs (lazily) and the p of `requested` (else Wald, LRT, score: the first present). */
export function readTraitColumns(path: string, requested?: PlotTest): TraitColumns {
  const text = readFileSync(path, 'latin1');
  const headerEnd = text.indexOf('\n');
  const header = text
    .slice(0, headerEnd < 0 ? text.length : headerEnd)
    .replace(/\r$/, '')
    .split('\t');
  const at = (name: string) => header.indexOf(name);
  const test = requested && at(`p_${requested}`) >= 0 ? requested : PLOT_TESTS.find((t) => at(`p_${t}`) >= 0);
  if (at('chr') < 0 || at('rs') < 0 || at('ps') < 0 || !test)
    throw new InputError(path, 'not an .assoc.txt header: needs chr, rs, ps and a p column', 1);
  const columns = { chr: at('chr'), rs: at('rs'), ps: at('ps'), p: at(`p_${test}`) };
  const last = Math.max(columns.chr, columns.rs, columns.ps, columns.p);
  let capacity = 1024;
  let chrIndex = new Uint16Array(capacity);
  let pos = new Float64Array(capacity);
  let p = new Float64Array(capacity);
  let lineStart = new Float64Array(capacity);
  const chromosomes: string[] = [];
  const fieldStart = new Int32Array(last + 1);
  const fieldEnd = new Int32Array(last + 1);
  let lastChr = '';
  let lastChrIndex = -1;
  let rows = 0;
  let lineNo = 1;
  for (let start = headerEnd + 1; headerEnd >= 0 && start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    if (end > start) {
      // Field f is text[fieldStart[f], fieldEnd[f]).
      let from = start;
      for (let f = 0; f <= last; f++) {
        fieldStart[f] = from;
        let tab = text.indexOf('\t', from);
        if (tab < 0 || tab > end) {
          if (f < last)
            throw new InputError(
              path,
              `expected at least ${last + 1} tab-separated fields, found ${f + 1}`,
              lineNo,
            );
          tab = text.charCodeAt(end - 1) === 13 ? end - 1 : end;
        }
        fieldEnd[f] = tab;
        from = tab + 1;
      }
      if (rows === capacity) {
        capacity *= 2;
        chrIndex = grow(chrIndex, new Uint16Array(capacity));
        pos = grow(pos, new Float64Array(capacity));
        p = grow(p, new Float64Array(capacity));
        lineStart = grow(lineStart, new Float64Array(capacity));
      }
      const chr = text.slice(fieldStart[columns.chr], fieldEnd[columns.chr]);
      if (chr !== lastChr) {
        lastChrIndex = chromosomes.indexOf(chr);
        if (lastChrIndex < 0) lastChrIndex = chromosomes.push(chr) - 1;
        lastChr = chr;
      }
      chrIndex[rows] = lastChrIndex;
      pos[rows] = Number(text.slice(fieldStart[columns.ps], fieldEnd[columns.ps]));
      p[rows] = Number(text.slice(fieldStart[columns.p], fieldEnd[columns.p]));
      lineStart[rows] = start;
      rows++;
    }
    start = end + 1;
  }
  const rsColumn = columns.rs;
  return {
    rows,
    test,
    chromosomes,
    chrIndex: chrIndex.slice(0, rows),
    pos: pos.slice(0, rows),
    p: p.slice(0, rows),
    rs: (k) => {
      let from = lineStart[k];
      for (let f = 0; f < rsColumn; f++) from = text.indexOf('\t', from) + 1;
      const to = text.indexOf('\t', from);
      return text.slice(from, to < 0 ? text.indexOf('\n', from) : to);
    },
  };
}

function grow<T extends Uint16Array | Float64Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}
