/** Reading a whole (small) genotype source into per-SNP arrays, for comparisons between formats. */
import type { GenotypeSource } from '../../src/io/genotypes.js';
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
