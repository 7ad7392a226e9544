/**
 * readAnnotationFile reads the file's bytes: on every awkward file below it must give the map, or the
 * error, that reading it line by line as strings gives (the reference here: split lines, split fields on
 * runs of space, comma and tab, the same checks in the same order).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readAnnotationFile, type AnnotationEntry } from '../../src/io/bimbam.js';
import { InputError, shown } from '../../src/io/input-error.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('annotation');

/** The annotation as string handling reads it, or the message of its first error. */
function reference(path: string, content: string): Map<string, AnnotationEntry> | string {
  const lines = content.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const map = new Map<string, AnnotationEntry>();
  let width = -1;
  for (const [k, line] of lines.entries()) {
    const at = `${path}:${k + 1}: `;
    const f = line.split(/[ ,\t]+/).filter((x) => x.length > 0);
    if (f.length === 0) continue;
    if (/,[ \t]*,|^[ \t]*,/.test(line))
      return `${at}empty field between commas (write NA for a missing value)`;
    if (f.length < 2) return `${at}expected "rs, position, chromosome", found ${f.length} field(s)`;
    if (width < 0) width = f.length;
    else if (f.length !== width)
      return `${at}${f.length} fields, but the first row has ${width} (every row needs the same number)`;
    let pos = '-9';
    if (f[1] !== 'NA') {
      if (!/^-?\d+$/.test(f[1])) return `${at}position ${shown(f[1])} is not an integer`;
      pos = String(Number(f[1]));
    }
    map.set(f[0], { pos, chr: f[2] === undefined || f[2] === 'NA' ? '-9' : f[2] });
  }
  return map;
}

function read(path: string): Map<string, AnnotationEntry> | string {
  try {
    return readAnnotationFile(path);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.message;
  }
}

const FILES: Record<string, string> = {
  plain: 'rs1, 1200, 3\nrs2 NA NA\nrs3\t-0\tX\nrs4,0012,MT\n',
  crlf: 'rs1 1 1\r\nrs2 2 1\r\n\r\nrs3 3 2',
  'lone cr': 'rs1 1 1\rrs2 2 1\r',
  bom: '\uFEFFrs1 5 1\nrs2 6 1\n',
  'blank and separator-only lines': '\n  \n , , \nrs1 1 1\n\t\nrs2 2 2\n\n\n',
  'trailing comma': 'rs1, 1, 1,\nrs2, 2, 2,\n',
  'non-ASCII ids': 'rs\u00e9 1 1\nrs\u4e2d 2 chr\u00df\n',
  'two columns': 'rs1 100\nrs2 NA\n',
  'four columns': 'rs1 100 1 0.5\nrs2 200 1 0.7\n',
  'huge position': 'rs1 123456789012345678901 1\n',
  'repeated id': 'rs1 1 1\nrs1 2 2\n',
  'empty cell': 'rs1, 1, 1\nrs2,, 1\n',
  'empty cell with spaces': 'rs1 1 1\nrs2 , , 1\n',
  'leading comma': 'rs1 1 1\n  ,rs2 2 1\n',
  'one field': 'rs1 1 1\nrs2\n',
  'width change': 'rs1 1 1\nrs2 2 1 0.3\n',
  'bad position': 'rs1 1 1\nrs2 1.5 1\n',
  'minus only': 'rs1 - 1\n',
  'signed position': 'rs1 +5 1\n',
  'long bad position': `rs1 ${'x'.repeat(60)} 1\n`,
  empty: '',
};

describe('readAnnotationFile', () => {
  it.each(Object.keys(FILES))('%s: as string handling reads it', (name) => {
    const path = join(dir, `${name.replace(/ /g, '_')}.txt`);
    writeFileSync(path, FILES[name]);
    expect(read(path)).toEqual(reference(path, FILES[name]));
  });

  it('a gzipped file reads as the plain one', () => {
    const path = join(dir, 'plain.txt.gz');
    writeFileSync(path, gzipSync(FILES.plain));
    expect(read(path)).toEqual(reference(path, FILES.plain));
    expect((read(path) as Map<string, AnnotationEntry>).get('rs3')).toEqual({ pos: '0', chr: 'X' });
  });

  it('reads random files as string handling reads them (rows in the common form and others)', () => {
    const next = rng(190);
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
    /** Mostly from the first `common` entries of a list, now and then from any. */
    const mostly = <T>(list: T[], common: number) =>
      next() < 0.97 ? pick(list.slice(0, common)) : pick(list);
    const ids = ['rs1', 'rs2', 'rs3', 'chr1:5', 'r\u00e9', 'NA', '0'];
    const positions = ['0', '7', '-3', '120', '-0', '007', 'NA', '123456789012345', '1234567890123456'];
    const bad = ['1.5', '+4', 'x'];
    const chromosomes = ['1', 'X', 'NA', 'chr\u00df', '0'];
    const separators = [' ', '\t', ', ', ',', ' ,', ' , ', '  ', ',,', ', ,', '\t,\t'];
    for (let file = 0; file < 300; file++) {
      const lines: string[] = [];
      const width = pick([3, 3, 4, 2]);
      for (let row = 0; row < 1 + Math.floor(next() * 8); row++) {
        const position = next() < 0.01 ? pick(bad) : pick(positions);
        const fields = [pick(ids), position, pick(chromosomes), '0.25', '9'].slice(
          0,
          next() < 0.02 ? pick([1, 2, 3, 4, 5]) : width,
        );
        let line = fields[0];
        for (const field of fields.slice(1)) line += mostly(separators, 7) + field;
        lines.push(mostly(['', ' ', '\t', ', '], 3) + line + mostly(['', ',', ' ', ', ,'], 3));
        if (next() < 0.05) lines.push(pick(['', ' ', ' , ']));
      }
      const content = lines.join(pick(['\n', '\r\n'])) + '\n';
      const path = join(dir, `random${file}.txt`);
      writeFileSync(path, content);
      expect(read(path), content).toEqual(reference(path, content));
    }
  });
});
