/** A compact assoc comparison for benchmarks (the tests use test/helpers/compare-assoc.ts). */
import { readFileSync } from 'node:fs';

/** Rows, count of values outside 1e-4 (relative, or -log10 for p), and the worst difference per column. */
export function compareAssocFiles(
  oursPath: string,
  refPath: string,
): { rows: number; problems: number; worst: Record<string, number> } {
  const read = (p: string) =>
    readFileSync(p, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
  const [ha, ...a] = read(oursPath);
  const [, ...b] = read(refPath);
  let problems = Math.abs(a.length - b.length);
  const worst: Record<string, number> = {};
  for (let r = 0; r < Math.min(a.length, b.length); r++) {
    ha.forEach((name, k) => {
      if (k < 7) {
        if (a[r][k] !== b[r][k] && name !== 'af') problems++;
        return;
      }
      const x = Number(a[r][k]);
      const y = Number(b[r][k]);
      if (Number.isNaN(x) || Number.isNaN(y)) {
        if (Number.isNaN(x) !== Number.isNaN(y)) problems++;
        return;
      }
      const d = name.startsWith('p_')
        ? Math.abs(Math.log10(Math.max(x, 1e-300)) - Math.log10(Math.max(y, 1e-300)))
        : Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
      worst[name] = Number(Math.max(worst[name] ?? 0, d).toPrecision(2));
      if (d > 1e-4) problems++;
    });
  }
  return { rows: a.length, problems, worst };
}
