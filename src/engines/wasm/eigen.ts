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
import { EIGEN_THREE_REGION_BYTES } from './memory-limits.js';

/** Bytes of a team block: >= TEAM_BYTES in assembly/team.ts. */
export const TEAM_BYTES = 512;
/** Bytes of a kernel context block: CTX_BYTES in assembly/vec.ts. */
export const CTX_BYTES = 256;

/**
 * Eigenvalues ascending (n) and row-major eigenvectors (n x n, column k for values[k]) of a symmetric matrix.
 * `threeRegionBytes` (tests lower it) is where the large-n layout takes over. With `consume` the matrix is the
 * caller's to give away: the eigenvectors are returned in it, and the two-region layout parks its WY blocks in it,
 * so the process holds one n x n JS array beside shared memory instead of up to three (the input waiting for the
 * collector, the parked blocks, the eigenvectors). The values and vectors are the same bits either way.
 */
export async function eigenOn(
  runner: KernelRunner,
  matrix: Float64Array,
  n: number,
  threeRegionBytes = EIGEN_THREE_REGION_BYTES,
  consume = false,
): Promise<Eigen> {
  if (matrix.length !== n * n)
    throw new RangeError(`lmmscan wasm: matrix has ${matrix.length} values, expected ${n * n}`);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  if (24 * n * n > threeRegionBytes) return eigenTwoRegions(runner, matrix, n, consume);
  // Dropped once copied into shared memory, so that only the caller's reference (if any) keeps it alive.
  let input: Float64Array | null = matrix;
  const out = consume ? matrix : null;
  return runner.exclusive(async () => {
    const { arena, scratch } = runner;
    const T = runner.teamSize;
    const team = arena.alloc(TEAM_BYTES),
      sizes = arena.alloc(4 * EigenSize.count),
      status = arena.alloc(8);
    await runner.runHere([
      ['teamInit', [team, T]],
      ['eigenSizes', [n, sizes]],
    ]);
    const size = new Int32Array(arena.memory.buffer, sizes, EigenSize.count);
    const triDoubles = size[EigenSize.tridiagScratchDoubles]!,
      dcDoubles = size[EigenSize.dcThreadDoubles]!;
    const levelEntries = size[EigenSize.dcLevelEntries]!,
      blockDoubles = size[EigenSize.backBlockDoubles]!;
    const backDoubles = size[EigenSize.backThreadDoubles]!;
    // a: the matrix, then the reflectors, then U. zt: eigenvectors of the tridiagonal matrix (as rows). big: the
    // merges' compact eigenvector blocks, then the WY blocks. About 3 n^2 doubles in all.
    const a = arena.allocF64(n * n),
      zt = arena.allocF64(n * n),
      big = arena.allocF64(Math.max(n * n, blockDoubles));
    const d = arena.allocF64(n),
      e = arena.allocF64(n),
      tau = arena.allocF64(n);
    const triScratch = arena.allocF64(triDoubles),
      small = arena.allocF64(T * dcDoubles);
    const levels = arena.alloc(4 * levelEntries),
      w = arena.allocF64(T * backDoubles);
    const works = arena.alloc(4 * T),
      ctx = arena.alloc(CTX_BYTES * (T + 1));
    new Uint32Array(arena.memory.buffer, works, T).set(scratch.slice(0, T));
    new Int32Array(arena.memory.buffer, status, 2).fill(0);
    arena.f64(a, n * n).set(input!);
    input = null;

    await session(runner, team, T, [
      ['tridiagonalize', [n, a, d, e, tau, triScratch, works, team, ctx]],
      ['dcEigen', [n, d, e, zt, big, small, levels, works, team, ctx, status]],
      ['backTransform', [n, a, tau, zt, big, w, works, team, ctx]],
    ]);
    checkStatus(arena.memory, status);
    const vectors = arena.f64(a, n * n);
    return { values: arena.f64(d, n).slice(), vectors: out ? (out.set(vectors), out) : vectors.slice() };
  });
}

/**
 * The same kernels, in the same order of arithmetic, in two n x n regions of shared memory instead of three
 * (16 n^2 bytes: n = 16,000 fits the 4 GiB wasm32 memory, which three regions stop near 13,300). The WY blocks
 * are built from the reflectors before the tridiagonal solve instead of after it (they need only the
 * reflectors), which frees the matrix's region for the solver's workspace; the blocks wait in a JS array while
 * the solver runs. Regions: R1 = matrix, reflectors -> solver workspace -> WY blocks -> U; R2 = WY blocks -> zt.
 * Bitwise the three-region result: no kernel sees different inputs.
 */
