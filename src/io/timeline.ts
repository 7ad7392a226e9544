/**
 * A run's phase timeline, for finding where a short run's wall time goes: with LMMSCAN_TIMELINE set,
 * each mark records the milliseconds since the process started (performance.now(), whose origin is
 * the process's start), the process's CPU milliseconds so far (all threads) and, where Linux gives
 * them (/proc/PID/task/PID/schedstat), the main thread's own milliseconds on a core and waiting for
 * one: what is left of the wall time is the main thread blocked (on the disk, on libuv's thread pool,
 * on another thread). The list, and each thread's totals, go to stderr when the process exits. Unset,
 * a mark is one property read.
 */
import { readFileSync, readdirSync } from 'node:fs';

export const TIMELINE_ENV = 'LMMSCAN_TIMELINE';

const marks: string[] = [];
const enabled = Boolean(process.env[TIMELINE_ENV]);

/** A thread's [on a core, runnable but waiting for one] milliseconds, or undefined off Linux. */
function schedstat(tid: number | string): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${process.pid}/task/${tid}/schedstat`, 'utf8').split(' ');
    return [Number(run) / 1e6, Number(wait) / 1e6];
  } catch {
    return undefined;
  }
}

function threadTotals(): string {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${process.pid}/task`);
  } catch {
    return '';
  }
  const lines = tids.map((tid) => {
    const s = schedstat(tid);
    let name = '?';
    try {
      name = readFileSync(`/proc/${process.pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      /* gone */
    }
    return `${(s?.[0] ?? 0).toFixed(1).padStart(8)} ${(s?.[1] ?? 0).toFixed(1).padStart(8)}  ${name} ${tid}`;
  });
  return `threads alive at exit (cpu ms, waiting for a core ms, name):\n${lines.join('\n')}\n`;
}

if (enabled)
  process.on('exit', () => {
    mark('exit');
    process.stderr.write(
      `timeline (wall ms, process cpu ms, main thread cpu ms, main thread waiting for a core ms, phase):\n${marks.join('\n')}\n${threadTotals()}`,
    );
  });

/** Records that `label` was reached now (only with LMMSCAN_TIMELINE set). */
export function mark(label: string): void {
  if (!enabled) return;
  const cpu = process.cpuUsage();
  const main = schedstat(process.pid);
  const ms = (x: number) => x.toFixed(1).padStart(8);
  marks.push(
    `${ms(performance.now())} ${ms((cpu.user + cpu.system) / 1000)} ${ms(main?.[0] ?? NaN)} ${ms(main?.[1] ?? NaN)}  ${label}`,
  );
}
