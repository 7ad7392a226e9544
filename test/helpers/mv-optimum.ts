/**
 * An independent check of multivariate LMM fits: the (restricted) likelihood maximised directly by
 * Nelder-Mead over Cholesky factors of Vg and Ve (no EM, no Newton-Raphson), and the rotated data of
 * chosen SNPs of a run, rebuilt from its flags with the library's reading, eigen and rotation steps.
 */
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { createEngine } from '../../src/engines/select.js';
import { openInputs } from '../../src/scan/inputs.js';
import { buildMvPlan, type MvPlan } from '../../src/scan/mv-plan.js';
import { kinshipSourceOf } from '../../src/scan/phase-prepare.js';
import { eigenForAnalysed } from '../../src/scan/prepare.js';
import { evaluate } from '../../src/stats/mvlmm/derivatives.js';
import type { MvData } from '../../src/stats/mvlmm/model.js';

/** Lower-triangular factor L (d x d) of an SPD matrix. */
function cholesky(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? Math.sqrt(s) : s / l[j * d + j];
    }
  }
  return l;
}

function fromFactor(theta: Float64Array, offset: number, d: number): Float64Array {
  const l = new Float64Array(d * d);
  let k = offset;
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) l[i * d + j] = theta[k++];
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += l[i * d + q] * l[j * d + q];
      m[i * d + j] = s;
    }
  return m;
}

/** Nelder-Mead maximisation of f from x0 with initial steps `scale`; restarts until no gain. */
function nelderMead(
  f: (x: Float64Array) => number,
  x0: Float64Array,
  scale: number,
): { x: Float64Array; value: number } {
  const np = x0.length;
  let best = { x: Float64Array.from(x0), value: f(x0) };
  for (let restart = 0; restart < 4; restart++) {
    const simplex = [Float64Array.from(best.x)];
    for (let i = 0; i < np; i++) {
      const p = Float64Array.from(best.x);
      p[i] += scale * (Math.abs(p[i]) + 0.01);
      simplex.push(p);
    }
    let values = simplex.map(f);
    for (let iter = 0; iter < 300 * np; iter++) {
      const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]);
      const s = order.map((i) => simplex[i]);
      values = order.map((i) => values[i]);
      simplex.splice(0, simplex.length, ...s);
      if (Math.abs(values[0] - values[np]) < 1e-11) break;
      const centroid = new Float64Array(np);
      for (let i = 0; i < np; i++) for (let k = 0; k < np; k++) centroid[k] += simplex[i][k] / np;
      const along = (t: number) => Float64Array.from(centroid, (c, k) => c + t * (simplex[np][k] - c));
      const reflected = along(-1);
      const fr = f(reflected);
      if (fr > values[0]) {
        const expanded = along(-2);
        const fe = f(expanded);
        [simplex[np], values[np]] = fe > fr ? [expanded, fe] : [reflected, fr];
      } else if (fr > values[np - 1]) {
        [simplex[np], values[np]] = [reflected, fr];
      } else {
        const contracted = along(0.5);
        const fc = f(contracted);
        if (fc > values[np]) [simplex[np], values[np]] = [contracted, fc];
        else
          for (let i = 1; i <= np; i++) {
            simplex[i] = Float64Array.from(simplex[i], (v, k) => simplex[0][k] + 0.5 * (v - simplex[0][k]));
            values[i] = f(simplex[i]);
          }
      }
    }
    const top = values.indexOf(Math.max(...values));
    const gain = values[top] - best.value;
    best = { x: simplex[top], value: values[top] };
    if (gain < 1e-9) break;
    scale /= 4;
  }
  return best;
}

/** The maximum of the log-likelihood of kind over (Vg, Ve), started from (vg, ve). */
export function directMaximum(
  kind: 'R' | 'L',
  data: MvData,
  vg: Float64Array,
  ve: Float64Array,
): { logLik: number; vg: Float64Array; ve: Float64Array } {
  const d = data.d;
  const v = (d * (d + 1)) / 2;
  const theta = new Float64Array(2 * v);
  const lg = cholesky(vg, d);
  const le = cholesky(ve, d);
  let k = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      theta[k] = lg[i * d + j];
      theta[k + v] = le[i * d + j];
      k++;
    }
  const f = (t: Float64Array) => {
    const value = evaluate(kind, data, fromFactor(t, 0, d), fromFactor(t, v, d)).logLik;
    return Number.isFinite(value) ? value : -Infinity;
  };
  const best = nelderMead(f, theta, 0.2);
  return { logLik: best.value, vg: fromFactor(best.x, 0, d), ve: fromFactor(best.x, v, d) };
}

/** The multivariate plan of a run's flags and the rotated genotypes (length n) of the SNPs named in `rs`. */
export async function mvRowData(
  flags: string[],
  rs: string[],
): Promise<{ plan: MvPlan; rotated: Map<string, Float64Array> }> {
  const config = toScanConfig(parseFlags([...flags, '--quiet']), 'check');
  const { engine } = await createEngine('ts');
  const inputs = openInputs(config);
  try {
    const selection = inputs.groups[0].selection;
    const eigen = await eigenForAnalysed(kinshipSourceOf(config), selection, engine);
    const plan = await buildMvPlan(eigen, selection, config.lmm ?? 4, config.search, engine);
    const n = selection.nAnalysed;
    const rotated = new Map<string, Float64Array>();
    const want = new Set(rs);
    for await (const block of inputs.source.blocks(256)) {
      const nAll = block.dosages.length / block.count;
      for (let j = 0; j < block.count; j++) {
        if (!want.has(block.annotations[j].rs)) continue;
        const x = new Float64Array(n);
        let sum = 0;
        let observed = 0;
        let k = 0;
        for (let i = 0; i < nAll; i++) {
          if (!selection.analysed[i]) continue;
          x[k] = block.dosages[j * nAll + i];
          if (!Number.isNaN(x[k])) {
            sum += x[k];
            observed++;
          }
          k++;
        }
        for (let i = 0; i < n; i++) if (Number.isNaN(x[i])) x[i] = sum / observed;
        rotated.set(block.annotations[j].rs, await engine.rotate(eigen.vectors, n, x, 1));
      }
    }
    return { plan, rotated };
  } finally {
    inputs.source.close();
    await engine.close();
  }
}
