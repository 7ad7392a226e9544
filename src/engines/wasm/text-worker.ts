/**
 * The matrix writer's part of the wasm engine's workers: worker.mjs imports this module on a thread's first text
 * task, which formats a range of a matrix's rows from shared memory into a shared buffer, so that a kinship's text
 * is formatted on every core while the main thread writes the ranges in order. The values are formatted by the
 * kernels (assembly/format-rows.ts) on an instance of this thread's own; the few they cannot decide, by
 * writeGeneral10(), which gives every value's bytes as formatRowsText() does (the same bytes: a value's text
 * depends on the value alone).
 */
import { writeGeneral10 } from '../../io/number-bytes.js';
import { FIELD_BYTES } from '../../io/matrix-rows-text.js';
import { createSharedMemory, instantiateKernels, type KernelExports } from './loader.js';

/** One task: rows r0..r1 of the rows x cols matrix `data`, into `out`; both views of shared buffers. */
export interface TextTask {
  data: Float64Array;
  rows: number;
  cols: number;
  r0: number;
  r1: number;
  out: Uint8Array;
}

/** Bytes below the instance's regions (its static data); the kernels' text may run this far past its end. */
const LOW_BYTES = 65536;
const SLACK_BYTES = 64;
const PAGE = 65536;

/** This thread's kernel instance, on a memory of its own (module state: one per thread). */
let own: { kernels: KernelExports; memory: WebAssembly.Memory } | null = null;

/** Formats one task's rows with the kernels of `module` (the pool's compiled kernels); returns the text's length. */
export function formatTextRange({ data, cols, r0, r1, out }: TextTask, module: WebAssembly.Module): number {
  const count = (r1 - r0) * cols;
  if (count === 0) return 0;
  if (!own) {
    const memory = createSharedMemory(32); // the module's declared minimum
    own = { kernels: instantiateKernels(module, memory), memory };
  }
  const { kernels, memory } = own;
  // Regions: the values, the end offset, then the text (at most FIELD_BYTES a value, and the kernel's slack).
  const pValues = LOW_BYTES,
    pEnd = pValues + 8 * count,
    pText = pEnd + SLACK_BYTES;
  const need = pText + count * FIELD_BYTES + SLACK_BYTES;
  if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
  const buffer = memory.buffer;
  new Float64Array(buffer, pValues, count).set(data.subarray(r0 * cols, r1 * cols));
  const text = new Uint8Array(buffer, pText, count * FIELD_BYTES + SLACK_BYTES);
  const end = new Uint32Array(buffer, pEnd, 1);
  let done = 0;
  let at = 0;
  for (;;) {
    done += kernels.formatGeneral10(pValues + 8 * done, count - done, cols, done % cols, pText + at, pEnd);
    at += end[0];
    if (done === count) break;
    // A value the kernels cannot decide (rare): its bytes from the JS writer, then the kernels go on after it.
    at = writeGeneral10(text, new DataView(buffer, pText, text.length), at, data[r0 * cols + done]);
    text[at++] = ++done % cols === 0 ? 10 : 9;
  }
  out.set(text.subarray(0, at));
  return at;
}
