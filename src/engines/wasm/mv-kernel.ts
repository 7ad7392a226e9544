/**
 * The multivariate LMM's per-SNP EM and Wald steps with their sums over individuals in the AssemblyScript
 * kernels (assembly/mvlmm.ts, f64x2 lanes over individuals): the same iteration as the TS oracle
 * (src/stats/mvlmm/em.ts mvEm, wald.ts snpEffect), whose d x d and dc x dc work (joint diagonalisation,
 * inverting Q, the updates of Vg, Ve and B) runs here unchanged. Sums are taken two individuals per lane and
 * log |H| from per-lane running products, so results differ from the oracle's by rounding only (the tests
 * hold them to 1e-9 relative). One instance per thread: its own memory and workspace, reused across blocks.
 */
import { invertWithLogDet } from '../../stats/mvlmm/dense.js';
import { sandwich, transposeMultiply, type MvParameters } from '../../stats/mvlmm/em.js';
import type { MvSnpSteps } from '../../stats/mvlmm/fit.js';
import {
  jointBasis,
  jointDiagonalise,
  leftMultiply,
  logLikConstant,
  type MvData,
} from '../../stats/mvlmm/model.js';
import { Scratch } from '../../stats/mvlmm/scratch.js';
import { effectFromSums } from '../../stats/mvlmm/wald.js';
import { SharedArena } from './arena.js';
import { MvSlot } from './layout.js';
import {
  createSharedMemory,
  instantiateKernels,
  loadWasmKernels,
  type KernelExports,
  type SimdFlavour,
} from './loader.js';

/** Views of the workspace's regions that the TS side reads or writes (taken after every allocation). */
interface Views {
  desc: Float64Array;
  eigenvalues: Float64Array;
  X: Float64Array;
  Y: Float64Array;
  xxt: Float64Array;
  dl: Float64Array;
  ultVehi: Float64Array;
  qi: Float64Array;
  bT: Float64Array;
  xxti: Float64Array;
  qSums: Float64Array;
  xHiy: Float64Array;
  moments: Float64Array;
  wSums: Float64Array;
}

/** Index of pair (i, j), i <= j, among the c(c+1)/2 pairs of c rows in the kernels' pair-major order. */
function pairIndex(i: number, j: number, c: number): number {
  return i * c - (i * (i - 1)) / 2 + (j - i);
}

/** Whether (vg, ve) equal (heldVg, heldVe) in their first dd entries. */
function same(
  heldVg: Float64Array,
  vg: Float64Array,
  heldVe: Float64Array,
  ve: Float64Array,
  dd: number,
): boolean {
  for (let i = 0; i < dd; i++) if (heldVg[i] !== vg[i] || heldVe[i] !== ve[i]) return false;
  return true;
}

/** to[i] = from[i] for i < count (no view object: this runs every EM iteration). */
function copy(from: Float64Array, to: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) to[i] = from[i];
}

/** The sums at a block's base (Vg, Ve), as mvSums leaves them in the workspace. */
interface BaseSums {
  vg: Float64Array;
  ve: Float64Array;
  basis: ReturnType<typeof jointBasis>;
  /** Regions of their own for the rows of w, UltVehi Y and w UltVehi Y. */
  rows: number[];
  qSums: Float64Array;
  xHiy: Float64Array;
  wSums: Float64Array;
  logDetH: number;
  yHy: number;
}

/** The kernels' EM and Wald steps for one thread (MvSnpSteps for scanMvBlock). */
export class MvKernel implements MvSnpSteps {
  private readonly arena: SharedArena;
  private readonly base: number;
  private views: Views | null = null;
  private shape = { n: 0, d: 0, c: 0, stride: 0 };
  private descPtr = 0;
  private logDetXxt = 0;
  private readonly basis = new Map<number, ReturnType<typeof jointBasis>>();
  /**
   * The (Vg, Ve) whose sums the workspace holds (valid until the next loadSnp or prepare): an EM that stops
   * leaves its parameters' sums there, and the next EM (mode 4's REML after the ML fit) or Wald statistic at
   * the same parameters reads them instead of taking them again (the same bits: mvMoments writes none of them).
   */
  private readonly sumsVg = new Scratch();
  private readonly sumsVe = new Scratch();
  private sumsValid = false;
  /** The joint basis of the held sums' (Vg, Ve). */
  private heldBasis = jointBasis(0);
  /**
   * The block's base: the sums at the (Vg, Ve) of the first sums after prepare (every SNP's fits start at the
   * null's). Only those with the SNP's row differ from SNP to SNP, so a later SNP at the base takes only them.
   */
  private baseSums: BaseSums | null = null;
  private baseHeld = false;
  /** The iterations' rows of w, UltVehi Y and w UltVehi Y (the descriptor's, unless it points at the base's). */
  private workRows = [0, 0, 0];
  private readonly q = new Scratch();
  /** Qi X'H^{-1}y of an EM iteration: its log-likelihood's quadratic form, and REML's UltVehi B. */
  private readonly qiXHiy = new Scratch();
  private readonly qiCov = new Scratch();
  private readonly xPx = new Scratch();
  private readonly xPy = new Scratch();
  private readonly wHix = new Scratch();
  private readonly wHiy = new Scratch();

