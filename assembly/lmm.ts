// Per-SNP LMM tests for a range of a block's SNPs (src/stats/lmm-block.ts in flat memory): score, Wald (REML),
// LRT (ML) in GEMMA's order. The derivative at the 11 grid lambdas, the likelihood at both ends and the score
// projections are weighted sums that, for a chunk of SNPs, form one GEMM: the SNPs' product columns
// (x*w_k, x*x, x*y; chunk*(c+2) rows of n) times the plan's weight matrix (n x Q, below). GEMMA's Brent and Newton
// (or the safeguarded Newton search; lmm-lambda.ts) then refine each SNP with one SIMD pass over i per evaluation. Several traits of one unit
// share the products and sums that do not involve y (lmmScanPlans).
//
// Plan descriptor: f64 slots at `desc`, laid out by PlanSlot (layout.ts), written by src/engines/wasm/lmm.ts.
// Weight columns: [0, G) w_g = 1/(lambda_g d_i + 1); [G, 2G) w_g^2; 2G w at lMax; 2G+1 ones; 2G+2 w at the
// null ML lambda.
// Outputs: out[s*b + j] for statistic s of LmmOutput (layout.ts).
import { LmmOutput, PlanSlot } from './layout';
import { gridProduct } from './lmm-grid';
import { SUBREGIONS, interpBuild, interpFunctionCount, interpScratchBytes, interpTableBytes } from './lmm-interp';
import { bestEnd, calcLambda, calcLambdaNewton, fitLambda, fitLogLik, fitRowSaved, polishLambda } from './lmm-lambda';
import {
  ONES, PAD, abIndex, covPairCount, interpSetup, projIndexBytes, dev1, derivatives, loadRow0, logLikelihood, modelSetup, passRow0, pTableBytes,
  projXX, projXY, projXYY, projYY, projectAll, projectAllX, projectFirst, projectIab, projections, row0Bytes, selectSnpPairs,
  setIabRow0, setRow0, snpPairCount, useTables,
} from './lmm-likelihood';

/** SNPs per grid GEMM. */
const CHUNK: i32 = 32;

// @ts-ignore: decorator
@inline function at(base: usize, idx: i32): usize { return base + ((<usize>idx) << 3); }
// @ts-ignore: decorator
@inline function slot(desc: usize, k: i32): f64 { return load<f64>(at(desc, k)); }
// @ts-ignore: decorator
@inline function ptr(desc: usize, k: i32): usize { return <usize>slot(desc, k); }
// @ts-ignore: decorator
@inline function align8(bytes: i32): i32 { return (bytes + 63) & ~63; }

/** Columns of the weight matrix for G grid points: the 2G + 3 weight columns padded to even. */
export function lmmWeightColumns(nGrid: i32): i32 {
  return (2 * nGrid + 3 + 1) & ~1;
}

// Plan tables (one region): weights (n x Q'), covariate-only sums (Q' x n_index), traces (2G), covariate pairs
// (covPairCount x 2n), covariate map (2 covPairCount i32), SNP map (2 snpPairCount i32), the Chebyshev table of the
// covariate sums and its build scratch.
let tWeights: usize = 0, tShared: usize = 0, tTraces: usize = 0, tCovPairs: usize = 0, tCovMap: usize = 0, tSnpMap: usize = 0;
let tInterp: usize = 0, tInterpScratch: usize = 0;

function planTables(base: usize, n: i32, c: i32, nGrid: i32): i32 {
  const q = lmmWeightColumns(nGrid);
  const nIndex = ((c + 3) * (c + 2)) / 2;
  let p = base;
  tWeights = p; p += <usize>align8(n * q * 8);
  tShared = p; p += <usize>align8(q * nIndex * 8);
  tTraces = p; p += <usize>align8(2 * nGrid * 8);
  tCovPairs = p; p += <usize>align8(covPairCount(c) * 2 * n * 8);
  tCovMap = p; p += <usize>align8(covPairCount(c) * 2 * 4);
  tSnpMap = p; p += <usize>align8(snpPairCount(c) * 2 * 4);
  tInterp = p; p += <usize>align8(interpTableBytes(2 * covPairCount(c), (nGrid - 1) * SUBREGIONS));
  tInterpScratch = p; p += <usize>align8(interpScratchBytes(2 * covPairCount(c)));
  return <i32>(p - base);
}

/** Bytes of the plan tables region (descriptor slot 13). */
export function lmmPlanBytes(n: i32, nCvt: i32, nGrid: i32): i32 {
  return planTables(0, n, nCvt, nGrid);
}

