/**
 * The founding note's example, runnable: 4 groups (effects 2, 4, 8, 12; 30 individuals each), x close
 * to minus the group effect, true slope 1. Prints the naive regression slope beside the mixed-model
 * slope from `lmmscan --fit --groups`, what GEMMA's centred K would report for the intercept, and
 * writes the note's four pictures (SVG and PNG).
 *
 *   npm run build && node dist/bench/examples/groups-example.js [OUTDIR]   (default output/groups-example)
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { TsEngine } from '../../src/engines/ts/ts-engine.js';
import { rotateForFit, runFitJob } from '../../src/fit/fit-job.js';
import { groupExampleFiles, naiveSlope, simulateGroupExample } from '../../src/sim/group-example.js';
import { fitMixedModel } from '../../src/fit/mixed-model-fit.js';
import { writeFileAtomic } from '../../src/io/atomic-file.js';
import { formatGeneral } from '../../src/io/number-format.js';
import { doubleCentre } from '../../src/linalg/centre.js';
import { densityChart, PALETTE, scatterChart, svgToPng, type Line, type Series } from './svg-plot.js';
import { DEFAULT_LAMBDA_SEARCH } from '../../src/model/settings.js';

const g = (x: number) => formatGeneral(x, 4);

async function main(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const example = simulateGroupExample();
  const files = groupExampleFiles(example);
  const path = (name: string) => join(outDir, name);
  writeFileSync(path('pheno.txt'), files.pheno);
  writeFileSync(path('covariates.txt'), files.covariates);
  writeFileSync(path('groups.txt'), files.groups);
  writeFileSync(path('data.csv'), files.csv);

  const flags = [
    '-p',
    path('pheno.txt'),
    '-c',
    path('covariates.txt'),
    '--groups',
    path('groups.txt'),
    '--fit',
    '-o',
    'groups_example',
    '-outdir',
    outDir,
  ];
  console.log(`$ lmmscan ${flags.join(' ')}`);
  const engine = new TsEngine();
  const job = await runFitJob(toScanConfig(parseFlags([...flags, '--quiet']), flags.join(' ')), engine);
  process.stdout.write(job.table);
  const { fit, inputs } = job;
  const at = (name: string) => inputs.fixedNames.indexOf(name);
  const alpha = fit.beta[at('x')];
  const intercept = fit.beta[at('intercept')];
  const betaZ = fit.beta[at('z')];
  const naive = naiveSlope(example.x, example.y);

  // What GEMMA 0.98.5 reports: it double-centres K, which for K = D D' removes the intercept
  // direction from the random effect, so the intercept's se no longer carries the group variance.
  const n = inputs.selection.nAnalysed;
  const centred = fitMixedModel(
    await rotateForFit({ ...inputs, kinship: doubleCentre(inputs.kinship, n) }, engine),
    'reml',
    DEFAULT_LAMBDA_SEARCH,
  );
  console.log('');
  console.log(`true slope of y on x:                     ${example.trueSlope}`);
  console.log(`naive regression slope (y ~ x):           ${g(naive)}`);
  console.log(`mixed-model slope (y ~ x + z + (1|group)): ${g(alpha)} (se ${g(fit.se[at('x')])})`);
  console.log(
    `se(intercept): GLS / lme4 ${g(fit.se[at('intercept')])}; with GEMMA's double-centred K ${g(centred.se[at('intercept')])} (too small)`,
  );

  const groups = example.labels.map((label, k) => ({
    label,
    colour: PALETTE[k],
    index: example.group.flatMap((gr, i) => (gr === label ? [i] : [])),
  }));
  const pick = (v: ArrayLike<number>, idx: number[]) => idx.map((i) => v[i]);
  const groupEffect = (k: number) => fit.blup[groups[k].index[0]];
  const yMinusXAlpha = example.y.map((y, i) => y - alpha * example.x[i]);
  const corrected = example.y.map((y, i) => y - fit.blup[i] - intercept - betaZ * example.z[i]);
  const series = (xs: ArrayLike<number>, ys?: ArrayLike<number>): Series[] =>
    groups.map((gr) => ({
      label: `group ${gr.label}`,
      colour: gr.colour,
      x: pick(xs, gr.index),
      y: ys ? pick(ys, gr.index) : undefined,
    }));
  const xMin = Math.min(...example.x);
  const xMax = Math.max(...example.x);
  const meanX = example.x.reduce((s, v) => s + v, 0) / n;
  const meanY = example.y.reduce((s, v) => s + v, 0) / n;
  const meanZ = example.z.reduce((s, v) => s + v, 0) / n;

  const charts: Record<string, string> = {
    'y-density': densityChart(series(example.y), {
      title: 'Density of y per group',
      xLabel: 'y',
      yLabel: 'density',
    }),
    'x-vs-y': scatterChart(
      series(example.x, example.y),
      [
        {
          points: [xMin, meanY + naive * (xMin - meanX), xMax, meanY + naive * (xMax - meanX)],
          colour: '#000000',
          label: `naive, ${g(naive)}`,
          dashed: true,
        } as Line,
        ...groups.map((gr, k): Line => {
          const xs = pick(example.x, gr.index);
          const lo = Math.min(...xs);
          const hi = Math.max(...xs);
          const level = intercept + groupEffect(k) + betaZ * meanZ;
          return {
            points: [lo, level + alpha * lo, hi, level + alpha * hi],
            colour: '#333333',
            label: k === 0 ? `mixed model, ${g(alpha)}` : '',
          };
        }),
      ],
      { title: 'x against y, coloured by group', xLabel: 'x', yLabel: 'y' },
    ),
    'y-minus-x-alpha-density': densityChart(series(yMinusXAlpha), {
      title: `Density of y - x * alpha per group (alpha = ${g(alpha)})`,
      xLabel: 'y - x * alpha',
      yLabel: 'density',
    }),
    'x-vs-corrected-y': scatterChart(
      series(example.x, corrected),
      [{ points: [xMin, alpha * xMin, xMax, alpha * xMax], colour: '#000000', label: `slope ${g(alpha)}` }],
      {
        title: 'x against the group-corrected residual',
        xLabel: 'x',
        yLabel: 'y - intercept - b(group) - z * beta_z',
      },
    ),
  };
  const written: string[] = [];
  for (const [name, svg] of Object.entries(charts)) {
    const base = path(`groups_example.${name}`);
    writeFileAtomic(`${base}.svg`, svg);
    writeFileAtomic(`${base}.png`, svgToPng(svg));
    written.push(`${base}.svg`, `${base}.png`);
  }
  console.log(`\npictures: ${written.join(', ')}`);
}

main(process.argv[2] ?? join('output', 'groups-example')).catch((e) => {
  console.error(e);
  process.exit(1);
});
