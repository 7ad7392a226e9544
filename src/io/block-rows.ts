/**
 * One output's rows of one SNP block, as the bytes of its text file: written in place into one
 * growable buffer (no string per row, nothing for the garbage collector), then handed out in block
 * position order. Rows usually arrive in that order; when several units write the same output
 * (LOCO: one unit per chromosome, whose SNPs may interleave in the file) they are reordered once.
 */
export class BlockRows {
  /** Written in place by the caller from `length` on, after reserve(). */
  bytes: Uint8Array;
  length = 0;
  /** Per block position: its row's [start, end) in `bytes`; start -1 when it has none. */
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private lastPosition = -1;
  private ordered = true;

  /** `positions`: SNPs in the block; `capacity`: first guess of the bytes needed. */
  constructor(positions: number, capacity: number) {
    this.bytes = new Uint8Array(Math.max(capacity, 64));
    this.starts = new Int32Array(positions).fill(-1);
    this.ends = new Int32Array(positions);
  }

  /** Makes room for `more` bytes after `length` and returns the buffer to write them into. */
  reserve(more: number): Uint8Array {
    const needed = this.length + more;
    if (needed > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      bigger.set(this.bytes.subarray(0, this.length));
      this.bytes = bigger;
    }
    return this.bytes;
  }

  /** Ends the row of block position `position`, written from `length` up to `end`. */
  endRow(position: number, end: number): void {
    if (position <= this.lastPosition) this.ordered = false;
    else this.lastPosition = position;
    this.starts[position] = this.length;
    this.ends[position] = end;
    this.length = end;
  }

  /** The rows in block position order (for a position written twice, its last row). */
  finish(): Uint8Array {
    if (this.ordered) return this.bytes.subarray(0, this.length);
    let total = 0;
    for (let p = 0; p < this.starts.length; p++)
      if (this.starts[p] >= 0) total += this.ends[p] - this.starts[p];
    const out = new Uint8Array(total);
    let at = 0;
    for (let p = 0; p < this.starts.length; p++) {
      if (this.starts[p] < 0) continue;
      out.set(this.bytes.subarray(this.starts[p], this.ends[p]), at);
      at += this.ends[p] - this.starts[p];
    }
    return out;
  }
}
