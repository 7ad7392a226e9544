/**
 * The second pass: blocks of the analysed SNPs with only analysed individuals, missing calls
 * replaced by the SNP's mean over analysed individuals (GEMMA's imputation), SNP-major n x b.
 */
import type { GenotypeSource } from '../io/genotypes.js';
import type { SnpAnnotation } from '../io/plink.js';
import type { SampleSelection } from '../qc/samples.js';

export interface AnalysedBlock {
  /** Position of the first SNP of this block among the tested SNPs. */
  first: number;
  count: number;
  /** count x nAnalysed, SNP-major. */
  genotypes: Float64Array;
  /** chr, rs, position and alleles of each SNP of the block. */
  annotations: SnpAnnotation[];
}

/** Streams the tested SNPs (file indices, ascending) starting at position `from`. */
export async function* analysedBlocks(
  source: GenotypeSource,
  selection: SampleSelection,
  testedIndices: Int32Array,
  blockSize: number,
  from = 0,
): AsyncGenerator<AnalysedBlock> {
  const nAll = source.nSamples;
  const n = selection.nAnalysed;
  const keep: number[] = [];
  selection.analysed.forEach((a, i) => a && keep.push(i));
  let first = from;
  for await (const block of source.blocks(blockSize, testedIndices.subarray(from))) {
    const genotypes = new Float64Array(block.count * n);
    for (let j = 0; j < block.count; j++) {
      const src = j * nAll;
      const dst = j * n;
      let sum = 0;
      let observed = 0;
      for (let k = 0; k < n; k++) {
        const g = block.dosages[src + keep[k]];
        genotypes[dst + k] = g;
        if (!Number.isNaN(g)) {
          sum += g;
          observed++;
        }
      }
      const mean = sum / observed;
      for (let k = 0; k < n; k++) if (Number.isNaN(genotypes[dst + k])) genotypes[dst + k] = mean;
    }
    yield { first, count: block.count, genotypes, annotations: block.annotations };
    first += block.count;
  }
}
