/**
 * Random-access reads from a binary file through one reusable window, so that walking many small
 * records (BGEN variant headers, PGEN record tables) costs one read per window, not per field.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from './input-error.js';
import { requireFile } from './text-file.js';

// Bytes read ahead of a request, so that consecutive small records share one read.
const WINDOW_BYTES = 1 << 16;

/** A binary file read at arbitrary offsets; every read past the end is an InputError naming `what`. */
export class FileWindow {
  readonly size: number;
  private readonly fd: number;
  private buffer = Buffer.alloc(WINDOW_BYTES);
  private start = 0;
  private end = 0;

  constructor(
    readonly path: string,
    label: string,
  ) {
    requireFile(path, label);
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  /**
   * The bytes [offset, offset + length) as a view valid until the next call; `what` names the record
   * in the error raised when the file ends first (a truncated file).
   */
  bytes(offset: number, length: number, what: string): Buffer {
    if (offset + length > this.size) {
      throw new InputError(
        this.path,
        `${what}: file ends at byte ${this.size}, needs ${offset + length} (truncated?)`,
      );
    }
    if (offset < this.start || offset + length > this.end) {
      if (this.buffer.length < length) this.buffer = Buffer.alloc(Math.max(length, 2 * this.buffer.length));
      const want = Math.min(this.buffer.length, this.size - offset);
      let done = 0;
      while (done < want) {
        const got = readSync(this.fd, this.buffer, done, want - done, offset + done);
        if (got <= 0) break;
        done += got;
      }
      if (done < length) throw new InputError(this.path, `${what}: short read at byte ${offset + done}`);
      this.start = offset;
      this.end = offset + done;
    }
    return this.buffer.subarray(offset - this.start, offset - this.start + length);
  }

  /** Unsigned little-endian integer of 1, 2, 4 or 8 (< 2^53) bytes at `offset`. */
  uint(offset: number, width: 1 | 2 | 4 | 8, what: string): number {
    const b = this.bytes(offset, width, what);
    if (width === 1) return b[0];
    if (width === 2) return b.readUInt16LE(0);
    if (width === 4) return b.readUInt32LE(0);
    return b.readUInt32LE(0) + b.readUInt32LE(4) * 2 ** 32;
  }

  close(): void {
    closeSync(this.fd);
  }
}
