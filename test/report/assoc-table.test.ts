/**
 * readAssocTable reads ASCII rows from their bytes: every column must hold what Number() and the field's
 * text give, as the string reader (kept for rows with other characters) gives them, on awkward fields.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAssocTable } from '../../src/report/assoc-table.js';
import { scratchDir } from '../helpers/paths.js';

const out = scratchDir('assoc-table');

const HEADER = ['chr', 'rs', 'ps', 'n_mis', 'n_obs', 'allele1', 'allele0', 'af', 'beta', 'se', 'p_wald'];

/** Awkward numeric texts: each is Number()'s to read (padding, signs, forms parseField leaves to Number()). */
const NUMBERS = [
  '1.234567e-05',
  '0.5',
  '-0',
  '+3',
  ' 7',
  '8 ',
  '1,5',
  '',
  'nan',
  '-nan',
  'inf',
  'Infinity',
  '0x1f',
  '1e400',
  '12345678901234567890',
  '.5',
  '5.',
  '1e',
  '-.e1',
  '3.0000000000000004',
  '1e-400',
  '\u00a0',
  '2.5e+22',
];

describe('readAssocTable', () => {
  it.each([false, true])(
    'reads every column as Number() and the field text do (ASCII only: %s)',
    async (ascii) => {
      const rows: string[][] = [];
      NUMBERS.forEach((x, k) => {
        const chr = k % 2 ? 'X' : '1';
        const rs = k % 5 === 4 ? `rs\u00e9${k}` : `rs${k}`;
        rows.push([chr, rs, x, '0', String(100 + k), 'A', 'G', x, x, NUMBERS[(k + 1) % NUMBERS.length], x]);
      });
      // An ASCII file is decoded a chunk at a time, one with other characters a line at a time.
      if (ascii) rows.splice(0, rows.length, ...rows.filter((r) => /^[\x00-\x7f]*$/.test(r.join(''))));
      const text = [HEADER, ...rows].map((r) => r.join('\t')).join('\n') + '\n  \t\n';
      const path = join(out, 'awkward.assoc.txt');
      writeFileSync(path, text);
      const t = await readAssocTable(path);
      expect(t.rows).toBe(rows.length);
      expect(t.kind).toBe('lm');
      expect(t.chromosomes).toEqual(['1', 'X']);
      const bits = (x: number) => (Object.is(x, -0) ? '-0' : String(x));
      rows.forEach((r, k) => {
        expect(t.chromosomes[t.chrIndex[k]]).toBe(r[0]);
        expect(t.rs(k)).toBe(r[1]);
        expect(t.allele1(k)).toBe('A');
        expect(bits(t.pos[k]), `ps ${JSON.stringify(r[2])}`).toBe(bits(Number(r[2])));
        expect(bits(t.af[k])).toBe(bits(Number(r[7])));
        expect(bits(t.beta[k])).toBe(bits(Number(r[8])));
        expect(bits(t.se[k])).toBe(bits(Number(r[9])));
        expect(bits(t.p.wald![k])).toBe(bits(Number(r[10])));
      });
      expect(t.maxObserved).toBe(Math.max(...rows.map((r) => Number(r[4]))));
    },
  );

  it('skips blank rows (tabs and spaces only) and names a row of another width', async () => {
    const path = join(out, 'widths.assoc.txt');
    const head = 'chr\trs\tps\tp_wald\n1\trs1\t5\t0.5\n \t\t \t\n\n';
    writeFileSync(path, head + '1\trs2\t6\t0.25\n');
    const t = await readAssocTable(path);
    expect(t.rows).toBe(2);
    expect(t.rs(1)).toBe('rs2');
    expect(Array.from(t.p.wald!)).toEqual([0.5, 0.25]);
    writeFileSync(path, head + '1\trs2\t6\n');
    await expect(readAssocTable(path)).rejects.toThrow(/:5: expected 4 tab-separated fields, found 3/);
    writeFileSync(path, head + '1\trs2\t6\t0.25\t\n');
    await expect(readAssocTable(path)).rejects.toThrow(/:5: expected 4 tab-separated fields, found 5/);
  });
});