/** Bytes of one thread's scratch for lmmScan. */
export function lmmWorkBytes(n: i32, nCvt: i32, nGrid: i32): i32 {
  const rows = CHUNK * 2 * snpPairCount(nCvt);
  return align8(rows * n * 8) + align8(rows * lmmWeightColumns(nGrid) * 8) + align8(3 * n * 8)
    + 4 * align8(pTableBytes(nCvt)) + 2 * align8(nGrid * 8) + align8(projIndexBytes(nCvt)) + 3 * row0Bytes(nCvt)
    + align8(interpFunctionCount(2 * covPairCount(nCvt)) * 8) + 2 * nGrid * align8(pTableBytes(nCvt));
}

/**
 * Fills the plan tables (slot 13): covariate products as interleaved pairs with a column of ones, their maps,
 * the weight matrix, the covariate-only sums at every weight column, the traces at the grid; log|H| at the ends.
 */
export function lmmPrepare(desc: usize): void {
  const n = <i32>slot(desc, PlanSlot.n), c = <i32>slot(desc, PlanSlot.nCvt), nGrid = <i32>slot(desc, PlanSlot.nGrid);
  const lMin = slot(desc, PlanSlot.lMin), lMax = slot(desc, PlanSlot.lMax), lNull = slot(desc, PlanSlot.nullLambda);
  const d = ptr(desc, PlanSlot.eigenvalues), table = ptr(desc, PlanSlot.productTable), cvt = ptr(desc, PlanSlot.rotatedCovariates), y = ptr(desc, PlanSlot.rotatedPhenotype), grid = ptr(desc, PlanSlot.grid);
  planTables(ptr(desc, PlanSlot.tables), n, c, nGrid);
  const q = lmmWeightColumns(nGrid);
  const nIndex = ((c + 3) * (c + 2)) / 2;
  const nPairs = covPairCount(c);
  // Products of the covariate and phenotype columns (GEMMA's CalcUab without x), then the virtual columns.
  memory.fill(tCovPairs, 0, (<usize>(nPairs * 2 * n)) << 3);
  let v = 0;
  for (let a = 1; a <= c + 2; a++) {
    if (a == c + 1) continue;
    const va = a == c + 2 ? y : at(cvt, (a - 1) * n);
    for (let bb = a; bb <= c + 2; bb++) {
      if (bb == c + 1) continue;
      const vb = bb == c + 2 ? y : at(cvt, (bb - 1) * n);
      const col = abIndex(a, bb, c);
      const dst = at(table, col * n);
      const pair = at(tCovPairs, (v >> 1) * 2 * n + (v & 1));
      for (let i = 0; i < n; i++) {
        const prod = load<f64>(at(va, i)) * load<f64>(at(vb, i));
        store<f64>(at(dst, i), prod);
        store<f64>(at(pair, 2 * i), prod);
      }
      store<i32>(tCovMap + ((<usize>v) << 2), col);
      v++;
    }
  }
  const ones = at(tCovPairs, (v >> 1) * 2 * n + (v & 1));
  for (let i = 0; i < n; i++) store<f64>(at(ones, 2 * i), 1.0);
  store<i32>(tCovMap + ((<usize>v) << 2), ONES);
  for (v++; v < 2 * nPairs; v++) store<i32>(tCovMap + ((<usize>v) << 2), PAD);
  for (let k = 0; k < 2 * snpPairCount(c); k++) {
    store<i32>(tSnpMap + ((<usize>k) << 2), k < c + 2 ? abIndex(c + 1, k + 1, c) : PAD);
  }

  memory.fill(tWeights, 0, (<usize>(q * n)) << 3);
  for (let i = 0; i < n; i++) {
    const di = load<f64>(at(d, i));
    const row = at(tWeights, i * q);
    for (let g = 0; g < nGrid; g++) {
      const w = 1.0 / (load<f64>(at(grid, g)) * di + 1.0);
      store<f64>(at(row, g), w);
      store<f64>(at(row, nGrid + g), w * w);
    }
    store<f64>(at(row, 2 * nGrid), 1.0 / (lMax * di + 1.0));
    store<f64>(at(row, 2 * nGrid + 1), 1.0);
    store<f64>(at(row, 2 * nGrid + 2), 1.0 / (lNull * di + 1.0));
  }
  // Covariate-only sums at every weight column, in i order as the oracle's firstRows.
  memory.fill(tShared, 0, (<usize>(q * nIndex)) << 3);
  for (let a = 1; a <= c + 2; a++) {
    if (a == c + 1) continue;
    for (let bb = a; bb <= c + 2; bb++) {
      if (bb == c + 1) continue;
      const col = abIndex(a, bb, c);
      const src = at(table, col * n);
      for (let k = 0; k < q; k++) {
        let sum = 0.0;
        for (let i = 0; i < n; i++) sum += load<f64>(at(tWeights, i * q + k)) * load<f64>(at(src, i));
        store<f64>(at(tShared, k * nIndex + col), sum);
      }
    }
  }
  for (let g = 0; g < nGrid; g++) {
    let t1 = 0.0, t2 = 0.0;
    for (let i = 0; i < n; i++) {
      t1 += load<f64>(at(tWeights, i * q + g));
      t2 += load<f64>(at(tWeights, i * q + nGrid + g));
    }
    store<f64>(at(tTraces, g), t1);
    store<f64>(at(tTraces, nGrid + g), t2);
  }
  let lo = 0.0, hi = 0.0;
  for (let i = 0; i < n; i++) {
    const di = load<f64>(at(d, i));
    lo += Math.log(Math.abs(lMin * di + 1.0));
    hi += Math.log(Math.abs(lMax * di + 1.0));
  }
  store<f64>(at(desc, PlanSlot.logDetLo), lo);
  store<f64>(at(desc, PlanSlot.logDetHi), hi);
  if (slot(desc, PlanSlot.interpolate) != 0.0) {
    const ok = interpBuild(tInterp, n, d, tCovPairs, 2 * nPairs, lMin, lMax, (nGrid - 1) * SUBREGIONS, tInterpScratch);
    store<f64>(at(desc, PlanSlot.interpolate), ok ? 1.0 : 0.0);
  }
}

