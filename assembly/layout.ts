// Layouts of the records that cross the TS <-> AssemblyScript boundary, stated once on this side. Their TS twin is
// src/engines/wasm/layout.ts; test/engines/wasm/layout.test.ts checks that both name the same slots.

/**
 * Plan descriptor of the per-SNP LMM kernels: f64 slots at `desc` (pointers are byte offsets), written by
 * src/engines/wasm/lmm.ts. The last three are written by lmmPrepare.
 */
export const enum PlanSlot {
  /** Analysed individuals. */
  n = 0,
  /** Covariate columns c. */
  nCvt = 1,
  /** 1 Wald, 2 LRT, 3 score, 4 all, 9 LRT with the score test's beta and se (GEMMA 0.98.5). */
  testMode = 2,
  /** Grid points G. */
  nGrid = 3,
  lMin = 4,
  lMax = 5,
  /** Null model's ML lambda and log-likelihood. */
  nullLambda = 6,
  nullLogLik = 7,
  /** Eigenvalues (n). */
  eigenvalues = 8,
  /** Product table (n x (c+2)(c+3)/2, column-major; lmmPrepare fills the columns without x). */
  productTable = 9,
  /** Rotated covariates (c x n). */
  rotatedCovariates = 10,
  /** Rotated phenotype (n). */
  rotatedPhenotype = 11,
  /** Grid lambdas (G). */
  grid = 12,
  /** The plan's tables (weights, covariate-only sums, traces, interpolation tables; lmmPlanBytes bytes). */
  tables = 13,
  /** Written by lmmPrepare: log|H| at lMin and at lMax. */
  logDetLo = 14,
  logDetHi = 15,
  /** 1 to interpolate the plan's sums in lambda (lmm-interp.ts), 0 for direct sums; lmmPrepare sets 0 when the table fails its check. */
  interpolate = 16,
  /** 1: the safeguarded Newton search per SNP (calcLambdaNewton), 0: GEMMA's (calcLambda). */
  newtonSearch = 17,
  /** Number of slots. */
  count = 18,
}

/** Statistics lmmScan writes per SNP: out[s * b + j] for statistic s and SNP j of a block of b. */
export const enum LmmOutput {
  beta = 0,
  se = 1,
  logLikH1 = 2,
  lambdaRemle = 3,
  lambdaMle = 4,
  waldF = 5,
  scoreF = 6,
  lrtStat = 7,
  count = 8,
}

/** Scratch sizes eigenSizes writes (i32 each) for a matrix of order n. */
export const enum EigenSize {
  tridiagScratchDoubles = 0,
  dcThreadDoubles = 1,
  dcLevelEntries = 2,
  backBlockDoubles = 3,
  backThreadDoubles = 4,
  count = 5,
}

/**
 * Workspace descriptor of the multivariate LMM's per-SNP kernels (mvlmm.ts): f64 slots at `desc`, pointers as
 * byte offsets, written by src/engines/wasm/mv-kernel.ts. Rows of the n-long arrays are `stride` doubles apart
 * (n rounded up to even, the pad zero in X, Y and the eigenvalues), so the SIMD loops have no tail.
 */
export const enum MvSlot {
  /** Individuals. */
  n = 0,
  /** Row stride of the n-long arrays (n rounded up to even). */
  stride = 1,
  /** Traits d. */
  d = 2,
  /** Rows of X c (the covariates, then the SNP). */
  c = 3,
  /** Eigenvalues (stride) and their inverses (0 for a zero eigenvalue). */
  eigenvalues = 4,
  inverseEigenvalues = 5,
  /** Rotated covariates and SNP (c rows), rotated traits (d rows). */
  X = 6,
  Y = 7,
  /** x_i x_j for i <= j, pair-major ((c(c+1)/2) rows), and X X^T (c x c): written by mvProducts. */
  xx = 8,
  xxt = 9,
  /** Work rows, d each: 1 / (delta_k dl_l + 1), UltVehi Y, w UltVehi Y, UltVehi B X, UltVehi U, UltVehi E. */
  w = 10,
  yT = 11,
  yw = 12,
  bxT = 13,
  uT = 14,
  eT = 15,
  /** Inputs of an iteration: dl (d), UltVehi (d x d), Qi (dc x dc), UltVehi B (d x c), (X X^T)^{-1} (c x c). */
  dl = 16,
  ultVehi = 17,
  qi = 18,
  bT = 19,
  xxti = 20,
  /** Written by mvSums: log |H| and y'H^{-1}y (values), the Q sums (pair-major, d each) and X'H^{-1}y (dc). */
  logDetH = 21,
  yHy = 22,
  qSums = 23,
  xHiy = 24,
  /** Written by mvMoments: second moments of U then E in the joint basis (2 d x d). */
  moments = 25,
  /** Scratch of mvMoments ((d(d+1)/2 + 2) c(c+1)/2 + c doubles). */
  scratch = 26,
  /** Written by mvSums: sum_k w_lk (d), then sum_k delta_k w_lk (d), for mvMoments' conditional covariances. */
  wSums = 27,
  /** Number of slots. */
  count = 28,
}
