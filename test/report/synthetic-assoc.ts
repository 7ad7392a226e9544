/**
 * Synthetic .assoc.txt files for the report tests: uniform null p-values (lambda_GC near 1) on
 * human-like chromosomes, optionally with a few strong hits and nan rows, in GEMMA's -lmm 4 layout.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Random } from '../../src/sim/index.js';

export interface SyntheticAssocOptions {
  rows: number;
  seed?: number;
  /** Chromosome names in file order (default 1..22, X). */
  chromosomes?: string[];
  /** Relative share of rows per chromosome (default equal). */
  weights?: number[];
  /** Rows with a strong association: their p is 10^-(8..20). */
  hits?: number;
  /** Rows printed as nan (as GEMMA does for some optima). */
  nanRows?: number;
  /**
   * Association peaks: each centre row gets p = 10^-(6..30) and the `peakWidth` rows either side
   * (2.5 kb apart, so a peak spans under 100 kb) a p that rises with distance, staying below 1e-5;
   * peaks lie at least 1 Mb apart, each on one chromosome.
   */
  peaks?: number;
  peakWidth?: number;
}

/** A peak as written: its centre row's chromosome, position, rs id and p. */
export interface SyntheticPeak {
  chr: string;
  pos: number;
  rs: string;
  p: number;
}

/** Writes the file; returns the rs id and p of the smallest p-value. */
export async function writeSyntheticAssoc(
  path: string,
  o: SyntheticAssocOptions,
): Promise<{ topRs: string; topP: number; peaks: SyntheticPeak[] }> {
  const rng = new Random(o.seed ?? 7);
  const chromosomes = o.chromosomes ?? [...Array.from({ length: 22 }, (_, k) => String(k + 1)), 'X'];
  const weights = o.weights ?? chromosomes.map(() => 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  // First row of each chromosome; the last one takes the remainder.
  const firstRow: number[] = [];
  let acc = 0;
  for (const w of weights) {
    firstRow.push(Math.round((acc / totalWeight) * o.rows));
    acc += w;
  }
  const hitRows = new Set<number>();
  while (hitRows.size < (o.hits ?? 0)) hitRows.add(Math.floor(rng.uniform() * o.rows));
  // Peak centre row -> its -log10 p; flank rows -> -log10 p.
  const peakWidth = o.peakWidth ?? 12;
  const centres = new Map<number, number>();
  const flank = new Map<number, number>();
  while (centres.size < (o.peaks ?? 0)) {
    const k = peakWidth + Math.floor(rng.uniform() * (o.rows - 2 * peakWidth));
    // Peaks at least 400 rows (1 Mb) apart and wholly on one chromosome: each is one locus.
    if ([...centres.keys()].some((c) => Math.abs(c - k) <= 400)) continue;
    if (firstRow.some((f) => f > k - peakWidth && f <= k + peakWidth)) continue;
    const top = 6 + 24 * rng.uniform();
    centres.set(k, top);
    for (let d = 1; d <= peakWidth; d++) {
      const lp = 5.2 + ((top - 5.2) * (peakWidth - d)) / peakWidth;
      flank.set(k - d, lp);
      flank.set(k + d, lp);
    }
  }
  const peaks: SyntheticPeak[] = [];
  const nanRows = new Set<number>();
  while (nanRows.size < (o.nanRows ?? 0)) nanRows.add(Math.floor(rng.uniform() * o.rows));
  const out = createWriteStream(path);
  out.write(
    'chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta\tse\tlogl_H1\tl_remle\tl_mle\tp_wald\tp_lrt\tp_score\n',
  );
  let top = { topRs: '', topP: Infinity };
  let chunk: string[] = [];
  let c = 0;
  for (let k = 0; k < o.rows; k++) {
    while (c + 1 < chromosomes.length && k >= firstRow[c + 1]) c++;
    const pos = 10_000 + (k - firstRow[c]) * 2_500 + Math.floor(rng.uniform() * 2_000);
    const peak = centres.get(k) ?? flank.get(k);
    const p =
      peak !== undefined
        ? 10 ** -peak
        : hitRows.has(k)
          ? 10 ** -(8 + 12 * rng.uniform())
          : Math.max(rng.uniform(), 1e-300);
    const rs = `rs${1_000_000 + k}`;
    const beta = (rng.uniform() - 0.5) * 0.4;
    if (nanRows.has(k)) {
      chunk.push(`${chromosomes[c]}\t${rs}\t${pos}\t0\tA\tG\t0.250\tnan\tnan\tnan\tnan\tnan\tnan\tnan\tnan`);
    } else {
      if (p < top.topP) top = { topRs: rs, topP: Number(p.toExponential(6)) };
      if (centres.has(k)) peaks.push({ chr: chromosomes[c], pos, rs, p: Number(p.toExponential(6)) });
      const ps = p.toExponential(6);
      chunk.push(
        `${chromosomes[c]}\t${rs}\t${pos}\t0\tA\tG\t0.250\t${beta.toExponential(6)}\t5.000000e-02\t-1.0e+03\t1.0e+00\t1.0e+00\t${ps}\t${ps}\t${ps}`,
      );
    }
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return { ...top, peaks };
}
