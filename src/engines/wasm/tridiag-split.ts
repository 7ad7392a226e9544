/**
 * The tiled eigensolver's tridiagonalisation (step 1 of eigen-tiled.ts) with the packed upper triangle shared out
 * over several wasm memories, for n past what one wasm32 memory holds (the packed triangle is 4 n^2 bytes: n above
 * about 31,400). Each memory (a runner of its own, with its own threads) holds a contiguous range of whole rows;
 * the panel loop runs here, with the same kernels as tridiagonalizePacked:
 *
 * - a panel's reflectors and their W vectors (tridiagReflector, tridiagW) in the memory that holds its rows;
 * - each column's product A22 v in every memory on its rows, in a fixed number of row parts per memory whatever
 *   its threads, the partial vectors summed here in memory and part order;
 * - each panel's trailing update in every memory on its rows, after V and W are copied there.
 *
 * Only the product's order of sums differs from the one-memory kernel's (its SYMV_CHUNKS parts over all rows), so
 * d, e and the reflectors agree with it to rounding, not bitwise. The host drives each column (three rounds of
 * dispatches to the memories' threads, about 0.23 ms each measured on a 2-thread pool): forced at n = 4,000 over two
 * memories it cost about 1 ms of CPU a column more than one memory, some 35 s at n = 34,000, against the hour or
 * more the reduction's arithmetic takes there.
 */
import { CTX_BYTES } from './eigen.js';
import type { KernelCall, KernelRunner } from './runner.js';
import { splitRange } from './runner.js';

/** Rows per block of the packed layout (NB in assembly/tridiag.ts). */
const PACK_ROWS = 32;
/** Memories hold whole WY blocks' rows (KB in assembly/backtransform.ts), so step 2 builds each block in one. */
export const SPLIT_ALIGN = 64;
/** Row parts of each column's product per memory (fixed, so the sums do not depend on the threads). */
const SYMV_PARTS = 4;
/** Bytes of the panels (V, W, a copy of V) per n: 3 NB doubles. */
const PANEL_DOUBLES = 3 * PACK_ROWS;

/** Offset (doubles) of row r's first stored entry in the packed layout (r = n: the layout's length). */
export function packedStart(n: number, r: number): number {
  const b = Math.floor(r / PACK_ROWS),
    c0 = b * PACK_ROWS;
  return PACK_ROWS * b * n - ((PACK_ROWS * PACK_ROWS) / 2) * b * (b - 1) + (r - c0) * (n - c0);
}

/** Rows [r0, r1) of the packed triangle in one memory, with the reflectors they hold after the reduction. */
export interface SplitPart {
  runner: KernelRunner;
  r0: number;
  r1: number;
  /** Virtual address of the packed layout (row r at a + 8 packedStart(n, r) for the rows held; may wrap). */
  a: number;
  /** tau (n doubles): the entries of the rows held are this memory's reflectors' scales. */
  tau: number;
}

/**
 * Row boundaries of `parts` memories sharing the packed triangle of order n: multiples of SPLIT_ALIGN, each range
 * holding about an equal share of the layout's doubles; ranges may be empty when n is small.
 */
export function splitRows(n: number, parts: number): number[] {
  const total = packedStart(n, n);
  const bounds = [0];
  for (let m = 1; m < parts; m++) {
    let r = bounds[m - 1]!;
    while (r < n && packedStart(n, r) < (m * total) / parts) r += SPLIT_ALIGN;
    bounds.push(Math.min(n, r));
  }
  bounds.push(n);
  return bounds;
}

/**
 * Reduces the symmetric n x n row-major `input` (upper triangle read) to tridiagonal form over the memories of
 * `runners` (the rows split by splitRows()): d and e as tridiagonalizePacked returns them, and the parts holding
 * the reflectors, allocated on each runner's arena (the caller releases them).
 */