// Per-call layout, shared by the helpers below (set at the top of lmmScan; one instance per thread).
let C_: i32 = 0, NINDEX_: i32 = 0, Q_: i32 = 0, N_: i32 = 0, SNP_ROWS_: i32 = 0;
let gridSums_: usize = 0, products_: usize = 0;

// Row 0 of P (weight column q1) and PP (q2, or zeros when q2 < 0) for chunk SNP jj from the grid product; the SNP's
// own sums for P from column snp1 (q1 unless given: lmmFinish's float64 sums at lMin).
function fillRow0(jj: i32, q1: i32, q2: i32, snp1: i32 = -1): void {
  const nIndex = NINDEX_, c = C_, q = Q_;
  const s1 = snp1 < 0 ? q1 : snp1;
  for (let col = 0; col < nIndex; col++) {
    setRow0(col, load<f64>(at(tShared, q1 * nIndex + col)), q2 >= 0 ? load<f64>(at(tShared, q2 * nIndex + col)) : 0.0);
  }
  for (let k = 0; k < c + 2; k++) {
    const row = at(gridSums_, (jj * SNP_ROWS_ + k) * q);
    setRow0(abIndex(c + 1, k + 1, c), load<f64>(at(row, s1)), q2 >= 0 ? load<f64>(at(row, q2)) : 0.0);
  }
}

// Makes chunk SNP jj's products the model's x columns; fills and projects the unweighted table.
function selectSnp(jj: i32, ones: i32): void {
  const nIndex = NINDEX_, c = C_, q = Q_;
  for (let col = 0; col < nIndex; col++) setIabRow0(col, load<f64>(at(tShared, ones * nIndex + col)));
  for (let k = 0; k < c + 2; k++) {
    setIabRow0(abIndex(c + 1, k + 1, c), load<f64>(at(gridSums_, (jj * SNP_ROWS_ + k) * q + ones)));
  }
  selectSnpPairs(at(products_, jj * SNP_ROWS_ * N_));
  projectIab();
}

// Per-plan state of the current call, set by usePlan (one instance per thread).
let mode_: i32 = 0, newton_: bool = false, nGrid_: i32 = 0, lMin_: f64 = 0, lMax_: f64 = 0, logLikNull_: f64 = 0;
let cvt_: usize = 0, y_: usize = 0, grid_: usize = 0, logDetLo_: f64 = 0, logDetHi_: f64 = 0;
// This thread's scratch regions (lmmWorkBytes), laid out by usePlan.
let slopesR_: usize = 0, slopesL_: usize = 0, savedRows_: usize = 0, rowBytes_: i32 = 0;
// The model's own P and PP tables, and per grid point g a P and a PP table (at gridTables_ + 2g and 2g + 1 times
// tableBytes_) holding the plan's projections that do not involve x (fillGridTables).
let pab_: usize = 0, ppab_: usize = 0, gridTables_: usize = 0, tableBytes_: usize = 0;

