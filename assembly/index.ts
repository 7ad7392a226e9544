// Entry point of the lmmscan WASM kernels: flat f64 routines on imported shared memory, no runtime allocation.
export { gemm, gemmWorkBytes, zeroF64 } from './gemm';
export { tridiagonalize } from './tridiag';
export { qlInit, qlRun, applyRotations, sortEigen, setIdentityPanels, panelsToRows } from './ql';
export { prepareBlock, applyBlock, transposeRows } from './backtransform';
export { lmmPlanBytes, lmmPrepare, lmmScan, lmmWorkBytes } from './lmm';