  private constructor(
    private readonly kernels: KernelExports,
    memory: WebAssembly.Memory,
  ) {
    this.arena = new SharedArena(memory);
    this.base = this.arena.mark();
  }

  /** A kernel instance on this thread with a fresh memory; `prefer` picks the SIMD build (as loadWasmKernels). */
  static create(prefer?: SimdFlavour): MvKernel {
    return MvKernel.on(loadWasmKernels(prefer).module);
  }

  /**
   * A kernel instance of an already compiled `module` (the wasm pool's, which its workers hold: instantiating it
   * compiles nothing), with a fresh memory of its own.
   */
  static on(module: WebAssembly.Module): MvKernel {
    const memory = createSharedMemory(32); // the module's declared minimum
    return new MvKernel(instantiateKernels(module, memory), memory);
  }

  /** Lays out the workspace for withSnp's shape and copies its eigenvalues, covariates and traits. */
  prepare(withSnp: MvData): void {
    const { n, d, c } = withSnp;
    const stride = n + (n % 2);
    const s = this.shape;
    if (!this.views || s.n !== n || s.d !== d || s.c !== c) this.layOut(n, d, c, stride);
    const v = this.views!;
    this.sumsValid = false;
    this.baseHeld = false;
    v.eigenvalues.fill(0);
    v.eigenvalues.set(withSnp.eigenvalues.subarray(0, n));
    v.X.fill(0);
    for (let j = 0; j < c - 1; j++) v.X.set(withSnp.X.subarray(j * n, (j + 1) * n), j * stride);
    v.Y.fill(0);
    for (let l = 0; l < d; l++) v.Y.set(withSnp.Y.subarray(l * n, (l + 1) * n), l * stride);
    // The covariates' pair products and the inverse eigenvalues, the same for every SNP (the SNP's row is
    // zero here; loadSnp forms its pairs).
    this.kernels.mvProducts(this.descPtr, 0);
  }

  private layOut(n: number, d: number, c: number, stride: number): void {
    this.arena.release(this.base);
    const pairs = (c * (c + 1)) / 2;
    const dc = d * c;
    const lengths: [keyof typeof MvSlot, number][] = [
      ['eigenvalues', stride],
      ['inverseEigenvalues', stride],
      ['X', c * stride],
      ['Y', d * stride],
      ['xx', pairs * stride],
      ['xxt', c * c],
      ['w', d * stride],
      ['yT', d * stride],
      ['yw', d * stride],
      ['bxT', d * stride],
      ['uT', d * stride],
      ['eT', d * stride],
      ['dl', d],
      ['ultVehi', d * d],
      ['qi', dc * dc],
      ['bT', dc],
      ['xxti', c * c],
      ['qSums', pairs * d],
      ['xHiy', dc],
      ['moments', 2 * d * d],
      ['wSums', 2 * d],
      ['scratch', ((d * (d + 1)) / 2 + 2) * pairs + c],
    ];
    this.descPtr = this.arena.allocF64(MvSlot.count);
    const pointers = new Map<string, number>();
    for (const [name, length] of lengths) pointers.set(name, this.arena.allocF64(length));
    const baseRows = [0, 1, 2].map(() => this.arena.allocF64(d * stride));
    // Views only after the last allocation: growing the memory replaces its buffer.
    const desc = this.arena.f64(this.descPtr, MvSlot.count);
    desc[MvSlot.n] = n;
    desc[MvSlot.stride] = stride;
    desc[MvSlot.d] = d;
    desc[MvSlot.c] = c;
    for (const [name, length] of lengths) {
      desc[MvSlot[name]] = pointers.get(name)!;
      this.arena.f64(pointers.get(name)!, length).fill(0);
    }
    const view = (name: keyof Views & keyof typeof MvSlot, length: number): Float64Array =>
      this.arena.f64(pointers.get(name)!, length);
    this.views = {
      desc,
      eigenvalues: view('eigenvalues', stride),
      X: view('X', c * stride),
      Y: view('Y', d * stride),
      xxt: view('xxt', c * c),
      dl: view('dl', d),
      ultVehi: view('ultVehi', d * d),
      qi: view('qi', dc * dc),
      bT: view('bT', dc),
      xxti: view('xxti', c * c),
      qSums: view('qSums', pairs * d),
      xHiy: view('xHiy', dc),
      moments: view('moments', 2 * d * d),
      wSums: view('wSums', 2 * d),
    };
    for (const region of baseRows) this.arena.f64(region, d * stride).fill(0);
    this.workRows = [desc[MvSlot.w], desc[MvSlot.yT], desc[MvSlot.yw]];
    this.baseSums = {
      vg: new Float64Array(d * d),
      ve: new Float64Array(d * d),
      basis: jointBasis(d),
      rows: baseRows,
      qSums: new Float64Array(pairs * d),
      xHiy: new Float64Array(dc),
      wSums: new Float64Array(2 * d),
      logDetH: 0,
      yHy: 0,
    };
    this.shape = { n, d, c, stride };
  }

