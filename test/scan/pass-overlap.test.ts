import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Eigen, Engine } from '../../src/engines/engine.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { PLINK_FORMAT } from '../../src/io/plink-genotypes.js';
import type { SampleSelection } from '../../src/qc/samples.js';
import { eigenForAnalysed } from '../../src/scan/prepare.js';
import { runSnpPass } from '../../src/scan/snp-pass.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { lmmscan } from '../helpers/run-job.js';

const dir = mkdtempSync(join(tmpdir(), 'lmmscan-pass-overlap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const everyone = (n: number): SampleSelection => ({
  nTotal: n,
  analysed: new Uint8Array(n).fill(1),
  nAnalysed: n,
  phenotypes: [],
  covariates: new Float64Array(n).fill(1),
  nCvt: 1,
  interceptAppended: true,
});

describe('the SNP pass beside an eigendecomposition', () => {
  it('gives the event loop turns while it reads, so that work queued on it runs before the pass ends', async () => {
    const cohort = simulateCohort({ nIndividuals: 40, nSnps: 3000, nChromosomes: 2, seed: 5 });
    await writePlink(join(dir, 'c'), cohort);
    const source = PLINK_FORMAT.open({ bfile: join(dir, 'c') }, {});
    let blocksRead = 0;
    const counted = Object.create(source) as typeof source;
    counted.blocks = async function* (size: number, indices?: Int32Array) {
      for await (const block of source.blocks(size, indices)) {
        blocksRead++;
        yield block;
      }
    };
    let readAtTurn = -1;
    setImmediate(() => (readAtTurn = blocksRead));
    const filters = { miss: 1, maf: -1, r2: 1, hwe: 0 };
    const pass = await runSnpPass(counted, [{ selection: everyone(40), traitColumns: [] }], {
      filters,
      blockSize: 1000,
      quiet: true,
    });
    expect(pass.snpsInFile).toBe(3000);
    expect(readAtTurn).toBeGreaterThanOrEqual(1);
    expect(readAtTurn).toBeLessThan(3);
    source.close();
  });

  it('says when K is with the engine, before the eigendecomposition ends', async () => {
    const n = 6;
    const kinship = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) kinship[i * n + j] = i === j ? 1 : 0.1 / (1 + i + j);
    const ts = new TsEngine();
    let finishEigen: () => void = () => undefined;
    const events: string[] = [];
    const engine = Object.create(ts) as Engine;
    engine.eigen = async (matrix: Float64Array, size: number, consume?: boolean): Promise<Eigen> => {
      events.push('eigen called');
      await new Promise<void>((resolve) => (finishEigen = resolve));
      return ts.eigen(matrix, size, consume);
    };
    const eigen = eigenForAnalysed({ kinship }, everyone(n), engine, undefined, () =>
      events.push('handed over'),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events).toEqual(['eigen called', 'handed over']);
    finishEigen();
    const result = await eigen;
    expect(result.values.length).toBe(n);
    expect(events).toEqual(['eigen called', 'handed over']);
  });

  /** A K file of n rows whose last row has `last` as its last value; its text as the parsers read it. */
  function kinshipFile(name: string, n: number, last: string): string {
    const rows = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? '1' : (0.1 / (1 + i + j)).toPrecision(10))),
    );
    rows[n - 1][n - 1] = last;
    const path = join(dir, name);
    writeFileSync(path, rows.map((r) => r.join('\t')).join('\n') + '\n');
    return path;
  }

  /** An engine whose row parser reads the text (its fill hands over), says so, and answers only when `open` is called. */
  function gatedParser(events: string[], answer: 'parse' | 'decline') {
    const ts = new TsEngine();
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const engine = Object.create(ts) as Engine;
    engine.parseMatrixRows = async (bytes, n, fill) => {
      const text = new Uint8Array(bytes + 1);
      const bounds = new Int32Array(2 * n);
      const read = await fill(text.subarray(0, bytes), bounds);
      events.push('text read');
      await gate;
      events.push('parsed');
      if (!read || answer === 'decline') return null;
      const values = new Float64Array(n * n);
      const decoded = Buffer.from(text.buffer, 0, bytes);
      for (let r = 0; r < n; r++) {
        const fields = decoded.toString('latin1', bounds[2 * r], bounds[2 * r + 1]).split('\t');
        fields.forEach((f, c) => (values[r * n + c] = Number(f)));
      }
      return values;
    };
    return { engine, open: () => open() };
  }

  it("hands this thread over once a K file's text is read, before its parse ends", async () => {
    const n = 5;
    const events: string[] = [];
    const { engine, open } = gatedParser(events, 'parse');
    const eigen = eigenForAnalysed(
      { kinshipFile: kinshipFile('k5.txt', n, '1') },
      everyone(n),
      engine,
      undefined,
      () => events.push('handed over'),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events).toEqual(['handed over', 'text read']);
    open();
    const result = await eigen;
    expect(result.values.length).toBe(n);
    // Called again once K is with the engine: a second resolve, harmless.
    expect(events).toEqual(['handed over', 'text read', 'parsed', 'handed over']);
  });

  it("hands over once a -u file's text is read too, its eigenvalues checked when the parse is done", async () => {
    const n = 4;
    const events: string[] = [];
    const { engine, open } = gatedParser(events, 'parse');
    const values = join(dir, 'd4.txt');
    writeFileSync(values, '0.5\n1\n2\n3\n');
    const eigen = eigenForAnalysed(
      { eigenValuesFile: values, eigenVectorsFile: kinshipFile('u4.txt', n, '1') },
      everyone(n),
      engine,
      undefined,
      () => events.push('handed over'),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events).toEqual(['handed over', 'text read']);
    open();
    const result = await eigen;
    expect(Array.from(result.values)).toEqual([0.5, 1, 2, 3]);
    expect(result.vectors[n * n - 1]).toBe(1);
  });

  it('a bad value met after the hand-over (the parser declines, the JS reader finds it): the one InputError', async () => {
    const n = 5;
    const events: string[] = [];
    const { engine, open } = gatedParser(events, 'decline');
    const eigen = eigenForAnalysed(
      { kinshipFile: kinshipFile('k5-bad.txt', n, 'abc') },
      everyone(n),
      engine,
      undefined,
      () => events.push('handed over'),
    );
    const failure = eigen.catch((e: Error) => e.message);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events).toEqual(['handed over', 'text read']);
    open();
    expect(await failure).toBe(
      `${join(dir, 'k5-bad.txt')}:5: kinship matrix value "abc" in column 5 is not a finite number`,
    );
  });

  it('-lmm on the wasm threads: a K whose last value is bad fails with its line after the SNP pass, no output', async () => {
    // n = 600: past the main thread's allowance, so the workers parse K while this thread runs the SNP pass.
    const n = 600;
    const cohort = simulateCohort({ nIndividuals: n, nSnps: 300, nChromosomes: 1, nCovariates: 1, seed: 9 });
    await writePlink(join(dir, 'w'), cohort);
    const good = kinshipFile('w-good.txt', n, '1');
    const bad = join(dir, 'w-bad.txt');
    writeFileSync(bad, readFileSync(good, 'latin1').replace(/1\n$/, 'x1\n'));
    const out = join(dir, 'w-out');
    const run = (k: string, o: string) =>
      lmmscan(
        ['-bfile', join(dir, 'w'), '-k', k, '-lmm', '4', '-o', o, '-outdir', out, '--no-plots'],
        'wasm',
      );
    await expect(run(bad, 'bad')).rejects.toThrow(
      `w-bad.txt:${n}: kinship matrix value "x1" in column ${n} is not a finite number`,
    );
    expect(existsSync(join(out, 'bad.assoc.txt'))).toBe(false);
    expect(existsSync(join(out, 'bad.log.txt'))).toBe(false);
    // The same run with the good K writes its results.
    expect(await run(good, 'good')).toContain(join(out, 'good.assoc.txt'));
  }, 60_000);
});
