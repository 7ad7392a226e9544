/** A scan with --groups equals the same scan with -k of the group kinship D D^T written to a file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { groupKinship } from '../../src/kinship/groups.js';
import { formatMatrixBytes } from '../../src/io/matrix-file.js';
import { simulateCohort, writePlink } from '../../src/sim/index.js';
import { scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';

it('-lmm 4 with --groups gives the same rows as -k with K = D D^T', async () => {
  const dir = scratchDir('groups-scan');
  const cohort = simulateCohort({ nIndividuals: 61, nSnps: 150, familySize: 3, nCausal: 2, seed: 13 });
  await writePlink(join(dir, 'c'), cohort);
  // Families as groups, one individual without a group.
  const labels = cohort.individuals.map((ind, i) => (i === 5 ? null : ind.fid));
  writeFileSync(join(dir, 'groups.txt'), labels.map((l) => l ?? 'NA').join('\n') + '\n');
  writeFileSync(join(dir, 'K.txt'), formatMatrixBytes(groupKinship(labels), 61, 61));
  // The -k run must drop the same individual: give it a missing phenotype.
  const pheno = readFileSync(join(dir, 'c.fam'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l, i) => (i === 5 ? 'NA' : l.split(/\s+/)[5]));
  writeFileSync(join(dir, 'p.txt'), pheno.join('\n') + '\n');
  await lmmscan([
    '-bfile',
    join(dir, 'c'),
    '-p',
    join(dir, 'p.txt'),
    '--groups',
    join(dir, 'groups.txt'),
    '-lmm',
    '4',
    '-outdir',
    dir,
    '-o',
    'g',
    '--no-plots',
  ]);
  await lmmscan([
    '-bfile',
    join(dir, 'c'),
    '-p',
    join(dir, 'p.txt'),
    '-k',
    join(dir, 'K.txt'),
    '-lmm',
    '4',
    '-outdir',
    dir,
    '-o',
    'k',
    '--no-plots',
  ]);
  const g = readFileSync(join(dir, 'g.assoc.txt'), 'utf8');
  const k = readFileSync(join(dir, 'k.assoc.txt'), 'utf8');
  expect(g.split('\n').length).toBeGreaterThan(100);
  expect(g).toBe(k);
});
