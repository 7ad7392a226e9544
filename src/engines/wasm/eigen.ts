/**
 * Symmetric eigendecomposition on the WASM kernels: blocked Householder tridiagonalisation (assembly/tridiag.ts),
 * divide and conquer on the tridiagonal matrix (assembly/dc.ts) and the WY back-transformation
 * (assembly/backtransform.ts). All three run in one team session: a leader call on one thread and a helper call
 * on each other thread, cooperating through a job word in shared memory (assembly/team.ts), so the many short
 * parallel steps inside the phases cost no message round trips (and the dispatching thread, which may be busy
 * reading SNPs meanwhile, is needed only at the start and the end).
 */
import type { Eigen } from '../engine.js';
import type { KernelCall, KernelRunner } from './runner.js';
import { EigenSize } from './layout.js';

const TEAM_BYTES = 512; // >= TEAM_BYTES in assembly/team.ts
const CTX_BYTES = 256; // CTX_BYTES in assembly/vec.ts

/** Eigenvalues ascending (n) and row-major eigenvectors (n x n, column k for values[k]) of a symmetric matrix. */
export async function eigenOn(runner: KernelRunner, matrix: Float64Array, n: number): Promise<Eigen> {
  if (matrix.length !== n * n) throw new RangeError(`lmmscan wasm: matrix has ${matrix.length} values, expected ${n * n}`);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  return runner.exclusive(async () => {
    const { arena, scratch } = runner;
    const T = runner.slots;
    const team = arena.alloc(TEAM_BYTES), sizes = arena.alloc(4 * EigenSize.count), status = arena.alloc(8);
    await runner.run([['teamInit', [team, T]], ['eigenSizes', [n, sizes]]]);
    const size = new Int32Array(arena.memory.buffer, sizes, EigenSize.count);
    const triDoubles = size[EigenSize.tridiagScratchDoubles]!, dcDoubles = size[EigenSize.dcThreadDoubles]!;
    const levelEntries = size[EigenSize.dcLevelEntries]!, blockDoubles = size[EigenSize.backBlockDoubles]!;
    const backDoubles = size[EigenSize.backThreadDoubles]!;
    // a: the matrix, then the reflectors, then U. zt: eigenvectors of the tridiagonal matrix (as rows). big: the
    // merges' compact eigenvector blocks, then the WY blocks. About 3 n^2 doubles in all.
    const a = arena.allocF64(n * n), zt = arena.allocF64(n * n), big = arena.allocF64(Math.max(n * n, blockDoubles));
    const d = arena.allocF64(n), e = arena.allocF64(n), tau = arena.allocF64(n);
    const triScratch = arena.allocF64(triDoubles), small = arena.allocF64(T * dcDoubles);
    const levels = arena.alloc(4 * levelEntries), w = arena.allocF64(T * backDoubles);
    const works = arena.alloc(4 * T), ctx = arena.alloc(CTX_BYTES * (T + 1));
    new Uint32Array(arena.memory.buffer, works, T).set(scratch.slice(0, T));
    new Int32Array(arena.memory.buffer, status, 2).fill(0);
    arena.f64(a, n * n).set(matrix);

    await session(runner, team, T, [
      ['tridiagonalize', [n, a, d, e, tau, triScratch, works, team, ctx]],
      ['dcEigen', [n, d, e, zt, big, small, levels, works, team, ctx, status]],
      ['backTransform', [n, a, tau, zt, big, w, works, team, ctx]],
    ]);
    // A failed root search or leaf QL (never seen; the iterations are safeguarded) leaves the results meaningless.
    if (new Int32Array(arena.memory.buffer, status, 1)[0] !== 0) {
      throw new Error('lmmscan wasm: the tridiagonal eigensolver did not converge');
    }
    return { values: arena.f64(d, n).slice(), vectors: arena.f64(a, n * n).slice() };
  });
}

/**
 * One team session on a team block set up by teamInit: the leader's calls then teamFinish on one thread, teamHelp
 * on the others. Should any call fail (a trap), teamAbort releases the others; this returns (or throws) only once
 * every call has ended, so the arena is never released under a running thread.
 */
async function session(runner: KernelRunner, team: number, threads: number, lead: KernelCall[]): Promise<void> {
  const calls = [runner.run([...lead, ['teamFinish', [team]]])];
  for (let t = 1; t < threads; t++) calls.push(runner.run([['teamHelp', [team, t]]]));
  const aborts = calls.map((call) => call.catch(() => runner.run([['teamAbort', [team]]])));
  const ended = await Promise.allSettled(calls);
  await Promise.allSettled(aborts);
  const failed = ended.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
