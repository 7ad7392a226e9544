// Piscina worker for the WASM engine (plain ESM so it loads under vitest and from dist/ alike).
// workerData: { module: WebAssembly.Module, memory: WebAssembly.Memory (shared) }. Each task is
// { calls: [exportName, number[]][] } run in order; every pointer is a region the dispatcher reserved for it.
import { workerData } from 'node:worker_threads';

const { module, memory } = workerData;
const kernels = new WebAssembly.Instance(module, {
  env: { memory, abort: () => { throw new Error('wasm abort'); } },
}).exports;

/** Runs the task's kernel calls; returns the last call's result (a kernel's status or size), or 0. */
export default function runCalls({ calls }) {
  let result = 0;
  for (const [name, args] of calls) result = kernels[name](...args) ?? 0;
  return result;
}
