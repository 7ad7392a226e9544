/** StringPool gives back every string pushed, across its joined blocks and the strings not yet joined. */
import { describe, expect, it } from 'vitest';
import { StringPool } from '../../src/io/growable.js';
import { rng } from '../helpers/random.js';

describe('StringPool', () => {
  it('returns each string as pushed, at every count around its block size, read between pushes too', () => {
    const next = rng(4096);
    const pieces = ['rs', '1', '', 'X', '\u00e9', '\u4e2d', '\u{1f600}', ':', 'chr', 'A'];
    for (const count of [0, 1, 4095, 4096, 4097, 8192, 10_001]) {
      const pool = new StringPool();
      const strings: string[] = [];
      for (let k = 0; k < count; k++) {
        let s = '';
        for (let c = Math.floor(next() * 5); c > 0; c--) s += pieces[Math.floor(next() * pieces.length)];
        pool.push(s);
        strings.push(s);
        if (next() < 0.001) {
          const at = Math.floor(next() * strings.length);
          expect(pool.get(at)).toBe(strings[at]);
        }
      }
      expect(pool.length).toBe(count);
      expect(Array.from({ length: count }, (_, k) => pool.get(k))).toEqual(strings);
    }
  });
});