export async function tridiagonalizeSplit(
  runners: KernelRunner[],
  input: Float64Array,
  n: number,
): Promise<{ d: Float64Array; e: Float64Array; parts: SplitPart[] }> {
  const bounds = splitRows(n, runners.length);
  // Entries far from 1 would overflow or underflow in the squared norms: scaled by a power of 2 (exact) as the
  // kernel does, undone on d and e at the end.
  let big = 0;
  for (let r = 0; r < n; r++) {
    const from = r - (r % PACK_ROWS);
    for (let c = r * n + from; c < (r + 1) * n; c++) big = Math.max(big, Math.abs(input[c]!));
  }
  const exponent = big > 1e150 || (big < 1e-150 && big > 0) ? -Math.floor(Math.log2(big)) : 0;
  const mems = runners.map((runner, m) => {
    const { arena } = runner;
    const r0 = bounds[m]!,
      r1 = bounds[m + 1]!;
    const first = packedStart(n, r0);
    const real = arena.allocF64(Math.max(1, packedStart(n, r1) - first));
    const a = real - 8 * first;
    for (let r = r0; r < r1; r++) {
      const from = r - (r % PACK_ROWS);
      const row = arena.f64(a + 8 * packedStart(n, r), n - from);
      row.set(input.subarray(r * n + from, (r + 1) * n));
      if (exponent !== 0) scaleBy2(row, exponent);
    }
    const T = runner.slots;
    const works = arena.alloc(4 * T);
    new Uint32Array(arena.memory.buffer, works, T).set(runner.scratch.slice(0, T));
    const mem = {
      runner,
      r0,
      r1,
      a,
      ctx: arena.alloc(CTX_BYTES),
      vw: arena.allocF64(PANEL_DOUBLES * n),
      d: arena.allocF64(n),
      e: arena.allocF64(n),
      tau: arena.allocF64(n),
      part: arena.allocF64(SYMV_PARTS * n),
    };
    return { ...mem, y: arena.allocF64(2 * PACK_ROWS), works };
  });
  const run = (m: (typeof mems)[number], name: KernelCall[0], ...args: number[]) =>
    m.runner.run([[name, args]]);
  const f64 = (m: (typeof mems)[number], at: number, length: number) => m.runner.arena.f64(at, length);
  for (const m of mems) await run(m, 'tridiagSplitSetup', m.ctx, n, m.a, m.vw, m.y, m.d, m.e, m.tau, m.works);

  const w = new Float64Array(n);
  for (let s = 0; s < n - 1; s += PACK_ROWS) {
    const nbk = Math.min(PACK_ROWS, n - 1 - s);
    // The memories with rows from s on take part; the first of them holds the panel.
    const active = mems.filter((m) => m.r1 > s);
    const lead = active[0]!;
    for (const m of active) await run(m, 'tridiagSplitPanel', m.ctx, s);
    for (let jj = 0; jj < nbk; jj++) {
      const i = s + jj;
      await run(lead, 'tridiagReflector', lead.ctx, jj, 0);
      if (f64(lead, lead.tau + 8 * i, 1)[0] === 0) continue;
      const v = f64(lead, lead.vw + 8 * (jj * n + i + 1), n - i - 1);
      for (const m of active) if (m !== lead) f64(m, m.vw + 8 * (jj * n + i + 1), n - i - 1).set(v);
      // A22 v: each memory's rows from i + 1 on, in SYMV_PARTS parts of about equal work.
      const jobs = active.map((m) => {
        const ranges = symvRanges(n, Math.max(i + 1, m.r0), m.r1);
        return { m, ranges };
      });
      await Promise.all(
        jobs.map(({ m, ranges }) =>
          m.runner.parallel(
            splitRange(ranges.length, m.runner.slots, 1).map(([p, q]) =>
              ranges
                .slice(p, q)
                .map(([r0, r1], c): KernelCall => [
                  'tridiagSplitSymv',
                  [m.ctx, jj, r0, r1, m.part + 8 * (p + c) * n],
                ]),
            ),
          ),
        ),
      );
      w.fill(0, i + 1);
      for (const { m, ranges } of jobs)
        ranges.forEach(([r0], c) => {
          const part = f64(m, m.part + 8 * (c * n + r0), n - r0);
          for (let x = 0; x < n - r0; x++) w[r0 + x] += part[x]!;
        });
      f64(lead, lead.vw + 8 * ((PACK_ROWS + jj) * n + i + 1), n - i - 1).set(w.subarray(i + 1));
      await run(lead, 'tridiagW', lead.ctx, jj, 0);
      const wr = f64(lead, lead.vw + 8 * ((PACK_ROWS + jj) * n + i + 1), n - i - 1);
      for (const m of active)
        if (m !== lead) f64(m, m.vw + 8 * ((PACK_ROWS + jj) * n + i + 1), n - i - 1).set(wr);
    }
    // Trailing update: A22 -= V W^T + W V^T on every memory's rows from s + nbk on, the rows shared out over its
    // threads in ranges of about equal work.
    const t0 = s + nbk;
    await Promise.all(
      active.map((m) => {
        const from = Math.max(t0, m.r0);
        if (from >= m.r1) return Promise.resolve();
        const panels = f64(m, m.vw, PANEL_DOUBLES * n);
        panels.copyWithin(2 * PACK_ROWS * n, 0, PACK_ROWS * n);
        const ranges = equalWork(n, from, m.r1, m.runner.slots, PACK_ROWS);
        return m.runner.parallel(
          ranges.map(([r0, r1], t): KernelCall[] => [['tridiagSplitTrail', [m.ctx, r0, r1, t]]]),
        );
      }),
    );
  }
  const d = new Float64Array(n),
    e = new Float64Array(n);
  for (const m of mems) {
    const to = Math.min(m.r1, n - 1);
    if (to <= m.r0) continue;
    d.set(f64(m, m.d + 8 * m.r0, to - m.r0), m.r0);
    e.set(f64(m, m.e + 8 * m.r0, to - m.r0), m.r0);
  }
  const last = mems.find((m) => m.r1 === n && m.r0 < n)!;
  d[n - 1] = f64(last, last.a + 8 * (packedStart(n, n - 1) + ((n - 1) % PACK_ROWS)), 1)[0]!;
  if (exponent !== 0) {
    scaleBy2(d, -exponent);
    scaleBy2(e, -exponent);
  }
  return { d, e, parts: mems.map(({ runner, r0, r1, a, tau }) => ({ runner, r0, r1, a, tau })) };
}

