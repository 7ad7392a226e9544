/** The centred kinship (-gk 1) of a simulated multivariate cohort, computed by lmmscan itself. */
import { join } from 'node:path';
import type { MvCohortFiles } from './mv-cohort.js';
import { lmmscan } from './run-job.js';

/** Writes OUT/kin.cXX.txt from the cohort's BIMBAM files and returns its path. */
export async function kinshipOfCohort(files: MvCohortFiles, out: string): Promise<string> {
  await lmmscan([
    '-g',
    files.geno,
    '-p',
    files.pheno,
    '-a',
    files.anno,
    '-gk',
    '1',
    '-outdir',
    out,
    '-o',
    'kin',
  ]);
  return join(out, 'kin.cXX.txt');
}
