/**
 * The hand-over shared by the rings that fill reused 1 MiB buffers on libuv's thread pool for streamLineBytes()
 * (read-ring.ts: a plain file; gunzip-ring.ts: a gzip file). Fresh buffers per chunk land on new pages, which cost
 * 11-20 microseconds a fault on this kind of VM; a ring keeps touching the same few. A subclass fills buffers in
 * pump() and passes each filled one to deliver().
 */

/** The size of every ring buffer. */
export const RING_BUFFER_BYTES = 1 << 20;

export abstract class BufferRing {
  private readonly spare: Buffer[] = [];
  private made = 0;
  /** Filled chunks not yet handed over (views of buffers). */
  private readonly ready: Buffer[] = [];
  private wake: (() => void) | undefined;
  /** A fill is in flight. */
  protected busy = false;
  protected ended = false;
  protected closed = false;
  protected failure: Error | undefined;

  constructor(private readonly buffers: number) {}

  /**
   * The bytes in order, as views of at most `buffers` reused buffers; a chunk stays valid until the reader has asked
   * for the chunk after the next one.
   */
  async *chunks(): AsyncGenerator<Buffer> {
    // Handed over: the chunk before the last one is free again once the next one is asked for.
    const lent: Buffer[] = [];
    try {
      for (;;) {
        if (lent.length === 2) {
          const chunk = lent.shift()!;
          this.spare.push(Buffer.from(chunk.buffer, chunk.byteOffset, RING_BUFFER_BYTES));
        }
        const chunk = this.ready.shift();
        if (chunk) {
          lent.push(chunk);
          this.pump();
          yield chunk;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      this.close();
    }
  }

  /** Stops filling and releases the source (safe twice, and with a fill in flight). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  /** Starts the next fill when it can (not busy, not ended, a buffer free). */
  protected abstract pump(): void;

  /** Closes the source (called once). */
  protected abstract release(): void;

  /** A free buffer for the next fill: a spare one, or a new one while fewer than `buffers` exist. */
  protected freeBuffer(): Buffer | undefined {
    const spare = this.spare.pop();
    if (spare || this.made >= this.buffers) return spare;
    this.made++;
    return Buffer.allocUnsafeSlow(RING_BUFFER_BYTES);
  }

  /** A fill ended with `filled` bytes of `buffer` (none: the buffer goes back unused), and the next one starts. */
  protected deliver(buffer: Buffer, filled: number): void {
    if (filled > 0) this.ready.push(buffer.subarray(0, filled));
    else this.spare.push(buffer);
    this.wake?.();
    this.pump();
  }

  protected fail(e: Error): void {
    this.failure ??= e;
    this.wake?.();
  }
}
