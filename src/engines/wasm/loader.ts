/**
 * Loads the AssemblyScript kernels (build/lmmscan-{relaxed,simd}.wasm) once per process. The relaxed-SIMD build
 * (fused f64x2.relaxed_madd) is used when the engine accepts it, else the plain SIMD build.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { wasmPath } from './paths.js';

export type SimdFlavour = 'relaxed' | 'simd';

/** The kernels' exports; pointers are byte offsets into the shared memory, sizes are element counts. */
export interface KernelExports {
  gemm(
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rsB: number,
    csB: number,
    c: number,
    ldc: number,
    work: number,
  ): void;
  gemmWorkBytes(): number;
  fmaPeak(iters: number, seed: number): number;
  dotPeak(iters: number, seed: number, i8: number): number;
  i16Gemm(mPanels: number, nPanels: number, pairs: number, pa: number, pb: number, c: number): void;
  zeroF64(ptr: number, count: number): void;
  kinshipFold(rows: number, cols: number, p: number, ldp: number, hi: number, lo: number, ldk: number): void;
  countOtherEntries(n: number, x: number, j0: number, j1: number, others: number): void;
  packHardColumns(
    n: number,
    x: number,
    h0: number,
    h1: number,
    rowOf: number,
    groups: number,
    codes: number,
    corrStart: number,
    corrRow: number,
    corrValue: number,
  ): void;
  rotateHard(
    n: number,
    w: number,
    u: number,
    ldU: number,
    count: number,
    codes: number,
    groups: number,
    corrStart: number,
    corrRow: number,
    corrValue: number,
    out: number,
    ldOut: number,
    rowOf: number,
    tables: number,
    acc: number,
  ): void;
  packHardCalls(
    i0: number,
    i1: number,
    n: number,
    b: number,
    codes: number,
    rowPacked: number,
    colPacked: number,
  ): void;
  kinshipIntTile(
    rowPanels: number,
    colPanels: number,
    rowPacked: number,
    colPacked: number,
    quads: number,
    r0: number,
    c0: number,
    p: number,
    ldp: number,
  ): void;
  kinshipHardFold(
    rows: number,
    cols: number,
    p: number,
    ldp: number,
    r0: number,
    c0: number,
    b: number,
    codes: number,
    means: number,
    missStart: number,
    missSnp: number,
    wHi: number,
    wLo: number,
    hi: number,
    lo: number,
    ldk: number,
    zHi: number,
    zLo: number,
    colMask: number,
    words: number,
    bits: number,
    bitWords: number,
  ): void;
  transposeHardCalls(
    i0: number,
    i1: number,
    n: number,
    b: number,
    nPad: number,
    codes: number,
    xT: number,
    bits: number,
    bitWords: number,
  ): void;
  kinshipMissLimbs(
    rows: number,
    cols: number,
    r0: number,
    c0: number,
    b: number,
    nPad: number,
    xT: number,
    limbs: number,
    missStart: number,
    missSnp: number,
    zHi: number,
    zLo: number,
    ldz: number,
    rowMask: number,
    colMask: number,
    words: number,
  ): void;
  hardCallWeights(
    i0: number,
    i1: number,
    b: number,
    codes: number,
    means: number,
    missStart: number,
    missSnp: number,
    cHi: number,
    cLo: number,
    wHi: number,
    wLo: number,
  ): void;
  tridiagonalize(
    n: number,
    a: number,
    d: number,
    e: number,
    tau: number,
    scratch: number,
    works: number,
    team: number,
    ctx: number,
  ): void;
  teamInit(team: number, threads: number): void;
  teamHelp(team: number, tid: number): void;
  teamFinish(team: number): void;
  teamAbort(team: number): void;
  dcEigen(
    n: number,
    d: number,
    e: number,
    qt: number,
    big: number,
    small: number,
    levels: number,
    works: number,
    team: number,
    ctx: number,
    status: number,
  ): void;
  eigenSizes(n: number, out: number): void;
  backTransform(
    n: number,
    a: number,
    tau: number,
    zt: number,
    blocks: number,
    w: number,
    works: number,
    team: number,
    ctx: number,
  ): void;
  backPrepare(
    n: number,
    a: number,
    tau: number,
    blocks: number,
    w: number,
    works: number,
    team: number,
    ctx: number,
  ): void;
  backApply(
    n: number,
    out: number,
    zt: number,
    blocks: number,
    w: number,
    works: number,
    team: number,
    ctx: number,
  ): void;
  tileBlockDoubles(n: number): number;
  tilePrepareBlocks(
    n: number,
    a: number,
    tau: number,
    b0: number,
    b1: number,
    out: number,
    rows: number,
  ): void;
  tridiagPackedDoubles(n: number): number;
  tridiagSplitSetup(
    ctx: number,
    n: number,
    a: number,
    vw: number,
    y: number,
    d: number,
    e: number,
    tau: number,
    works: number,
  ): void;
  tridiagSplitPanel(ctx: number, s: number): void;
  tridiagReflector(ctx: number, jj: number, tid: number): void;
  tridiagSplitSymv(ctx: number, jj: number, r0: number, r1: number, part: number): void;
  tridiagW(ctx: number, jj: number, tid: number): void;
  tridiagSplitTrail(ctx: number, r0: number, r1: number, tid: number): void;
  tridiagonalizePacked(
    n: number,
    a: number,
    d: number,
    e: number,
    tau: number,
    scratch: number,
    works: number,
    team: number,
    ctx: number,
  ): void;
  tileApplyBlocks(
    n: number,
    zt: number,
    r0: number,
    r1: number,
    blocks: number,
    b0: number,
    b1: number,
    w: number,
    work: number,
  ): void;
  tileSecularDoubles(k: number): number;
  tileSecularSetup(
    ctx: number,
    k: number,
    small: number,
    lambda: number,
    rho: number,
    status: number,
    threads: number,
  ): void;
  tileSecularAt(ctx: number, which: number): number;
  tileSecularRoots(ctx: number, part: number, parts: number, tid: number): void;
  tileSecularZhat(ctx: number, part: number, parts: number): void;
  lmmPrepare(desc: number): void;
  lmmScan(
    desc: number,
    x: number,
    b: number,
    j0: number,
    j1: number,
    out: number,
    work: number,
    given: number,
  ): void;
  lmmFinish(
    desc: number,
    x: number,
    b: number,
    j0: number,
    j1: number,
    out: number,
    work: number,
    given: number,
    refined: number,
    cpuFlags: number,
  ): void;
  lmmScanPlans(
    descs: number,
    outs: number,
    nPlans: number,
    x: number,
    b: number,
    j0: number,
    j1: number,
    work: number,
  ): void;
  lmmWorkBytes(n: number, nCvt: number, nGrid: number): number;
  lmmPlanBytes(n: number, nCvt: number, nGrid: number): number;
  interpBuild(
    table: number,
    n: number,
    d: number,
    pairs: number,
    g: number,
    lMin: number,
    lMax: number,
    regions: number,
    scratch: number,
  ): number;
  interpEvaluate(
    table: number,
    regions: number,
    g: number,
    logMin: number,
    width: number,
    lambda: number,
    count: number,
    out: number,
  ): void;
  interpFunctionCount(g: number): number;
  interpScratchBytes(g: number): number;
  interpTableBytes(g: number, regions: number): number;
  mvProducts(desc: number, snpOnly: number): void;
  mvSums(desc: number, snpOnly: number): void;
  roundKinshipRows(
    k: number,
    hi: number,
    lo: number,
    n: number,
    snps: number,
    row0: number,
    row1: number,
  ): void;
  parseRows(
    text: number,
    bounds: number,
    n: number,
    row0: number,
    row1: number,
    out: number,
    failed: number,
  ): number;
  formatGeneral10(
    values: number,
    count: number,
    cols: number,
    col: number,
    out: number,
    endAt: number,
  ): number;
  mvMoments(desc: number, reml: number, fromB: number): void;
  asymmetricRows(a: number, n: number, row0: number, row1: number, flag: number): void;
  subsetRowSums(
    a: number,
    nTotal: number,
    keep: number,
    n: number,
    row0: number,
    row1: number,
    out: number,
    sums: number,
  ): void;
  centreRows(a: number, n: number, sums: number, grand: number, row0: number, row1: number): void;
}