// Points the kernel at the plan at desc and lays out this thread's scratch at work.
function usePlan(desc: usize, work: usize): void {
  const n = <i32>slot(desc, PlanSlot.n), c = <i32>slot(desc, PlanSlot.nCvt), nGrid = <i32>slot(desc, PlanSlot.nGrid);
  mode_ = <i32>slot(desc, PlanSlot.testMode);
  newton_ = slot(desc, PlanSlot.newtonSearch) != 0.0;
  nGrid_ = nGrid;
  lMin_ = slot(desc, PlanSlot.lMin);
  lMax_ = slot(desc, PlanSlot.lMax);
  logLikNull_ = slot(desc, PlanSlot.nullLogLik);
  cvt_ = ptr(desc, PlanSlot.rotatedCovariates);
  y_ = ptr(desc, PlanSlot.rotatedPhenotype);
  grid_ = ptr(desc, PlanSlot.grid);
  logDetLo_ = slot(desc, PlanSlot.logDetLo);
  logDetHi_ = slot(desc, PlanSlot.logDetHi);
  planTables(ptr(desc, PlanSlot.tables), n, c, nGrid);
  const q = lmmWeightColumns(nGrid);
  const nIndex = ((c + 3) * (c + 2)) / 2;
  const snpRows = 2 * snpPairCount(c);
  const rows = CHUNK * snpRows;
  let p = work;
  const products = p; p += align8(rows * n * 8);
  const gridSums = p; p += align8(rows * q * 8);
  const w = p; p += align8(3 * n * 8);
  const pab = p; p += align8(pTableBytes(c));
  const ppab = p; p += align8(pTableBytes(c));
  const pppab = p; p += align8(pTableBytes(c));
  const iab = p; p += align8(pTableBytes(c));
  slopesR_ = p; p += align8(nGrid * 8);
  slopesL_ = p; p += align8(nGrid * 8);
  const projIdx = p; p += align8(projIndexBytes(c));
  savedRows_ = p; p += 3 * <usize>row0Bytes(c);
  const interpOut = p; p += align8(interpFunctionCount(2 * covPairCount(c)) * 8);
  gridTables_ = p;
  tableBytes_ = align8(pTableBytes(c));
  rowBytes_ = row0Bytes(c);
  modelSetup(n, c, ptr(desc, PlanSlot.eigenvalues), w, pab, ppab, pppab, iab, tCovPairs, tCovMap, tSnpMap, projIdx);
  interpSetup(slot(desc, PlanSlot.interpolate) != 0.0 ? tInterp : 0, (nGrid - 1) * SUBREGIONS, lMin_, lMax_, interpOut);
  C_ = c; NINDEX_ = nIndex; Q_ = q; N_ = n; SNP_ROWS_ = snpRows;
  loColumn_ = 0;
  gridSums_ = gridSums; products_ = products;
  pab_ = pab; ppab_ = ppab;
  fillGridTables();
}

// The plan's part of the grid phase, once per plan and chunk: at each grid point the projections of row 0's
// covariate and phenotype sums (every entry without x; those with x are projected per SNP by projectAllX).
function fillGridTables(): void {
  const nIndex = NINDEX_, nGrid = nGrid_;
  for (let g = 0; g < nGrid; g++) {
    const tp = gridTables_ + 2 * <usize>g * tableBytes_;
    useTables(tp, tp + tableBytes_);
    for (let col = 0; col < nIndex; col++) {
      setRow0(col, load<f64>(at(tShared, g * nIndex + col)), load<f64>(at(tShared, (nGrid + g) * nIndex + col)));
    }
    projectAll(false);
  }
  useTables(pab_, ppab_);
}

// Product column k (x*w_k, x*x, then x*y) of chunk SNP jj (SNP x of the block) into its interleaved pair lane.
function productColumn(x: usize, jj: i32, k: i32): void {
  const n = N_, c = C_;
  const dst = at(products_, (jj * (SNP_ROWS_ >> 1) + (k >> 1)) * 2 * n + (k & 1));
  const other = k < c ? at(cvt_, k * n) : k == c ? x : y_;
  for (let i = 0; i < n; i++) store<f64>(at(dst, 2 * i), load<f64>(at(x, i)) * load<f64>(at(other, i)));
}

// The chunk's x product columns (GEMMA's CalcUab for the SNP) as interleaved pairs (virtual column k of SNP jj at
// products + ((jj*snpPairs + k/2)*2n + 2i + k%2)*8), padding zero.
function chunkProducts(x: usize, c0: i32, count: i32): void {
  const n = N_;
  memory.fill(products_, 0, (<usize>(count * SNP_ROWS_ * n)) << 3);
  for (let jj = 0; jj < count; jj++) {
    const xs = at(x, (c0 + jj) * n);
    for (let k = 0; k < C_ + 2; k++) productColumn(xs, jj, k);
  }
}

