/**
 * lambda_GC in NAME.summary.json (and NAME.log.txt) against an independent computation from the
 * assoc file itself: its own parsing, its own median, and the chi-square(1) quantile found by
 * bisection on chiSquareUpperTail rather than through the inverse normal the report uses.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags, toPlotConfig } from '../../src/cli/args.js';
import { runPlotCommand } from '../../src/report/plot-command.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { chiSquareUpperTail } from '../../src/stats/distributions.js';
import { SHARED_DATA, scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';
import { writeSyntheticAssoc } from './synthetic-assoc.js';

const HS_LMM4 = join(SHARED_DATA, 'hs1008', 'output', 'hs1008_lmm4.assoc.txt');
const out = scratchDir('report-gc');

/** x with P(chi2_1 > x) = p, by bisection (independent of the report's AS 241 route). */
function chiSquareQuantileByBisection(p: number): number {
  let lo = 0;
  let hi = 1;
  while (chiSquareUpperTail(hi, 1) > p) hi *= 2;
  for (let k = 0; k < 200 && hi - lo > 1e-15 * hi; k++) {
    const mid = (lo + hi) / 2;
    if (chiSquareUpperTail(mid, 1) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** lambda_GC per p column, straight from the file text. */
function independentLambda(path: string): Record<string, number> {
  const [header, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const cols = header.split('\t');
  const result: Record<string, number> = {};
  for (const test of ['wald', 'lrt', 'score']) {
    const k = cols.indexOf(`p_${test}`);
    if (k < 0) continue;
    // Sort the p-values, take the middle one(s), then convert: chi2 decreases with p, so the
    // median statistic is the statistic of the median p (the mean of two for an even count).
    const p = rows
      .map((r) => Number(r.split('\t')[k]))
      .filter((v) => !Number.isNaN(v))
      .sort((a, b) => a - b);
    const m = p.length;
    const median =
      m % 2
        ? chiSquareQuantileByBisection(p[(m - 1) / 2])
        : (chiSquareQuantileByBisection(p[m / 2 - 1]) + chiSquareQuantileByBisection(p[m / 2])) / 2;
    result[test] = median / 0.4549364231195724;
  }
  return result;
}

function summaryOf(name: string) {
  return JSON.parse(readFileSync(join(out, `${name}.summary.json`), 'utf8'));
}

async function plot(assoc: string, name: string, extra: string[] = []) {
  await runPlotCommand(toPlotConfig(parseFlags(['--assoc', assoc, '-o', name, '-outdir', out, ...extra])));
}

describe('lambda_GC matches an independent computation within 1e-6', () => {
  it('hs1008_lmm4.assoc.txt (GEMMA 0.98.5) via lmmscan plot', async () => {
    await plot(HS_LMM4, 'hs1008_lmm4');
    const summary = summaryOf('hs1008_lmm4');
    const expected = independentLambda(HS_LMM4);
    expect(Object.keys(summary.lambdaGC).sort()).toEqual(['lrt', 'score', 'wald']);
    for (const [test, lambda] of Object.entries(expected))
      expect(Math.abs(summary.lambdaGC[test] - lambda), test).toBeLessThan(1e-6);
    console.log(
      `hs1008 lambda_GC: wald ${summary.lambdaGC.wald}, lrt ${summary.lambdaGC.lrt}, score ${summary.lambdaGC.score}`,
    );
    // Facts picked up from hs1008_lmm4.log.txt beside the assoc file.
    expect(summary.nAnalysed).toBe(876);
    expect(summary.nullModel.pve).toBeCloseTo(0.631857, 6);
    expect(summary.snpsTested).toBe(1850);
    expect(summary.topHits).toHaveLength(10);
    expect(summary.topHits[0].p).toBeLessThanOrEqual(summary.topHits[1].p);
  });

  it('a simulated null scan (-gk 1 then -lmm 4, no causal SNP): lambda near 1, also in NAME.log.txt', async () => {
    const cohort = simulateCohort({
      nIndividuals: 300,
      nSnps: 3000,
      nChromosomes: 3,
      nCausal: 0,
      heritability: 0.3,
      familySize: 2,
      seed: 11,
    });
    const prefix = join(out, 'null-cohort');
    await writePlink(prefix, cohort);
    await lmmscan(['-bfile', prefix, '-gk', '1', '-o', 'null', '-outdir', out]);
    await lmmscan([
      '-bfile',
      prefix,
      '-k',
      join(out, 'null.cXX.txt'),
      '-lmm',
      '4',
      '-o',
      'null_lmm4',
      '-outdir',
      out,
    ]);
    const summary = summaryOf('null_lmm4');
    const expected = independentLambda(join(out, 'null_lmm4.assoc.txt'));
    for (const [test, lambda] of Object.entries(expected))
      expect(Math.abs(summary.lambdaGC[test] - lambda), test).toBeLessThan(1e-6);
    expect(summary.lambdaGC.wald).toBeGreaterThan(0.85);
    expect(summary.lambdaGC.wald).toBeLessThan(1.15);
    expect(summary.engine).toMatch(/ts/i);
    expect(summary.nullModel.pve).toBeTypeOf('number');
    const log = readFileSync(join(out, 'null_lmm4.log.txt'), 'utf8');
    const logged = /## lambda_GC \(genomic control, p_wald\) = (\S+)/.exec(log);
    expect(logged, log).not.toBeNull();
    expect(Math.abs(Number(logged![1]) - summary.lambdaGC.wald)).toBeLessThan(1e-5 * summary.lambdaGC.wald);
    expect(log).toContain('## number of analyzed SNPs/var');
    console.log(`simulated null scan lambda_GC (wald): ${summary.lambdaGC.wald}`);
  });

  it('200,000 uniform null p-values: lambda within 0.02 of 1; nan rows are skipped', async () => {
    const assoc = join(out, 'uniform.assoc.txt');
    await writeSyntheticAssoc(assoc, { rows: 200_000, nanRows: 50, seed: 3 });
    await plot(assoc, 'uniform');
    const summary = summaryOf('uniform');
    expect(Math.abs(summary.lambdaGC.wald - independentLambda(assoc).wald)).toBeLessThan(1e-6);
    expect(Math.abs(summary.lambdaGC.wald - 1)).toBeLessThan(0.02);
    expect(summary.snpsTested).toBe(200_000);
    expect(summary.tests.wald.snps).toBe(200_000 - 50);
    console.log(`uniform null (2e5 p-values) lambda_GC: ${summary.lambdaGC.wald}`);
  });
});

describe('which test is plotted', () => {
  beforeAll(() => expect(existsSync(HS_LMM4)).toBe(true));

  it('-lmm 2 files (p_lrt only) plot the LRT', async () => {
    await plot(join(SHARED_DATA, 'hs1008', 'output', 'hs1008_sXX_lmm2.assoc.txt'), 'hs1008_lmm2');
    const summary = summaryOf('hs1008_lmm2');
    expect(summary.plottedTest).toBe('lrt');
    expect(Object.keys(summary.lambdaGC)).toEqual(['lrt']);
    expect(summary.notes).toEqual([]);
  });

  it('--plot-test score is honoured; a missing test falls back with a note', async () => {
    await plot(HS_LMM4, 'hs1008_score', ['--plot-test', 'score']);
    expect(summaryOf('hs1008_score').plottedTest).toBe('score');
    await plot(join(SHARED_DATA, 'hs1008', 'output', 'hs1008_sXX_lmm2.assoc.txt'), 'lmm2_wald', [
      '--plot-test',
      'wald',
    ]);
    const s = summaryOf('lmm2_wald');
    expect(s.plottedTest).toBe('lrt');
    expect(s.notes[0]).toMatch(/p_wald is not in/);
  });

  it('-lm files read n analysed from n_obs', async () => {
    await plot(join(SHARED_DATA, 'hs1008', 'output', 'hs1008_lm4.assoc.txt'), 'hs1008_lm4');
    const s = summaryOf('hs1008_lm4');
    expect(s.analysis).toBe('lm');
    expect(s.nAnalysed).toBeGreaterThan(800);
  });

  it('leaves no temporary files behind', () => {
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
