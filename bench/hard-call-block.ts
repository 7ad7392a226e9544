/** A block of random hard calls for the kinship benches (bench/kernels.ts, bench/kinship-hard.ts). */
import { HardCallBuffer } from '../src/kinship/hard-call-buffer.js';
import type { HardCallBlock } from '../src/linalg/hard-calls.js';

/** b SNPs of n random hard calls (allele frequencies spread over (0.05, 0.95)) with a `missing` share missing. */
export function randomHardCalls(n: number, b: number, missing: number): HardCallBlock {
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) >>> 0) / 4294967296;
  const buffer = new HardCallBuffer(n, b, 1); // any share of missing calls: the bench times the path itself
  const g = new Float64Array(n);
  for (let s = 0; s < b; s++) {
    const p = 0.05 + 0.9 * next();
    for (let i = 0; i < n; i++) g[i] = next() < missing ? NaN : (next() < p ? 1 : 0) + (next() < p ? 1 : 0);
    buffer.push(g);
  }
  return buffer.take()!;
}
