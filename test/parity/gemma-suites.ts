/**
 * The command lines of GEMMA 0.98.5's own test suites (tag v0.98.5: test/test_suite.sh,
 * test/dev_test_suite.sh, test/lengthy_test_suite.sh, test/dev_tests.rb) for kinship, the univariate
 * LMM, the linear model and LOCO, as written there with each suite's options ($gemmaopts, or the
 * "-debug -check" that dev_tests.rb's helper adds), and the values each suite asserts.
 *
 * The shell suites run in GEMMA's test/ folder (paths ../example/...), dev_tests.rb in the repository
 * root (./example/...). Their BSLMM and prediction cases (testBslmm1-5) are not these analyses and
 * are left out; the lines that need a feature lmmscan lacks are listed in PENDING.
 */

/**
 * One value a suite asserts about an output file. `stale` marks (and explains) a value that GEMMA
 * 0.98.5 itself no longer gives; lmmscan must then give gemma's value.
 */
export type SuiteAssertion = { stale?: string } &
  /** `wc -l < FILE` */
  (
    | { kind: 'lines'; file: string; value: number }
    /** `wc -w < FILE` */
    | { kind: 'words'; file: string; value: number }
    /** `head -c 5 FILE` */
    | { kind: 'head'; file: string; value: string }
    /** The suites' perl checksum: the sum over fields of sprintf("%.2f", substr(field, 0, 6)), printed %.2f or %.0f. */
    | { kind: 'checksum'; file: string; digits: 0 | 2; value: string }
    /** dev_tests.rb's expect(): line `row` (0 = header) or the row with the largest value, column by index or name, within 0.001. */
    | { kind: 'cell'; file: string; row: number | 'max'; column: number | string; value: string }
    /** `grep TEXT < FILE` succeeds. */
    | { kind: 'contains'; file: string; text: string }
  );

export interface SuiteCase {
  suite: 'test_suite.sh' | 'dev_test_suite.sh' | 'lengthy_test_suite.sh' | 'dev_tests.rb';
  /** The suite's function name. */
  name: string;
  /** The arguments after the program name, exactly as the suite passes them. */
  line: string;
  /** Output files, relative to the run folder, to compare with gemma's. */
  outputs: string[];
  asserts: SuiteAssertion[];
  /** The line must fail: gemma stops (or crashes) and lmmscan exits 1 with an error containing this text. */
  fails?: string;
}

const sh = '-debug';
const dev = '-debug -check';
const rb = '-debug -check';

