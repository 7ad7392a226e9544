/**
 * `npm run bench:kernels` (the built script, dist/bench/kernels.js) on a small, awkward size completes for both
 * builds and prints a positive rate and % of peak for every stage shape and eigen phase; at this size it measures
 * nothing, so only the shape of the output is checked.
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { relaxedSimdSupported } from '../../src/engines/wasm/loader.js';

it('bench:kernels -- --n 67 --b 13 --reps 1 prints every stage for every build', () => {
  const run = spawnSync('npm', ['run', 'bench:kernels', '--', '--n', '67', '--b', '13', '--reps', '1'], {
    encoding: 'utf8',
    timeout: 110_000,
  });
  expect(run.status, run.stderr.slice(-2000)).toBe(0);
  const text = run.stdout;
  const builds = relaxedSimdSupported() ? ['relaxed', 'simd'] : ['simd'];
  for (const build of builds)
    expect(text).toMatch(new RegExp(`^${build} build, one thread: .* [\\d.]+ GFLOP/s`, 'm'));
  expect(text).toMatch(/i32x4\.dot_i16x8_s [\d.]+ G multiply-adds\/s \([\d.]+x f64x2\)/);
  // Printed only once its sums matched plain integer sums.
  expect(text.match(/^exact i16 GEMM inner loops 96 x 72 x 14 .* [\d.]+ G multiply-adds\/s/gm)).toHaveLength(
    builds.length,
  );
  const rated = [
    /^rotation gemm 13 x 67 x 67 /m,
    /^kinship syrk\+fold n=67 b=13 /m,
    /^tridiag trailing update /m,
    /^back-transform block /m,
    /^eigen n=67: tridiagonalize /m,
    /^eigen n=67: back-transform: apply /m,
  ];
  for (const label of rated) {
    const lines = text.split('\n').filter((line) => label.test(line));
    expect(lines, String(label)).toHaveLength(builds.length);
    for (const line of lines) {
      const m = /([\d.]+) GFLOP\/s +(\d+) %$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(0);
    }
  }
  expect(text.match(/^eigen n=67: all phases +[\d.]+ ms$/gm)).toHaveLength(builds.length);
}, 120_000);