// The score test of chunk SNP jj (block SNP j) at the null ML lambda into out.
function scoreInto(jj: i32, j: i32, b: i32, out: usize): void {
  const df = <f64>(N_ - C_ - 1);
  fillRow0(jj, 2 * nGrid_ + 2, -1);
  projectFirst();
  projections();
  const tau = df / projXYY;
  store<f64>(at(out, LmmOutput.beta * b + j), projXY / projXX);
  store<f64>(at(out, LmmOutput.se * b + j), Math.sqrt(1.0 / (tau * projXX)));
  store<f64>(at(out, LmmOutput.scoreF * b + j), (<f64>N_ * projXY * projXY) / (projYY * projXX));
}

// The derivative of the REML (doReml) and ML (doMl) likelihoods at every grid lambda for chunk SNP jj, into the
// thread's slopes regions.
function gridSlopes(jj: i32, doReml: bool, doMl: bool): void {
  const nGrid = nGrid_, grid = grid_, c = C_, q = Q_;
  const row = at(gridSums_, jj * SNP_ROWS_ * q);
  for (let g = 0; g < nGrid; g++) {
    // The grid point's tables already hold the plan's projections: only x's row 0 sums and entries change.
    const tp = gridTables_ + 2 * <usize>g * tableBytes_;
    useTables(tp, tp + tableBytes_);
    for (let k = 0; k < c + 2; k++) {
      setRow0(abIndex(c + 1, k + 1, c), load<f64>(at(row, k * q + g)), load<f64>(at(row, k * q + nGrid + g)));
    }
    projectAllX();
    const lambda = load<f64>(at(grid, g));
    const tr1 = load<f64>(at(tTraces, g)), tr2 = load<f64>(at(tTraces, nGrid + g));
    if (doReml) { derivatives(1, lambda, false, tr1, tr2); store<f64>(at(slopesR_, g), dev1); }
    if (doMl) { derivatives(2, lambda, false, tr1, tr2); store<f64>(at(slopesL_, g), dev1); }
  }
  useTables(pab_, ppab_);
}

// The weight column whose sums give the likelihood at lMin: 0 (w at the first grid lambda, lMin), or in lmmFinish
// the padding column 2G + 3, where it keeps float64 sums while column 0 keeps the GPU's for the grid slopes.
let loColumn_: i32 = 0;

// Both likelihoods at lMin and lMax for chunk SNP jj (from its sums at weight columns loColumn_ and 2G).
let loR_: f64 = 0, loL_: f64 = 0, hiR_: f64 = 0, hiL_: f64 = 0;
function endLikelihoods(jj: i32): void {
  fillRow0(jj, 0, -1, loColumn_);
  projectFirst();
  loR_ = logLikelihood(1, logDetLo_);
  loL_ = logLikelihood(2, logDetLo_);
  fillRow0(jj, 2 * nGrid_, -1);
  projectFirst();
  hiR_ = logLikelihood(1, logDetHi_);
  hiL_ = logLikelihood(2, logDetHi_);
}

// The REML fit's results (fitLambda and fitLogLik of the search just run) and the Wald test at its lambda into out.
function waldInto(jj: i32, j: i32, b: i32, out: usize): void {
  const df = <f64>(N_ - C_ - 1);
  const lambda = fitLambda;
  store<f64>(at(out, LmmOutput.lambdaRemle * b + j), lambda);
  store<f64>(at(out, LmmOutput.logLikH1 * b + j), fitLogLik);
  if (lambda == lMin_) fillRow0(jj, 0, -1, loColumn_);
  else if (lambda == lMax_) fillRow0(jj, 2 * nGrid_, -1);
  else if (fitRowSaved) loadRow0(savedRows_ + 2 * <usize>rowBytes_);
  else passRow0(lambda, 1, false);
  projectFirst();
  projections();
  const tau = df / projXYY;
  store<f64>(at(out, LmmOutput.beta * b + j), projXY / projXX);
  store<f64>(at(out, LmmOutput.se * b + j), Math.sqrt(1.0 / (tau * projXX)));
  store<f64>(at(out, LmmOutput.waldF * b + j), (projYY - projXYY) * tau);
}

// The ML fit's results (the search just run) and the likelihood ratio statistic into out.
function lrtInto(j: i32, b: i32, out: usize): void {
  store<f64>(at(out, LmmOutput.lambdaMle * b + j), fitLambda);
  store<f64>(at(out, LmmOutput.logLikH1 * b + j), fitLogLik);
  store<f64>(at(out, LmmOutput.lrtStat * b + j), 2 * (fitLogLik - logLikNull_));
}

