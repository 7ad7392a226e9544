/**
 * Loading WGSL from the package's shaders/ folder, from src/ (tests) and dist/src/ (compiled) alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INCLUDE = /^\/\/!include\s+([A-Za-z0-9_]+)\.wgsl\s*$/gm;
const cache = new Map<string, string>();
let packageRoot: string | null = null;

/** The folder holding package.json, found by walking up from this module's file. */
export function findPackageRoot(): string {
  if (packageRoot !== null) return packageRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (packageRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`lmmscan: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * Source of shaders/NAME.wgsl with `//!include OTHER.wgsl` lines replaced by OTHER's source
 * (WGSL has no includes; shared double-single helpers live in one file).
 */
export function loadShader(name: string): string {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const path = join(findPackageRoot(), 'shaders', `${name}.wgsl`);
  if (!existsSync(path)) throw new Error(`lmmscan: shader ${name} not found at ${path}`);
  const source = readFileSync(path, 'utf8').replace(INCLUDE, (_line, other: string) => {
    if (other === name) throw new Error(`lmmscan: shader ${name} includes itself`);
    return loadShader(other);
  });
  cache.set(name, source);
  return source;
}
