/**
 * The GPU probe's answer kept in TMPDIR/lmmscan-gpu-probe-UID.json for an hour, for this host and
 * Node version: a series of small runs (a test suite, a Slurm array on one node) probes once. Either
 * stale answer is safe: "hardware" that is gone makes `auto` fall back to wasm and say why, and "none"
 * only keeps a new GPU unused until the hour is over (delete the file to probe again). A file that
 * cannot be read or written is ignored: the probe then runs as if there were no cache.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GpuProbe {
  hardware: boolean;
  /** Adapter description, or why there is none. */
  detail: string;
}

/** How long a probe's answer is trusted. */
const TTL_MS = 60 * 60 * 1000;

/** The cache file of this user (a file per user: another user's may not be writable). */
function probeCachePath(): string {
  return join(tmpdir(), `lmmscan-gpu-probe-${process.getuid?.() ?? 'user'}.json`);
}

/** What an answer is valid for: a file written on another host or by another Node is not used. */
function machine(): string {
  return `${hostname()} node ${process.version}`;
}

/** The cached answer, when the file is this machine's and younger than an hour. */
export function readProbeCache(now = Date.now()): GpuProbe | undefined {
  try {
    const saved = JSON.parse(readFileSync(probeCachePath(), 'utf8')) as {
      machine?: unknown;
      time?: unknown;
      probe?: { hardware?: unknown; detail?: unknown };
    };
    const { probe } = saved;
    if (saved.machine !== machine() || typeof saved.time !== 'number') return undefined;
    if (!(now - saved.time >= 0 && now - saved.time < TTL_MS)) return undefined;
    if (typeof probe?.hardware !== 'boolean' || typeof probe.detail !== 'string') return undefined;
    return { hardware: probe.hardware, detail: probe.detail };
  } catch {
    return undefined;
  }
}

/** Saves an answer (written whole, then renamed: a concurrent reader sees the old file or the new one). */
export function writeProbeCache(probe: GpuProbe, now = Date.now()): GpuProbe {
  const path = probeCachePath();
  const partial = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, JSON.stringify({ machine: machine(), time: now, probe }));
    renameSync(partial, path);
  } catch {
    // A read-only temporary folder: every run probes.
    rmSync(partial, { force: true });
  }
  return probe;
}
