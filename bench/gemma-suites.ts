/**
 * End-to-end time of each line of GEMMA 0.98.5's own test suites (test/parity/gemma-suites.ts), as
 * written, with gemma and with lmmscan on GEMMA's example data: median wall seconds of R runs each, the
 * ratio, and the median user + system CPU seconds of each tool (GNU time's, children included), which
 * contention on a shared machine moves less than the wall time. Run it on a quiet machine; it says how
 * loaded the machine was at the start. With --only, a line that does not match runs (once) only when a
 * matching line reads its output (the kinship of a -lmm line), and is not timed.
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
import { measure, median, option, type Measured } from './measure.js';

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

/** Runs a command under GNU time: its wall seconds and its user + system CPU seconds. */
async function timed(command: string, args: string[], cwd: string): Promise<Measured & { cpu: number }> {
  const file = join(root, 'cpu.txt');
  const run = await measure('/usr/bin/time', ['-f', '%U %S', '-o', file, command, ...args], cwd);
  const [user, system] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
  return { ...run, cpu: user + system };
}

const selected = (c: SuiteCase) => only.test(`${c.suite} ${c.name}`);
const outputName = (c: SuiteCase) => /(?:^|\s)-o\s+(\S+)/.exec(c.line)?.[1];
/** Whether a selected line reads an output of c (output/NAME.*), so that c must run first. */
const neededLater = (c: SuiteCase, k: number) =>
  SUITE_CASES.slice(k + 1).some(
    (later) => !later.fails && selected(later) && later.line.includes(`output/${outputName(c)}.`),
  );

console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (${repeats} runs each, median wall seconds)`,
);
console.log(
  ['suite', 'case', 'gemma s', 'lmmscan s', 'ratio', 'gemma cpu s', 'lmmscan cpu s', 'cpu ratio'].join('\t'),
);
for (const [k, c] of SUITE_CASES.entries()) {
  if (c.fails) continue;
  const args = c.line.split(/\s+/);
  // Lines run in order, since later lines read earlier lines' outputs.
  const runs = selected(c) ? repeats : neededLater(c, k) ? 1 : 0;
  const times = { gemma: [] as number[], lmmscan: [] as number[] };
  const cpu = { gemma: [] as number[], lmmscan: [] as number[] };
  for (let r = 0; r < runs; r++) {
    const g = await timed('gemma', args, folder('gemma', c));
    const l = await timed(process.execPath, [cli, ...args], folder('lmmscan', c));
    times.gemma.push(g.seconds);
    times.lmmscan.push(l.seconds);
    cpu.gemma.push(g.cpu);
    cpu.lmmscan.push(l.cpu);
  }
  if (!selected(c)) continue;
  const [g, l, gc, lc] = [times.gemma, times.lmmscan, cpu.gemma, cpu.lmmscan].map(median);
  const row = [g, l, g / l, gc, lc, gc / lc].map((x) => x.toFixed(2));
  console.log([c.suite, c.name, ...row].join('\t'));
}
