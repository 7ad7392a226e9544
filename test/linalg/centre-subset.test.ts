/** The analysed sub-matrix of K moved within K's own array (subsetSquareInPlace): subsetSquare()'s values. */
import { describe, expect, it } from 'vitest';
import { subsetSquare, subsetSquareInPlace } from '../../src/linalg/centre.js';
import { rng } from '../helpers/random.js';

describe('subsetSquareInPlace', () => {
  it('gives subsetSquare() bit for bit in the first n^2 values of the same array, for every kind of mask', () => {
    const next = rng(47);
    for (const nTotal of [1, 2, 9, 40, 131]) {
      const masks: Uint8Array[] = [
        new Uint8Array(nTotal).fill(1),
        new Uint8Array(nTotal),
        Uint8Array.from({ length: nTotal }, (_, i) => i % 2), // short runs: value by value
        Uint8Array.from({ length: nTotal }, (_, i) => (i === 0 || i === nTotal - 1 ? 0 : 1)),
        Uint8Array.from({ length: nTotal }, () => (next() < 0.95 ? 1 : 0)), // a few left out: runs
        Uint8Array.from({ length: nTotal }, () => (next() < 0.5 ? 1 : 0)),
      ];
      for (const keep of masks) {
        const matrix = Float64Array.from({ length: nTotal * nTotal }, () => next() - 0.5);
        const want = subsetSquare(matrix, nTotal, keep);
        const got = subsetSquareInPlace(matrix, nTotal, keep);
        expect(got.buffer).toBe(matrix.buffer);
        expect(got.byteOffset).toBe(matrix.byteOffset);
        expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength)).toEqual(
          Buffer.from(want.buffer, want.byteOffset, want.byteLength),
        );
      }
    }
  });
});
