/**
 * Whether a hardware GPU adapter exists, asked in a short child process: Dawn and the Vulkan loader
 * print warnings from native code while probing, and a run that ends up on the CPU engine should
 * not show them. The child costs about 0.3 s of CPU (a second Node and Dawn), more than GEMMA's
 * whole run on a small panel, so the answer is kept for the process and, for an hour, in a file of
 * the temporary folder (probe-cache.ts).
 */
import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { readProbeCache, writeProbeCache, type GpuProbe } from './probe-cache.js';

export type { GpuProbe } from './probe-cache.js';

let cached: GpuProbe | undefined;

/** Probes Dawn's Vulkan backend for a non-software adapter (at most ~20 s), unless an answer is cached. */
export function probeHardwareGpu(): GpuProbe {
  cached ??= readProbeCache() ?? writeProbeCache(probeInChild());
  return cached;
}

function probeInChild(): GpuProbe {
  const require = createRequire(import.meta.url);
  // node:child_process (with net and dgram) loads only when the cache has no answer: every -lmm run on a
  // machine without a GPU comes here, and loading it is a few percent of a small run's start.
  const { spawnSync } = require('node:child_process') as typeof ChildProcess;
  const webgpu = pathToFileURL(require.resolve('webgpu')).href;
  const code = `
    const { create } = await import(${JSON.stringify(webgpu)});
    const gpu = create(['backend=vulkan']);
    const adapter = await gpu.requestAdapter();
    const info = adapter ? adapter.info : null;
    const text = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') : '';
    process.stdout.write(JSON.stringify({ found: Boolean(adapter), text, fallback: Boolean(info && info.isFallbackAdapter) }));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  try {
    const answer = JSON.parse(r.stdout) as { found: boolean; text: string; fallback: boolean };
    const software = answer.fallback || /llvmpipe|lavapipe|swiftshader|software/i.test(answer.text);
    return answer.found
      ? { hardware: !software, detail: answer.text }
      : { hardware: false, detail: 'no Vulkan adapter' };
  } catch {
    return { hardware: false, detail: `Vulkan probe failed (${r.error?.message ?? `exit ${r.status}`})` };
  }
}
