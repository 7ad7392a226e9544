// Entry point of the lmmscan WASM kernels: flat f64 routines on imported shared memory, no runtime allocation.
export { gemm, gemmWorkBytes, zeroF64 } from './gemm';
export { kinshipFold } from './kinship-dd';
export { roundKinshipRows } from './kinship-round';
export {
  hardCallWeights, kinshipHardFold, kinshipIntTile, kinshipMissLimbs, packHardCalls, transposeHardCalls,
} from './kinship-int';
export { tridiagonalize, tridiagonalizePacked, tridiagPackedDoubles, tridiagReflector, tridiagSplitPanel, tridiagSplitSetup,
  tridiagSplitSymv, tridiagSplitTrail, tridiagW } from './tridiag';
export { teamInit, teamHelp, teamFinish, teamAbort } from './team';
export { dcEigen } from './dc';
export { eigenSizes } from './eigen';
export { backApply, backPrepare, backTransform } from './backtransform';
export { lmmFinish, lmmPlanBytes, lmmPrepare, lmmScan, lmmScanPlans, lmmWorkBytes } from './lmm';
export { interpBuild, interpEvaluate, interpFunctionCount, interpScratchBytes, interpTableBytes } from './lmm-interp';
export { dotPeak, fmaPeak, i16Gemm } from './peak';
export { tileApplyBlocks, tileBlockDoubles, tilePrepareBlocks, tileSecularAt, tileSecularDoubles, tileSecularRoots,
  tileSecularSetup, tileSecularZhat } from './eigen-tiles';
export { mvMoments, mvProducts, mvSums } from './mvlmm';
export { formatGeneral10 } from './format-rows';
export { parseRows } from './parse-rows';
export { rotateHard } from './rotate-hard';
export { countOtherEntries, packHardColumns } from './hard-columns';
export { asymmetricRows, centreRows, subsetRowSums } from './centre';
