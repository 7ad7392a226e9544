/**
 * GEMMA 0.98.5 flags that belong to analyses lmmscan does not do, and the "did you mean" hint for a
 * flag nobody knows: a GEMMA script that asks for BSLMM gets one line saying so, not "unknown flag".
 */
import { FLAGS } from './flags.js';

/** What each GEMMA 0.98.5 flag outside kinship, the univariate LMM, the linear model and LOCO is for. */
const UNSUPPORTED_GEMMA: Record<string, string> = {};
const groups: [string, string[]][] = [
  [
    'BSLMM',
    [
      'bslmm',
      'ldr',
      'hmin',
      'hmax',
      'rmin',
      'rmax',
      'pmin',
      'pmax',
      'smin',
      'smax',
      'gmean',
      'hscale',
      'rscale',
      'pscale',
      'w',
      's',
      'rpace',
      'wpace',
      'seed',
      'mh',
    ],
  ],
  ['prediction (-predict)', ['predict', 'epm', 'en', 'ebv', 'emu', 'mu']],
  [
    'variance components and summary statistics (-vc, -ci, -pve, -blocks, -beta, -cor)',
    [
      'vc',
      'ci',
      'pve',
      'blocks',
      'noconstrain',
      'cor',
      'study',
      'ref',
      'mstudy',
      'mref',
      'beta',
      'bf',
      'hyp',
      'cat',
      'mcat',
      'catc',
      'mcatc',
      'wsnp',
      'wcat',
      'sample',
      'windowcm',
      'windowbp',
      'windowns',
      'r',
    ],
  ],
  ['multiple-file input (-mbfile, -mg, -mk)', ['mbfile', 'mb', 'mg', 'mk']],
  ['kinship kinds other than -gk (-gs, -gq, -gw, -calccor)', ['gs', 'gq', 'gw', 'calccor']],
  ['gene expression input (-gene)', ['gene']],
  [
    'multivariate LMM options (-pnr, -emi, -nri, -emp, -nrp, -crt)',
    ['pnr', 'emi', 'nri', 'emp', 'nrp', 'crt'],
  ],
  [
    'debugging (-debug-data, -no-fpe-check, -strict, -legacy, -issue)',
    ['debug-data', 'no-fpe-check', 'strict', 'legacy', 'issue'],
  ],
  ["GEMMA's license text", ['license']],
];
for (const [analysis, names] of groups) for (const name of names) UNSUPPORTED_GEMMA[name] = analysis;

/** The one-line reason a GEMMA flag is refused, or undefined when GEMMA has no such flag. */
export function gemmaFlagReason(name: string): string | undefined {
  const analysis = UNSUPPORTED_GEMMA[name];
  if (!analysis) return undefined;
  return (
    `-${name} is GEMMA's flag for ${analysis}, which lmmscan does not do ` +
    '(it does kinship, the univariate LMM, the linear model and LOCO)'
  );
}

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours (typos) as one. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known flag closest to `name` (within 2 edits, or 1 for names of 3 letters or fewer), if any. */
export function suggestFlag(name: string): string | undefined {
  const limit = name.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const f of FLAGS) {
    for (const candidate of [f.name, ...(f.aliases ?? [])]) {
      const d = editDistance(name.toLowerCase(), candidate);
      if (d < bestDistance) {
        best = f.name;
        bestDistance = d;
      }
    }
  }
  return best;
}
