import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The slowest files, slowest first (about the seconds each takes alone on the 2-core CI machine). Two files run
 * at once, and the longest are started first so that no long file starts near the end and runs alone.
 */
const SLOWEST_FIRST = [
  'test/parity/gemma-suites.test.ts', // 270
  'test/parity/traits-loco.test.ts', // 120
  'test/parity/mvlmm.test.ts', // 90
  'test/package/package.test.ts', // 79
  'test/cluster/slurm.test.ts', // 70
  'test/parity/shared-data.test.ts', // 62
  'test/cluster/kinship-shards.test.ts', // 39
  'test/io/matrix-stream-large.test.ts', // 34
  'test/cluster/steps.test.ts', // 29
  'test/parity/gemma-gxe-widv.test.ts', // 18
  'test/parity/mvlmm-loco.test.ts', // 17
  'test/bench/gpu-bench.test.ts', // 16
  'test/reliability/faults.test.ts', // 15
  'test/parity/gemma-binary.test.ts', // 14
  'test/reliability/corrupt-inputs.test.ts', // 12
  'test/cluster/mvlmm-steps.test.ts', // 10
];

/**
 * A file that asserts a time (the 1e6-SNP report loads within 2 s in Chromium): it runs after the rest,
 * with the machine to itself.
 */
const ALONE = ['test/report/report-browser.test.ts'];

/** The default order (by size, or by the last run's durations), with the slowest files moved first. */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const at = SLOWEST_FIRST.findIndex((path) => spec.moduleId.endsWith(path));
      return at < 0 ? SLOWEST_FIRST.length : at;
    };
    return sorted
      .map((spec, at) => ({ spec, at }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.at - b.at)
      .map((s) => s.spec);
  }
}

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    sequence: { sequencer: SlowestFirst },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ALONE,
          // Most of the time goes to one-threaded work (gemma, node start-up, file parsing): two files at
          // once keep both CI cores busy.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
