/** The GPU probe's answer kept for an hour in the temporary folder, for this host and Node only. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readProbeCache, writeProbeCache } from '../../../src/engines/webgpu/probe-cache.js';

let folder: string;
const savedTmp = process.env.TMPDIR;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'lmmscan-probe-cache-'));
  process.env.TMPDIR = folder;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(folder, { recursive: true, force: true });
});

const cacheFile = () => {
  const files = readdirSync(folder);
  expect(files).toHaveLength(1); // no partial file left behind
  return join(folder, files[0]);
};

it('gives back the saved answer within the hour, and nothing after it or before any probe', () => {
  const t = 1_800_000_000_000;
  expect(readProbeCache(t)).toBeUndefined();
  const probe = { hardware: true, detail: 'NVIDIA / H100 / "quoted"' };
  expect(writeProbeCache(probe, t)).toBe(probe);
  expect(readProbeCache(t + 59 * 60_000)).toEqual(probe);
  expect(readProbeCache(t + 61 * 60_000)).toBeUndefined();
  expect(readProbeCache(t - 1000)).toBeUndefined(); // a clock set back: probe again
});

it('ignores an answer of another host or Node version, and a file that is not the cache', () => {
  const t = Date.now();
  writeProbeCache({ hardware: false, detail: 'no Vulkan adapter' }, t);
  const path = cacheFile();
  const saved = JSON.parse(readFileSync(path, 'utf8'));
  expect(readProbeCache(t)).toEqual({ hardware: false, detail: 'no Vulkan adapter' });
  writeFileSync(path, JSON.stringify({ ...saved, machine: 'elsewhere node v0.0.0' }));
  expect(readProbeCache(t)).toBeUndefined();
  writeFileSync(path, JSON.stringify({ ...saved, probe: { hardware: 'yes', detail: 'x' } }));
  expect(readProbeCache(t)).toBeUndefined();
  writeFileSync(path, '{"machine": ');
  expect(readProbeCache(t)).toBeUndefined();
});

it('leaves no file when the temporary folder cannot be written, and still returns the answer', () => {
  process.env.TMPDIR = join(folder, 'missing');
  const probe = { hardware: false, detail: 'no Vulkan adapter' };
  expect(writeProbeCache(probe)).toBe(probe);
  expect(readProbeCache()).toBeUndefined();
  expect(readdirSync(folder)).toEqual([]);
});
