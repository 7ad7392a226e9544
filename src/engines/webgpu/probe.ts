/**
 * Whether a hardware GPU adapter exists, asked in a short child process: Dawn and the Vulkan loader
 * print warnings from native code while probing, and a run that ends up on the CPU engine should
 * not show them. The answer is cached for the process.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface GpuProbe {
  hardware: boolean;
  /** Adapter description, or why there is none. */
  detail: string;
}

let cached: GpuProbe | undefined;

/** Probes Dawn's Vulkan backend for a non-software adapter (at most ~20 s). */
export function probeHardwareGpu(): GpuProbe {
  if (cached) return cached;
  const webgpu = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
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
    cached = answer.found
      ? { hardware: !software, detail: answer.text }
      : { hardware: false, detail: 'no Vulkan adapter' };
  } catch {
    cached = { hardware: false, detail: `Vulkan probe failed (${r.error?.message ?? `exit ${r.status}`})` };
  }
  return cached;
}