  /** Points the descriptor's rows of w, UltVehi Y and w UltVehi Y at `rows`. */
  private useRows(rows: number[]): void {
    const desc = this.views!.desc;
    desc[MvSlot.w] = rows[0];
    desc[MvSlot.yT] = rows[1];
    desc[MvSlot.yw] = rows[2];
  }

  /** Copies withSnp's last X row (the SNP) and forms its pair products and (X X^T)^{-1}. */
  loadSnp(withSnp: MvData): void {
    const { n, c } = withSnp;
    const v = this.views!;
    this.sumsValid = false;
    v.X.set(withSnp.X.subarray((c - 1) * n, c * n), (c - 1) * this.shape.stride);
    this.kernels.mvProducts(this.descPtr, 1);
    this.logDetXxt = invertWithLogDet(v.xxt, c, v.xxti);
  }

  private basisOf(d: number): ReturnType<typeof jointBasis> {
    let basis = this.basis.get(d);
    if (!basis) this.basis.set(d, (basis = jointBasis(d)));
    return basis;
  }

  /**
   * Writes (Vg, Ve)'s joint basis to the workspace and takes the sums at it (unless they are there already; at
   * the block's base, only those with the SNP's row); returns the basis.
   */
  private sumsAt(vg: Float64Array, ve: Float64Array): ReturnType<typeof jointBasis> {
    const d = this.shape.d;
    const dd = d * d;
    const heldVg = this.sumsVg.get(dd);
    const heldVe = this.sumsVe.get(dd);
    if (this.sumsValid && same(heldVg, vg, heldVe, ve, dd)) return this.heldBasis;
    copy(vg, heldVg, dd);
    copy(ve, heldVe, dd);
    this.sumsValid = true;
    const v = this.views!;
    const base = this.baseSums!;
    if (this.baseHeld && same(base.vg, vg, base.ve, ve, dd)) {
      this.useRows(base.rows);
      v.dl.set(base.basis.dl);
      v.ultVehi.set(base.basis.ultVehi);
      v.qSums.set(base.qSums);
      v.xHiy.set(base.xHiy);
      v.wSums.set(base.wSums);
      v.desc[MvSlot.logDetH] = base.logDetH;
      v.desc[MvSlot.yHy] = base.yHy;
      this.kernels.mvSums(this.descPtr, 1);
      return (this.heldBasis = base.basis);
    }
    const first = !this.baseHeld;
    const basis = first ? base.basis : this.basisOf(d);
    jointDiagonalise(vg, ve, d, basis);
    this.useRows(first ? base.rows : this.workRows);
    v.dl.set(basis.dl);
    v.ultVehi.set(basis.ultVehi);
    this.kernels.mvSums(this.descPtr, 0);
    if (first) {
      copy(vg, base.vg, dd);
      copy(ve, base.ve, dd);
      base.qSums.set(v.qSums);
      base.xHiy.set(v.xHiy);
      base.wSums.set(v.wSums);
      base.logDetH = v.desc[MvSlot.logDetH];
      base.yHy = v.desc[MvSlot.yHy];
      this.baseHeld = true;
    }
    return (this.heldBasis = basis);
  }

