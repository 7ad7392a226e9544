/** Append-only typed-array columns that double their capacity: compact per-row storage for 1e6+ rows. */

type NumericArray = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
type NumericArrayConstructor<T extends NumericArray> = { new (length: number): T };

/** A growing column of numbers backed by one typed array. */
export class GrowableColumn<T extends NumericArray> {
  private data: T;
  length = 0;

  constructor(
    private readonly Kind: NumericArrayConstructor<T>,
    capacity = 1024,
  ) {
    this.data = new Kind(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  private grow(needed: number): void {
    const bigger = new this.Kind(Math.max(needed, this.data.length * 2));
    bigger.set(this.data as never);
    this.data = bigger;
  }

  /** The filled part, trimmed to length (a copy, so the spare capacity is released). */
  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/** Strings a StringPool joins into one. */
const POOL_BLOCK = 4096;

/**
 * Many short strings (SNP ids) held as a few long ones, joined POOL_BLOCK at a time, with where each ends,
 * instead of one JS string per row: about the memory of their UTF-8 bytes, and a push costs an array push
 * (copying each string's characters into a byte buffer was a loop per character, slow in a fresh process).
 */
export class StringPool {
  private pending: string[] = [];
  private readonly blocks: { text: string; ends: Uint32Array }[] = [];

  push(text: string): void {
    this.pending.push(text);
    if (this.pending.length === POOL_BLOCK) this.join();
  }

  private join(): void {
    const ends = new Uint32Array(POOL_BLOCK);
    let end = 0;
    for (let k = 0; k < POOL_BLOCK; k++) {
      end += this.pending[k].length;
      ends[k] = end;
    }
    this.blocks.push({ text: this.pending.join(''), ends });
    this.pending = [];
  }

  get length(): number {
    return this.blocks.length * POOL_BLOCK + this.pending.length;
  }

  /** The k-th string. */
  get(k: number): string {
    const b = Math.floor(k / POOL_BLOCK);
    const j = k - b * POOL_BLOCK;
    if (b >= this.blocks.length) return this.pending[j];
    const { text, ends } = this.blocks[b];
    return text.slice(j === 0 ? 0 : ends[j - 1], ends[j]);
  }
}
