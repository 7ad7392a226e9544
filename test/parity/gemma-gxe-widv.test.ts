/**
 * GEMMA's -gxe (SNP x environment), -widv (residual weights) and -km 2 (kinship as ID pairs) side by side
 * with gemma on a simulated related cohort with covariates, missing genotypes and missing phenotypes
 * (and missing environment values and weights), PLINK and BIMBAM, -lmm 1 to 4. gemma 0.98.5 crashes on
 * -gxe with BIMBAM input (it opens an empty file name): that case is checked against the PLINK run of the
 * same genotypes and against a direct dense REML computation here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort, writeBimbam, writePlink, type SimulatedCohort } from '../../src/sim/index.js';
import { compareAssoc, readAssoc } from '../helpers/compare-assoc.js';
import { requireComparator } from '../helpers/comparators.js';
import { PARITY_ENGINES } from '../helpers/engines.js';
import { scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';

const runIt = requireComparator('gemma', 'gemma');
const MODES = [1, 2, 3, 4] as const;

/** Dense symmetric positive definite solve helpers for the independent check. */
function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j];
    }
  }
  return l;
}

/** Solves L L^T z = b for each column of b (n x m, column-major). */
function cholSolve(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const z = Float64Array.from(b);
  for (let c = 0; c < m; c++) {
    const o = c * n;
    for (let i = 0; i < n; i++) {
      let s = z[o + i];
      for (let k = 0; k < i; k++) s -= l[i * n + k] * z[o + k];
      z[o + i] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = z[o + i];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * z[o + k];
      z[o + i] = s / l[i * n + i];
    }
  }
  return z;
}

/** t(a) b for column-major a (n x p) and b (n x q): p x q row-major. */
function crossProduct(a: Float64Array, p: number, b: Float64Array, q: number, n: number): Float64Array {
  const out = new Float64Array(p * q);
  for (let r = 0; r < p; r++)
    for (let c = 0; c < q; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += a[r * n + i] * b[c * n + i];
      out[r * q + c] = s;
    }
  return out;
}

/** log det of a small symmetric positive definite matrix. */
function logDet(a: Float64Array, p: number): number {
  const l = cholesky(a, p);
  let s = 0;
  for (let i = 0; i < p; i++) s += 2 * Math.log(l[i * p + i]);
  return s;
}

/**
 * GEMMA's REML log-likelihood of y with fixed effects X (column-major n x p) and covariance
 * proportional to lambda K + I, computed directly (no eigendecomposition), and the GLS estimate of X's
 * last column.
 */
function denseReml(K: Float64Array, X: Float64Array, p: number, y: Float64Array, lambda: number) {
  const n = y.length;
  const h = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) h[i] = lambda * K[i];
  for (let i = 0; i < n; i++) h[i * n + i] += 1;
  const l = cholesky(h, n);
  let logDetH = 0;
  for (let i = 0; i < n; i++) logDetH += 2 * Math.log(l[i * n + i]);
  const hiX = cholSolve(l, n, X, p);
  const hiy = cholSolve(l, n, y, 1);
  const xhx = crossProduct(X, p, hiX, p, n);
  const xhy = crossProduct(X, p, hiy, 1, n);
  const yhy = crossProduct(y, 1, hiy, 1, n)[0];
  const xl = cholesky(xhx, p);
  const beta = cholSolve(xl, p, xhy, 1);
  let pyy = yhy;
  for (let a = 0; a < p; a++) pyy -= xhy[a] * beta[a];
  const df = n - p;
  const logLik =
    0.5 * df * (Math.log(df) - Math.log(2 * Math.PI) - 1) -
    0.5 * logDetH -
    0.5 * (logDet(xhx, p) - logDet(crossProduct(X, p, X, p, n), p)) -
    0.5 * df * Math.log(pyy);
  return { logLik, beta: beta[p - 1] };
}

/** K over the analysed individuals, double-centred as GEMMA centres it. */
function centredSubset(K: Float64Array, nAll: number, keep: number[]): Float64Array {
  const n = keep.length;
  const out = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) out[a * n + b] = K[keep[a] * nAll + keep[b]];
  const row = new Float64Array(n);
  let all = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) row[a] += out[a * n + b];
    all += row[a];
    row[a] /= n;
  }
  all /= n * n;
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) out[a * n + b] += all - row[a] - row[b];
  return out;
}

