/**
 * Independent loci among the top hits, clumped by distance: SNPs at or below a p cut-off are taken
 * in ascending p; each joins the first locus on its chromosome that has a member within `windowBp`
 * of it (default 500 kb, about the reach of LD in human panels), or the first locus on its
 * chromosome whose lead has exactly its p-value (an inbred panel's haplotype block: identical
 * genotype columns give identical statistics however far apart the markers are); otherwise it
 * leads a new locus. This is distance clumping, not LD clumping (an assoc file has no genotypes):
 * two signals closer than the window count as one locus.
 */

export const LOCUS_WINDOW_BP = 500_000;

/** One locus: its lead row, how many SNPs at or below the cut-off it holds, and their span (bp). */
export interface Locus {
  lead: number;
  snps: number;
  start: number;
  end: number;
}

/**
 * Clumps `rows` (row indices, ascending p, every one at or below the cut-off) into loci, most
 * significant first. chrIndex and pos are per-row columns of the assoc table.
 */
export function clumpLoci(
  rows: ArrayLike<number>,
  chrIndex: ArrayLike<number>,
  pos: ArrayLike<number>,
  p: ArrayLike<number>,
  windowBp = LOCUS_WINDOW_BP,
): Locus[] {
  const loci: Locus[] = [];
  // Loci per chromosome, so that each row is compared with the loci of its own chromosome only.
  const lociOnChromosome = new Map<number, Locus[]>();
  for (let j = 0; j < rows.length; j++) {
    const k = rows[j];
    const x = Number.isFinite(pos[k]) ? pos[k] : 0;
    const here = lociOnChromosome.get(chrIndex[k]) ?? [];
    // A row within the window of a locus's span [start, end] joins it (its members lie in that span).
    const home =
      here.find((l) => x >= l.start - windowBp && x <= l.end + windowBp) ??
      here.find((l) => p[l.lead] === p[k]);
    if (home) {
      home.snps++;
      home.start = Math.min(home.start, x);
      home.end = Math.max(home.end, x);
      continue;
    }
    const locus = { lead: k, snps: 1, start: x, end: x };
    loci.push(locus);
    here.push(locus);
    lociOnChromosome.set(chrIndex[k], here);
  }
  return loci;
}