  /** GEMMA's EM (mvEm's contract) on the loaded SNP. */
  em(kind: 'R' | 'L', maxIter: number, tolerance: number, withSnp: MvData, p: MvParameters): number {
    const { n, d, c } = this.shape;
    const dc = d * c;
    const v = this.views!;
    const constant = logLikConstant(kind, withSnp, this.logDetXxt);
    const q = this.q.get(dc * dc);
    const qiXHiy = this.qiXHiy.get(dc);
    let loglOld = 0;
    let loglNew = 0;
    for (let t = 0; t < maxIter; t++) {
      const { ultVeh, ultVehi, logDetVe } = this.sumsAt(p.vg, p.ve);
      q.fill(0, 0, dc * dc);
      for (let i = 0; i < c; i++) {
        for (let j = i; j < c; j++) {
          const from = pairIndex(i, j, c) * d;
          for (let l = 0; l < d; l++)
            q[(i * d + l) * dc + j * d + l] = q[(j * d + l) * dc + i * d + l] = v.qSums[from + l];
        }
      }
      const logDetQ = invertWithLogDet(q, dc, v.qi);
      let quad = 0;
      for (let a = 0; a < dc; a++) {
        let s = 0;
        for (let b = 0; b < dc; b++) s += v.qi[a * dc + b] * v.xHiy[b];
        qiXHiy[a] = s;
        quad += v.xHiy[a] * s;
      }
      loglNew = constant - 0.5 * (v.desc[MvSlot.yHy] + v.desc[MvSlot.logDetH] - quad) - 0.5 * n * logDetVe;
      if (kind === 'R') loglNew += -0.5 * (logDetQ - c * logDetVe);
      if (t !== 0 && Math.abs(loglNew - loglOld) < tolerance) break;
      loglOld = loglNew;
      if (kind === 'R') {
        // UltVehi B = Qi xHiy, the GLS estimate at the current (Vg, Ve).
        for (let a = 0; a < dc; a++) v.bT[(a % d) * c + Math.floor(a / d)] = qiXHiy[a];
      } else if (t === 0) {
        leftMultiply(ultVehi, p.B, d, c, v.bT);
      }
      this.kernels.mvMoments(this.descPtr, kind === 'R' ? 1 : 0, kind === 'R' || t === 0 ? 1 : 0);
      transposeMultiply(ultVeh, v.bT, d, c, p.B);
      sandwich(ultVeh, v.moments, 0, d, n, p.vg);
      sandwich(ultVeh, v.moments, d * d, d, n, p.ve);
    }
    return loglNew;
  }

  /** beta, Var(beta) and the Wald p-value of the loaded SNP at (Vg, Ve) (snpEffect's contract). */
  effect(
    _covariates: MvData,
    _x: Float64Array,
    vg: Float64Array,
    ve: Float64Array,
    beta: Float64Array,
    vBeta: Float64Array,
  ): number {
    const { d, c } = this.shape;
    const snp = c - 1;
    const cc = snp; // covariates
    const dcc = d * cc;
    const v = this.views!;
    const { ultVeh } = this.sumsAt(vg, ve);
    const q = this.q.zeros(dcc * dcc);
    for (let i = 0; i < cc; i++) {
      for (let j = i; j < cc; j++) {
        const from = pairIndex(i, j, c) * d;
        for (let l = 0; l < d; l++)
          q[(i * d + l) * dcc + j * d + l] = q[(j * d + l) * dcc + i * d + l] = v.qSums[from + l];
      }
    }
    const qi = this.qiCov.get(dcc * dcc);
    invertWithLogDet(q, dcc, qi);
    const xPx = this.xPx.zeros(d * d);
    const xPy = this.xPy.get(d);
    const wHix = this.wHix.get(dcc);
    const wHiy = this.wHiy.get(dcc);
    const snpPair = pairIndex(snp, snp, c) * d;
    for (let l = 0; l < d; l++) {
      xPx[l * d + l] = v.qSums[snpPair + l];
      xPy[l] = v.xHiy[snp * d + l];
      for (let j = 0; j < cc; j++) {
        wHix[j * d + l] = v.qSums[pairIndex(j, snp, c) * d + l];
        wHiy[j * d + l] = v.xHiy[j * d + l];
      }
    }
    return effectFromSums(d, cc, qi, xPx, xPy, wHix, wHiy, ultVeh, beta, vBeta);
  }
}