describe.runIf(runIt)('-gxe, -widv and -km 2 side by side with gemma', () => {
  const dir = scratchDir('gxe-widv');
  const gemma = (args: string[]) => execFileSync('gemma', args, { cwd: dir, stdio: 'pipe' });
  const plink = join(dir, 'cohort');
  const bimbam = join(dir, 'cohort_bb');
  const env = join(dir, 'env.txt');
  const weights = join(dir, 'weights.txt');
  const pairs = join(dir, 'kin_pairs.txt');
  const kinship = join(dir, 'output', 'k.cXX.txt');
  let cohort: SimulatedCohort;
  const plinkInputs = () => ['-bfile', plink, '-p', `${bimbam}.pheno.txt`, '-c', `${bimbam}.cov.txt`];
  const bimbamInputs = () => [
    '-g',
    `${bimbam}.geno.txt.gz`,
    '-p',
    `${bimbam}.pheno.txt`,
    '-c',
    `${bimbam}.cov.txt`,
    '-a',
    `${bimbam}.anno.txt`,
  ];
  const envValue = (i: number) => (i % 23 === 5 ? NaN : Math.sin(1.7 * i) + (i % 5) / 3);
  const weightValue = (i: number) => (i % 31 === 7 ? NaN : 0.4 + (i % 7) / 4);
  const text = (v: number) => (Number.isNaN(v) ? 'NA' : String(v));

  beforeAll(async () => {
    cohort = simulateCohort({
      nIndividuals: 280,
      nSnps: 300,
      nChromosomes: 2,
      familySize: 3,
      nCausal: 4,
      heritability: 0.5,
      nCovariates: 2,
      missingGenotypeRate: 0.02,
      missingPhenotypeRate: 0.1,
      seed: 19,
    });
    await writePlink(plink, cohort);
    await writeBimbam(bimbam, cohort, { gzip: true });
    const n = cohort.nIndividuals;
    writeFileSync(env, Array.from({ length: n }, (_, i) => text(envValue(i))).join('\n') + '\n');
    writeFileSync(weights, Array.from({ length: n }, (_, i) => text(weightValue(i))).join('\n') + '\n');
    gemma(['-bfile', plink, '-gk', '1', '-o', 'k']);
    // The same K as ID pairs (-km 2): upper triangle and diagonal, in a scrambled order.
    const K = readFileSync(kinship, 'utf8').trim().split('\n');
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const row = K[i].split('\t');
      for (let j = i; j < n; j++)
        lines.push(`${cohort.individuals[j].iid} ${cohort.individuals[i].iid} ${row[j]}`);
    }
    lines.sort(
      (a, b) => ((a.length * 7919 + a.charCodeAt(3)) % 101) - ((b.length * 7919 + b.charCodeAt(3)) % 101),
    );
    writeFileSync(pairs, lines.join('\n') + '\n');
    for (const mode of MODES) {
      gemma([...plinkInputs(), '-k', kinship, '-gxe', env, '-lmm', String(mode), '-o', `gxe_plink_${mode}`]);
      gemma([
        ...plinkInputs(),
        '-k',
        kinship,
        '-widv',
        weights,
        '-lmm',
        String(mode),
        '-o',
        `widv_plink_${mode}`,
      ]);
    }
    gemma([...bimbamInputs(), '-k', kinship, '-widv', weights, '-lmm', '4', '-o', 'widv_bb_4']);
    gemma(['-bfile', plink, '-k', pairs, '-km', '2', '-lmm', '4', '-o', 'km2']);
  }, 600_000);

  const compare = (ours: string, theirs: string) => {
    const r = compareAssoc(ours, join(dir, 'output', `${theirs}.assoc.txt`));
    expect(r.problems, r.problems.slice(0, 10).join('\n')).toEqual([]);
    expect(r.rows).toBeGreaterThan(200);
  };

  describe.each(PARITY_ENGINES)('engine %s', (engine) => {
    const out = join(dir, `ours-${engine}`);
    const o = (name: string) => ['-outdir', out, '-o', name, '--no-plots'];
    // Every mode on the TS engine; -lmm 4 (every test of 1-3 in one run) on the others.
    const modes = engine === 'ts' ? MODES : ([4] as const);

    it.each(modes)('PLINK -gxe -lmm %i', async (mode) => {
      await lmmscan(
        [...plinkInputs(), '-k', kinship, '-gxe', env, '-lmm', String(mode), ...o(`gxe_${mode}`)],
        engine,
      );
      compare(join(out, `gxe_${mode}.assoc.txt`), `gxe_plink_${mode}`);
      const log = readFileSync(join(out, `gxe_${mode}.log.txt`), 'utf8');
      expect(log).toMatch(
        /-gxe: the engine rotates the genotypes; the SNP x environment tests run in float64/,
      );
    });

    it.each(modes)('PLINK -widv -lmm %i', async (mode) => {
      await lmmscan(
        [...plinkInputs(), '-k', kinship, '-widv', weights, '-lmm', String(mode), ...o(`widv_${mode}`)],
        engine,
      );
      compare(join(out, `widv_${mode}.assoc.txt`), `widv_plink_${mode}`);
    });

    it('BIMBAM -widv -lmm 4', async () => {
      await lmmscan(
        [...bimbamInputs(), '-k', kinship, '-weight', weights, '-lmm', '4', ...o('widv_bb')],
        engine,
      );
      compare(join(out, 'widv_bb.assoc.txt'), 'widv_bb_4');
    });

    it.each(modes)('BIMBAM -gxe -lmm %i: the PLINK numbers of the same genotypes', async (mode) => {
      await lmmscan(
        [...bimbamInputs(), '-k', kinship, '-gxe', env, '-lmm', String(mode), ...o(`gxe_bb_${mode}`)],
        engine,
      );
      const ours = readAssoc(join(out, `gxe_bb_${mode}.assoc.txt`));
      const ref = readAssoc(join(dir, 'output', `gxe_plink_${mode}.assoc.txt`));
      expect(ours.header).toEqual(ref.header);
      const byRs = new Map(ref.rows.map((r) => [r[1], r]));
      let compared = 0;
      for (const row of ours.rows) {
        const other = byRs.get(row[1]);
        if (!other) continue;
        compared++;
        for (let k = 7; k < ref.header.length; k++) {
          const [a, b] = [Number(row[k]), Number(other[k])];
          // Both files count the same allele (the simulator writes allele1 first in both).
          const tolerance = ref.header[k].startsWith('p_')
            ? 1e-4 * Math.abs(Math.log10(b)) + 1e-12
            : 1e-4 * Math.abs(b);
          expect(Math.abs(a - b), `${row[1]} ${ref.header[k]}`).toBeLessThanOrEqual(tolerance + 1e-12);
        }
      }
      expect(compared).toBeGreaterThan(200);
    });
  });

  it('BIMBAM -gxe -lmm 1: beta and logl_H1 are the dense REML fit of y on W, e, x, x*e at l_remle, and l_remle its maximum', () => {
    const n = cohort.nIndividuals;
    const ours = readAssoc(join(dir, 'ours-ts', 'gxe_bb_1.assoc.txt'));
    const col = (name: string) => ours.header.indexOf(name);
    const keep: number[] = [];
    for (let i = 0; i < n; i++) {
      const cov = [0, 1].map((c) => cohort.covariates[i * cohort.nCovariates + c]);
      if (!Number.isNaN(cohort.phenotypes[i]) && !Number.isNaN(envValue(i)) && !cov.some(Number.isNaN))
        keep.push(i);
    }
    const m = keep.length;
    const Kall = Float64Array.from(readFileSync(kinship, 'utf8').trim().split(/\s+/).map(Number));
    const K = centredSubset(Kall, n, keep);
    const y = Float64Array.from(keep, (i) => cohort.phenotypes[i]);
    const snpIndex = new Map(cohort.snps.map((s, j) => [s.rs, j]));
    for (const row of ours.rows.filter((_, k) => k % 50 === 3)) {
      const j = snpIndex.get(row[1])!;
      const g = keep.map((i) => cohort.genotypes[j * n + i]);
      const observed = g.filter((v) => v >= 0);
      const mean = observed.reduce((s, v) => s + v, 0) / observed.length;
      const x = g.map((v) => (v >= 0 ? v : mean));
      const p = 6;
      const X = new Float64Array(p * m);
      for (let a = 0; a < m; a++) {
        const i = keep[a];
        X[a] = 1;
        X[m + a] = cohort.covariates[i * cohort.nCovariates];
        X[2 * m + a] = cohort.covariates[i * cohort.nCovariates + 1];
        X[3 * m + a] = envValue(i);
        X[4 * m + a] = x[a];
        X[5 * m + a] = x[a] * envValue(i);
      }
      const lambda = Number(row[col('l_remle')]);
      const at = denseReml(K, X, p, y, lambda);
      expect(Math.abs(at.logLik - Number(row[col('logl_H1')])), row[1]).toBeLessThan(
        1e-5 * Math.abs(at.logLik),
      );
      expect(Math.abs(at.beta - Number(row[col('beta')])), row[1]).toBeLessThan(
        1e-5 * Math.abs(at.beta) + 1e-9,
      );
      if (lambda > 1e-4 && lambda < 1e4) {
        expect(denseReml(K, X, p, y, lambda * 1.05).logLik).toBeLessThan(at.logLik);
        expect(denseReml(K, X, p, y, lambda / 1.05).logLik).toBeLessThan(at.logLik);
      }
    }
  });

  it('-km 2: a kinship of ID pairs gives gemma -km 2 numbers', async () => {
    const out = join(dir, 'ours-km2');
    await lmmscan(
      ['-bfile', plink, '-k', pairs, '-km', '2', '-lmm', '4', '-outdir', out, '-o', 'km2', '--no-plots'],
      'ts',
    );
    compare(join(out, 'km2.assoc.txt'), 'km2');
  });
});
