/**
 * Evaluations per SNP of the per-SNP lambda search on real genotypes: GEMMA's Brent-then-Newton as lmmscan's default
 * runs it (src/stats/lambda.ts: brackets of maxima only, no pass after Newton's last step) against the safeguarded
 * Newton search (src/stats/lambda-newton.ts), REML and ML, on BXD (../shared/data/bxd: 198 strains, the BXD kinship, an
 * intercept and the two BXD covariates) with T simulated traits (heritability 0 to 0.8) and the first m SNPs.
 * An evaluation is one pass over the individuals (a slope, slope and curvature, or likelihood); the grid's 11
 * slopes and the two ends are counted apart, since the kernels make them for a chunk of SNPs in one product.
 * Also prints how far the two lambdas are apart and which finds the higher likelihood.
 *
 *   node dist/bench/lambda-search.js [--traits 5] [--snps 1000]
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createEngine } from '../src/engines/select.js';
import { optimiseLambda } from '../src/stats/lambda.js';
import { optimiseLambdaNewton } from '../src/stats/lambda-newton.js';
import { MixedModelLikelihood, type LikelihoodKind } from '../src/stats/likelihood.js';
import { covariateProducts, setSnpProducts } from '../src/stats/products.js';
import { ZERO_EIGENVALUE } from '../src/model/settings.js';
import { Random } from '../src/sim/random.js';
import { option } from './measure.js';

/** Counts the model's passes over the individuals. */
class CountingModel extends MixedModelLikelihood {
  refine = 0;
  override derivative1(kind: LikelihoodKind, lambda: number): number {
    this.refine++;
    return super.derivative1(kind, lambda);
  }
  override derivatives12(kind: LikelihoodKind, lambda: number): void {
    this.refine++;
    super.derivatives12(kind, lambda);
  }
  override logLikelihood(kind: LikelihoodKind, lambda: number): number {
    this.refine++;
    return super.logLikelihood(kind, lambda);
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const bxd = resolve(here, '..', '..', '..', 'shared', 'data', 'bxd');
const traits = Number(option('traits', '5'));
const snps = Number(option('snps', '1000'));
const text = (name: string) => {
  const raw = readFileSync(join(bxd, name));
  return (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').trimEnd().split('\n');
};
const geno = text('BXD_geno.txt.gz')
  .slice(0, snps)
  .map((l) =>
    l
      .split(/[ ,\t]+/)
      .slice(3)
      .map(Number),
  );
const n = geno[0]!.length;
const kinship = Float64Array.from(
  text(join('output', 'BXD.cXX.txt.gz')).flatMap((l) => l.trim().split(/\s+/).map(Number)),
);
const covariates = text('BXD_covariates2.txt').map((l) => l.trim().split(/\s+/).map(Number));
const nCvt = 3;
const { engine } = await createEngine('ts');
const { values, vectors } = await engine.eigen(kinship, n);
const eigenvalues = values.map((v) => (v < ZERO_EIGENVALUE ? 0 : v));
const w = new Float64Array(nCvt * n);
for (let i = 0; i < n; i++) {
  w[i] = 1;
  w[n + i] = covariates[i]![0]!;
  w[2 * n + i] = covariates[i]![1]!;
}
const rotatedW = await engine.rotate(vectors, n, w, nCvt);
const x = new Float64Array(snps * n);
geno.forEach((row, j) => row.forEach((v, i) => (x[j * n + i] = Number.isNaN(v) ? 1 : v)));
const rotatedX = await engine.rotate(vectors, n, x, snps);
const random = new Random(7);

const totals = { R: { gemma: 0, newton: 0 }, L: { gemma: 0, newton: 0 } };
let worstLambda = 0;
let worseLikelihood = 0;
let worstDrop = 0;
let nanDiffer = 0;
let tests = 0;
for (let t = 0; t < traits; t++) {
  const h2 = (t % 5) * 0.2;
  const g = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    const row = geno[random.int(geno.length)]!;
    for (let i = 0; i < n; i++) g[i] += Number.isNaN(row[i]!) ? 1 : row[i]!;
  }
  const y = Float64Array.from(g, (v) => Math.sqrt(h2) * v + Math.sqrt(1 - h2) * 2 * random.normal());
  const rotatedY = await engine.rotate(vectors, n, y, 1);
  const table = covariateProducts(rotatedW, rotatedY, nCvt);
  const model = new CountingModel(eigenvalues, nCvt, table);
  for (let j = 0; j < snps; j++) {
    setSnpProducts(table, rotatedW, rotatedY, rotatedX.subarray(j * n, (j + 1) * n), nCvt);
    model.productsChanged();
    for (const kind of ['R', 'L'] as const) {
      model.refine = 0;
      const gemma = optimiseLambda(model, kind);
      totals[kind].gemma += model.refine;
      model.refine = 0;
      const newton = optimiseLambdaNewton(model, kind);
      totals[kind].newton += model.refine;
      if (Number.isNaN(gemma.lambda) !== Number.isNaN(newton.lambda)) nanDiffer++;
      if (gemma.lambda >= 1e-3 && newton.lambda >= 1e-3)
        worstLambda = Math.max(worstLambda, Math.abs(newton.lambda - gemma.lambda) / gemma.lambda);
      const drop = gemma.logLikelihood - newton.logLikelihood;
      if (drop > 1e-9) worseLikelihood++;
      if (drop > worstDrop) worstDrop = drop;
    }
    tests++;
  }
}
await engine.close();
console.log(
  `BXD: n = ${n}, c = ${nCvt}, ${traits} traits x ${snps} SNPs = ${tests} tests (REML and ML each)`,
);
for (const kind of ['R', 'L'] as const) {
  // Both searches make the 11 grid slopes and the 2 end likelihoods; the rest is the refinement.
  const per = (v: number) => (v / tests - 13).toFixed(1);
  console.log(
    `${kind === 'R' ? 'REML' : 'ML  '}: passes per test beyond the grid and ends: GEMMA's Brent-then-Newton (maxima only) ${per(totals[kind].gemma)}, safeguarded Newton ${per(totals[kind].newton)} (all in: ${(totals[kind].gemma / tests).toFixed(1)} -> ${(totals[kind].newton / tests).toFixed(1)})`,
  );
}
console.log(
  `largest relative lambda difference (both >= 1e-3): ${worstLambda.toExponential(2)}; fits where one is NaN and the other not: ${nanDiffer}; Newton's log-likelihood below GEMMA's search's by more than 1e-9: ${worseLikelihood} fits (largest drop ${worstDrop.toExponential(2)})`,
);
