/**
 * lmmscan for Node batch jobs: one call runs a job (-gk, -eigen, -lmm or -lm, --traits, --loco) and
 * writes the same files as the CLI; scanResults also yields each finished block's rows in memory.
 */
import { join } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { createEngine } from '../engines/select.js';
import type { RunSummary } from '../io/log-format.js';
import { runEigenJob, runJob } from '../scan/job.js';
import { UsageError } from '../io/input-error.js';
import { parseAssocRows, type AssocRow } from './assoc-rows.js';
import { resolveScanConfig, type ScanOptions } from './options.js';

/** How a caller watches and stops a job. */
export interface ScanControl {
  /** Stops the job between blocks (or before the scan phase); the promise rejects with ScanAbortedError. */
  signal?: AbortSignal;
  /** SNPs tested so far of `total`, after every block. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** An engine to use and leave open, instead of creating options.engine's: one engine for many jobs. */
  engine?: Engine;
}

/** What a finished job wrote. */
export interface ScanResult {
  /** Paths of the files written (.assoc.txt, .log.txt, plots, ...). */
  outputs: string[];
  /** The log's contents (samples, SNPs, null model, timings); undefined for an eigen job. */
  summary?: RunSummary;
  /** The engine that ran, and why it was chosen. */
  engine: string;
}

/** One finished block of one output, in SNP order; the next block is computed while this one is used. */
export interface ResultBlock {
  /** `assoc`, or `traitC` for phenotype column C of a traits run. */
  output: string;
  /** The .assoc.txt these rows go to. */
  file: string;
  /** Block index, from 0. */
  block: number;
  rows: AssocRow[];
}

/** The job was stopped through its AbortSignal; `cause` is the signal's reason. */
export class ScanAbortedError extends Error {
  constructor(cause: unknown) {
    super('lmmscan: the scan was aborted', { cause });
    this.name = 'ScanAbortedError';
  }
}

/** Runs the job that `options` describe; resolves when every output is written. */
export async function runScan(options: ScanOptions, control: ScanControl = {}): Promise<ScanResult> {
  return run(resolveScanConfig(options), control);
}

/**
 * Runs the job like runScan and yields every finished block's rows as it goes (a -gk or -eigen job
 * yields none); returns the ScanResult. Leaving the loop early aborts the job. With resume, only
 * the blocks scanned in this call are yielded.
 */
export async function* scanResults(
  options: ScanOptions,
  control: ScanControl = {},
): AsyncGenerator<ResultBlock, ScanResult> {
  const config = resolveScanConfig(options);
  const kind = config.lmm !== undefined ? 'lmm' : 'lm';
  const mode = config.lmm ?? config.lm ?? 1;
  const stop = new AbortController();
  const signal = control.signal ? AbortSignal.any([control.signal, stop.signal]) : stop.signal;
  // One block at a time: the job waits in onBlock (keeping memory bounded) until the loop has used it.
  let ready: ResultBlock[] | undefined;
  let release: (() => void) | undefined;
  let wake: (() => void) | undefined;
  const onBlock = async (k: number, texts: Map<string, Uint8Array>) => {
    const blocks: ResultBlock[] = [];
    for (const [output, bytes] of texts) {
      const suffix = output === 'assoc' ? 'assoc.txt' : `${output}.assoc.txt`;
      const file = join(config.outDir, `${config.outPrefix}.${suffix}`);
      if (bytes.length > 0) blocks.push({ output, file, block: k, rows: parseAssocRows(bytes, kind, mode) });
    }
    if (blocks.length === 0 || stop.signal.aborted) return;
    await new Promise<void>((resolve) => {
      ready = blocks;
      release = resolve;
      wake?.();
    });
  };
  let finished = false;
  const job = run(config, { ...control, signal }, onBlock).finally(() => {
    finished = true;
    wake?.();
  });
  job.catch(() => undefined); // awaited below; leaving the loop early must not leave it unhandled
  try {
    for (;;) {
      if (!ready && !finished) await new Promise<void>((resolve) => (wake = resolve));
      if (!ready) return await job;
      const blocks = ready;
      ready = undefined;
      for (const block of blocks) yield block;
      const next = release;
      release = undefined;
      next?.();
    }
  } finally {
    if (!finished) {
      stop.abort(new Error('the result loop was left early'));
      release?.();
      await job.catch(() => undefined);
    }
  }
}

async function run(
  config: ReturnType<typeof resolveScanConfig>,
  control: ScanControl,
  onBlock?: (k: number, texts: Map<string, Uint8Array>) => Promise<void>,
): Promise<ScanResult> {
  if (config.fit) throw new UsageError('fit is not a library job (run lmmscan --fit)');
  const { signal, onProgress } = control;
  const aborted = () => new ScanAbortedError(signal?.reason);
  if (signal?.aborted) throw aborted();
  const selection = control.engine
    ? { engine: control.engine, reason: 'given by the caller' }
    : await createEngine(config.engine, { threads: config.threads });
  try {
    const engine = `${selection.engine.describe()} (${selection.reason})`;
    if (config.writeEigen) return { outputs: await runEigenJob(config, selection.engine), engine };
    const progress = onProgress && ((done: number, total: number) => onProgress({ done, total }));
    const hooks = { signal, onBlock, onProgress: progress };
    const { summary, outputs } = await runJob(config, selection.engine, selection.reason, hooks);
    return { outputs, summary, engine };
  } catch (error) {
    throw signal?.aborted ? aborted() : error;
  } finally {
    if (!control.engine) await selection.engine.close();
  }
}
