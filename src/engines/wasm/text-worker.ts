/**
 * The matrix writer's part of the wasm engine's workers: worker.mjs imports this module on a thread's first text
 * task, which formats a range of a matrix's rows (formatRowsText) from shared memory into a shared buffer, so that
 * a kinship's text is formatted on every core while the main thread writes the ranges in order.
 */
import { formatRowsText } from '../../io/matrix-rows-text.js';

/** One task: rows r0..r1 of the rows x cols matrix `data`, into `out`; both views of shared buffers. */
export interface TextTask {
  data: Float64Array;
  rows: number;
  cols: number;
  r0: number;
  r1: number;
  out: Uint8Array;
}

/** Where each value's text begins, for the mirrors of a square range (module state: one per thread). */
let start = new Uint32Array(0);

/** Formats one task's rows; returns the text's length. */
export function formatTextRange({ data, rows, cols, r0, r1, out }: TextTask): number {
  const need = rows === cols ? (r1 - r0) * (cols + 1) : 0;
  if (start.length < need) start = new Uint32Array(need);
  return formatRowsText(data, rows, cols, r0, r1, out, start);
}
