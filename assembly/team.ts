// A leader thread and helper threads cooperating on one shared memory through a job word, so one kernel call can
// run thousands of short parallel steps (the tridiagonalisation's per-column products) without a message round trip.
// The leader publishes a job (kind, chunk count, context), takes chunks itself, and waits only for chunks that some
// running thread has claimed: a helper that starts late, never starts, or leaves early costs speed, never a hang.
import { runChunk } from './jobs';

// Team block (bytes). The job word and the counters sit on their own cache lines.
const JOB = 0; // i64: gen << 48 | kind << 40 | chunks << 20 | next chunk
const DONE = 64; // i32: chunks of the current job completed
const SLEEPERS = 68; // i32: helpers blocked in atomic.wait
const THREADS = 72; // i32: team size (leader + helpers)
const CTX = 76; // u32: the current job's context block
const LEADER_ASLEEP = 80; // i32: 1 while the leader waits in atomic.wait for the last chunks
const ABORTED = 84; // i32: 1 once teamAbort was called
/** Bytes of a team block. */
export const TEAM_BYTES: i32 = 128;

const KIND_IDLE: i64 = 0;
const KIND_DONE: i64 = 255;
const MASK20: i64 = 0xfffff;
/** Most chunks one job may have. */
export const MAX_CHUNKS: i32 = 0xfffff;

// Spins (about 100 microseconds: longer than a leader's serial step between two jobs, so a busy helper rarely pays
// for a wake-up) before sleeping in 1 ms slices; a helper leaves after IDLE_LIMIT slices without a job (the leader
// is gone or never came).
const SPINS: i32 = 100000;
const SLICE_NS: i64 = 1000000;
const IDLE_LIMIT: i32 = 2000;

// @ts-ignore: decorator
@inline function gen(w: i64): i64 { return (w >>> 48) & 0xffff; }
// @ts-ignore: decorator
@inline function kindOf(w: i64): i32 { return <i32>((w >>> 40) & 0xff); }
// @ts-ignore: decorator
@inline function chunksOf(w: i64): i32 { return <i32>((w >>> 20) & MASK20); }
// @ts-ignore: decorator
@inline function nextOf(w: i64): i32 { return <i32>(w & MASK20); }

/** Resets the team block (TEAM_BYTES at team) for `threads` threads (>= 1): no job yet. */
export function teamInit(team: usize, threads: i32): void {
  memory.fill(team, 0, <usize>TEAM_BYTES);
  store<i32>(team + THREADS, max(1, threads));
  atomic.store<i64>(team + JOB, KIND_IDLE << 40);
}

/** Team size given to teamInit. */
export function teamThreads(team: usize): i32 {
  return load<i32>(team + THREADS);
}

// Claims the next chunk of the job whose word was w; -1 once that job has no chunks left or was replaced.
function claim(team: usize, w: i64): i32 {
  let cur = atomic.load<i64>(team + JOB);
  while (gen(cur) == gen(w) && kindOf(cur) == kindOf(w) && nextOf(cur) < chunksOf(cur)) {
    const seen = atomic.cmpxchg<i64>(team + JOB, cur, cur + 1);
    if (seen == cur) return nextOf(cur);
    cur = seen;
  }
  return -1;
}

// Runs chunks of the job with word w until none are left.
function work(team: usize, w: i64, tid: i32): void {
  for (;;) {
    const c = claim(team, w);
    if (c < 0) return;
    // The context cannot change before this claimed chunk completes.
    runChunk(kindOf(w), load<u32>(team + CTX), c, tid);
    atomic.add<i32>(team + DONE, 1);
    if (atomic.load<i32>(team + LEADER_ASLEEP) != 0) atomic.notify(team + DONE, 1);
  }
}

/**
 * Leader side: runs job `kind` with `chunks` chunks (0..MAX_CHUNKS) on context block `ctx`, taking chunks itself
 * (as thread 0) alongside any helpers, and returns once every chunk is complete (at once after teamAbort).
 */
export function teamRun(team: usize, kind: i32, chunks: i32, ctx: usize): void {
  if (chunks <= 0 || atomic.load<i32>(team + ABORTED) != 0) return;
  store<u32>(team + CTX, <u32>ctx);
  atomic.store<i32>(team + DONE, 0);
  const w = (((gen(atomic.load<i64>(team + JOB)) + 1) & 0xffff) << 48) | ((<i64>kind) << 40) | ((<i64>chunks) << 20);
  atomic.store<i64>(team + JOB, w);
  if (atomic.load<i32>(team + SLEEPERS) > 0) atomic.notify(team + JOB, -1);
  work(team, w, 0);
  // Every chunk is claimed; the ones still out belong to helpers that are running them. Spin briefly, then sleep
  // so that on a busy machine a helper waiting for a core can have this one.
  for (let s = 0; s < SPINS; s++) if (atomic.load<i32>(team + DONE) >= chunks) return;
  atomic.store<i32>(team + LEADER_ASLEEP, 1);
  for (;;) {
    const done = atomic.load<i32>(team + DONE);
    if (done >= chunks || atomic.load<i32>(team + ABORTED) != 0) break;
    atomic.wait<i32>(team + DONE, done, SLICE_NS);
  }
  atomic.store<i32>(team + LEADER_ASLEEP, 0);
}

/** Leader side: tells the helpers there is no more work (they return from teamHelp). */
export function teamFinish(team: usize): void {
  atomic.store<i64>(team + JOB, KIND_DONE << 40);
  atomic.notify(team + JOB, -1);
}

/**
 * After a failed thread (a trap): the leader stops waiting and publishing (its results are then meaningless) and
 * the helpers return, so every call of the session ends.
 */
export function teamAbort(team: usize): void {
  atomic.store<i32>(team + ABORTED, 1);
  atomic.notify(team + DONE, -1);
  teamFinish(team);
}

/**
 * Helper side (thread `tid` >= 1): takes chunks of the leader's jobs until teamFinish, or until no job has come for
 * about two seconds. Start helpers with the team block already set up by teamInit.
 */
export function teamHelp(team: usize, tid: i32): void {
  let idle = 0;
  for (;;) {
    const w = atomic.load<i64>(team + JOB);
    const kind = kindOf(w);
    if (<i64>kind == KIND_DONE) return;
    if (<i64>kind != KIND_IDLE && nextOf(w) < chunksOf(w)) {
      work(team, w, tid);
      idle = 0;
      continue;
    }
    let changed = false;
    for (let s = 0; s < SPINS; s++) {
      if (atomic.load<i64>(team + JOB) != w) { changed = true; break; }
    }
    if (changed) continue;
    atomic.add<i32>(team + SLEEPERS, 1);
    const r = atomic.wait<i64>(team + JOB, w, SLICE_NS);
    atomic.sub<i32>(team + SLEEPERS, 1);
    if (r == AtomicWaitResult.TIMED_OUT && ++idle >= IDLE_LIMIT) return;
  }
}
