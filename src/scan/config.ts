/** The typed form of a command line: everything the library needs to run one job. */
import type { SnpFilterSettings } from '../qc/snp-filter.js';
import type { LambdaSearch } from '../stats/lambda.js';

export type EngineChoice = 'ts' | 'wasm' | 'webgpu' | 'auto';

export interface ScanConfig {
  /** PLINK prefix (-bfile). */
  bfile?: string;
  /** BIMBAM mean genotype file (-g). */
  geno?: string;
  /** Phenotype file (-p). */
  pheno?: string;
  /** SNP annotation (-a). */
  anno?: string;
  /** Covariates (-c). */
  covariates?: string;
  /** Phenotype columns, 1-based (-n). */
  phenotypeColumns: number[];
  /** Kinship file (-k). */
  kinship?: string;
  /** Eigenvalues / eigenvectors of K (-d / -u). */
  eigenValuesFile?: string;
  eigenVectorsFile?: string;
  /** -gk 1|2: compute and write the kinship. */
  kinshipKind?: 1 | 2;
  /** -lmm 1..4. */
  lmm?: 1 | 2 | 3 | 4;
  /** -lm 1..4. */
  lm?: 1 | 2 | 3 | 4;
  /** -eigen: write the eigendecomposition of K. */
  writeEigen: boolean;
  filters: SnpFilterSettings;
  search: LambdaSearch;
  outPrefix: string;
  outDir: string;
  engine: EngineChoice;
  threads?: number;
  blockSize: number;
  quiet: boolean;
  /** The command line as typed, for the log. */
  commandLine: string;
}
