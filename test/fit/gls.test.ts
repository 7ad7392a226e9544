/**
 * Issue 3: --fit with a general (non-group) K, on hs1008 with GEMMA's centred kinship, agrees with
 * the closed-form GLS solution at the fitted variances (V = vg K + ve I, dense Cholesky): fixed
 * effects, their se, the BLUP vg K V^-1 (y - W beta), and the REML log-likelihood; and the fitted
 * lambda is a maximum of the restricted likelihood.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { rotateForFit, runFitJob } from '../../src/fit/fit-job.js';
import { fitMixedModel } from '../../src/fit/mixed-model-fit.js';
import { readFitInputs } from '../../src/fit/fit-inputs.js';
import { SHARED_DATA, scratchDir } from '../helpers/paths.js';

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** log det of an SPD matrix from its Cholesky factor. */
function logDet(chol: CholeskyDecomposition): number {
  const l = chol.lowerTriangularMatrix;
  let s = 0;
  for (let i = 0; i < l.rows; i++) s += 2 * Math.log(l.get(i, i));
  return s;
}

describe('--fit -k (general K) against the dense GLS solution', () => {
  const dir = scratchDir('fit-gls');
  const prefix = join(SHARED_DATA, 'hs1008', 'hs1008');
  const flags = [
    '-bfile',
    prefix,
    '-k',
    join(SHARED_DATA, 'hs1008', 'output', 'hs1008.cXX.txt.gz'),
    '--fit',
    '-o',
    'hs',
    '-outdir',
    dir,
    '--quiet',
  ];
  const config = toScanConfig(parseFlags(flags), flags.join(' '));

  it('beta, se, BLUP and REML log-likelihood equal the closed form at the fitted vg, ve', async () => {
    const engine = new TsEngine();
    const job = await runFitJob(config, engine);
    const doc = JSON.parse(readFileSync(job.outputs[0], 'utf8'));
    const { selection, kinship } = job.inputs;
    const n = selection.nAnalysed;
    const c = selection.nCvt;
    expect(n).toBe(876);
    expect(doc.n).toBe(n);

    const K = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) K.set(i, k, kinship[i * n + k]);
    const V = K.clone().mul(doc.vg);
    for (let i = 0; i < n; i++) V.set(i, i, V.get(i, i) + doc.ve);
    const W = new Matrix(n, c);
    for (let a = 0; a < c; a++) for (let i = 0; i < n; i++) W.set(i, a, selection.covariates[a * n + i]);
    const y = Matrix.columnVector(Array.from(selection.phenotypes[0]));
    const chol = new CholeskyDecomposition(V);
    const viW = chol.solve(W);
    const viY = chol.solve(y);
    const wViW = W.transpose().mmul(viW);
    const cov = new CholeskyDecomposition(wViW).solve(Matrix.eye(c));
    const beta = cov.mmul(W.transpose().mmul(viY));
    const worst: Record<string, number> = {};
    const note = (k: string, d: number) => (worst[k] = Math.max(worst[k] ?? 0, d));
    for (let a = 0; a < c; a++) {
      note('estimate', relative(doc.fixed[a].estimate, beta.get(a, 0)));
      note('se', relative(doc.fixed[a].se, Math.sqrt(cov.get(a, a))));
    }
    const residual = y.clone().sub(W.mmul(beta));
    const blup = K.mmul(chol.solve(residual)).mul(doc.vg);
    let scale = 0;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(blup.get(i, 0)));
    // Individual BLUPs can be near zero: compare each to the largest (still a relative measure).
    for (let i = 0; i < n; i++) note('blup', Math.abs(doc.blup[i] - blup.get(i, 0)) / scale);

    // REML in GEMMA's convention (LogRL_f), at lambda: H = lambda K + I, sigma2 = y'Py/(n-c).
    const H = K.clone().mul(doc.lambda);
    for (let i = 0; i < n; i++) H.set(i, i, H.get(i, i) + 1);
    const cholH = new CholeskyDecomposition(H);
    const hiW = cholH.solve(W);
    const wHiW = W.transpose().mmul(hiW);
    const hiY = cholH.solve(y);
    const betaH = new CholeskyDecomposition(wHiW).solve(W.transpose().mmul(hiY));
    const r = y.clone().sub(W.mmul(betaH));
    const yPy = r.transpose().mmul(cholH.solve(r)).get(0, 0);
    const df = n - c;
    const reml =
      0.5 * df * (Math.log(df) - Math.log(2 * Math.PI) - 1) -
      0.5 * logDet(cholH) -
      0.5 *
        (logDet(new CholeskyDecomposition(wHiW)) - logDet(new CholeskyDecomposition(W.transpose().mmul(W)))) -
      0.5 * df * Math.log(yPy);
    note('logLik', relative(doc.logLik, reml));
    console.log(
      'hs1008 --fit vs dense GLS, worst relative differences:',
      JSON.stringify(worst),
      JSON.stringify({ ...doc, blup: undefined }),
    );
    for (const [k, d] of Object.entries(worst)) expect(d, k).toBeLessThan(1e-8);
  }, 120_000);

  it('the fitted lambda maximises the REML likelihood (neighbours are lower)', async () => {
    const engine = new TsEngine();
    const inputs = await readFitInputs(config, engine);
    const rotated = await rotateForFit(inputs, engine);
    const at = (lMin: number, lMax: number) => fitMixedModel(rotated, 'reml', { lMin, lMax, nRegion: 1 });
    const fit = fitMixedModel(rotated, 'reml', config.search);
    const lower = at(fit.lambda * 0.999, fit.lambda * 0.999 * (1 + 1e-9));
    const upper = at(fit.lambda * 1.001, fit.lambda * 1.001 * (1 + 1e-9));
    expect(fit.logLik).toBeGreaterThan(lower.logLik);
    expect(fit.logLik).toBeGreaterThan(upper.logLik);
  }, 120_000);
});
