/**
 * Symmetric eigendecomposition on the WASM kernels: blocked Householder tridiagonalisation, implicit QL whose
 * rotations are replayed in batches over column ranges (threads), then WY back-transformation by row ranges.
 */
import type { Eigen } from '../engine.js';
import type { KernelCall, KernelRunner } from './runner.js';
import { splitRange } from './runner.js';

const PANEL = 32; // must equal NB in assembly/tridiag.ts
const BACK_BLOCK = 64; // reflectors per WY block in the back-transformation
const MAX_SWEEPS = 64; // QL sweeps logged between replays: more sweeps, fewer passes over Z^T
const STATE_SLOTS = 8;

/** Eigenvalues ascending (n) and row-major eigenvectors (n x n, column k for values[k]) of a symmetric matrix. */
export async function eigenOn(runner: KernelRunner, matrix: Float64Array, n: number): Promise<Eigen> {
  if (matrix.length !== n * n) throw new RangeError(`lmmscan wasm: matrix has ${matrix.length} values, expected ${n * n}`);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  return runner.exclusive(async () => {
    const { arena, slots, scratch } = runner;
    const logCap = MAX_SWEEPS * Math.max(n, 1);
    const a = arena.allocF64(n * n), zt = arena.allocF64(n * n), zp = arena.allocF64(n * n);
    const d = arena.allocF64(n), e = arena.allocF64(n), tau = arena.allocF64(n);
    const vt = arena.allocF64(BACK_BLOCK * n), wt = arena.allocF64(PANEL * n), y = arena.allocF64(2 * PANEL);
    const tmat = arena.allocF64(BACK_BLOCK * BACK_BLOCK), state = arena.allocF64(STATE_SLOTS);
    const hdr = arena.alloc(MAX_SWEEPS * 8), cs = arena.allocF64(2 * logCap);
    const rowRanges = splitRange(n, slots, 4);
    const w = rowRanges.map(([r0, r1]) => [arena.allocF64((r1 - r0) * BACK_BLOCK), arena.allocF64((r1 - r0) * BACK_BLOCK)]);
    arena.f64(a, n * n).set(matrix);

    await runner.run([
      ['tridiagonalize', [n, a, d, e, tau, vt, wt, y, scratch[0]!]],
      ['setIdentityPanels', [n, zp]],
      ['qlInit', [state]],
    ]);
    const columnRanges = splitRange(n, slots, 16);
    for (;;) {
      const status = await runner.run([['qlRun', [n, d, e, state, hdr, cs, MAX_SWEEPS, logCap]]]);
      if (status < 0) throw new Error('lmmscan wasm: eigenvalue QL iteration did not converge');
      if (arena.f64(state, STATE_SLOTS)[3]! > 0) {
        await runner.parallel(columnRanges.map(([k0, k1]): KernelCall[] => [['applyRotations', [n, zp, k0, k1, state, hdr, cs]]]));
      }
      if (status === 1) break;
    }
    await runner.parallel(rowRanges.map(([r0, r1]): KernelCall[] => [['panelsToRows', [n, zp, zt, r0, r1]]]));
    await runner.run([['sortEigen', [n, d, zt]]]);

    // U^T = Z^T H_{n-2} ... H_0: blocks of reflectors from the last to the first.
    const reflectors = n - 1;
    for (let j0 = Math.floor((reflectors - 1) / BACK_BLOCK) * BACK_BLOCK; j0 >= 0 && reflectors > 0; j0 -= BACK_BLOCK) {
      const kb = Math.min(BACK_BLOCK, reflectors - j0);
      await runner.run([['prepareBlock', [n, a, tau, j0, kb, vt, tmat]]]);
      await runner.parallel(rowRanges.map(([r0, r1], t): KernelCall[] => [
        ['applyBlock', [n, zt, r0, r1 - r0, j0, kb, vt, tmat, w[t]![0]!, w[t]![1]!, scratch[t]!]],
      ]));
    }
    // The reflectors in `a` are spent, so U = (U^T)^T goes there.
    await runner.parallel(rowRanges.map(([r0, r1]): KernelCall[] => [['transposeRows', [n, zt, a, r0, r1]]]));
    return { values: arena.f64(d, n).slice(), vectors: arena.f64(a, n * n).slice() };
  });
}
