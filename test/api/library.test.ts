/** The library API (src/api/): defaults and validation as the CLI's, rows in memory, progress, cancellation. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { createEngine } from '../../src/engines/select.js';
import { UsageError } from '../../src/io/input-error.js';
import {
  resolveScanConfig,
  runScan,
  scanResults,
  ScanAbortedError,
  type AssocRow,
  type ScanOptions,
} from '../../src/index.js';
import { scratchDir, SHARED_DATA } from '../helpers/paths.js';

const bfile = join(SHARED_DATA, 'hs1008', 'hs1008');
const out = scratchDir('library');
const kinship = join(out, 'hs.cXX.txt');

beforeAll(async () => {
  await runScan({ bfile, kinshipKind: 1, outDir: out, outPrefix: 'hs', engine: 'wasm', threads: 1 });
});

const lmm = (prefix: string, more: ScanOptions = {}): ScanOptions => ({
  bfile,
  kinship,
  lmm: 4,
  outDir: out,
  outPrefix: prefix,
  engine: 'wasm',
  threads: 1,
  plots: false,
  ...more,
});

/** The file's rows, parsed the way a reader of the .assoc.txt would. */
function fileRows(path: string): Record<string, string | number>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const columns = header.split('\t');
  return lines.map((line) =>
    Object.fromEntries(
      line.split('\t').map((f, c) => [columns[c], /^(chr|rs|allele[01])$/.test(columns[c]) ? f : Number(f)]),
    ),
  );
}

describe('settings', () => {
  it('fills in the CLI defaults for everything left out', () => {
    const cli = toScanConfig(parseFlags(['-bfile', 'x', '-k', 'k.txt', '-lmm', '1']), 'cmd');
    const library = resolveScanConfig({ bfile: 'x', kinship: 'k.txt', lmm: 1 });
    const comparable = (c: Record<string, unknown>) => {
      const { quiet: _quiet, commandLine: _commandLine, ...rest } = c;
      return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== false));
    };
    expect(comparable({ ...library })).toEqual(comparable({ ...cli }));
    expect(library.quiet).toBe(true);
  });

  // [flag, value, library setting]: every value the CLI refuses, the library refuses too, and the reverse.
  const cases: [string, string, ScanOptions][] = [
    ['maf', '0.6', { filters: { maf: 0.6 } }],
    ['maf', '-0.5', { filters: { maf: -0.5 } }],
    ['miss', '1.5', { filters: { miss: 1.5 } }],
    ['r2', '-1', { filters: { r2: -1 } }],
    ['hwe', '2', { filters: { hwe: 2 } }],
    ['lmin', '0', { search: { lMin: 0 } }],
    ['lmax', '-3', { search: { lMax: -3 } }],
    ['region', '2.5', { search: { nRegion: 2.5 } }],
    ['threads', '0', { threads: 0 }],
    ['block-size', '1.5', { blockSize: 1.5 }],
    ['n', '0', { phenotypeColumns: [0] }],
    ['engine', 'cuda', { engine: 'cuda' as never }],
    ['lmm', '5', { lmm: 5 as never }],
    ['gk', '3', { kinshipKind: 3 as never }],
    ['from-bp', '-5', { fromBp: -5 }],
    ['to-bp', '1.5', { toBp: 1.5 }],
    ['plot-test', 'f', { plotTest: 'f' as never }],
  ];
  it.each(cases)('refuses -%s %s as the CLI does', (flag, value, setting) => {
    const base = ['-bfile', 'x', '-k', 'k.txt', ...(flag === 'lmm' ? [] : ['-lmm', '1'])];
    expect(() => toScanConfig(parseFlags([...base, `-${flag}`, value]), 'cmd')).toThrow(UsageError);
    expect(() => resolveScanConfig({ bfile: 'x', kinship: 'k.txt', lmm: 1, ...setting })).toThrow(UsageError);
  });

  it('accepts the limits the CLI accepts', () => {
    const flags = [
      '-maf',
      '-1',
      '-miss',
      '1',
      '-r2',
      '0',
      '-hwe',
      '1',
      '-lmin',
      '1e-9',
      '-region',
      '1',
      '-lmm',
      '4',
    ];
    expect(() => toScanConfig(parseFlags(['-bfile', 'x', '-k', 'k', ...flags]), 'cmd')).not.toThrow();
    const filters = { maf: -1, miss: 1, r2: 0, hwe: 1 };
    expect(() =>
      resolveScanConfig({ bfile: 'x', kinship: 'k', lmm: 4, filters, search: { lMin: 1e-9, nRegion: 1 } }),
    ).not.toThrow();
  });

  it('refuses what the job checks (modes, combinations) and unknown settings before any work', () => {
    expect(() => resolveScanConfig({ bfile: 'x' })).toThrow(/nothing to do/);
    expect(() => resolveScanConfig({ bfile: 'x', geno: 'y', lmm: 1 })).toThrow(/either bfile or geno/);
    expect(() => resolveScanConfig({ bfile: 'x', lmm: 1, keepP: 0.1 })).toThrow(
      /--keep-p works with --traits/,
    );
    expect(() => resolveScanConfig({ bfile: 'x', lmm: 1, lamda: 3 } as ScanOptions)).toThrow(
      /unknown setting "lamda"/,
    );
    expect(() => resolveScanConfig({ bfile: 'x', lmm: 1, filters: { mafx: 1 } as never })).toThrow(
      /filters.mafx/,
    );
  });
});

