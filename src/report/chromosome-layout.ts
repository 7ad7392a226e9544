/**
 * Chromosome order and the genome-wide x axis of a Manhattan plot: numeric names in numeric order,
 * then X, Y, XY, MT, then any other name alphabetically; each chromosome spans its SNP positions,
 * with a floor so a tiny one (MT) stays visible, and a small gap between neighbours.
 */

/** Sort key of a chromosome name ("chr" prefix ignored). */
function chromosomeRank(name: string): [number, number, string] {
  const bare = name.replace(/^chr/i, '');
  if (/^\d+$/.test(bare)) return [0, Number(bare), ''];
  const special = ['X', 'Y', 'XY', 'MT', 'M'].indexOf(bare.toUpperCase());
  if (special >= 0) return [1, Math.min(special, 3), ''];
  return [2, 0, bare];
}

/** Compares chromosome names in plotting order. */
export function compareChromosomes(a: string, b: string): number {
  const ra = chromosomeRank(a);
  const rb = chromosomeRank(b);
  return ra[0] - rb[0] || ra[1] - rb[1] || (ra[0] === 2 ? natural().compare(ra[2], rb[2]) : 0);
}

// Other names in natural order: contig2 before contig10. Made at the first such name: creating a collator
// loads ICU's collation data, tens of milliseconds that a genome of numbered chromosomes never needs.
let collator: Intl.Collator | undefined;
const natural = () => (collator ??= new Intl.Collator('en', { numeric: true }));

/** Whether a name is one of the sex or mitochondrial chromosomes (always worth a label). */
export function isSpecialChromosome(name: string): boolean {
  return chromosomeRank(name)[0] === 1;
}

/** One chromosome on the genome axis, in genome units (bp plus padding). */
export interface ChromosomeSpan {
  name: string;
  /** Index in the assoc table's chromosome list. */
  tableIndex: number;
  /** Smallest and largest SNP position (bp). */
  minPos: number;
  maxPos: number;
  /** Where the chromosome starts on the genome axis and how wide it is drawn. */
  start: number;
  width: number;
  /** SNPs on it with a finite p-value for the plotted test. */
  count: number;
}

export interface GenomeLayout {
  /** In plotting order. */
  chromosomes: ChromosomeSpan[];
  /** Plot order of each table chromosome index (-1 when it has no plotted SNP). */
  orderOfTableIndex: Int32Array;
  /** Total genome-axis length. */
  total: number;
}

/**
 * Lays the chromosomes out from per-row chromosome index, position and p (NaN rows ignored).
 * chrIndex, pos and p have one entry per assoc row.
 */
export function layoutGenome(
  names: readonly string[],
  chrIndex: Uint16Array,
  pos: Float64Array,
  p: Float64Array,
): GenomeLayout {
  const nChr = names.length;
  const minPos = new Float64Array(nChr).fill(Infinity);
  const maxPos = new Float64Array(nChr).fill(-Infinity);
  const count = new Float64Array(nChr);
  for (let k = 0; k < chrIndex.length; k++) {
    if (Number.isNaN(p[k])) continue;
    const c = chrIndex[k];
    const x = Number.isFinite(pos[k]) ? pos[k] : 0;
    count[c]++;
    if (x < minPos[c]) minPos[c] = x;
    if (x > maxPos[c]) maxPos[c] = x;
  }
  const present = names.map((_, c) => c).filter((c) => count[c] > 0);
  present.sort((a, b) => compareChromosomes(names[a], names[b]));
  let sumSpan = 0;
  for (const c of present) sumSpan += Math.max(maxPos[c] - minPos[c], 1);
  // Tiny chromosomes get a floor width, and all gaps together at most ~5% of the axis, so that
  // hundreds of contigs cannot squeeze the autosomes.
  const nPresent = present.length;
  const floor = nPresent > 1 ? sumSpan * Math.min(0.004, 0.1 / nPresent) : 1;
  const gap = nPresent > 1 ? sumSpan * Math.min(0.002, 0.05 / nPresent) : 0;
  const chromosomes: ChromosomeSpan[] = [];
  const orderOfTableIndex = new Int32Array(nChr).fill(-1);
  let cursor = 0;
  for (const c of present) {
    const width = Math.max(maxPos[c] - minPos[c], floor, 1);
    orderOfTableIndex[c] = chromosomes.length;
    chromosomes.push({
      name: names[c],
      tableIndex: c,
      minPos: minPos[c],
      maxPos: maxPos[c],
      start: cursor,
      width,
      count: count[c],
    });
    cursor += width + gap;
  }
  return { chromosomes, orderOfTableIndex, total: Math.max(cursor - gap, 1) };
}

/** Genome-axis coordinate of a SNP: centred in the drawn width when the chromosome was widened. */
export function genomeX(span: ChromosomeSpan, pos: number): number {
  const x = Number.isFinite(pos) ? pos : 0;
  const real = span.maxPos - span.minPos;
  return span.start + (span.width - real) / 2 + (x - span.minPos);
}
