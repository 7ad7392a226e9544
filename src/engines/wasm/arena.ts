/** Explicit regions of one shared WebAssembly.Memory: a bump allocator owned by the thread that dispatches work. */

/** Bytes below the arena left to AssemblyScript's (empty) static segment. */
const RESERVED_BYTES = 65536;
const ALIGN = 64;
const PAGE = 65536;

export class SharedArena {
  private top = RESERVED_BYTES;
  /** End of the highest region ever handed out: the memory above it still holds the zeros it grew with. */
  private highWater = RESERVED_BYTES;

  constructor(readonly memory: WebAssembly.Memory) {}

  /** Reserves `bytes` (64-byte aligned, growing the memory as needed) and returns the byte offset. */
  alloc(bytes: number): number {
    const ptr = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new RangeError(`lmmscan wasm: cannot grow shared memory to ${end} bytes (4 GiB wasm32 limit)`);
      }
    }
    this.top = end;
    if (end > this.highWater) this.highWater = end;
    return ptr;
  }

  /**
   * Reserves room for `count` f64 zeros: only the part that an earlier region used is cleared, since memory
   * the arena never handed out is still zero (a fresh 36 MB region then costs no pass of this thread over it,
   * and its pages are first touched by the kernels that use it).
   */
  allocZeroedF64(count: number): number {
    const before = this.highWater;
    const ptr = this.allocF64(count);
    const used = Math.min(count, Math.max(0, Math.ceil((before - ptr) / 8)));
    if (used > 0) this.f64(ptr, used).fill(0);
    return ptr;
  }

  /** Reserves room for `count` f64 values. */
  allocF64(count: number): number {
    return this.alloc(count * 8);
  }

  /** Current top, to hand to release() once the regions above it are no longer needed. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** A view of `count` f64 at `ptr`; take a fresh one after any alloc, since growth replaces the buffer. */
  f64(ptr: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, count);
  }
}
