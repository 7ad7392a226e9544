/**
 * The built dist/bench/eigen-stages.js on a small, awkward cohort (n = 37, not a multiple of any block): it
 * simulates the cohort, computes its kinship with the CLI, times every phase of each build given and compares
 * their results. One build given twice must agree with itself bit for bit (the phases are deterministic); at this
 * size it measures nothing, so only the shape of the output is checked.
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { relaxedSimdSupported } from '../../src/engines/wasm/loader.js';

it.runIf(relaxedSimdSupported())(
  'eigen-stages --n 37 prints every phase and compares the builds',
  () => {
    const build = 'build/lmmscan-relaxed.wasm';
    const run = spawnSync(
      'node',
      ['dist/bench/eigen-stages.js', '--n', '37', '--m', '300', '--reps', '2', '--wasm', `${build},${build}`],
      { encoding: 'utf8', timeout: 110_000 },
    );
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const text = run.stdout;
    expect(text).toContain('kinship of the bench cohort n = 37 (m = 300); median CPU s of 2');
    expect(text.match(/^build build\/lmmscan-relaxed\.wasm$/gm)).toHaveLength(2);
    expect(text.match(/^ {2}tridiagonalisation \(4\/3 n\^3\) +[\d.]+ s( +[\d.]+ GFLOP\/s)?$/gm)).toHaveLength(
      2,
    );
    expect(text.match(/^ {2}divide and conquer +[\d.]+ s$/gm)).toHaveLength(2);
    expect(text.match(/^ {2}back-transformation \(2 n\^3\) +[\d.]+ s( +[\d.]+ GFLOP\/s)?$/gm)).toHaveLength(
      2,
    );
    expect(text).toContain(`${build} against ${build}: bitwise equal`);
  },
  120_000,
);
