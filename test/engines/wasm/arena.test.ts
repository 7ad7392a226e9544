import { describe, expect, it } from 'vitest';
import { SharedArena } from '../../../src/engines/wasm/arena.js';

const memory = () => new WebAssembly.Memory({ initial: 2, maximum: 1024, shared: true });

describe('SharedArena.allocZeroedF64', () => {
  it('gives zeros over memory an earlier region dirtied, and over fresh memory it grows into', () => {
    const arena = new SharedArena(memory());
    const mark = arena.mark();
    const dirty = arena.allocF64(3000);
    arena.f64(dirty, 3000).fill(7.5);
    arena.release(mark);
    // Overlaps the dirtied 3000 values and runs 50,000 values past them (the memory grows).
    const ptr = arena.allocZeroedF64(53_000);
    expect(ptr).toBe(dirty);
    const view = arena.f64(ptr, 53_000);
    expect(view.every((v) => v === 0)).toBe(true);
  });

  it('clears a region placed wholly below the high-water mark, and only its own values', () => {
    const arena = new SharedArena(memory());
    const mark = arena.mark();
    const a = arena.allocF64(1000);
    const b = arena.allocF64(1000);
    arena.f64(a, 1000).fill(-1);
    arena.f64(b, 1000).fill(2);
    arena.release(mark);
    const z = arena.allocZeroedF64(999);
    expect(arena.f64(z, 999).every((v) => v === 0)).toBe(true);
    // The value after the zeroed region is not touched.
    expect(arena.f64(z + 999 * 8, 1)[0]).toBe(-1);
  });
});
