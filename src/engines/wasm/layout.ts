/**
 * Layouts of the records that cross the TS <-> AssemblyScript boundary, the TS twin of assembly/layout.ts (each
 * side states them once; test/engines/wasm/layout.test.ts checks that both agree slot for slot).
 */

/** Plan descriptor of the per-SNP LMM kernels: f64 slots (pointers as byte offsets). */
export const PlanSlot = {
  n: 0,
  nCvt: 1,
  testMode: 2,
  nGrid: 3,
  lMin: 4,
  lMax: 5,
  nullLambda: 6,
  nullLogLik: 7,
  eigenvalues: 8,
  productTable: 9,
  rotatedCovariates: 10,
  rotatedPhenotype: 11,
  grid: 12,
  tables: 13,
  logDetLo: 14,
  logDetHi: 15,
  interpolate: 16,
  /** 1: the safeguarded Newton search per SNP (LambdaSearch.snpMethod newton), 0: GEMMA's. */
  newtonSearch: 17,
  count: 18,
} as const;

/** Statistics lmmScan writes per SNP: out[s * b + j]. */
export const LmmOutput = {
  beta: 0,
  se: 1,
  logLikH1: 2,
  lambdaRemle: 3,
  lambdaMle: 4,
  waldF: 5,
  scoreF: 6,
  lrtStat: 7,
  count: 8,
} as const;

/** Scratch sizes eigenSizes writes (i32 each). */
export const EigenSize = {
  tridiagScratchDoubles: 0,
  dcThreadDoubles: 1,
  dcLevelEntries: 2,
  backBlockDoubles: 3,
  backThreadDoubles: 4,
  count: 5,
} as const;

/** Workspace descriptor of the multivariate LMM's per-SNP kernels (assembly/mvlmm.ts): f64 slots. */
export const MvSlot = {
  n: 0,
  stride: 1,
  d: 2,
  c: 3,
  eigenvalues: 4,
  inverseEigenvalues: 5,
  X: 6,
  Y: 7,
  xx: 8,
  xxt: 9,
  w: 10,
  yT: 11,
  yw: 12,
  bxT: 13,
  uT: 14,
  eT: 15,
  dl: 16,
  ultVehi: 17,
  qi: 18,
  bT: 19,
  xxti: 20,
  logDetH: 21,
  yHy: 22,
  qSums: 23,
  xHiy: 24,
  moments: 25,
  scratch: 26,
  wSums: 27,
  count: 28,
} as const;
