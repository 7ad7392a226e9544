/**
 * The shared text primitives: line ends and byte-order marks, the first lines of a gzipped file,
 * where a comma separates in a phenotype or covariate table, and how input is quoted in messages.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError, shown } from '../../src/io/input-error.js';
import { readFirstLines, readLines, splitColumns } from '../../src/io/text-file.js';
import { scratchDir } from '../helpers/paths.js';

const dir = scratchDir('text-file');
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('readLines', () => {
  it.each([
    ['LF', 'a 1\nb 2\n'],
    ['CRLF', 'a 1\r\nb 2\r\n'],
    ['CR', 'a 1\rb 2\r'],
    ['mixed, no final end', 'a 1\r\nb 2'],
    ['BOM', '\uFEFFa 1\nb 2\n'],
    ['gzipped BOM + CR', gzipSync(Buffer.from('\uFEFFa 1\rb 2\r'))],
  ] as const)('%s', (label, content) => {
    expect(readLines(file(`lines-${label.replace(/\W+/g, '_')}`, content), 'test file')).toEqual([
      'a 1',
      'b 2',
    ]);
  });

  it('keeps a blank line inside, drops one at the end', () => {
    expect(readLines(file('blank', 'a\r\n\r\nb\r\n'), 'f')).toEqual(['a', '', 'b']);
  });

  it('refuses a NUL byte and invalid UTF-8 with the line', () => {
    const nul = file('nul', 'a\nb\x00c\n');
    expect(() => readLines(nul, 'test file')).toThrow(
      new InputError(nul, 'test file is not a text file (NUL byte at offset 3)', 2),
    );
    const latin1 = file('latin1', Buffer.from('a\r\nb\r\nc\xe9\n', 'latin1'));
    expect(() => readLines(latin1, 'test file')).toThrow(
      new InputError(latin1, 'test file is not UTF-8 text (save it as UTF-8)', 3),
    );
  });
});

describe('readFirstLines', () => {
  it('reads the first non-blank lines of a large gzipped file without the rest', () => {
    const long = 'x '.repeat(100_000);
    const path = file(
      'first.gz',
      gzipSync(Buffer.from(`\uFEFF\r\n${long}\r\nsecond\r\n${'third\n'.repeat(100_000)}`)),
    );
    expect(readFirstLines(path, 'f', 2)).toEqual([long, 'second']);
    expect(readFirstLines(file('short', 'only\n'), 'f', 2)).toEqual(['only']);
  });

  it('splits at LF, CRLF and a lone CR, skips blank lines, and reads on past a line longer than the first read', () => {
    expect(readFirstLines(file('cr', 'a\r\r\n  \t\nb\rc'), 'f', 3)).toEqual(['a', 'b', 'c']);
    expect(readFirstLines(file('cr2', 'a\r\r\n  \t\nb\rc'), 'f', 5)).toEqual(['a', 'b', 'c']);
    const wide = '0.5 '.repeat(6000); // 24,000 bytes: more than the first 16 KiB read
    expect(readFirstLines(file('wide', `${wide}\n${wide}x\nlast`), 'f', 2)).toEqual([wide, `${wide}x`]);
  });
});

describe('splitColumns', () => {
  it.each([
    ['1.2 3.4', ['1.2', '3.4']],
    ['1.2\t3.4\t', ['1.2', '3.4']],
    ['1.2, 3.4', ['1.2', '3.4']],
    ['1.2 ,3.4', ['1.2', '3.4']],
    ['NA\t,\t-9', ['NA', '-9']],
  ])('%j is read', (line, fields) => expect(splitColumns(line, 'p.txt', 1)).toEqual(fields));

  it.each([
    ['9,944', '"9,944"'],
    ['1.2,3.4 5', '"1.2,3.4"'],
    ['1 2,,3', '"2,,3"'],
    [',1', '",1"'],
    ['1 2,', '"2,"'],
  ])('%j is refused, quoting %s', (line, quoted) => {
    expect(() => splitColumns(line, 'p.txt', 7)).toThrow(
      `p.txt:7: ${quoted}: a decimal comma or a comma-separated (CSV) table; separate columns with spaces or tabs, write decimals with a point and missing values as NA`,
    );
  });
});

describe('messages', () => {
  it('quote input escaped and cut', () => {
    expect(shown('ab\tc\r\n')).toBe('"ab\\x09c\\x0d\\x0a"');
    expect(shown('z'.repeat(50))).toBe(`"${'z'.repeat(40)}"... (50 characters)`);
  });
  it('an InputError is one line of bounded length', () => {
    const e = new InputError('a\nb.txt', `bad ${'\x01'.repeat(500)}`, 3);
    expect(e.message).not.toMatch(/[\x00-\x1f]/);
    expect(e.message.startsWith('a\\x0ab.txt:3: bad \\x01')).toBe(true);
    expect(e.message.endsWith('... (cut)')).toBe(true);
    expect(e.reason.length).toBe(300 + '... (cut)'.length);
  });
});
