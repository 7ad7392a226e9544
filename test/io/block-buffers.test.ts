import { describe, expect, it } from 'vitest';
import { blockBuffer, recycleBlockBuffer } from '../../src/io/block-buffers.js';

describe('block buffers', () => {
  it('gives a buffer of exactly the length asked, and takes a recycled one back for the next block', () => {
    const first = blockBuffer(1000);
    expect(first.length).toBe(1000);
    recycleBlockBuffer(first);
    const second = blockBuffer(600);
    expect(second.length).toBe(600);
    expect(second.buffer).toBe(first.buffer);
    // Not spare any more: the next request makes a new one.
    expect(blockBuffer(600).buffer).not.toBe(first.buffer);
  });

  it('ignores arrays it did not make, and a buffer handed back twice is kept once', () => {
    const foreign = new Float64Array(5000);
    recycleBlockBuffer(foreign);
    expect(blockBuffer(5000).buffer).not.toBe(foreign.buffer);
    const own = blockBuffer(7000);
    recycleBlockBuffer(own);
    recycleBlockBuffer(own.subarray(10));
    expect(blockBuffer(7000).buffer).toBe(own.buffer);
    expect(blockBuffer(7000).buffer).not.toBe(own.buffer);
  });

  it('serves a request from the smallest spare that fits, at most twice its size, and keeps at most six, the largest', () => {
    const sizes = [3000, 8000, 9000, 10000, 11000, 12000, 13000];
    const made = sizes.map((s) => blockBuffer(s));
    for (const b of made) recycleBlockBuffer(b);
    // 3000 was dropped (the smallest of seven); no spare left is at most twice 3000, so the front of the smallest
    // spare at most four times it (8000) is split off, and the rest (5000) stays spare.
    const small = blockBuffer(3000);
    expect(small.buffer).toBe(made[1].buffer);
    expect(small.byteOffset).toBe(0);
    // 8500 fits 9000 best.
    expect(blockBuffer(8500).buffer).toBe(made[2].buffer);
    const rest = blockBuffer(4500);
    expect(rest.buffer).toBe(made[1].buffer);
    expect(rest.byteOffset).toBe(3000 * 8);
    expect(blockBuffer(10500).buffer).toBe(made[4].buffer);
    expect(blockBuffer(9500).buffer).toBe(made[3].buffer);
    expect(blockBuffer(6500).buffer).toBe(made[5].buffer);
    expect(blockBuffer(6500).buffer).toBe(made[6].buffer);
    const fresh = blockBuffer(2000);
    expect(made.some((b) => b.buffer === fresh.buffer)).toBe(false);
  });

  it('splits a spare into pieces that never overlap, and joins them again once both are back', () => {
    const whole = blockBuffer(10000);
    recycleBlockBuffer(whole);
    const a = blockBuffer(4000);
    const b = blockBuffer(4000);
    expect(a.buffer).toBe(whole.buffer);
    expect(b.buffer).toBe(whole.buffer);
    a.fill(1);
    b.fill(2);
    expect(a.every((v) => v === 1)).toBe(true);
    expect(b.every((v) => v === 2)).toBe(true);
    // The last 2000 values are spare: too small for another 4000.
    expect(blockBuffer(4000).buffer).not.toBe(whole.buffer);
    // A piece handed back twice is kept once; a view within a lent piece (a reader's short last block) hands back
    // that piece.
    recycleBlockBuffer(a);
    recycleBlockBuffer(a);
    // a alone cannot join the spare tail (b lies between them).
    expect(blockBuffer(10000).buffer).not.toBe(whole.buffer);
    recycleBlockBuffer(b.subarray(100, 200));
    recycleBlockBuffer(b);
    const again = blockBuffer(10000);
    expect(again.buffer).toBe(whole.buffer);
    expect(again.byteOffset).toBe(0);
    // Nothing of it was kept twice: no spare piece of it is left.
    expect(blockBuffer(4000).buffer).not.toBe(whole.buffer);
  });
});
