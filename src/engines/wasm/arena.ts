/** Explicit regions of one shared WebAssembly.Memory: a bump allocator owned by the thread that dispatches work. */

/** Bytes below the arena left to AssemblyScript's (empty) static segment. */
const RESERVED_BYTES = 65536;
const ALIGN = 64;
const PAGE = 65536;

export class SharedArena {
  private top = RESERVED_BYTES;

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
