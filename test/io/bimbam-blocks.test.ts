/**
 * BimbamGenotypes.blocks(), which parses a chunk's rows in one loop straight into block memory, against
 * streamBimbamGenotypes() (the tests' reader: one SNP at a time, a new array each): the same SNPs, values, annotations and
 * errors, for any block size, with -nind (the first rows of each SNP), a SNP choice and a list of indices; and read
 * as the SNP pass reads them (calls where the rows are hard calls, no dosages for those), the same.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { streamBimbamGenotypes } from '../helpers/bimbam-rows.js';
import { BimbamGenotypes } from '../../src/io/bimbam-genotypes.js';
import type { SnpChoice } from '../../src/io/genotypes.js';
import { decodeCalls } from '../../src/io/call-codes.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('bimbam-blocks');

const bits = (values: Float64Array) =>
  Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length));

const failure = (e: unknown) => `${(e as Error).constructor.name}: ${(e as Error).message}`;

/**
 * [chosen index, rs, allele1, allele0, first `keep` dosages as bits] of every SNP blocks() yields, or the error.
 * `callsOnly`: read as the SNP pass reads (no dosages asked for), each SNP from its calls where the block has them.
 * Either way the calls must hold exactly the SNPs of hard calls, with their counts.
 */
async function fromBlocks(
  source: BimbamGenotypes,
  blockSize: number,
  indices?: Int32Array,
  callsOnly = false,
): Promise<unknown[]> {
  const out: unknown[] = [];
  const n = source.nSamples;
  try {
    for await (const block of source.blocks(blockSize, indices, { dosages: !callsOnly })) {
      expect(block.dosages.length).toBe(block.count * n);
      const calls = block.calls;
      expect(calls === undefined).toBe(n !== source.samplesInFile);
      for (let j = 0; j < block.count; j++) {
        const a = block.annotations[j];
        let row = block.dosages.subarray(j * n, (j + 1) * n);
        const missing = calls ? calls.counts[3 * j] : -1;
        if (missing >= 0) {
          row = new Float64Array(n);
          decodeCalls(calls!.codes, j * n, n, row, 0);
          const observed = row.filter((v) => !Number.isNaN(v));
          expect([missing, calls!.counts[3 * j + 1], calls!.counts[3 * j + 2]]).toEqual([
            n - observed.length,
            observed.reduce((s, v) => s + v, 0),
            observed.filter((v) => v === 2).length,
          ]);
        } else if (calls) expect(row.some((v) => v === v && v !== 0 && v !== 1 && v !== 2)).toBe(true);
        out.push([block.indices[j], a.rs, a.allele1, a.allele0, bits(row)]);
      }
    }
  } catch (e) {
    out.push(failure(e));
  }
  return out;
}

/** The same from streamBimbamGenotypes(): SNPs `choice` keeps, numbered among those, then those of `indices`. */
async function fromStream(
  path: string,
  samples: number,
  keep: number,
  choice: (rs: string) => boolean,
  indices?: Int32Array,
): Promise<unknown[]> {
  const out: unknown[] = [];
  let chosen = 0;
  let last = -1;
  // Like blocks(), a row outside the choice or the indices is not parsed (nor checked).
  const wanted = (_index: number, rs: string) => {
    if (!choice(rs)) return false;
    last = chosen++;
    return !indices || indices.includes(last);
  };
  try {
    for await (const s of streamBimbamGenotypes(path, samples, false, wanted)) {
      out.push([last, s.rs, s.allele1, s.allele0, bits(s.dosages.subarray(0, keep))]);
      if (indices && last === indices[indices.length - 1]) break;
    }
  } catch (e) {
    out.push(failure(e));
  }
  return out;
}

describe('BimbamGenotypes.blocks', () => {
  it('yields what streamBimbamGenotypes() yields, and fails where and as it fails', async () => {
    const next = rng(19);
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
    for (let file = 0; file < 40; file++) {
      const n = 1 + Math.floor(next() * 7);
      const broken = file % 4 === 0;
      const lines: string[] = [];
      const rows = 1 + Math.floor(next() * 60);
      for (let snp = 0; snp < rows; snp++) {
        if (next() < 0.1) lines.push(pick(['', '  ', '\t']));
        const width = n + (broken && next() < 0.02 ? pick([-1, 1]) : 0);
        const values = Array.from({ length: width }, () =>
          broken && next() < 0.004
            ? pick(['x', '3', '-1', '2.5'])
            : pick(['0', '1', '2', '0.5', 'NA', '1.25e0']),
        );
        lines.push(
          [`rs${snp}`, pick(['A', 'X', 'GT']), pick(['C', 'Y']), ...values].join(pick([', ', '\t', ' '])),
        );
      }
      const text = lines.join(pick(['\n', '\r\n'])) + pick(['', '\n']);
      const gzip = next() < 0.5;
      const path = join(dir, `g${file}.txt${gzip ? '.gz' : ''}`);
      writeFileSync(path, gzip ? gzipSync(text) : text);
      const keep = next() < 0.3 ? 1 + Math.floor(next() * n) : n;
      const odd = next() < 0.4;
      const choice = (rs: string) => !odd || Number(rs.slice(2)) % 3 !== 1;
      const snps: SnpChoice | undefined = odd ? { keeps: (snp) => choice(snp.rs) } : undefined;
      const source = new BimbamGenotypes(path, n, null, snps, false, keep);
      const chosen = Math.ceil(rows / 2);
      const indices =
        next() < 0.4
          ? Int32Array.from(Array.from({ length: chosen }, (_, k) => k).filter(() => next() < 0.5))
          : undefined;
      const blockSize = 1 + Math.floor(next() * 9);
      const expected = await fromStream(path, n, keep, choice, indices?.length ? indices : undefined);
      // An error ends the pass before the SNPs of the block it interrupts are handed over.
      const error = typeof expected.at(-1) === 'string' ? expected.pop() : undefined;
      if (error !== undefined) {
        expected.splice(Math.floor(expected.length / blockSize) * blockSize);
        expected.push(error);
      }
      expect(await fromBlocks(source, blockSize, indices?.length ? indices : undefined)).toEqual(expected);
      expect(await fromBlocks(source, blockSize, indices?.length ? indices : undefined, true)).toEqual(
        expected,
      );
    }
  });
});

describe('BimbamGenotypes.snpCountAtMost', () => {
  it('bounds the rows from the file size (the tightest file: one-byte fields, no last line end); none when gzipped', () => {
    const n = 5;
    const row = (k: number) => ['r', 'A', 'C', ...Array.from({ length: n }, (_, i) => (i + k) % 3)].join(',');
    const rows = Array.from({ length: 7 }, (_, k) => row(k));
    for (const [name, text] of [
      ['tight', rows.join('\n')],
      ['loose', rows.map((r) => `${r.replaceAll(',', ', ')}\r\n`).join('')],
    ]) {
      const path = join(dir, `${name}.txt`);
      writeFileSync(path, text);
      const bound = new BimbamGenotypes(path, n, null).snpCountAtMost!;
      expect(bound).toBeGreaterThanOrEqual(7);
      if (name === 'tight') expect(bound).toBe(7);
    }
    const gz = join(dir, 'tight.txt.gz');
    writeFileSync(gz, gzipSync(rows.join('\n')));
    expect(new BimbamGenotypes(gz, n, null).snpCountAtMost).toBeUndefined();
    expect(new BimbamGenotypes(join(dir, 'missing.txt'), n, null).snpCountAtMost).toBeUndefined();
  });
});
