/** Runs lmmscan jobs in-process from GEMMA-style flags (the same parser the CLI uses). */
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { createEngine } from '../../src/engines/select.js';
import { runEigenJob, runJob } from '../../src/scan/job.js';
import type { EngineChoice } from '../../src/model/config.js';

/** Parses `flags` (GEMMA syntax) and runs the job with the given engine, quietly. */
export async function lmmscan(flags: string[], engine: EngineChoice = 'ts'): Promise<string[]> {
  const config = toScanConfig(parseFlags([...flags, '--quiet']), ['lmmscan', ...flags].join(' '));
  const selected = await createEngine(engine);
  try {
    if (config.writeEigen) return await runEigenJob(config, selected.engine);
    return (await runJob(config, selected.engine, selected.reason)).outputs;
  } finally {
    await selected.engine.close();
  }
}
