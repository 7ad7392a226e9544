/**
 * Whether an n x n job fits this machine's memory, checked before any work, so that a cohort too large
 * for the machine stops at once with one line (the n, what it needs, what there is) rather than after
 * minutes, in an allocation failure that names neither.
 */
import { freemem, totalmem } from 'node:os';

/** An n x n job this machine cannot hold; the CLI prints its message as one line. */
export class MemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryError';
  }
}

/** Bytes this process may use at most: the machine's memory, or its cgroup limit where lower. */
export function memoryLimit(): number {
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const total = totalmem();
  return constrained && constrained > 0 && constrained < total ? constrained : total;
}

/** Elements V8 gives one Float64Array at most (2^32 - 1 in Node 20: n = 65,535). */
const MAX_ARRAY_LENGTH = 2 ** 32 - 1;

const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

/**
 * Throws a MemoryError unless `bytes` fit this machine: "`task` at n = N needs X GB (`detail`); this
 * machine has Y GB (Z GB free)". Free memory is only reported: the page cache and other processes
 * make it a poor limit, while the total is a hard one.
 */
export function requireMemory(task: string, n: number, bytes: number, detail: string): void {
  if (bytes <= memoryLimit() && n * n <= MAX_ARRAY_LENGTH) return;
  const why =
    n * n > MAX_ARRAY_LENGTH ? `; one n x n array holds at most ${MAX_ARRAY_LENGTH} values in Node` : '';
  const there = `this machine has ${gb(memoryLimit())} (${gb(freemem())} free)`;
  throw new MemoryError(`${task} at n = ${n} needs ${gb(bytes)} (${detail}); ${there}${why}`);
}

/**
 * Whether one n x n float64 matrix fits (without `task`), or requireMemory() for it (with `task`):
 * the reader's guard against a first row that would make it allocate more than there is.
 */
export function squareMatrixFits(n: number, task?: string): boolean {
  const bytes = 8 * n * n;
  if (task === undefined) return bytes <= memoryLimit() && n * n <= MAX_ARRAY_LENGTH;
  requireMemory(task, n, bytes, `one ${n} x ${n} float64 matrix`);
  return true;
}