describe('results', () => {
  it('yields every row of the .assoc.txt in order, with SNP metadata, and reports progress', async () => {
    const progress: number[] = [];
    let total = 0;
    const rows: AssocRow[] = [];
    const blocks: number[] = [];
    const jobs = scanResults(lmm('rows', { blockSize: 300 }), {
      onProgress: (p) => (progress.push(p.done), (total = p.total)),
    });
    let step = await jobs.next();
    for (; !step.done; step = await jobs.next()) {
      expect(step.value.output).toBe('assoc');
      expect(step.value.file).toBe(join(out, 'rows.assoc.txt'));
      blocks.push(step.value.block);
      rows.push(...step.value.rows);
    }
    expect(step.value.outputs).toContain(join(out, 'rows.assoc.txt'));
    expect(step.value.summary?.nullModel).toBeDefined();
    const written = fileRows(join(out, 'rows.assoc.txt'));
    expect(rows.length).toBe(written.length);
    expect(rows).toEqual(written);
    expect(typeof rows[0].ps).toBe('number');
    expect(rows[0].allele1).toMatch(/^[ACGT0-9]+$/);
    expect(blocks).toEqual(blocks.map((_, k) => k));
    expect(blocks.length).toBe(Math.ceil(total / 300));
    expect(progress.at(-1)).toBe(total);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('stops on its AbortSignal between blocks, writing no result file', async () => {
    const controller = new AbortController();
    const job = runScan(lmm('aborted', { blockSize: 200 }), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(job).rejects.toBeInstanceOf(ScanAbortedError);
    expect(existsSync(join(out, 'aborted.assoc.txt'))).toBe(false);
  });

  it('leaves a checkpoint that resume continues to the same file as an uninterrupted run', async () => {
    const controller = new AbortController();
    const first = runScan(lmm('resumed', { blockSize: 200 }), {
      signal: controller.signal,
      onProgress: (p) => p.done >= 600 && controller.abort(),
    });
    await expect(first).rejects.toBeInstanceOf(ScanAbortedError);
    const yielded: number[] = [];
    for await (const block of scanResults(lmm('resumed', { blockSize: 200, resume: true })))
      yielded.push(block.block);
    await runScan(lmm('whole', { blockSize: 200 }));
    expect(readFileSync(join(out, 'resumed.assoc.txt'), 'utf8')).toBe(
      readFileSync(join(out, 'whole.assoc.txt'), 'utf8'),
    );
    expect(yielded[0]).toBeGreaterThanOrEqual(3);
  });

  it('stops the job when the loop is left early', async () => {
    let seen = 0;
    for await (const block of scanResults(lmm('left', { blockSize: 200 }))) {
      seen += block.rows.length;
      break;
    }
    expect(seen).toBe(200);
    expect(existsSync(join(out, 'left.assoc.txt'))).toBe(false);
  });

  it("runs many jobs on the caller's engine and leaves it open", async () => {
    const { engine } = await createEngine('wasm', { threads: 1 });
    try {
      const first = await runScan(lmm('shared1', { lmm: 1 }), { engine });
      const second = await runScan(lmm('shared2', { lmm: 1 }), { engine });
      expect(second.engine).toMatch(/given by the caller/);
      const assoc = (outputs: string[]) =>
        readFileSync(
          outputs.find((f) => f.endsWith('.assoc.txt'))!,
          'utf8',
        );
      expect(assoc(second.outputs)).toBe(assoc(first.outputs));
    } finally {
      await engine.close();
    }
  });

  it('refuses bad input with the same typed errors as the CLI', async () => {
    await expect(runScan({ bfile: join(out, 'nothere'), kinship, lmm: 1 })).rejects.toThrow(/nothere/);
  });
});

describe('the optional webgpu package', () => {
  it('auto falls back to wasm and says why; webgpu names the missing package', async () => {
    const hasWebgpu = () => false;
    await expect(createEngine('webgpu', { hasWebgpu })).rejects.toThrow(
      /optional package webgpu@0\.6\.2.*not installed/,
    );
    const auto = await createEngine('auto', { hasWebgpu, threads: 1 });
    try {
      expect(auto.engine.name).toBe('wasm');
      expect(auto.reason).toMatch(/optional package webgpu is not installed/);
    } finally {
      await auto.engine.close();
    }
  });
});
