/** The suites' perl checksum and ruby to_f, redone in TypeScript, against perl itself. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { rng } from '../helpers/random.js';
import { scratchDir } from '../helpers/paths.js';
import { perlChecksum, printfFixed, rubyFloat } from './suite-checks.js';

const PERL =
  'foreach $x (split(/\\s+/,$_)) { $sum += sprintf("%.2f",(substr($x,,0,6))) } END { printf "%.DIGITSf",$sum }';

it('printf rounding: exact binary ties go to the even digit, as glibc', () => {
  expect([0.125, -0.125, 0.375, 0.135].map((x) => printfFixed(x, 2))).toEqual([
    '0.12',
    '-0.12',
    '0.38',
    '0.14',
  ]);
  expect([2.5, 3.5, -2.5].map((x) => printfFixed(x, 0))).toEqual(['2', '4', '-2']);
});

it('ruby to_f: the leading number, else 0', () => {
  expect([rubyFloat('rs3707673'), rubyFloat('5.252187e-05'), rubyFloat('-1.5x'), rubyFloat('')]).toEqual([
    0, 5.252187e-5, -1.5, 0,
  ]);
});

it("the checksum equals perl's on GEMMA-like text with ties, ids, nan and leading blanks", () => {
  const random = rng(19);
  const fields = () => {
    const r = random();
    if (r < 0.1) return ['0.125', '-0.375', '2.5', '0.0050'][Math.floor(random() * 4)];
    if (r < 0.2) return `rs${Math.floor(random() * 1e7)}`;
    if (r < 0.25) return 'nan';
    if (r < 0.6) return (random() * 2 - 1).toExponential(6);
    return String(Math.floor(random() * 2e8));
  };
  const lines = Array.from(
    { length: 400 },
    (_, i) => (i % 7 === 0 ? '  ' : '') + Array.from({ length: 9 }, fields).join(i % 2 ? '\t' : ' '),
  );
  const withoutNan = lines.map((l) => l.replace(/nan/g, '1.5e-3'));
  const dir = scratchDir('suite-checks');
  for (const [name, text] of [
    ['with-nan', lines],
    ['plain', withoutNan],
  ] as const) {
    const path = join(dir, `${name}.txt`);
    writeFileSync(path, text.join('\n') + '\n');
    for (const digits of [0, 2]) {
      const perl = execFileSync('perl', ['-nle', PERL.replace('DIGITS', String(digits)), path], {
        encoding: 'utf8',
      });
      expect(perlChecksum(text.join('\n') + '\n', digits).toLowerCase(), `${name} %.${digits}f`).toBe(
        perl.toLowerCase(),
      );
    }
  }
});
