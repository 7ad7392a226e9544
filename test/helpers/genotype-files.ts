/** Reading a whole (small) genotype source into per-SNP arrays, for comparisons between formats. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { SimulatedCohort } from '../../src/sim/index.js';
import { rng } from './random.js';
import type { GenotypeSelection, GenotypeSource } from '../../src/io/genotypes.js';
import type { SnpAnnotation } from '../../src/io/plink.js';

/** Every SNP's dosages (one Float64Array each) and annotation, streamed in blocks of `blockSize`. */
export async function readAllDosages(
  source: GenotypeSource,
  blockSize = 5,
  indices?: Int32Array,
): Promise<{ dosages: Float64Array[]; annotations: SnpAnnotation[] }> {
  const n = source.nSamples;
  const dosages: Float64Array[] = [];
  const annotations: SnpAnnotation[] = [];
  for await (const block of source.blocks(blockSize, indices)) {
    for (let j = 0; j < block.count; j++) dosages.push(block.dosages.slice(j * n, (j + 1) * n));
    annotations.push(...block.annotations);
  }
  return { dosages, annotations };
}

/**
 * Dosages derived from a simulated cohort's hard calls (3%, 40% or all of a SNP's calls moved by up to
 * +-0.3, clipped to [0, 2], three decimals; missing calls stay missing), written in plink2's --import-dosage text format
 * (PREFIX.dosage, .map, .fam; counting allele1, which plink2 makes ALT) and imported into
 * PREFIX.pgen/.pvar/.psam with plink2. Returns the dosages as written, one array per SNP.
 */
export function importDosageCohort(prefix: string, cohort: SimulatedCohort, seed: number): Float64Array[] {
  const n = cohort.nIndividuals;
  const next = rng(seed);
  const dosages: Float64Array[] = [];
  const lines = [`SNP A1 A2 ${cohort.individuals.map((s) => `${s.fid} ${s.iid}`).join(' ')}`];
  cohort.snps.forEach((snp, j) => {
    const d = new Float64Array(n);
    // Few, some or all samples with fractional dosages, so plink2 writes each kind of dosage track.
    const fraction = [0.03, 0.4, 1][j % 3];
    for (let i = 0; i < n; i++) {
      const g = cohort.genotypes[j * n + i];
      const moved = next() < fraction ? Math.min(2, Math.max(0, g + 0.6 * next() - 0.3)) : g;
      d[i] = g < 0 ? NaN : Math.round(1000 * moved) / 1000;
    }
    dosages.push(d);
    lines.push(
      `${snp.rs} ${snp.allele1} ${snp.allele0} ${Array.from(d, (v) => (Number.isNaN(v) ? 'NA' : v.toFixed(3))).join(' ')}`,
    );
  });
  writeFileSync(`${prefix}.dosage`, lines.join('\n') + '\n');
  writeFileSync(`${prefix}.map`, cohort.snps.map((s) => `${s.chr} ${s.rs} 0 ${s.pos}`).join('\n') + '\n');
  writeFileSync(
    `${prefix}.fam`,
    cohort.individuals.map((s) => `${s.fid} ${s.iid} 0 0 1 -9`).join('\n') + '\n',
  );
  execFileSync('plink2', [
    '--import-dosage',
    `${prefix}.dosage`,
    '--fam',
    `${prefix}.fam`,
    '--map',
    `${prefix}.map`,
    '--out',
    prefix,
    '--silent',
  ]);
  return dosages;
}

/** A selection for reader tests: about a third of the samples (by a sum over the IID) and of the SNPs (bp % 3 = 0) left out. */
export const selection: GenotypeSelection = {
  samples: { keeps: (id) => Array.from(id.iid, (c) => c.charCodeAt(0)).reduce((a, b) => a + b, 0) % 3 !== 0 },
  snps: { keeps: (snp) => Number(snp.pos) % 3 !== 0 },
};