export const SUITE_CASES: SuiteCase[] = [
  // test/test_suite.sh (gemmaopts="-debug")
  {
    suite: 'test_suite.sh',
    name: 'testBslmm2',
    line: `${sh} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -n 2 -a ../example/mouse_hs1940.anno.txt -gk 1 -o mouse_hs1940_CD8_train`,
    outputs: ['output/mouse_hs1940_CD8_train.cXX.txt'],
    asserts: [
      { kind: 'checksum', file: 'output/mouse_hs1940_CD8_train.cXX.txt', digits: 2, value: '579.50' },
    ],
  },
  {
    suite: 'test_suite.sh',
    name: 'testCenteredRelatednessMatrixKFullLOCO1',
    line: `${sh} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -a ../example/mouse_hs1940.anno.txt -loco 1 -gk -o mouse_hs1940_full_LOCO1`,
    outputs: ['output/mouse_hs1940_full_LOCO1.cXX.txt'],
    asserts: [
      { kind: 'lines', file: 'output/mouse_hs1940_full_LOCO1.cXX.txt', value: 1940 },
      { kind: 'checksum', file: 'output/mouse_hs1940_full_LOCO1.cXX.txt', digits: 2, value: '2246.49' },
    ],
  },
  {
    suite: 'test_suite.sh',
    name: 'testUnivariateLinearMixedModelFullLOCO1',
    line: `${sh} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -n 1 -loco 1 -a ../example/mouse_hs1940.anno.txt -k ./output/mouse_hs1940_full_LOCO1.cXX.txt -lmm -no-check -o mouse_hs1940_CD8_full_LOCO1_lmm`,
    outputs: ['output/mouse_hs1940_CD8_full_LOCO1_lmm.assoc.txt'],
    asserts: [
      {
        kind: 'contains',
        file: 'output/mouse_hs1940_CD8_full_LOCO1_lmm.log.txt',
        text: 'total computation time',
      },
      { kind: 'lines', file: 'output/mouse_hs1940_CD8_full_LOCO1_lmm.assoc.txt', value: 951 },
      {
        kind: 'checksum',
        file: 'output/mouse_hs1940_CD8_full_LOCO1_lmm.assoc.txt',
        digits: 2,
        value: '267507852.03',
      },
    ],
  },
  {
    suite: 'test_suite.sh',
    name: 'testCenteredRelatednessMatrixK',
    line: `${sh} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -gk -o mouse_hs1940`,
    outputs: ['output/mouse_hs1940.cXX.txt'],
    asserts: [
      { kind: 'lines', file: 'output/mouse_hs1940.cXX.txt', value: 1940 },
      { kind: 'words', file: 'output/mouse_hs1940.cXX.txt', value: 3763600 },
      { kind: 'head', file: 'output/mouse_hs1940.cXX.txt', value: '0.335' },
      { kind: 'checksum', file: 'output/mouse_hs1940.cXX.txt', digits: 2, value: '1119.60' },
    ],
  },
  {
    suite: 'test_suite.sh',
    name: 'testUnivariateLinearMixedModel',
    line: `${sh} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -n 1 -a ../example/mouse_hs1940.anno.txt -k ./output/mouse_hs1940.cXX.txt -lmm -o mouse_hs1940_CD8_lmm`,
    outputs: ['output/mouse_hs1940_CD8_lmm.assoc.txt'],
    asserts: [
      { kind: 'contains', file: 'output/mouse_hs1940_CD8_lmm.log.txt', text: 'total computation time' },
      { kind: 'words', file: 'output/mouse_hs1940_CD8_lmm.assoc.txt', value: 129228 },
      { kind: 'checksum', file: 'output/mouse_hs1940_CD8_lmm.assoc.txt', digits: 2, value: '4038540440.81' },
    ],
  },
  {
    suite: 'test_suite.sh',
    name: 'testLinearMixedModelPhenotypes',
    line: `${sh} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -n 1 6 -a ../example/mouse_hs1940.anno.txt -k ./output/mouse_hs1940.cXX.txt -lmm -no-check -o mouse_hs1940_CD8MCH_lmm`,
    outputs: ['output/mouse_hs1940_CD8MCH_lmm.assoc.txt'],
    asserts: [
      { kind: 'words', file: 'output/mouse_hs1940_CD8MCH_lmm.assoc.txt', value: 139867 },
      {
        kind: 'checksum',
        file: 'output/mouse_hs1940_CD8MCH_lmm.assoc.txt',
        digits: 2,
        value: '4029037056.58',
      },
    ],
  },
  {
    suite: 'test_suite.sh',
    name: 'testPlinkStandardRelatednessMatrixK',
    line: `${sh} -bfile ../example/HLC -gk 2 -o testPlinkStandardRelatednessMatrixK`,
    outputs: ['output/testPlinkStandardRelatednessMatrixK.sXX.txt'],
    asserts: [
      { kind: 'lines', file: 'output/testPlinkStandardRelatednessMatrixK.sXX.txt', value: 427 },
      {
        kind: 'checksum',
        file: 'output/testPlinkStandardRelatednessMatrixK.sXX.txt',
        digits: 2,
        value: '-358.05',
      },
    ],
  },
  {
    suite: 'test_suite.sh',
    name: 'testPlinkLinearMixedModelCovariates',
    line: `${sh} -bfile ../example/HLC -k output/testPlinkStandardRelatednessMatrixK.sXX.txt -lmm 1 -maf 0.1 -c ../example/HLC_covariates.txt -no-check -o testPlinkLinearMixedModelCovariates`,
    outputs: ['output/testPlinkLinearMixedModelCovariates.assoc.txt'],
    asserts: [
      { kind: 'lines', file: 'output/testPlinkLinearMixedModelCovariates.assoc.txt', value: 223243 },
      {
        kind: 'checksum',
        file: 'output/testPlinkLinearMixedModelCovariates.assoc.txt',
        digits: 2,
        value: '89757159113.94',
      },
    ],
  },
  // test/dev_test_suite.sh (gemmaopts="-debug -check")
  {
    suite: 'dev_test_suite.sh',
    name: 'testLinearModel',
    line: `${dev} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -n 1 -a ../example/mouse_hs1940.anno.txt -lm -o mouse_hs1940_CD8_lm`,
    outputs: ['output/mouse_hs1940_CD8_lm.assoc.txt'],
    asserts: [
      { kind: 'contains', file: 'output/mouse_hs1940_CD8_lm.log.txt', text: 'total computation time' },
      { kind: 'words', file: 'output/mouse_hs1940_CD8_lm.assoc.txt', value: 118459 },
      { kind: 'checksum', file: 'output/mouse_hs1940_CD8_lm.assoc.txt', digits: 0, value: '4053667110' },
    ],
  },
  {
    // The suite expects a singular-matrix error ("assertEquals 130", commented out as FIXME): gemma
    // prints "GSL ERROR: matrix is singular" and exits 130; lmmscan names the file and the column.
    suite: 'dev_test_suite.sh',
    name: 'testBXDStandardRelatednessMatrixKSingularError',
    line: `${dev} -g ../example/BXD_geno.txt.gz -p ../example/BXD_pheno.txt -c ../example/BXD_covariates.txt -a ../example/BXD_snps.txt -gk -no-check -o BXDerr`,
    outputs: [],
    asserts: [],
    fails:
      'lmmscan: error: ../example/BXD_covariates.txt: covariates are collinear over the analysed individuals: column 2',
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testBXDStandardRelatednessMatrixK',
    line: `${dev} -g ../example/BXD_geno.txt.gz -p ../example/BXD_pheno.txt -c ../example/BXD_covariates2.txt -a ../example/BXD_snps.txt -gk -o BXD`,
    outputs: ['output/BXD.cXX.txt'],
    asserts: [
      { kind: 'lines', file: 'output/BXD.cXX.txt', value: 198 },
      { kind: 'checksum', file: 'output/BXD.cXX.txt', digits: 0, value: '-116' },
    ],
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testBXDLMLikelihoodRatio',
    line: `${dev} -g ../example/BXD_geno.txt.gz -p ../example/BXD_pheno.txt -c ../example/BXD_covariates2.txt -a ../example/BXD_snps.txt -k ./output/BXD.cXX.txt -lm 4 -maf 0.1 -o BXD_LM_LR`,
    outputs: ['output/BXD_LM_LR.assoc.txt'],
    asserts: [
      { kind: 'words', file: 'output/BXD_LM_LR.assoc.txt', value: 95134 },
      { kind: 'checksum', file: 'output/BXD_LM_LR.assoc.txt', digits: 0, value: '3089042886' },
    ],
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testBXDLMMLikelihoodRatio',
    line: `${dev} -g ../example/BXD_geno.txt.gz -p ../example/BXD_pheno.txt -c ../example/BXD_covariates2.txt -a ../example/BXD_snps.txt -k ./output/BXD.cXX.txt -lmm 2 -no-check -maf 0.1 -o BXD_LMM_LR`,
    outputs: ['output/BXD_LMM_LR.assoc.txt'],
    asserts: [
      { kind: 'words', file: 'output/BXD_LMM_LR.assoc.txt', value: 73180 },
      { kind: 'checksum', file: 'output/BXD_LMM_LR.assoc.txt', digits: 0, value: '3088458213' },
    ],
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testBXDLMM9LikelihoodRatio',
    line: `${dev} -g ../example/BXD_geno.txt.gz -p ../example/BXD_pheno.txt -c ../example/BXD_covariates2.txt -a ../example/BXD_snps.txt -k ./output/BXD.cXX.txt -lmm 9 -no-check -maf 0.1 -o BXD_LMM_LR`,
    outputs: ['output/BXD_LMM_LR.assoc.txt'],
    asserts: [
      { kind: 'words', file: 'output/BXD_LMM_LR.assoc.txt', value: 80498 },
      { kind: 'checksum', file: 'output/BXD_LMM_LR.assoc.txt', digits: 0, value: '3088496565' },
    ],
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testCenteredRelatednessMatrixissue188',
    line: `${dev} -b data/issue188/2000 -gk -o issue188`,
    outputs: ['output/issue188.cXX.txt'],
    asserts: [{ kind: 'checksum', file: 'output/issue188.cXX.txt', digits: 0, value: '194' }],
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testLMMissue188',
    line: `${dev} -b data/issue188/2000 -lmm 2 -k output/issue188.cXX.txt -maf 0.01 -o issue188 -n 1`,
    outputs: ['output/issue188.assoc.txt'],
    asserts: [{ kind: 'checksum', file: 'output/issue188.assoc.txt', digits: 2, value: '338154001.76' }],
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testCenteredRelatednessMatrixKLOCO1',
    line: `${dev} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -a ../example/mouse_hs1940.anno.txt -snps ../example/mouse_hs1940_snps.txt -nind 400 -loco 1 -gk -o mouse_hs1940_LOCO1`,
    outputs: ['output/mouse_hs1940_LOCO1.cXX.txt'],
    asserts: [
      { kind: 'lines', file: 'output/mouse_hs1940_LOCO1.cXX.txt', value: 400 },
      { kind: 'head', file: 'output/mouse_hs1940_LOCO1.cXX.txt', value: '0.312' },
      { kind: 'checksum', file: 'output/mouse_hs1940_LOCO1.cXX.txt', digits: 2, value: '71.03' },
    ],
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testUnivariateLinearMixedModelLOCO1',
    line: `${dev} -g ../example/mouse_hs1940.geno.txt.gz -p ../example/mouse_hs1940.pheno.txt -n 1 -loco 1 -a ../example/mouse_hs1940.anno.txt -k ./output/mouse_hs1940_LOCO1.cXX.txt -snps ../example/mouse_hs1940_snps.txt -lmm -nind 400 -no-check -o mouse_hs1940_CD8_LOCO1_lmm`,
    outputs: ['output/mouse_hs1940_CD8_LOCO1_lmm.assoc.txt'],
    asserts: [
      {
        kind: 'contains',
        file: 'output/mouse_hs1940_CD8_LOCO1_lmm.log.txt',
        text: 'total computation time',
      },
      { kind: 'lines', file: 'output/mouse_hs1940_CD8_LOCO1_lmm.assoc.txt', value: 68 },
      {
        kind: 'checksum',
        file: 'output/mouse_hs1940_CD8_LOCO1_lmm.assoc.txt',
        digits: 2,
        value: '15465346.22',
      },
    ],
  },
  // test/lengthy_test_suite.sh (no gemmaopts; -debug written in the line)
  {
    suite: 'lengthy_test_suite.sh',
    name: 'testPlinkStandardRelatednessMatrixK',
    line: '-bfile ../example/HLC -gk 2 -o testPlinkStandardRelatednessMatrixK -debug',
    outputs: ['output/testPlinkStandardRelatednessMatrixK.sXX.txt'],
    asserts: [
      { kind: 'lines', file: 'output/testPlinkStandardRelatednessMatrixK.sXX.txt', value: 427 },
      {
        kind: 'checksum',
        file: 'output/testPlinkStandardRelatednessMatrixK.sXX.txt',
        digits: 2,
        value: '-358.07',
        stale: 'gemma 0.98.5 gives -358.05, the value test_suite.sh asserts for the same kinship',
      },
    ],
  },
  // test/dev_tests.rb (its gemma() helper runs "./bin/gemma -debug -check OPTS" in the repository root)
  {
    suite: 'dev_tests.rb',
    name: 'test_linear_model',
    line: `${rb} -g ./example/mouse_hs1940.geno.txt.gz -p ./example/mouse_hs1940.pheno.txt -n 1 -a ./example/mouse_hs1940.anno.txt -lm -o mouse_hs1940_CD8_lm`,
    outputs: ['output/mouse_hs1940_CD8_lm.assoc.txt'],
    asserts: [
      { kind: 'cell', file: 'output/mouse_hs1940_CD8_lm.assoc.txt', row: 2, column: 1, value: 'rs3707673' },
      {
        kind: 'cell',
        file: 'output/mouse_hs1940_CD8_lm.assoc.txt',
        row: 2,
        column: 10,
        value: '5.252187e-05',
      },
      {
        kind: 'cell',
        file: 'output/mouse_hs1940_CD8_lm.assoc.txt',
        row: 3,
        column: 9,
        value: '3.909916e-02',
      },
    ],
  },
  {
    suite: 'dev_tests.rb',
    name: 'test_BXD (kinship)',
    line: `${rb} -g ./example/BXD_geno.txt.gz -p ./example/BXD_pheno.txt -c ./example/BXD_covariates2.txt -a ./example/BXD_snps.txt -gk -o BXD`,
    outputs: ['output/BXD.cXX.txt'],
    asserts: [],
  },
  {
    suite: 'dev_tests.rb',
    name: 'test_BXD (-lmm 2)',
    line: `${rb} -g ./example/BXD_geno.txt.gz -p ./example/BXD_pheno.txt -c ./example/BXD_covariates2.txt -a ./example/BXD_snps.txt -k ./output/BXD.cXX.txt -lmm 2 -no-check -maf 0.1 -o BXDLMM`,
    outputs: ['output/BXDLMM.assoc.txt'],
    asserts: [
      { kind: 'cell', file: 'output/BXDLMM.assoc.txt', row: 2, column: 9, value: '1.234747e-01' },
      { kind: 'cell', file: 'output/BXDLMM.assoc.txt', row: 'max', column: 'p_lrt', value: '9.997119e-01' },
    ],
  },
  {
    suite: 'dev_tests.rb',
    name: 'test_BXD (-lmm 9)',
    line: `${rb} -g ./example/BXD_geno.txt.gz -p ./example/BXD_pheno.txt -c ./example/BXD_covariates2.txt -a ./example/BXD_snps.txt -k ./output/BXD.cXX.txt -lmm 9 -no-check -maf 0.1 -o BXDLMM9`,
    outputs: ['output/BXDLMM9.assoc.txt'],
    asserts: [
      { kind: 'cell', file: 'output/BXDLMM9.assoc.txt', row: 'max', column: 'l_mle', value: '0.7531109' },
      { kind: 'cell', file: 'output/BXDLMM9.assoc.txt', row: 'max', column: 'p_lrt', value: '9.997119e-01' },
    ],
  },
  {
    suite: 'dev_tests.rb',
    name: 'test_mouse_hs1940_loco (kinship)',
    line: `${rb} -g ./example/mouse_hs1940.geno.txt.gz -p ./example/mouse_hs1940.pheno.txt -a ./example/mouse_hs1940.anno.txt -snps ./example/mouse_hs1940_snps.txt -nind 400 -loco 1 -gk -o mouse_hs1940_loco`,
    outputs: ['output/mouse_hs1940_loco.cXX.txt'],
    asserts: [],
  },
  {
    suite: 'dev_tests.rb',
    name: 'test_mouse_hs1940_loco (-lmm)',
    line: `${rb} -g ./example/mouse_hs1940.geno.txt.gz -p ./example/mouse_hs1940.pheno.txt -n 1 -loco 1 -a ./example/mouse_hs1940.anno.txt -k ./output/mouse_hs1940_loco.cXX.txt -snps ./example/mouse_hs1940_snps.txt -lmm -nind 400 -no-check -o mouse_hs1940_loco`,
    outputs: ['output/mouse_hs1940_loco.assoc.txt'],
    asserts: [
      { kind: 'cell', file: 'output/mouse_hs1940_loco.assoc.txt', row: 2, column: 9, value: '-3.073643e+02' },
      {
        kind: 'cell',
        file: 'output/mouse_hs1940_loco.assoc.txt',
        row: 'max',
        column: 'p_wald',
        value: '9.716047e-01',
      },
    ],
  },
  {
    suite: 'dev_tests.rb',
    name: 'test_plink_covariates_lmm (kinship)',
    line: `${rb} -bfile example/HLC -gk 2 -o testPlinkStandardRelatednessMatrixK`,
    outputs: ['output/testPlinkStandardRelatednessMatrixK.sXX.txt'],
    asserts: [],
  },
  {
    suite: 'dev_tests.rb',
    name: 'test_plink_covariates_lmm (-lmm 1)',
    line: `${rb} -bfile example/HLC -k output/testPlinkStandardRelatednessMatrixK.sXX.txt -lmm 1 -maf 0.1 -c example/HLC_covariates.txt -no-check -o plink_lmm1_cov`,
    outputs: ['output/plink_lmm1_cov.assoc.txt'],
    asserts: [
      {
        kind: 'cell',
        file: 'output/plink_lmm1_cov.assoc.txt',
        row: 100,
        column: 'p_wald',
        value: '5.189953e-01',
      },
      {
        kind: 'cell',
        file: 'output/plink_lmm1_cov.assoc.txt',
        row: 'max',
        column: 'logl_H1',
        value: '279.2689',
      },
      {
        kind: 'cell',
        file: 'output/plink_lmm1_cov.assoc.txt',
        row: 'max',
        column: 'l_remle',
        value: '1.686062',
      },
      {
        kind: 'cell',
        file: 'output/plink_lmm1_cov.assoc.txt',
        row: 'max',
        column: 'p_wald',
        value: '0.9999996',
      },
    ],
  },
];

