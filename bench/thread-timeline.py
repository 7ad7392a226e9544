#!/usr/bin/env python3
"""Per-thread CPU of a command, sampled from /proc every 0.1 s (issue 21, branch kio5).

usage: bench/thread-timeline.py [--bins SECONDS] -- COMMAND ARGS...

Prints the wall time, the CPU seconds (user + sys) of the main thread, of the two busiest other threads (the wasm
pool's workers) and of the rest, and "main-alone": the main thread's CPU in intervals where both workers were idle
(< 10 % of the interval), i.e. the serial phases; with --bins, a timeline of each thread's share of a core per bin.
Under load from other processes the wall time means little, but the CPU seconds and the serial phases still show.
"""
import os, subprocess, sys, time

args = sys.argv[1:]
bins = 0.0
if args[:1] == ['--bins']:
    bins, args = float(args[1]), args[2:]
if args[:1] == ['--']:
    args = args[1:]
tick = os.sysconf('SC_CLK_TCK')
t0 = time.time()
proc = subprocess.Popen(args)
samples = []
while proc.poll() is None:
    cpu = {}
    try:
        for tid in os.listdir(f'/proc/{proc.pid}/task'):
            try:
                stat = open(f'/proc/{proc.pid}/task/{tid}/stat').read()
            except OSError:
                continue
            fields = stat[stat.rfind(')') + 2:].split()
            cpu[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    except OSError:
        pass
    samples.append((time.time() - t0, cpu))
    time.sleep(0.1)
wall = time.time() - t0
final = {}
for _, cpu in samples:
    final.update(cpu)
main = proc.pid
workers = [t for t, _ in sorted(final.items(), key=lambda kv: -kv[1]) if t != main][:2]
alone, prev, prev_t = 0.0, {}, 0.0
rows, bin_start, acc = [], 0.0, {}
for t, cpu in samples:
    dt = t - prev_t
    d = {k: v - prev.get(k, 0) for k, v in cpu.items()}
    if dt > 0 and sum(d.get(w, 0) for w in workers) < 0.1 * dt:
        alone += d.get(main, 0)
    for k, v in d.items():
        acc[k] = acc.get(k, 0) + v
    if bins and t - bin_start >= bins:
        rows.append((bin_start, t, acc))
        bin_start, acc = t, {}
    prev, prev_t = cpu, t
if bins:
    print('   from      main  worker1  worker2   others  (% of one core)')
    for a, b, acc in rows:
        w = b - a
        rest = sum(v for k, v in acc.items() if k != main and k not in workers)
        print(f'{a:7.1f} ' + ' '.join(f'{100 * acc.get(k, 0) / w:8.0f}' for k in [main] + workers) + f' {100 * rest / w:8.0f}')
rest = sum(v for k, v in final.items() if k != main and k not in workers)
ws = [final.get(w, 0) for w in workers] + [0, 0]
load = ' '.join(open('/proc/loadavg').read().split()[:3])
print(f'wall {wall:.2f} s; CPU s: main {final.get(main, 0):.2f}, workers {ws[0]:.2f} {ws[1]:.2f}, other threads '
      f'{rest:.2f}, total {final.get(main, 0) + ws[0] + ws[1] + rest:.2f}; main-alone {alone:.2f}; load {load}',
      file=sys.stderr)
sys.exit(proc.returncode)
