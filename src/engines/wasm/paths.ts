/** File locations for the WASM engine, valid from src/ (vitest) and dist/src/ (compiled). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The directory holding lmmscan's package.json, found by walking up from this file. */
export function packageRoot(): string {
  let dir = here;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`lmmscan: no package.json above ${here}`);
    dir = parent;
  }
}

/** Absolute path of a compiled kernel build, e.g. build/lmmscan-simd.wasm. */
export function wasmPath(flavour: 'simd' | 'relaxed'): string {
  return join(packageRoot(), 'build', `lmmscan-${flavour}.wasm`);
}

/**
 * The piscina worker: next to this file (src/, or dist/ after the build copies it), else dist/'s copy
 * (this module bundled into dist/src/cli/), else the src/ copy.
 */
export function workerPath(): string {
  const root = packageRoot();
  for (const path of [
    join(here, 'worker.mjs'),
    join(root, 'dist', 'src', 'engines', 'wasm', 'worker.mjs'),
    join(root, 'src', 'engines', 'wasm', 'worker.mjs'),
  ]) {
    if (existsSync(path)) return path;
  }
  throw new Error(`lmmscan: worker.mjs not found next to ${here} nor in dist/ or src/engines/wasm`);
}