// The lambda search of the plan (GEMMA's or the safeguarded Newton) for kind 1 (REML) or 2 (ML) from its grid slopes.
function search(kind: i32, slopes: usize, logLikLo: f64, logLikHi: f64): void {
  if (newton_) calcLambdaNewton(kind, grid_, slopes, nGrid_, lMin_, lMax_, logLikLo, logLikHi, savedRows_, rowBytes_);
  else calcLambda(kind, grid_, slopes, nGrid_, lMin_, lMax_, logLikLo, logLikHi, savedRows_, rowBytes_);
}

// Tests chunk SNPs [0, count) (block SNPs c0..) against the current plan from the chunk's products and grid sums.
function testChunk(c0: i32, count: i32, b: i32, out: usize): void {
  const mode = mode_;
  const ones = 2 * nGrid_ + 1;
  // Mode 9 (GEMMA 0.98.5): the score test's beta and se with the likelihood ratio test.
  const doScore = mode == 3 || mode == 4 || mode == 9, doReml = mode == 1 || mode == 4;
  const doMl = mode == 2 || mode == 4 || mode == 9;
  for (let jj = 0; jj < count; jj++) {
    const j = c0 + jj;
    for (let s = 0; s < <i32>LmmOutput.count; s++) store<f64>(at(out, s * b + j), NaN);
    selectSnp(jj, ones);
    if (doScore) scoreInto(jj, j, b, out);
    if (!doReml && !doMl) continue;
    gridSlopes(jj, doReml, doMl);
    endLikelihoods(jj);
    if (doReml) {
      search(1, slopesR_, loR_, hiR_);
      waldInto(jj, j, b, out);
    }
    if (doMl) {
      search(2, slopesL_, loL_, hiL_);
      lrtInto(j, b, out);
    }
  }
}

/**
 * Tests SNPs [j0, j1) of a block (rotated, SNP-major b x n at x) against the plan at desc; out: LmmOutput.count x b.
 * work: lmmWorkBytes of this thread's own scratch. given: 0, or the block's grid sums computed elsewhere (the GPU,
 * shaders/lmm_grid.wgsl): given[((j * (c + 2)) + k) * Q + t] for SNP j's product column k and weight column t of
 * the plan's weight matrix (Q = lmmWeightColumns), used instead of this thread's grid product.
 */
export function lmmScan(desc: usize, x: usize, b: i32, j0: i32, j1: i32, out: usize, work: usize, given: usize): void {
  usePlan(desc, work);
  const c = C_, q = Q_;
  for (let c0 = j0; c0 < j1; c0 += CHUNK) {
    const count = min(CHUNK, j1 - c0);
    chunkProducts(x, c0, count);
    if (given == 0) gridProduct(products_, count * (SNP_ROWS_ >> 1), N_, tWeights, q, gridSums_, q);
    else {
      for (let jj = 0; jj < count; jj++) {
        for (let k = 0; k < c + 2; k++) {
          memory.copy(at(gridSums_, (jj * SNP_ROWS_ + k) * q), at(given, ((c0 + jj) * (c + 2) + k) * q), (<usize>q) << 3);
        }
      }
    }
    testChunk(c0, count, b, out);
  }
}

/**
 * lmmScan for nPlans plans of one unit (same n, eigenvalues, covariates, grid and test mode; one phenotype each):
 * descs and outs hold nPlans f64 addresses (each plan's descriptor and LmmOutput.count x b output). Per chunk of
 * SNPs the products that do not involve y (x*w_k, x*x) and all their grid sums are made once for every plan; per
 * plan only the x*y column, its pair's grid sums and the sums at the plan's null lambda are made again. Results are
 * bitwise lmmScan's for each plan (every sum runs over i in the same order).
 */
