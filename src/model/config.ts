/** The typed form of a command line: everything the library needs to run one job. */
import type { LambdaSearch, SelectionFlags, SnpFilterSettings, ThresholdSpec } from './settings.js';

export type EngineChoice = 'ts' | 'wasm' | 'webgpu' | 'auto';

/** Sample and SNP selection (--keep, --remove, --extract, --exclude, --chr, --from-bp, --to-bp, -snps) included. */
export interface ScanConfig extends SelectionFlags {
  /** PLINK prefix (-bfile). */
  bfile?: string;
  /** BIMBAM mean genotype file (-g). */
  geno?: string;
  /** Values of the flags genotype formats declare themselves (GenotypeFormat.flags), by flag name: --vcf, ... */
  genotypeOptions?: Record<string, string>;
  /** GEMMA -ksnps FILE: the kinship (-gk, --loco) from these SNPs only. */
  ksnps?: string;
  /** plink2-style phenotype table matched by sample ID (--pheno), its columns by name or number. */
  phenoTable?: string;
  phenoNames?: string[];
  phenoColNums?: string;
  /** plink2-style covariate table matched by sample ID (--covar), its columns by name or number. */
  covarTable?: string;
  covarNames?: string[];
  covarColNums?: string;
  /** Sample IDs of the -k matrix's rows (--kinship-ids), when not in the genotypes' order. */
  kinshipIds?: string;
  /** Phenotype file (-p). */
  pheno?: string;
  /** SNP annotation (-a). */
  anno?: string;
  /** Covariates (-c). */
  covariates?: string;
  /** --traits SPEC: scan each of these phenotype columns (1-5,8 or all); one output per trait. */
  traits?: string;
  /** --keep-p P: with --traits, write only rows with a p-value at or below P. */
  keepP?: number;
  /** --loco: leave-one-chromosome-out kinship for every chromosome (-gk kind, default 1). */
  loco?: boolean;
  /** -loco CHR (GEMMA): kinship without CHR (-gk), or test only CHR's SNPs (-lmm). */
  locoChromosome?: string;
  /** Phenotype columns, 1-based (-n). */
  phenotypeColumns: number[];
  /** Kinship file (-k). */
  kinship?: string;
  /** GEMMA -gxe FILE: one environment value per individual; each SNP is tested for its SNP x environment effect. */
  gxe?: string;
  /** GEMMA -widv FILE (-weight): one residual weight per individual, applied to K and its eigenvectors as GEMMA does. */
  widv?: string;
  /** GEMMA -km 2: the -k file lists "ID1 ID2 VALUE" pairs instead of a matrix (-km 1, the default). */
  kinshipFormat?: 2;
  /** Eigenvalues / eigenvectors of K (-d / -u). */
  eigenValuesFile?: string;
  eigenVectorsFile?: string;
  /** -gk 1|2: compute and write the kinship. */
  kinshipKind?: 1 | 2;
  /** -lmm 1..4, or 9 (GEMMA 0.98.5: the likelihood ratio test with the score test's beta and se). */
  lmm?: 1 | 2 | 3 | 4 | 9;
  /** -lm 1..4. */
  lm?: 1 | 2 | 3 | 4;
  /** -eigen: write the eigendecomposition of K. */
  writeEigen: boolean;
  /** --groups: one group label per individual; K = D D^T (random intercepts). */
  groups?: string;
  /** --fit: fit the null model only and write NAME.fit.json. */
  fit?: boolean;
  /** --ml: --fit by maximum likelihood instead of REML. */
  ml?: boolean;
  filters: SnpFilterSettings;
  /**
   * GEMMA -nind N: BIMBAM input keeps its first min(N, individuals with complete phenotypes and
   * covariates) rows, as GEMMA 0.98.5 trims them; GEMMA ignores it with -bfile, and so does lmmscan.
   */
  nind?: number;
  /** -notsnp: BIMBAM values are any numbers, not dosages in [0, 2] (filters.maf is then -1). */
  anyGenotypeValues?: boolean;
  search: LambdaSearch;
  outPrefix: string;
  outDir: string;
  engine: EngineChoice;
  threads?: number;
  /** SNPs per block; undefined: DEFAULT_BLOCK_SIZE, or smaller for many traits (scanBlockSize). */
  blockSize?: number;
  quiet: boolean;
  /** Continue from the checkpoint of an earlier run of the same command. */
  resume?: boolean;
  /** After -lmm / -lm: write the plots, summary.json and report.html (default true; --no-plots). */
  plots?: boolean;
  /**
   * With the plots: also NAME.manhattan.png and NAME.qq.png (--traits: NAME.traits.hits.png), rasterised at
   * twice the SVG's size (default false; --png). They cost about 0.4 s, more than GEMMA's whole run on a small panel.
   */
  png?: boolean;
  /** --plot-test: the p-value the plots show (default wald, else what the assoc file has). */
  plotTest?: 'wald' | 'lrt' | 'score';
  /** --gwas-line / --suggestive-line: the plot lines and hit counts (defaults 5e-8 and 1e-5). */
  gwasLine?: ThresholdSpec;
  suggestiveLine?: ThresholdSpec;
  /** The command line as typed, for the log. */
  commandLine: string;
}

/** SNPs per block when --block-size is not given. */
export const DEFAULT_BLOCK_SIZE = 2048;

/** Bytes of one block's genotypes (b x n float64) the default block size aims at. */
const BLOCK_BYTES = 16 * 2 ** 20;
/**
 * SNPs down to which a block may take twice BLOCK_BYTES: the lookup rotation of hard calls (src/linalg/hard-rotation.ts)
 * builds its tables once per block, about a third of its work at 512 SNPs and n = 4,000.
 */
const TABLE_BLOCK = 1024;

/**
 * Block size of the scan phase: --block-size, else DEFAULT_BLOCK_SIZE halved (down to 256) until a block's
 * genotypes take at most 16 MiB, or 32 MiB at TABLE_BLOCK SNPs or fewer (b x n float64; a few such arrays per block
 * in flight), and it holds at most 8 x 2048 trait x SNP results: memory stays bounded by n and the number of
 * traits, and the last block, whose formatting cannot overlap the engine's work, stays short.
 */
export function scanBlockSize(config: ScanConfig, traitsPerUnit: number, nAnalysed: number): number {
  if (config.blockSize !== undefined) return config.blockSize;
  const bytes = (size: number) => (size <= TABLE_BLOCK ? 2 * BLOCK_BYTES : BLOCK_BYTES);
  let size = DEFAULT_BLOCK_SIZE;
  while (size > 256 && (size * traitsPerUnit > 8 * DEFAULT_BLOCK_SIZE || size * nAnalysed * 8 > bytes(size)))
    size /= 2;
  return size;
}
