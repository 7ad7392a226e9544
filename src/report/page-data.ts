/**
 * The data embedded in report.html, compact enough for 1e6 SNPs: every SNP with p below a
 * detail cut-off (1e-3, lowered if more than MAX_DETAIL pass it, raised until at least MIN_DETAIL
 * pass, so the top-hits table is never nearly empty) with its id and statistics,
 * sorted by p; the rest only as occupancy bitmaps, per chromosome, of BG_COLUMNS position bins x
 * BG_ROWS -log10 p bins, which is all a reader can tell apart at screen resolution.
 */
import { PLOT_TESTS, type PlotTest } from './assoc-table.js';
import { MAX_LABELS } from './manhattan-svg.js';
import { minusLog10, type ScanResults } from './scan-results.js';

export const DETAIL_P = 1e-3;
export const MAX_DETAIL = 50_000;
export const MIN_DETAIL = 500;
export const BG_COLUMNS = 1000;
export const BG_ROWS = 64;
/** Loci whose leads the page knows: a zoomed-in chromosome labels its own, not only the genome's top. */
export const MAX_PAGE_LEADS = 500;

export interface PageChromosome {
  name: string;
  minPos: number;
  maxPos: number;
  start: number;
  width: number;
  count: number;
  /** Position bins of this chromosome's background bitmap (<= BG_COLUMNS). */
  columns: number;
  /** Bit offset of its bitmap (column-major: bit = offset + column * BG_ROWS + row). */
  bitOffset: number;
}

export interface PageData {
  chromosomes: PageChromosome[];
  genomeLength: number;
  /** p cut-off of the detail points; background rows cover -log10 p in [0, -log10 cutoff]. */
  detailCutoff: number;
  bgRows: number;
  /** Base64 typed arrays, little-endian; detail arrays have one entry per detail SNP, ascending p. */
  background: string;
  detail: {
    n: number;
    chr: string;
    pos: string;
    p: string;
    beta: string;
    se: string;
    af: string;
    rs: string;
    /** Alleles joined by newlines (GEMMA's allele1, allele0). */
    allele1: string;
    allele0: string;
    /** Every test's p per detail SNP (Float64, base64), for the tests the file has. */
    tests: Partial<Record<PlotTest, string>>;
  };
  /** The plot lines as p-values, with how each was chosen. */
  lines: { genomeWide: number; suggestive: number; genomeWideNote: string; suggestiveNote: string };
  /** Detail indices of the lead SNPs of the loci (at most MAX_PAGE_LEADS), most significant first. */
  leads: number[];
  /** Labels drawn at most, in any view (the most significant leads in view first). */
  maxLabels: number;
}

function base64(array: ArrayBufferView): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/** Builds the embedded data for the page. */
export function buildPageData(results: ScanResults): PageData {
  const { table, layout, p } = results;
  const sorted = results.tests.find((t) => t.test === results.test)!.sortedP;
  let cutoff = DETAIL_P;
  if (sorted.length > MAX_DETAIL && sorted[MAX_DETAIL - 1] < cutoff) cutoff = sorted[MAX_DETAIL - 1];
  const minDetail = Math.min(MIN_DETAIL, sorted.length);
  if (minDetail > 0 && sorted[minDetail - 1] > cutoff) cutoff = sorted[minDetail - 1];
  const bgTop = Math.max(minusLog10(cutoff), 1e-9);

  let bits = 0;
  const chromosomes: PageChromosome[] = layout.chromosomes.map((c) => {
    const columns = Math.max(1, Math.min(BG_COLUMNS, c.count));
    const out = {
      name: c.name,
      minPos: c.minPos,
      maxPos: c.maxPos,
      start: c.start,
      width: c.width,
      count: c.count,
      columns,
      bitOffset: bits,
    };
    bits += columns * BG_ROWS;
    return out;
  });
  const bitmap = new Uint8Array(Math.ceil(bits / 8));
  const detailRows: number[] = [];
  for (let k = 0; k < p.length; k++) {
    const v = p[k];
    if (Number.isNaN(v)) continue;
    if (v <= cutoff) {
      detailRows.push(k);
      continue;
    }
    const c = chromosomes[layout.orderOfTableIndex[table.chrIndex[k]]];
    const span = c.maxPos - c.minPos;
    const pos = Number.isFinite(table.pos[k]) ? table.pos[k] : 0;
    const column = span > 0 ? Math.min(c.columns - 1, Math.floor(((pos - c.minPos) / span) * c.columns)) : 0;
    const row = Math.min(BG_ROWS - 1, Math.floor((minusLog10(v) / bgTop) * BG_ROWS));
    const bit = c.bitOffset + column * BG_ROWS + row;
    bitmap[bit >> 3] |= 1 << (bit & 7);
  }
  detailRows.sort((a, b) => p[a] - p[b] || a - b);
  const n = detailRows.length;
  const chr = new Uint16Array(n);
  const pos = new Float64Array(n);
  const pv = new Float64Array(n);
  const beta = new Float32Array(n);
  const se = new Float32Array(n);
  const af = new Float32Array(n);
  const rs: string[] = [];
  const allele1: string[] = [];
  const allele0: string[] = [];
  const present = PLOT_TESTS.filter((t) => table.p[t]);
  const testP = present.map(() => new Float64Array(n));
  const detailIndex = new Map<number, number>();
  detailRows.forEach((k, j) => {
    detailIndex.set(k, j);
    allele1.push(table.allele1(k));
    allele0.push(table.allele0(k));
    present.forEach((t, i) => (testP[i][j] = table.p[t]![k]));
    chr[j] = layout.orderOfTableIndex[table.chrIndex[k]];
    pos[j] = table.pos[k];
    pv[j] = p[k];
    beta[j] = table.beta[k];
    se[j] = table.se[k];
    af[j] = table.af[k];
    rs.push(table.rs(k));
  });
  return {
    chromosomes,
    genomeLength: layout.total,
    detailCutoff: cutoff,
    bgRows: BG_ROWS,
    background: base64(bitmap),
    detail: {
      n,
      chr: base64(chr),
      pos: base64(pos),
      p: base64(pv),
      beta: base64(beta),
      se: base64(se),
      af: base64(af),
      rs: rs.join('\n'),
      allele1: allele1.join('\n'),
      allele0: allele0.join('\n'),
      tests: Object.fromEntries(present.map((t, i) => [t, base64(testP[i])])),
    },
    lines: { ...results.thresholds },
    // A lead above the detail cut-off (a suggestive line above 1e-3) is not on the page: no label.
    leads: results.loci
      .slice(0, MAX_PAGE_LEADS)
      .map((l) => detailIndex.get(l.lead))
      .filter((j): j is number => j !== undefined),
    maxLabels: MAX_LABELS,
  };
}
