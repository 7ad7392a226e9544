/**
 * Independent loci among the top hits, clumped by distance: SNPs at or below a p cut-off are taken
 * in ascending p; each becomes the lead of a new locus unless it lies on the chromosome of an
 * existing lead within `windowBp` of it (default 500 kb, about the reach of LD in human panels and a
 * conservative one for the short blocks of outbred mice), in which case it joins that locus.
 * This is distance clumping, not LD clumping (the assoc file has no genotypes): two signals closer
 * than the window count as one locus, one broad signal wider than twice the window may count as two.
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
export function clumpLoci(rows: ArrayLike<number>, chrIndex: ArrayLike<number>, pos: ArrayLike<number>, windowBp = LOCUS_WINDOW_BP): Locus[] {
  const loci: Locus[] = [];
  // Leads per chromosome, so that each row is compared with the leads of its own chromosome only.
  const leadsOnChromosome = new Map<number, Locus[]>();
  for (let j = 0; j < rows.length; j++) {
    const k = rows[j];
    const x = Number.isFinite(pos[k]) ? pos[k] : 0;
    const leads = leadsOnChromosome.get(chrIndex[k]) ?? [];
    const home = leads.find((l) => Math.abs((Number.isFinite(pos[l.lead]) ? pos[l.lead] : 0) - x) <= windowBp);
    if (home) {
      home.snps++;
      home.start = Math.min(home.start, x);
      home.end = Math.max(home.end, x);
      continue;
    }
    const locus = { lead: k, snps: 1, start: x, end: x };
    loci.push(locus);
    leads.push(locus);
    leadsOnChromosome.set(chrIndex[k], leads);
  }
  return loci;
}
