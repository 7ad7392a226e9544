/** --groups parsing, fixed-effect names, input errors, and the documented difference from GEMMA's centred K. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { rotateForFit } from '../../src/fit/fit-job.js';
import { readFitInputs } from '../../src/fit/fit-inputs.js';
import { groupKinship, readGroupFile } from '../../src/kinship/groups.js';
import { groupExampleFiles, simulateGroupExample } from '../../src/sim/group-example.js';
import { fitMixedModel } from '../../src/fit/mixed-model-fit.js';
import { InputError, UsageError } from '../../src/io/input-error.js';
import { doubleCentre } from '../../src/linalg/centre.js';
import { svgToPng, densityChart } from '../../bench/examples/svg-plot.js';
import { scratchDir } from '../helpers/paths.js';
import { DEFAULT_LAMBDA_SEARCH } from '../../src/model/settings.js';

const dir = scratchDir('fit-inputs');
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const config = (flags: string[]) => toScanConfig(parseFlags([...flags, '--quiet']), flags.join(' '));

describe('--groups', () => {
  it('reads one label per line, NA = missing, and builds K = D D^T', () => {
    const labels = readGroupFile(write('g.txt', 'a\nb\nNA\na\n'));
    expect(labels).toEqual(['a', 'b', null, 'a']);
    expect(Array.from(groupKinship(labels))).toEqual([1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1]);
  });

  it('rejects two fields on a line with file and line', () => {
    expect(() => readGroupFile(write('bad.txt', 'a\nb c\n'))).toThrow(/bad\.txt:2: expected one group label/);
  });

  it('drops individuals without a group, names covariates from the header, appends the intercept', async () => {
    const p = write('p.txt', '1\n2\n3\n4\n5\nNA\n');
    const c = write('c.txt', 'age dose\n1 0\n2 1\n3 0\n4 1\n5 1\n6 0\n');
    const g = write('g2.txt', 'a\na\nb\nNA\nb\nb\n');
    const inputs = await readFitInputs(config(['-p', p, '-c', c, '--groups', g, '--fit']), new TsEngine());
    expect(inputs.selection.nAnalysed).toBe(4);
    expect(inputs.fixedNames).toEqual(['age', 'dose', 'intercept']);
    expect(Array.from(inputs.kinship)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
  });

  it('names headerless covariates c1, c2, ... and keeps a user intercept column in place', async () => {
    const p = write('p3.txt', '1\n2\n3\n4\n');
    const c = write('c3.txt', '1 5\n1 6\n1 8\n1 7\n');
    const g = write('g3.txt', 'a\na\nb\nb\n');
    const inputs = await readFitInputs(config(['-p', p, '-c', c, '--groups', g, '--fit']), new TsEngine());
    expect(inputs.fixedNames).toEqual(['c1', 'c2']);
  });

  it('refuses a label count that does not match the phenotypes, and ambiguous kinship sources', async () => {
    const p = write('p4.txt', '1\n2\n3\n');
    const g = write('g4.txt', 'a\nb\n');
    await expect(readFitInputs(config(['-p', p, '--groups', g, '--fit']), new TsEngine())).rejects.toThrow(
      InputError,
    );
    await expect(
      readFitInputs(config(['-p', p, '--groups', g, '-k', g, '--fit']), new TsEngine()),
    ).rejects.toThrow(UsageError);
    await expect(readFitInputs(config(['-p', p, '--fit']), new TsEngine())).rejects.toThrow(
      /--groups FILE, -k FILE, or -gk/,
    );
  });
});

describe('K as given versus GEMMA\'s double-centred K (README, "Differences from GEMMA")', () => {
  it("same REML vg, ve and log-likelihood; GEMMA's intercept se is far too small for a group K", async () => {
    const files = groupExampleFiles(simulateGroupExample());
    const flags = [
      '-p',
      write('ex-p.txt', files.pheno),
      '-c',
      write('ex-c.txt', files.covariates),
      '--groups',
      write('ex-g.txt', files.groups),
      '--fit',
    ];
    const engine = new TsEngine();
    const inputs = await readFitInputs(config(flags), engine);
    const n = inputs.selection.nAnalysed;
    const asGiven = fitMixedModel(await rotateForFit(inputs, engine), 'reml', DEFAULT_LAMBDA_SEARCH);
    const centred = fitMixedModel(
      await rotateForFit({ ...inputs, kinship: doubleCentre(inputs.kinship, n) }, engine),
      'reml',
      DEFAULT_LAMBDA_SEARCH,
    );
    // REML uses only contrasts orthogonal to the intercept, where the two K agree.
    expect(Math.abs(centred.vg - asGiven.vg) / asGiven.vg).toBeLessThan(1e-6);
    expect(Math.abs(centred.ve - asGiven.ve) / asGiven.ve).toBeLessThan(1e-6);
    expect(Math.abs(centred.logLik - asGiven.logLik)).toBeLessThan(1e-6);
    const i = inputs.fixedNames.indexOf('intercept');
    expect(centred.se[i]).toBeLessThan(asGiven.se[i] / 3);
  });
});

describe('example pictures', () => {
  it('rasterise to PNG', () => {
    const svg = densityChart([{ label: 'a', colour: '#000', x: [1, 2, 3, 2.5] }], {
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
    });
    const png = svgToPng(svg);
    expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});

describe('eigenbasis repair', () => {
  it("makes a degenerate null space orthonormal and keeps U D U' = K", async () => {
    const { orthonormaliseColumns, orthonormalityError } = await import('../../src/linalg/orthonormalise.js');
    const { eigenTs } = await import('../../src/engines/ts/ts-eigen.js');
    const ex = simulateGroupExample();
    const n = ex.y.length;
    const K = doubleCentre(groupKinship(ex.group), n);
    const { values, vectors } = eigenTs(K, n);
    orthonormaliseColumns(vectors, n);
    expect(orthonormalityError(vectors, n)).toBeLessThan(1e-12);
    let worst = 0;
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[a * n + k] * values[k] * vectors[b * n + k];
        worst = Math.max(worst, Math.abs(s - K[a * n + b]));
      }
    expect(worst).toBeLessThan(1e-10);
  });
});