/**
 * Lines of these analyses that lmmscan cannot run yet, by the feature they wait for. The lead enables
 * them (moves them into SUITE_CASES) when that feature is merged.
 */
export const PENDING: {
  suite: SuiteCase['suite'];
  name: string;
  line: string;
  waitsFor: string;
  /** What lmmscan's error says when it refuses the line's input (checked once the suite's earlier lines ran). */
  refusal?: string;
}[] = [
  {
    // The suite itself disables these two ("return 0" as their first line).
    suite: 'dev_test_suite.sh',
    name: 'testPlinkCenteredRelatednessMatrixKLOCO1',
    line: `${dev} -bfile ../example/mouse_hs1940 -a ../example/mouse_hs1940.anno.txt -snps ../example/mouse_hs1940_snps.txt -nind 400 -loco 1 -gk -o mouse_hs1940_Plink_LOCO1`,
    waitsFor:
      'differs: the suite disables it (return 0); GEMMA 0.98.5 ignores -loco and -nind with -bfile (a 1940-row kinship over every chromosome), lmmscan applies -loco to PLINK input (README Differences)',
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testPlinkUnivariateLinearMixedModelLOCO1',
    line: `${dev} -bfile ../example/mouse_hs1940 -n 1 -loco 1 -k ./output/mouse_hs1940_Plink_LOCO1.cXX.txt -a ../example/mouse_hs1940.anno.txt -snps ../example/mouse_hs1940_snps.txt -lmm -nind 400 -o mouse_hs1940_CD8_Plink_LOCO1_lmm`,
    waitsFor:
      'differs: the suite disables it (return 0); GEMMA 0.98.5 ignores -loco with -bfile and tests every SNP of -snps (879 rows), lmmscan tests chromosome 1 (README Differences)',
  },
  {
    suite: 'dev_test_suite.sh',
    name: 'testCorrelatedPhenotypesMvLLM',
    line: `${dev} -p data/correlated_phenotypes/Ysim_reg_gemma.txt -g data/correlated_phenotypes/Genotypes_gemma.csv -d data/correlated_phenotypes/Kinship_eigenval_gemma.txt -u data/correlated_phenotypes/Kinship_eigenvec_gemma.txt -lmm 2 -n 1 9 4 6 10 -o corrpheno`,
    waitsFor: "GEMMA's test/data/correlated_phenotypes, which Debian's example data does not ship",
  },
  {
    suite: 'lengthy_test_suite.sh',
    name: 'testPlinkMultivariateLinearMixedModelMultiplePhenotypes_Issue58',
    line: '-bfile ../example/HLC -p ../example/HLC.simu.pheno.txt -k output/testPlinkStandardRelatednessMatrixK.sXX.txt -lmm 1 -maf 0.1 -n 1 2 3 15 -c ../example/HLC_covariates.txt -debug -o testPlinkMultivariateLinearMixedModelMultiplePhenotypes',
    waitsFor:
      'differs: GEMMA\'s HLC.simu.pheno.txt runs two values together in 137 of its 427 rows (line 1: "-0.365192.69925"), so those rows have 21 columns, not 22; GEMMA reads their column 15 from column 16, lmmscan stops with the file, line and value (README Differences)',
    refusal: 'HLC.simu.pheno.txt:1: phenotype "-0.365192.69925" is not a number',
  },
];