export function lmmScanPlans(descs: usize, outs: usize, nPlans: i32, x: usize, b: i32, j0: i32, j1: i32, work: usize): void {
  usePlan(<usize>load<f64>(descs), work);
  const c = C_, n = N_, q = Q_, nGrid = nGrid_;
  const wNull = 2 * nGrid + 2;
  const pairY = (c + 1) >> 1;
  for (let c0 = j0; c0 < j1; c0 += CHUNK) {
    const count = min(CHUNK, j1 - c0);
    for (let t = 0; t < nPlans; t++) {
      usePlan(<usize>load<f64>(at(descs, t)), work);
      if (t == 0) {
        chunkProducts(x, c0, count);
        gridProduct(products_, count * (SNP_ROWS_ >> 1), n, tWeights, q, gridSums_, q);
      } else {
        for (let jj = 0; jj < count; jj++) {
          productColumn(at(x, (c0 + jj) * n), jj, c + 1);
          const pair = jj * (SNP_ROWS_ >> 1) + pairY;
          gridProduct(at(products_, pair * 2 * n), 1, n, tWeights, q, at(gridSums_, 2 * pair * q), q);
          // The other pairs' sums at this plan's null lambda (the one weight column that differs by plan), both
          // columns of a pair per f64x2 lane, each summed over i in order with a separate multiply and add as
          // gridProduct does (bitwise its sums).
          for (let k = 0; k < SNP_ROWS_ >> 1; k++) {
            if (k == pairY) continue;
            const src = at(products_, (jj * (SNP_ROWS_ >> 1) + k) * 2 * n);
            let sum = f64x2.splat(0.0);
            let w = at(tWeights, wNull);
            for (let i = 0; i < n; i++) {
              sum = f64x2.add(sum, f64x2.mul(v128.load(at(src, 2 * i)), v128.load64_splat(w)));
              w += (<usize>q) << 3;
            }
            store<f64>(at(gridSums_, (jj * SNP_ROWS_ + 2 * k) * q + wNull), f64x2.extract_lane(sum, 0));
            store<f64>(at(gridSums_, (jj * SNP_ROWS_ + 2 * k + 1) * q + wNull), f64x2.extract_lane(sum, 1));
          }
        }
      }
      testChunk(c0, count, b, <usize>load<f64>(at(outs, t)));
    }
  }
}

// Where the GPU's double-single slopes are not trusted (the constants of src/engines/webgpu/lmm-tests.ts): a sign
// change below this lambda (the rounding-noise regime), or a slope below SIGN_MARGIN n / lambda (the size of its
// terms), whose sign is in doubt.
const NOISE_LAMBDA: f64 = 1e-3;
const SIGN_MARGIN: f64 = 1e-10;

// False when the grid slopes at `slopes` cannot be trusted in double-single (src/engines/webgpu/lmm-tests.ts
// trustedSlopes, test for test).
function trustedSlopes(slopes: usize): bool {
  const nGrid = nGrid_, grid = grid_, n = <f64>N_;
  for (let t = 0; t < nGrid; t++) {
    const s = load<f64>(at(slopes, t));
    const lambda = load<f64>(at(grid, t));
    if (!isFinite(s) || Math.abs(s) < (SIGN_MARGIN * n) / lambda) return false;
    if (t + 1 < nGrid && s * load<f64>(at(slopes, t + 1)) <= 0 && lambda < NOISE_LAMBDA) return false;
  }
  return true;
}

// Chunk SNP jj's sums at the weights of lMin (into the padding column 2G + 3: loColumn_), lMax (2G), ones (2G + 1)
// and the null lambda (2G + 2) in float64, as gridProduct sums them (i in order, no fused multiply-add): the ends'
// likelihoods and the score and Wald tests come from these, the GPU's sums serve only the grid slopes.
function exactColumns(jj: i32): void {
  const n = N_, q = Q_, nGrid = nGrid_;
  for (let k = 0; k < C_ + 2; k++) {
    const src = at(products_, (jj * (SNP_ROWS_ >> 1) + (k >> 1)) * 2 * n + (k & 1));
    const row = at(gridSums_, (jj * SNP_ROWS_ + k) * q);
    let sLo = 0.0, sHi = 0.0, sOnes = 0.0, sNull = 0.0;
    for (let i = 0; i < n; i++) {
      const v = load<f64>(at(src, 2 * i));
      const w = at(tWeights, i * q);
      sLo += v * load<f64>(w);
      sHi += v * load<f64>(at(w, 2 * nGrid));
      sOnes += v * load<f64>(at(w, 2 * nGrid + 1));
      sNull += v * load<f64>(at(w, 2 * nGrid + 2));
    }
    store<f64>(at(row, 2 * nGrid + 3), sLo);
    store<f64>(at(row, 2 * nGrid), sHi);
    store<f64>(at(row, 2 * nGrid + 1), sOnes);
    store<f64>(at(row, 2 * nGrid + 2), sNull);
  }
}