// x *= 2^exponent, in two steps when 2^exponent itself would overflow (as the kernel's scaleBy2).
function scaleBy2(x: Float64Array, exponent: number): void {
  const first = Math.max(-1000, Math.min(1000, exponent));
  const f1 = 2 ** first,
    f2 = 2 ** (exponent - first);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * f1;
  if (exponent !== first) for (let i = 0; i < x.length; i++) x[i] = x[i]! * f2;
}

// Rows [r0, r1) of the upper triangle (row r carries n - r entries) in SYMV_PARTS ranges of about equal work
// (empty ranges left out).
function symvRanges(n: number, r0: number, r1: number): Array<[number, number]> {
  return r0 >= r1 ? [] : equalWork(n, r0, r1, SYMV_PARTS, 1);
}

// Rows [r0, r1) in at most `parts` nonempty ranges of about equal triangle area, boundaries from r0 in steps of
// `step` rows.
function equalWork(n: number, r0: number, r1: number, parts: number, step: number): Array<[number, number]> {
  const area = (r: number) => (r - r0) * (n - r0) - ((r - r0) * (r - r0 - 1)) / 2;
  const total = area(r1);
  const out: Array<[number, number]> = [];
  let from = r0;
  for (let p = 1; p <= parts && from < r1; p++) {
    let to = from;
    while (to < r1 && area(to) < (p * total) / parts) to += step;
    to = p === parts ? r1 : Math.min(r1, to);
    if (to > from) out.push([from, to]);
    from = to;
  }
  return out;
}
