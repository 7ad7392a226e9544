/**
 * Work arrays of the multivariate LMM's per-SNP path, reused across calls so that the EM and
 * Newton-Raphson iterations allocate nothing: each call site owns one Scratch (module-level, so one
 * per thread) and asks for at least the length it needs. Contents are not cleared between calls.
 */

/** A Float64Array that grows to the largest length asked of it. */
export class Scratch {
  private array = new Float64Array(0);

  /** An array of at least `length` entries (old contents, or zeros after growth). */
  get(length: number): Float64Array {
    if (this.array.length < length) this.array = new Float64Array(length);
    return this.array;
  }

  /** An array of exactly `length` entries, for callers that use its length (reallocated when it differs). */
  exact(length: number): Float64Array {
    if (this.array.length !== length) this.array = new Float64Array(length);
    return this.array;
  }

  /** `length` zeros at the start of the array. */
  zeros(length: number): Float64Array {
    return this.get(length).fill(0, 0, length);
  }
}

/** An Int32Array that grows to the largest length asked of it. */
export class IntScratch {
  private array = new Int32Array(0);

  /** An array of at least `length` entries. */
  get(length: number): Int32Array {
    if (this.array.length < length) this.array = new Int32Array(length);
    return this.array;
  }
}
