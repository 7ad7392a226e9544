/**
 * The byte readers of large text inputs against what they replace: streamLineBytes() against
 * node:readline (line breaks, numbering, chunk boundaries, gzip), and streamBimbamGenotypes() against
 * the string reader it was (readline + splitFields + parseValue): the same SNPs, the same errors.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { gunzipRingAvailable } from '../../src/io/gunzip-ring.js';
import { streamBimbamGenotypes, type BimbamSnp } from '../helpers/bimbam-rows.js';
import { parseValue } from '../../src/io/fields.js';
import { InputError } from '../../src/io/input-error.js';
import {
  provideContent,
  readAhead,
  splitFields,
  stopReadingAhead,
  streamLineBytes,
} from '../../src/io/text-file.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('line-bytes');

/** [lineNumber, text] of every line as node:readline splits the (possibly gzipped) file. */
async function readlineLines(path: string, gzip: boolean): Promise<Array<[number, string]>> {
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const reader = createInterface({ input: gzip ? source.pipe(createGunzip()) : source, crlfDelay: Infinity });
  const out: Array<[number, string]> = [];
  for await (const line of reader) out.push([out.length + 1, line]);
  return out;
}

async function byteLines(path: string): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for await (const l of streamLineBytes(path, 'test file'))
    out.push([l.lineNumber, l.bytes.toString('utf8', l.start, l.end)]);
  return out;
}

/** Writes text plain and gzipped and expects streamLineBytes() to split both as readline does. */
async function expectSameLines(name: string, text: string | Buffer): Promise<void> {
  const plain = join(dir, name);
  writeFileSync(plain, text);
  const expected = await readlineLines(plain, false);
  // A small plain file is read whole; one read ahead (as a large one) comes in 1 MiB chunks.
  expect(await byteLines(plain)).toEqual(expected);
  readAhead(plain);
  expect(await byteLines(plain)).toEqual(expected);
  const gz = join(dir, `${name}.gz`);
  writeFileSync(gz, gzipSync(text));
  expect(await byteLines(gz)).toEqual(await readlineLines(gz, true));
}

