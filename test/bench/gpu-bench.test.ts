/**
 * `npm run bench:gpu -- --n 600 --m 3000` (the built script, dist/bench/gpu.js) completes on whatever adapter this
 * machine has (llvmpipe in CI) and prints its results block: webgpu with the tests (grid and Newton) on the GPU, wasm, and GEMMA
 * when installed (with CI=true scripts/pretest.sh has installed it).
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('bench:gpu -- --n 600 --m 3000 finishes and prints a RESULTS.md block', () => {
  // Exactly the documented CI call (npm run bench:gpu -- --n 600 --m 3000); the block is read from its output.
  const run = spawnSync('npm', ['run', 'bench:gpu', '--', '--n', '600', '--m', '3000'], {
    encoding: 'utf8',
    timeout: 290_000,
  });
  expect(run.status, run.stderr.slice(-2000)).toBe(0);
  const text = run.stdout;
  expect(text).toContain('### GPU engine: n = 600, m = 3000');
  expect(text).toContain('Every engine ran on all m SNPs.');
  expect(text).toContain(
    'rotation and tests on the GPU in double-single (lambda grid and Newton); 3000 SNP tests, ',
  );
  expect(text).toMatch(/3000 SNP tests, \d+ of them optimised on the CPU in float64/);
  expect(text).toMatch(/^\| webgpu \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \|/m);
  expect(text).toMatch(/^\| wasm \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \| .* \| 1\.00 \|/m);
  const hasGemma = spawnSync('sh', ['-c', 'command -v gemma']).status === 0;
  if (hasGemma || process.env['CI'] === 'true')
    expect(text).toMatch(/^\| gemma \| [\d.]+ \|.* \| 1\.00 \|$/m);
}, 300_000);
