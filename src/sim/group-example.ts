/**
 * The founding note's example, seeded: 4 groups of 30 with group effects b = 2, 4, 8, 12; x is close
 * to minus its group's effect (x = -b + N(0, 1.3^2)); y = b + 1 * x + 0 * z + N(0, 1), with z a pure
 * noise covariate. Across groups x and y hardly move together (the naive slope is near 0.1), within a
 * group the slope is 1: the mixed model with a random group intercept recovers it.
 */
import { Random } from './random.js';

export interface GroupExample {
  /** Phenotype, covariates and group label per individual (group-major order). */
  y: Float64Array;
  x: Float64Array;
  z: Float64Array;
  group: string[];
  /** Group labels and their true effects. */
  labels: string[];
  groupEffects: number[];
  trueSlope: number;
}

export const GROUP_EXAMPLE_SEED = 20240417;

/** Simulates the example; the same seed gives the same data on every platform. */
export function simulateGroupExample(seed = GROUP_EXAMPLE_SEED, perGroup = 30): GroupExample {
  const random = new Random(seed);
  const labels = ['A', 'B', 'C', 'D'];
  const groupEffects = [2, 4, 8, 12];
  const trueSlope = 1;
  const n = labels.length * perGroup;
  const y = new Float64Array(n);
  const x = new Float64Array(n);
  const z = new Float64Array(n);
  const group: string[] = [];
  for (let g = 0; g < labels.length; g++) {
    for (let k = 0; k < perGroup; k++) {
      const i = g * perGroup + k;
      x[i] = -groupEffects[g] + 1.3 * random.normal();
      z[i] = random.normal();
      y[i] = groupEffects[g] + trueSlope * x[i] + random.normal();
      group.push(labels[g]);
    }
  }
  return { y, x, z, group, labels, groupEffects, trueSlope };
}

/** Ordinary least squares of y on (1, x): the slope that ignores the groups. */
export function naiveSlope(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxy / sxx;
}

/** Texts of the example's input files: -p (y), -c (header "x z"), --groups, and one CSV for R (y,x,z,group). */
export function groupExampleFiles(example: GroupExample): {
  pheno: string;
  covariates: string;
  groups: string;
  csv: string;
} {
  const n = example.y.length;
  const rows = (f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';
  // String(v) is the shortest text that reads back as the same double, so R and lmmscan see identical data.
  return {
    pheno: rows((i) => String(example.y[i])),
    covariates: 'x z\n' + rows((i) => `${example.x[i]} ${example.z[i]}`),
    groups: rows((i) => example.group[i]),
    csv: 'y,x,z,group\n' + rows((i) => `${example.y[i]},${example.x[i]},${example.z[i]},${example.group[i]}`),
  };
}
