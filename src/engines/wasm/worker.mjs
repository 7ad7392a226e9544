// Piscina worker for the WASM engine (plain ESM so it loads under vitest and from dist/ alike).
// workerData: { module: WebAssembly.Module, memory: WebAssembly.Memory (shared) }. Each task is
// { calls: [exportName, number[]][] } run in order; every pointer is a region the dispatcher reserved for it.
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';

const { module, memory } = workerData;
const kernels = new WebAssembly.Instance(module, {
  env: {
    memory,
    abort: () => {
      throw new Error('wasm abort');
    },
  },
}).exports;

/** runner.ts's OWN_REGION: a pull call's argument that stands for the task's own region. */
const OWN_REGION = -1;

/** The multivariate fits (compiled mv-worker.js), imported on this thread's first multivariate task. */
let multivariate = null;
/** The matrix text formatter (compiled text-worker.js), imported on this thread's first text task. */
let textRows = null;

/**
 * Runs the task's kernel calls; returns the last call's result (a kernel's status or size), or 0. A task
 * { queue, next } instead runs lists of calls from `queue`, taking each list's index from the shared counter
 * next[0] until none is left (the pool's pull: the threads share the lists without a round trip per list); with
 * `own`, every OWN_REGION argument of those calls is replaced by it (this task's scratch region); with `ready` and
 * `need`, list k waits until ready[0] reaches need[k] (its inputs written), and -1 there ends the task; `aside`
 * ({ parts, next }) is touched (as a touch task's parts) while the task waits, and what is left of it at the end.
 * A task { mvWarm: { d, c }, mvWorker } warms that module's fits for d traits and c rows of X (mv-pool.ts).
 * A task { mv, mvWorker } tests a range of a multivariate block (mv-pool.ts) with the module at path mvWorker,
 * on a kernel instance of its own memory (the fits use no region of the shared one).
 * A task { text, textWorker } formats a range of a matrix's rows (text-pool.ts) with the module at path textWorker.
 * A task { touch, next } writes zeros over the views in `touch` taken off the counter next[0] (the pool's
 * touchAside: fresh memory's page faults taken off the main thread).
 */
export default function runCalls({
  calls,
  queue,
  next,
  own,
  ready,
  need,
  aside,
  mv,
  mvWarm,
  mvWorker,
  text,
  textWorker,
  touch,
}) {
  if (touch) {
    for (let k = Atomics.add(next, 0, 1); k < touch.length; k = Atomics.add(next, 0, 1)) touch[k].fill(0);
    return 0;
  }
  if (text) {
    textRows ??= import(pathToFileURL(textWorker).href);
    return textRows.then(({ formatTextRange }) => formatTextRange(text, module));
  }
  if (mvWarm) {
    multivariate ??= import(pathToFileURL(mvWorker).href);
    return multivariate.then(({ warmMvRange }) => warmMvRange(mvWarm.d, mvWarm.c, module));
  }
  if (mv) {
    multivariate ??= import(pathToFileURL(mvWorker).href);
    return multivariate.then(({ testMvRange }) => testMvRange(mv, module));
  }
  if (queue) {
    for (let k = Atomics.add(next, 0, 1); k < queue.length; k = Atomics.add(next, 0, 1)) {
      if (ready && !waitReady(ready, need[k], aside)) return 0;
      for (const [name, args] of queue[k])
        kernels[name](...(own === undefined ? args : args.map((a) => (a === OWN_REGION ? own : a))));
    }
    while (aside && touchPart(aside));
    return 0;
  }
  let result = 0;
  for (const [name, args] of calls) result = kernels[name](...args) ?? 0;
  return result;
}

/**
 * Waits until ready[0] reaches `need`: true then, false once it is -1 (the dispatcher gave up). Meanwhile it takes
 * the parts of `aside` ({ parts, next }: zeros to write) one at a time, and sleeps only when none is left.
 */
function waitReady(ready, need, aside) {
  for (;;) {
    const have = Atomics.load(ready, 0);
    if (have < 0) return false;
    if (have >= need) return true;
    if (!aside || !touchPart(aside)) Atomics.wait(ready, 0, have);
  }
}

/** Writes zeros over the next part of `aside` not yet taken; false when none is left. */
function touchPart({ parts, next }) {
  const k = Atomics.add(next, 0, 1);
  if (k >= parts.length) return false;
  parts[k].fill(0);
  return true;
}
