/** The WASM engine's public surface: single-threaded kernels, the worker pool, and the loader. */
export { wasmAccumulateKinship, wasmEigen, wasmRotate } from './kernels.js';
export { WasmPool } from './pool.js';
export { loadWasmKernels, relaxedSimdSupported } from './loader.js';
export type { SimdFlavour, WasmKernels } from './loader.js';
