/**
 * The Dawn binding (`webgpu`) is an optional dependency: a CPU-only install (`npm install
 * --omit=optional`, or a platform Dawn has no build for) has none, and only the webgpu engine needs it.
 */
import { createRequire } from 'node:module';

/** The exact version package.json pins; named in the message that asks for it. */
export const WEBGPU_PACKAGE = 'webgpu@0.6.2';

/** Whether the `webgpu` package can be resolved from lmmscan's own location. */
export function webgpuPackageInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
}

/** What --engine webgpu says when the package is absent. */
export function webgpuMissingMessage(): string {
  return (
    `--engine webgpu needs the optional package ${WEBGPU_PACKAGE}, which is not installed ` +
    `(install it next to lmmscan: npm install ${WEBGPU_PACKAGE}; or use --engine wasm)`
  );
}
