import { mkdtempSync, rmSync } from 'node:fs';
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
});
