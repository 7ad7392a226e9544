/** BlockRows: rows written in place come out in block position order, whatever order they were written in. */
import { describe, expect, it } from 'vitest';
import { BlockRows } from '../../src/io/block-rows.js';
import { rng } from '../helpers/random.js';

/** Writes `text` as the row of `position`, the way the block formatter does (reserve, write in place, end). */
function writeRow(rows: BlockRows, position: number, text: string): void {
  const out = rows.reserve(text.length);
  let at = rows.length;
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  rows.endRow(position, at);
}

const decoded = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('BlockRows', () => {
  it('keeps rows written in position order as they are, growing from a small guess', () => {
    const rows = new BlockRows(500, 8);
    let expected = '';
    for (let p = 0; p < 500; p += 3) {
      const row = `row ${p}\t${'x'.repeat(p % 17)}\n`;
      writeRow(rows, p, row);
      expected += row;
    }
    expect(decoded(rows.finish())).toBe(expected);
  });

  it('puts interleaved units back in position order, the last row of a position written twice winning', () => {
    const next = rng(9);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(next() * 300);
      const rows = new BlockRows(n, Math.floor(next() * 100));
      const final = new Map<number, string>();
      // Two or three "units", each writing its positions in ascending order, one unit after another.
      for (let unit = 0; unit < 2 + (trial % 2); unit++) {
        for (let p = 0; p < n; p++) {
          if (next() < 0.5) continue;
          const row = `u${unit} p${p} ${'y'.repeat(Math.floor(next() * 30))}\n`;
          writeRow(rows, p, row);
          final.set(p, row);
        }
      }
      const expected = [...final.keys()]
        .sort((a, b) => a - b)
        .map((p) => final.get(p))
        .join('');
      expect(decoded(rows.finish())).toBe(expected);
    }
  });

  it('gives an empty block no bytes', () => {
    expect(new BlockRows(10, 100).finish().byteLength).toBe(0);
  });
});