// The fit of one kind from its grid slopes and the GPU's lambda (NaN: none usable), as lmm-finish.ts decides it: no
// cell holding a maximum, the better end; one, holding the GPU's lambda, that lambda polished; otherwise (or with
// untrusted slopes, recomputed in float64 by the caller) the plan's full search. True when the full search ran.
function finishFit(kind: i32, slopes: usize, untrusted: bool, lambda: f64, logLikLo: f64, logLikHi: f64): bool {
  if (untrusted) {
    search(kind, slopes, logLikLo, logLikHi);
    return true;
  }
  const nGrid = nGrid_, grid = grid_;
  let maxima = 0, cell = 0;
  for (let t = 0; t + 1 < nGrid; t++) {
    const a = load<f64>(at(slopes, t)), c = load<f64>(at(slopes, t + 1));
    if (a >= 0 && c <= 0 && (a != 0 || c != 0)) { maxima++; cell = t; }
  }
  if (maxima == 0) {
    bestEnd(lMin_, lMax_, logLikLo, logLikHi);
    return false;
  }
  const lo = load<f64>(at(grid, cell)), hi = load<f64>(at(grid, cell + 1));
  if (maxima == 1 && lambda >= lo && lambda <= hi) {
    polishLambda(kind, lambda, lo, hi, lMin_, lMax_, logLikLo, logLikHi, savedRows_, rowBytes_);
    return false;
  }
  search(kind, slopes, logLikLo, logLikHi);
  return true;
}

/**
 * The float64 finish of SNPs [j0, j1) whose lambdas the GPU refined (src/engines/webgpu/lmm-finish.ts, decision for
 * decision): slopes from the GPU's grid sums `given` (layout of lmmScan's), float64 sums at the ends, ones and null
 * columns, then per kind the polish of the GPU's lambda or, where lmm-finish.ts would, the full search; a SNP whose
 * slopes are not trusted gets its grid sums recomputed here in float64 first. refined: per SNP its kinds' GPU
 * lambdas (REML before ML, as the plan tests them; NaN where the GPU did not converge). cpuFlags[j]: set to 1 when a
 * kind of SNP j ran the full search, else 0. Other arguments as lmmScan's.
 */
export function lmmFinish(
  desc: usize, x: usize, b: i32, j0: i32, j1: i32, out: usize, work: usize, given: usize, refined: usize, cpuFlags: usize,
): void {
  usePlan(desc, work);
  loColumn_ = 2 * nGrid_ + 3; // lmmWeightColumns pads 2G + 3 columns to 2G + 4
  const c = C_, q = Q_, mode = mode_, ones = 2 * nGrid_ + 1;
  const doScore = mode == 3 || mode == 4 || mode == 9, doReml = mode == 1 || mode == 4;
  const doMl = mode == 2 || mode == 4 || mode == 9;
  const kinds = (doReml ? 1 : 0) + (doMl ? 1 : 0);
  for (let c0 = j0; c0 < j1; c0 += CHUNK) {
    const count = min(CHUNK, j1 - c0);
    chunkProducts(x, c0, count);
    for (let jj = 0; jj < count; jj++) {
      for (let k = 0; k < c + 2; k++) {
        memory.copy(at(gridSums_, (jj * SNP_ROWS_ + k) * q), at(given, ((c0 + jj) * (c + 2) + k) * q), (<usize>q) << 3);
      }
    }
    for (let jj = 0; jj < count; jj++) {
      const j = c0 + jj;
      for (let s = 0; s < <i32>LmmOutput.count; s++) store<f64>(at(out, s * b + j), NaN);
      store<f64>(at(cpuFlags, j), 0.0);
      exactColumns(jj);
      selectSnp(jj, ones);
      if (doScore) scoreInto(jj, j, b, out);
      if (kinds == 0) continue;
      gridSlopes(jj, doReml, doMl);
      const badR = doReml && !trustedSlopes(slopesR_), badL = doMl && !trustedSlopes(slopesL_);
      if (badR || badL) {
        gridProduct(at(products_, jj * SNP_ROWS_ * N_), SNP_ROWS_ >> 1, N_, tWeights, q, at(gridSums_, jj * SNP_ROWS_ * q), q);
        exactColumns(jj); // the padding column again
        gridSlopes(jj, badR, badL);
      }
      endLikelihoods(jj);
      let cpu = false;
      if (doReml) {
        if (finishFit(1, slopesR_, badR, load<f64>(at(refined, j * kinds)), loR_, hiR_)) cpu = true;
        waldInto(jj, j, b, out);
      }
      if (doMl) {
        if (finishFit(2, slopesL_, badL, load<f64>(at(refined, j * kinds + kinds - 1)), loL_, hiL_)) cpu = true;
        lrtInto(j, b, out);
      }
      if (cpu) store<f64>(at(cpuFlags, j), 1.0);
    }
  }
}
