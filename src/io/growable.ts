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

/** Many short strings (SNP ids) in one byte buffer with offsets, instead of one JS string per row. */
export class StringPool {
  private bytes = new GrowableColumn(Uint8Array, 1 << 16);
  private starts = new GrowableColumn(Uint32Array, 1024);
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private frozen?: { bytes: Uint8Array; starts: Uint32Array };

  push(text: string): void {
    this.frozen = undefined;
    this.starts.push(this.bytes.length);
    let ascii = true;
    for (let k = 0; k < text.length && ascii; k++) ascii = text.charCodeAt(k) < 128;
    if (ascii) for (let k = 0; k < text.length; k++) this.bytes.push(text.charCodeAt(k));
    else for (const b of this.encoder.encode(text)) this.bytes.push(b);
  }

  get length(): number {
    return this.starts.length;
  }

  /** The k-th string. */
  get(k: number): string {
    if (!this.frozen) this.frozen = { bytes: this.bytes.toArray(), starts: this.starts.toArray() };
    const { bytes, starts } = this.frozen;
    const end = k + 1 < starts.length ? starts[k + 1] : bytes.length;
    return this.decoder.decode(bytes.subarray(starts[k], end));
  }
}
