/**
 * Float64 buffers for genotype blocks (tens of MB each at biobank n), handed back by the consumers that
 * know when they are done with a block and reused by the readers. A fresh large typed array costs its
 * page faults, zeroing and a later collection: at n = 1,500 and 2,048-SNP blocks (25 MB) about as much
 * CPU as decoding the .bed ten times over. A buffer from here holds stale values: the reader overwrites
 * every value it yields.
 */

/** Spare buffers kept at most (a scan has two blocks in flight, each with its analysed and rotated copies). */
const MAX_SPARES = 6;

const spares: ArrayBuffer[] = [];
/** Buffers made here: only these are taken back (never a view on someone else's memory). */
const ours = new WeakSet<ArrayBuffer>();

/** A Float64Array of exactly `length` values (contents unspecified), reusing a recycled buffer when one fits. */
export function blockBuffer(length: number): Float64Array {
  const bytes = length * 8;
  let best = -1;
  for (let k = 0; k < spares.length; k++) {
    const size = spares[k].byteLength;
    // At most twice the size asked for: a small array on a large buffer would pin it, and a worker that is
    // sent the array is sent the whole buffer.
    if (size >= bytes && size <= 2 * bytes && (best < 0 || size < spares[best].byteLength)) best = k;
  }
  if (best >= 0) {
    const [buffer] = spares.splice(best, 1);
    return new Float64Array(buffer, 0, length);
  }
  const buffer = new ArrayBuffer(bytes);
  ours.add(buffer);
  return new Float64Array(buffer, 0, length);
}

/**
 * Hands back a buffer from blockBuffer() whose values nobody reads any more (the caller gives up every
 * view on it); anything else is ignored, so a consumer may pass whatever block it was given.
 */
export function recycleBlockBuffer(values: Float64Array): void {
  const buffer = values.buffer;
  if (!(buffer instanceof ArrayBuffer) || !ours.has(buffer) || spares.includes(buffer)) return;
  if (spares.length >= MAX_SPARES) {
    // Keep the largest: they serve any smaller block.
    let smallest = 0;
    for (let k = 1; k < spares.length; k++)
      if (spares[k].byteLength < spares[smallest].byteLength) smallest = k;
    if (spares[smallest].byteLength >= buffer.byteLength) return;
    spares.splice(smallest, 1);
  }
  spares.push(buffer);
}