export interface WasmKernels {
  /** Compiled once; instantiate per thread against the one shared memory. */
  module: WebAssembly.Module;
  flavour: SimdFlavour;
}

/** Largest shared memory the kernels accept (pages of 64 KiB): the wasm32 limit of 4 GiB. */
export const MAX_PAGES = 65536;

// Smallest module using f64x2.relaxed_madd: () -> v128 returning relaxed_madd(0, 0, 0).
const RELAXED_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b,
  0x03,
  0x02,
  0x01,
  0x00,
  0x0a,
  0x3d,
  0x01,
  0x3b,
  0x00,
  0xfd,
  0x0c,
  ...new Array<number>(16).fill(0),
  0xfd,
  0x0c,
  ...new Array<number>(16).fill(0),
  0xfd,
  0x0c,
  ...new Array<number>(16).fill(0),
  0xfd,
  0x87,
  0x02,
  0x0b,
]);

/** True when this engine validates relaxed SIMD, turning on Node 20's experimental flag if that is what it takes. */
export function relaxedSimdSupported(): boolean {
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  // Node 20 ships relaxed SIMD behind a flag; V8 flags are process-wide, so workers inherit it.
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(RELAXED_PROBE);
}

const cache = new Map<SimdFlavour, WasmKernels>();

/** Compiles the kernels once per flavour; `prefer: 'simd'` forces the plain build (LMMSCAN_WASM_SIMD=simd too). */
export function loadWasmKernels(prefer?: SimdFlavour): WasmKernels {
  const wanted: SimdFlavour =
    prefer ??
    (process.env.LMMSCAN_WASM_SIMD === 'simd' ? 'simd' : relaxedSimdSupported() ? 'relaxed' : 'simd');
  const hit = cache.get(wanted);
  if (hit) return hit;
  let kernels: WasmKernels;
  try {
    kernels = { module: new WebAssembly.Module(readFileSync(wasmPath(wanted))), flavour: wanted };
  } catch (err) {
    if (wanted === 'simd') throw err;
    return loadWasmKernels('simd');
  }
  cache.set(wanted, kernels);
  return kernels;
}

/** A fresh shared memory for the kernels (SharedArrayBuffer-backed, growable to MAX_PAGES). */
export function createSharedMemory(initialPages = 64): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
}

/** Instantiates the kernels on `memory` (synchronous: the module is already compiled). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('wasm abort');
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
