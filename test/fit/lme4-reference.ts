/**
 * Runs R's lme4 (Debian r-cran-lme4) on a CSV with columns y, x, z, group and returns lmer's
 * estimates for y ~ x + z + (1 | group), REML and ML. Returns null (with the reason) when R or lme4
 * is missing; callers fail under CI=true and skip otherwise.
 */
import { spawnSync } from 'node:child_process';

export interface Lme4Fit {
  fixed: Map<string, { estimate: number; se: number }>;
  vg: number;
  ve: number;
  logLik: number;
  /** Conditional mode of each group's intercept (ranef). */
  groupEffects: Map<string, number>;
}

const SCRIPT = `
suppressMessages(library(lme4))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = TRUE)
d$group <- factor(d$group)
for (reml in c(TRUE, FALSE)) {
  m <- lmer(y ~ x + z + (1 | group), data = d, REML = reml)
  tag <- if (reml) "REML" else "ML"
  fe <- fixef(m)
  se <- sqrt(diag(as.matrix(vcov(m))))
  for (k in seq_along(fe)) cat(tag, "fixed", names(fe)[k], sprintf("%.17g", fe[k]), sprintf("%.17g", se[k]), "\\n")
  vc <- as.data.frame(VarCorr(m))
  cat(tag, "vg", sprintf("%.17g", vc$vcov[vc$grp == "group"]), "\\n")
  cat(tag, "ve", sprintf("%.17g", vc$vcov[vc$grp == "Residual"]), "\\n")
  cat(tag, "logLik", sprintf("%.17g", as.numeric(logLik(m))), "\\n")
  re <- ranef(m)$group
  for (g in rownames(re)) cat(tag, "ranef", g, sprintf("%.17g", re[g, 1]), "\\n")
}
`;

/** lmer fits (REML and ML) of the CSV, or a reason string when R/lme4 cannot run. */
export function runLme4(csvPath: string): { REML: Lme4Fit; ML: Lme4Fit } | string {
  const run = spawnSync('Rscript', ['-e', SCRIPT, csvPath], { encoding: 'utf8', timeout: 120_000 });
  if (run.error) return `Rscript not available (${run.error.message}); install r-cran-lme4`;
  if (run.status !== 0)
    return `Rscript failed (is r-cran-lme4 installed?): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  const fits = {
    REML: { fixed: new Map(), vg: NaN, ve: NaN, logLik: NaN, groupEffects: new Map() } as Lme4Fit,
    ML: { fixed: new Map(), vg: NaN, ve: NaN, logLik: NaN, groupEffects: new Map() } as Lme4Fit,
  };
  for (const line of run.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || (f[0] !== 'REML' && f[0] !== 'ML')) continue;
    const fit = fits[f[0] as 'REML' | 'ML'];
    if (f[1] === 'fixed') fit.fixed.set(f[2], { estimate: Number(f[3]), se: Number(f[4]) });
    else if (f[1] === 'ranef') fit.groupEffects.set(f[2], Number(f[3]));
    else if (f[1] === 'vg') fit.vg = Number(f[2]);
    else if (f[1] === 've') fit.ve = Number(f[2]);
    else if (f[1] === 'logLik') fit.logLik = Number(f[2]);
  }
  return fits;
}
