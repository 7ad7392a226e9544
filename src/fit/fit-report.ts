/** The outputs of --fit: NAME.fit.json (machine-readable) and the table printed on stdout. */
import { formatGeneral } from '../io/number-format.js';
import type { MixedModelFit } from './mixed-model-fit.js';

/** NAME.fit.json: n, method, fixed effects (name, estimate, se, t, p), vg, ve, pve, se_pve, lambda, logLik, blup. */
export function fitJson(fit: MixedModelFit, fixedNames: readonly string[]): string {
  const doc = {
    n: fit.n,
    method: fit.method === 'reml' ? 'REML' : 'ML',
    fixed: fixedNames.map((name, a) => ({
      name,
      estimate: fit.beta[a],
      se: fit.se[a],
      t: fit.t[a],
      p: fit.p[a],
    })),
    vg: fit.vg,
    ve: fit.ve,
    pve: fit.pve,
    se_pve: fit.sePve,
    lambda: fit.lambda,
    logLik: fit.logLik,
    blup: '__BLUP__',
  };
  // Pretty-printed, except the (long) BLUP vector, which stays on one line.
  return JSON.stringify(doc, null, 2).replace('"__BLUP__"', JSON.stringify(Array.from(fit.blup))) + '\n';
}

export interface FitTableContext {
  kinshipSource: string;
  nTotal: number;
  notes: string[];
  outputs: string[];
}

/** A short table: the model, the fixed effects with se, t and p, the variance components. */
export function fitTable(
  fit: MixedModelFit,
  fixedNames: readonly string[],
  context: FitTableContext,
): string {
  const g = (x: number) => formatGeneral(x, 6);
  const width = Math.max(12, ...fixedNames.map((s) => s.length + 2));
  const cell = (s: string) => s.padStart(13);
  const lines = [
    `Mixed model fit (${fit.method === 'reml' ? 'REML' : 'ML'}): y = W beta + g + e, g ~ N(0, vg K), e ~ N(0, ve I)`,
    `  K: ${context.kinshipSource}`,
    `  individuals: ${fit.n} analysed of ${context.nTotal}`,
    ...context.notes.map((n) => `  note: ${n}`),
    '',
    `${'fixed effect'.padEnd(width)}${cell('estimate')}${cell('se')}${cell('t')}${cell('p')}`,
    ...fixedNames.map(
      (name, a) =>
        `${name.padEnd(width)}${cell(g(fit.beta[a]))}${cell(g(fit.se[a]))}${cell(g(fit.t[a]))}${cell(g(fit.p[a]))}`,
    ),
    `  (se = GLS sqrt(diag((W' V^-1 W)^-1)), V = vg K + ve I; p: two-sided t test, df = n - ${fixedNames.length} = ${fit.df})`,
    '',
    `vg = ${g(fit.vg)}   ve = ${g(fit.ve)}   lambda = vg/ve = ${g(fit.lambda)}`,
    `pve = ${g(fit.pve)} (se ${g(fit.sePve)})   ${fit.method === 'reml' ? 'REML' : 'ML'} log-likelihood = ${g(fit.logLik)}`,
    `wrote: ${context.outputs.join(', ')}`,
  ];
  return lines.join('\n') + '\n';
}