describe('streamLineBytes', () => {
  it('splits at \\n, \\r\\n and lone \\r, keeps empty lines, and a last line without terminator', async () => {
    await expectSameLines('breaks.txt', 'a b\nc\r\n\r\nd\re\n\n\r\rf, g,\t h');
    await expectSameLines('trailing.txt', 'one\ntwo\r\n');
    await expectSameLines('cr-end.txt', 'one\r');
    await expectSameLines('utf8.txt', 'r\u00e9s\u00fb, \u4e2d, T\n\ufeffrs2 x\n');
    await expectSameLines('empty.txt', '');
  });

  it('across 1 MiB read chunks, with line breaks and UTF-8 characters on every side of their boundaries', async () => {
    const next = rng(3);
    for (const offset of [-2, -1, 0, 1]) {
      // Lines of random length; around each chunk boundary a \r\n, a lone \r or a multibyte character.
      const parts: string[] = [];
      let length = 0;
      for (let chunk = 1; chunk <= 3; chunk++) {
        const boundary = chunk * 2 ** 20 + offset;
        while (length + 310 < boundary) {
          const line = 'x'.repeat(1 + Math.floor(next() * 300)) + (next() < 0.1 ? '\r\n' : '\n');
          parts.push(line);
          length += line.length;
        }
        const pad = 'y'.repeat(boundary - length - 1);
        const special = ['\r\n', '\r', '\u00e9\n'][chunk - 1];
        parts.push(pad, special);
        length += pad.length + Buffer.byteLength(special);
      }
      parts.push('last line');
      await expectSameLines(`chunks${offset}.txt`, Buffer.from(parts.join('')));
    }
  });

  it('a plain file many times the read ring (4 reused 1 MiB buffers), lines longer than a chunk among them', async () => {
    const next = rng(9);
    const parts: string[] = [];
    let length = 0;
    while (length < 9 * 2 ** 20) {
      const long = next() < 0.002;
      const line =
        (long ? 'L' : 's').repeat(long ? 2 ** 20 + Math.floor(next() * 2 ** 20) : Math.floor(next() * 400)) +
        '\n';
      parts.push(line);
      length += line.length;
    }
    await expectSameLines('ring.txt', parts.join(''));
  });

  it('reads the same lines from a stream started ahead (readAhead), and fails the same way on bad gzip', async () => {
    const next = rng(5);
    const lines = Array.from({ length: 40_000 }, (_, k) => `rs${k} ${'x'.repeat(Math.floor(next() * 200))}`);
    const text = Buffer.from(lines.join('\n') + '\n');
    const plain = join(dir, 'ahead.txt');
    const gz = join(dir, 'ahead.txt.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    expect(text.length).toBeGreaterThan(3 << 20);
    for (const path of [plain, gz]) {
      const expected = await byteLines(path);
      readAhead(path);
      // Given time to read (and inflate) ahead before the lines are asked for.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await byteLines(path)).toEqual(expected);
      // Taken once: the next stream reads the file from its start again.
      expect(await byteLines(path)).toEqual(expected);
      // A stream read ahead and dropped leaves the next one whole.
      readAhead(path);
      stopReadingAhead(path);
      expect(await byteLines(path)).toEqual(expected);
    }
    const bad = join(dir, 'ahead-bad.gz');
    writeFileSync(bad, Buffer.concat([gzipSync(text).subarray(0, 3000), Buffer.alloc(5000, 7)]));
    readAhead(bad);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(byteLines(bad)).rejects.toThrow(InputError);
    readAhead(join(dir, 'no-such-file'));
    await expect(byteLines(join(dir, 'no-such-file'))).rejects.toThrow(
      new InputError(join(dir, 'no-such-file'), 'test file not found'),
    );
  });

  it('reads content provided for a path (provideContent) once, before the file exists, then the file', async () => {
    const path = join(dir, 'provided.txt');
    provideContent(path, new TextEncoder().encode('a b\r\nc'));
    expect(await byteLines(path)).toEqual([
      [1, 'a b'],
      [2, 'c'],
    ]);
    await expect(byteLines(path)).rejects.toThrow(new InputError(path, 'test file not found'));
    writeFileSync(path, 'd\n');
    provideContent(path, Buffer.from('x\n'));
    stopReadingAhead(path);
    expect(await byteLines(path)).toEqual([[1, 'd']]);
  });

  it("reads gzip through node:zlib's stream where Node's zlib handle cannot be reached, with the same lines", async () => {
    const text = Buffer.from(Array.from({ length: 30_000 }, (_, k) => `rs${k} 0 1 2 ${k % 7}`).join('\n'));
    const gz = join(dir, 'no-ring.txt.gz');
    writeFileSync(gz, gzipSync(text));
    const expected = await readlineLines(gz, true);
    const owner = process as unknown as { binding: (name: string) => unknown };
    const binding = vi.spyOn(owner, 'binding').mockImplementation(() => {
      throw new Error('process.binding is not supported');
    });
    try {
      expect(gunzipRingAvailable()).toBe(false);
      expect(await byteLines(gz)).toEqual(expected);
      readAhead(gz);
      expect(await byteLines(gz)).toEqual(expected);
    } finally {
      binding.mockRestore();
    }
    expect(gunzipRingAvailable()).toBe(true);
  });

  it('leaves the zlib handle alone under --pending-deprecation, so Node prints no DEP0111 warning', () => {
    const stubbed = vi.spyOn(process, 'execArgv', 'get').mockReturnValue(['--pending-deprecation']);
    try {
      expect(gunzipRingAvailable()).toBe(false);
    } finally {
      stubbed.mockRestore();
    }
    process.env.NODE_PENDING_DEPRECATION = '1';
    try {
      expect(gunzipRingAvailable()).toBe(false);
    } finally {
      delete process.env.NODE_PENDING_DEPRECATION;
    }
    expect(gunzipRingAvailable()).toBe(true);
  });

  it('names the file when it is not valid gzip', async () => {
    const path = join(dir, 'bad.gz');
    writeFileSync(
      path,
      Buffer.concat([gzipSync('a\nb\n'.repeat(1000)).subarray(0, 30), Buffer.alloc(50, 7)]),
    );
    await expect(byteLines(path)).rejects.toThrow(InputError);
  });
});

/** The reader streamBimbamGenotypes() replaced: a string per line and per field. */
async function* stringReader(path: string, nSamples: number, gzip: boolean): AsyncGenerator<BimbamSnp> {
  let index = 0;
  for (const [lineNumber, line] of await readlineLines(path, gzip)) {
    if (line.trim() === '') continue;
    const f = splitFields(line);
    if (f.length !== nSamples + 3) {
      throw new InputError(
        path,
        `SNP ${f[0] ?? '?'} has ${Math.max(0, f.length - 3)} genotypes, expected ${nSamples} (one per sample)`,
        lineNumber,
      );
    }
    const dosages = new Float64Array(nSamples);
    for (let i = 0; i < nSamples; i++) {
      const v = parseValue(f[i + 3], path, lineNumber, 'genotype');
      if (v < 0 || v > 2)
        throw new InputError(
          path,
          `genotype ${f[i + 3]} of SNP ${f[0]} (sample ${i + 1}) is outside [0, 2]`,
          lineNumber,
        );
      dosages[i] = v;
    }
    yield { index, rs: f[0], allele1: f[1], allele0: f[2], dosages };
    index++;
  }
}

/** Every SNP (dosages as bit patterns: NaN and -0 count) or the error message. */
async function outcome(snps: AsyncGenerator<BimbamSnp>): Promise<unknown> {
  const out: unknown[] = [];
  try {
    for await (const s of snps)
      out.push([
        s.index,
        s.rs,
        s.allele1,
        s.allele0,
        Array.from(new BigUint64Array(s.dosages.buffer, s.dosages.byteOffset, s.dosages.length)),
      ]);
  } catch (e) {
    out.push(`${(e as Error).constructor.name}: ${(e as Error).message}`);
  }
  return out;
}

const GOOD = [
  '0',
  '1',
  '2',
  '1.5',
  '0.25',
  'NA',
  '.5',
  '1.',
  '+1',
  '-0',
  '0.0',
  '2.000',
  '1e-1',
  '5E-1',
  '0x1',
  '0.123456789012345678',
  '1.9999999999999999',
  '0.3333333333333333',
  '00.5',
  '2e0',
  '0.5',
  '2.0',
  '0.9',
];
const BAD = [
  'abc',
  'Infinity',
  '1e',
  '2.5',
  '-0.1',
  'nan',
  '1,5x',
  '3',
  '9',
  '1x',
  '2-',
  '2.1',
  '9.9',
  '1.5x',
  '0.5.',
];
const SEPARATORS = [', ', ',', '\t', ' ', ' , ', ',,', '  '];

describe('streamBimbamGenotypes', () => {
  it('reads what the string reader reads on random files, and fails where and as it fails', async () => {
    const next = rng(11);
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
    for (let file = 0; file < 60; file++) {
      const n = 1 + Math.floor(next() * 6);
      const broken = file % 3 === 0;
      const lines: string[] = [];
      for (let snp = 0; snp < 40; snp++) {
        if (next() < 0.1) lines.push(pick(['', '   ', '\t', '\u00a0']));
        if (broken && next() < 0.01) lines.push(' ,'); // not blank: a row of no fields
        const values = Array.from({ length: n + (broken && next() < 0.02 ? pick([-1, 1]) : 0) }, () =>
          broken && next() < 0.005 ? pick(BAD) : pick(GOOD),
        );
        const fields = [
          pick(['rs1', `rs${snp}`, 'r\u00e9s', 'chr1:100']),
          pick(['A', 'T', '\u00e9']),
          pick(['C', 'G']),
        ];
        lines.push([...fields, ...values].join(pick(SEPARATORS)) + pick(['', ',', ' ', '\t']));
      }
      const text = lines.join(pick(['\n', '\r\n'])) + pick(['', '\n', '\r\n']);
      for (const gzip of [false, true]) {
        const path = join(dir, `g${file}.txt${gzip ? '.gz' : ''}`);
        writeFileSync(path, gzip ? gzipSync(text) : text);
        expect(await outcome(streamBimbamGenotypes(path, n))).toEqual(
          await outcome(stringReader(path, n, gzip)),
        );
      }
    }
  });

  it('reads rows of mostly hard calls (the fast path of one-digit fields) as the string reader does', async () => {
    const next = rng(12);
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
    for (let file = 0; file < 40; file++) {
      const n = 1 + Math.floor(next() * 40);
      const anyOther = file % 2 === 0;
      const lines: string[] = [];
      for (let snp = 0; snp < 30; snp++) {
        // One separator a row, now and then another one between two fields (the fast path stops and resumes).
        const separator = pick(SEPARATORS);
        const width = n + (file % 5 === 0 && next() < 0.05 ? pick([-1, 1]) : 0);
        let line = pick(['', ' ', ', ']) + [`rs${snp}`, 'A', 'C'].join(separator);
        for (let i = 0; i < width; i++) {
          const value =
            anyOther && next() < 0.05
              ? pick([...GOOD, ...(file % 4 === 0 ? BAD : [])])
              : pick(['0', '1', '2']);
          line += (next() < 0.03 ? pick(SEPARATORS) : separator) + value;
        }
        lines.push(line + pick(['', ',', ' ', '\t', ', ']));
      }
      const path = join(dir, `h${file}.txt`);
      writeFileSync(path, lines.join(pick(['\n', '\r\n'])) + '\n');
      expect(await outcome(streamBimbamGenotypes(path, n))).toEqual(
        await outcome(stringReader(path, n, false)),
      );
    }
  });

  it('reports the row width before a bad value, with the SNP id and line number', async () => {
    const path = join(dir, 'order.txt');
    writeFileSync(path, 'rs1 A T 0 1\n\n,\n');
    expect(await outcome(streamBimbamGenotypes(path, 2))).toEqual([
      [0, 'rs1', 'A', 'T', [0n, 4607182418800017408n]],
      `InputError: ${path}:3: SNP ? has 0 genotypes, expected 2 (one per sample)`,
    ]);
    writeFileSync(path, 'rs1 A T abc 1 7\n');
    expect(await outcome(streamBimbamGenotypes(path, 2))).toEqual([
      `InputError: ${path}:1: SNP rs1 has 3 genotypes, expected 2 (one per sample)`,
    ]);
  });
});
