/** Benchmark helpers: run a command, measure wall time and peak RSS (VmHWM polled from /proc), medians. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Measured {
  seconds: number;
  /** Peak resident set size of the process in MiB (its own, children excluded). */
  peakRssMiB: number;
  stdout: string;
  stderr: string;
}

function peakRssKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs `command args` in `cwd`, failing loudly on a non-zero exit. */
export function measure(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setInterval(() => (peak = Math.max(peak, peakRssKiB(child.pid!))), 25);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - start) / 1000;
      if (code !== 0)
        reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}`));
      else resolve({ seconds, peakRssMiB: peak / 1024, stdout, stderr });
    });
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Value of `--name X` on the command line, or the fallback. */
export function option(name: string, fallback: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 && process.argv[k + 1] !== undefined ? process.argv[k + 1] : fallback;
}

/** Minutes of each "time on X" line of an lmmscan or GEMMA log. */
export function stageMinutes(logPath: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    const m = /time on (.+?) = ([\d.e+-]+) min/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}