async function eigenTwoRegions(
  runner: KernelRunner,
  matrix: Float64Array,
  n: number,
  consume: boolean,
): Promise<Eigen> {
  let input: Float64Array | null = matrix;
  // The consumed input: parks the WY blocks' first n^2 doubles (the rest, about 32 n, go to a small array), then
  // receives U.
  const park = consume ? matrix : null;
  return runner.exclusive(async () => {
    const { arena, scratch } = runner;
    const T = runner.teamSize;
    const team = arena.alloc(TEAM_BYTES),
      sizes = arena.alloc(32),
      status = arena.alloc(8);
    await runner.runHere([['eigenSizes', [n, sizes]]]);
    const [triDoubles, dcDoubles, levelEntries, blockDoubles, backDoubles] = new Int32Array(
      arena.memory.buffer,
      sizes,
      5,
    );
    const region = Math.max(n * n, blockDoubles!);
    const r1 = arena.allocF64(region),
      r2 = arena.allocF64(region);
    const d = arena.allocF64(n),
      e = arena.allocF64(n),
      tau = arena.allocF64(n);
    const triScratch = arena.allocF64(triDoubles!),
      small = arena.allocF64(T * dcDoubles!);
    const levels = arena.alloc(4 * levelEntries!),
      w = arena.allocF64(T * backDoubles!);
    const works = arena.alloc(4 * T),
      ctx = arena.alloc(CTX_BYTES * (T + 1));
    new Uint32Array(arena.memory.buffer, works, T).set(scratch.slice(0, T));
    new Int32Array(arena.memory.buffer, status, 2).fill(0);
    arena.f64(r1, n * n).set(input!);
    input = null;
    const teamSession = async (lead: KernelCall[]) => {
      await runner.runHere([['teamInit', [team, T]]]);
      await session(runner, team, T, lead);
    };

    await teamSession([
      ['tridiagonalize', [n, r1, d, e, tau, triScratch, works, team, ctx]],
      ['backPrepare', [n, r1, tau, r2, w, works, team, ctx]],
    ]);
    const parked = Math.min(blockDoubles!, park ? n * n : 0);
    park?.set(arena.f64(r2, parked));
    const rest = arena.f64(r2 + 8 * parked, blockDoubles! - parked).slice();
    await teamSession([['dcEigen', [n, d, e, r2, r1, small, levels, works, team, ctx, status]]]);
    checkStatus(arena.memory, status);
    // zt (in R2) is square and R2 holds it; the blocks go to R1, which the solver no longer needs.
    if (park) arena.f64(r1, parked).set(park.subarray(0, parked));
    arena.f64(r1 + 8 * parked, blockDoubles! - parked).set(rest);
    await teamSession([['backApply', [n, r1, r2, r1, w, works, team, ctx]]]);
    const vectors = arena.f64(r1, n * n);
    return { values: arena.f64(d, n).slice(), vectors: park ? (park.set(vectors), park) : vectors.slice() };
  });
}

/** Throws if a root search or leaf QL failed (never seen; the iterations are safeguarded): the results are meaningless. */
export function checkStatus(memory: WebAssembly.Memory, status: number): void {
  if (new Int32Array(memory.buffer, status, 1)[0] !== 0)
    throw new Error('lmmscan wasm: the tridiagonal eigensolver did not converge');
}

/**
 * One team session on a team block set up by teamInit: the leader's calls then teamFinish on one thread, teamHelp
 * on the others. Should any call fail (a trap), teamAbort releases the others; this returns (or throws) only once
 * every call has ended, so the arena is never released under a running thread.
 */
export async function session(
  runner: KernelRunner,
  team: number,
  threads: number,
  lead: KernelCall[],
): Promise<void> {
  const calls = [runner.run([...lead, ['teamFinish', [team]]])];
  for (let t = 1; t < threads; t++) calls.push(runner.run([['teamHelp', [team, t]]]));
  const aborts = calls.map((call) => call.catch(() => runner.run([['teamAbort', [team]]])));
  const ended = await Promise.allSettled(calls);
  await Promise.allSettled(aborts);
  const failed = ended.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
