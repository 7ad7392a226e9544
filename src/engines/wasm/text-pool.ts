/**
 * A matrix's text formatted on the wasm engine's workers (text-worker.ts, loaded by worker.mjs): the threads that
 * computed the kinship, idle while the main thread writes it, format its rows in ranges, read in place from shared
 * memory (n = 4,000: 208 MB of text, about 1.7 s of one core's formatting).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MatrixRowsFormatter } from '../../io/matrix-write.js';
import { packageRoot } from './paths.js';
import type { WasmPool } from './pool.js';
import type { TextTask } from './text-worker.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The compiled worker module: beside this module's compiled copy (dist/src/engines/wasm), else dist/ of the
 * package (this module run from src/ by vitest); null when there is no build.
 */
function textWorkerPath(): string | null {
  for (const path of [
    join(here, 'text-worker.js'),
    join(packageRoot(), 'dist', 'src', 'engines', 'wasm', 'text-worker.js'),
  ]) {
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * A formatter of the rows x cols matrix `data` on the pool's workers, or null where it would not help: the workers
 * not started (a small job, its kernels on this thread), `data` not in shared memory (it would cross to each task
 * as a copy), or no compiled worker module.
 */
export function textFormatterOn(
  pool: WasmPool,
  data: Float64Array,
  rows: number,
  cols: number,
  workerFile = textWorkerPath(),
): MatrixRowsFormatter | null {
  if (!pool.threaded || workerFile === null || !(data.buffer instanceof SharedArrayBuffer)) return null;
  if (data.length < rows * cols)
    throw new RangeError(`textFormatterOn: ${data.length} values for a ${rows} x ${cols} matrix`);
  return (r0, r1, out) => {
    const text: TextTask = { data, rows, cols, r0, r1, out };
    return pool.runTask({ text, textWorker: workerFile }) as Promise<number>;
  };
}
