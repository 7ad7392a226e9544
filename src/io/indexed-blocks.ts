/** The block stream of a genotype format that decodes any chosen SNP by its index (BGEN, PGEN). */
import type { GenotypeBlock } from './genotypes.js';
import type { SnpAnnotation } from './plink.js';

/** What indexedBlocks() needs of a source: its SNPs, its chosen samples, and one SNP's annotation. */
interface IndexedSource {
  readonly snpCount: number;
  readonly nSamples: number;
  snp(k: number): SnpAnnotation;
}

/**
 * GenotypeSource.blocks() for a source that decodes chosen SNP k on its own: `decode(k, out)` writes
 * its dosages for the chosen samples into out (length nSamples). SNPs are the listed indices
 * (ascending), or all of them, blockSize at a time.
 */
export async function* indexedBlocks(
  source: IndexedSource,
  blockSize: number,
  indices: Int32Array | undefined,
  decode: (k: number, out: Float64Array) => void,
): AsyncGenerator<GenotypeBlock> {
  const all = indices ?? Int32Array.from({ length: source.snpCount }, (_, k) => k);
  const n = source.nSamples;
  for (let start = 0; start < all.length; start += blockSize) {
    const idx = Int32Array.from(all.subarray(start, Math.min(all.length, start + blockSize)));
    const dosages = new Float64Array(idx.length * n);
    const annotations: SnpAnnotation[] = [];
    for (let j = 0; j < idx.length; j++) {
      annotations.push(source.snp(idx[j]));
      decode(idx[j], dosages.subarray(j * n, (j + 1) * n));
    }
    yield { indices: idx, annotations, dosages, count: idx.length };
  }
}
