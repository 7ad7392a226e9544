/**
 * End-to-end time of each line of GEMMA 0.98.5's own test suites (test/parity/gemma-suites.ts), as
 * written, with gemma and with lmmscan on GEMMA's example data: median wall seconds of R runs each and
 * the ratio. Run it on a quiet machine; it says how loaded the machine was at the start.
 *
 *   node dist/bench/gemma-suites.js [--repeats 3] [--only REGEX] [--cli dist/src/cli/main.js]
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { SUITE_CASES, type SuiteCase } from '../test/parity/gemma-suites.js';
import { measure, median, option } from './measure.js';

const EXAMPLE = '/usr/share/doc/gemma/example';
const GZIPPED_IN_GEMMA = new Set(['BXD_geno.txt.gz', 'mouse_hs1940.geno.txt.gz']);
const repeats = Number(option('repeats', '3'));
const only = new RegExp(option('only', '.'));
const cli = resolve(
  option('cli', join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js')),
);

const GEMMA_TEST_DATA = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test',
  'fixtures',
  'gemma-data',
);
const root = mkdtempSync(join(tmpdir(), 'lmmscan-bench-suites-'));
const example = join(root, 'example');
mkdirSync(example);
for (const name of readdirSync(EXAMPLE)) {
  const from = join(EXAMPLE, name);
  if (name.endsWith('.gz') && !GZIPPED_IN_GEMMA.has(name))
    writeFileSync(join(example, name.slice(0, -3)), gunzipSync(readFileSync(from)));
  else copyFileSync(from, join(example, name));
}
for (const tool of ['gemma', 'lmmscan']) {
  mkdirSync(join(root, tool, 'test', 'output'), { recursive: true });
  symlinkSync(example, join(root, tool, 'example'));
  symlinkSync(join(root, tool, 'test', 'output'), join(root, tool, 'output'));
  // GEMMA's test/data files that Debian does not ship (the issue188 lines) are kept in the repository.
  symlinkSync(GEMMA_TEST_DATA, join(root, tool, 'test', 'data'));
}
const folder = (tool: string, c: SuiteCase) =>
  c.suite === 'dev_tests.rb' ? join(root, tool) : join(root, tool, 'test');

console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (${repeats} runs each, median wall seconds)`,
);
console.log(['suite', 'case', 'gemma s', 'lmmscan s', 'ratio'].join('\t'));
for (const c of SUITE_CASES) {
  if (c.fails) continue;
  const args = c.line.split(/\s+/);
  // Every line runs at least once, in order, since later lines read earlier lines' outputs.
  const times = { gemma: [] as number[], lmmscan: [] as number[] };
  const runs = only.test(`${c.suite} ${c.name}`) ? repeats : 1;
  for (let r = 0; r < runs; r++) {
    times.gemma.push((await measure('gemma', args, folder('gemma', c))).seconds);
    times.lmmscan.push((await measure(process.execPath, [cli, ...args], folder('lmmscan', c))).seconds);
  }
  if (runs < repeats) continue;
  const g = median(times.gemma);
  const l = median(times.lmmscan);
  console.log([c.suite, c.name, g.toFixed(2), l.toFixed(2), (g / l).toFixed(2)].join('\t'));
}
