/**
 * Float64 buffers for genotype blocks (tens of MB each at biobank n), handed back by the consumers that
 * know when they are done with a block and reused by the readers. A fresh large typed array costs its
 * page faults, zeroing and a later collection: at n = 1,500 and 2,048-SNP blocks (25 MB) about as much
 * CPU as decoding the .bed ten times over. A buffer from here holds stale values: the reader overwrites
 * every value it yields. The buffers are shared memory: a view of one crosses to a worker thread without being
 * copied (the multivariate tests read a rotated block in place, mv-pool.ts).
 */

/** Spare pieces kept at most (a scan has two blocks in flight, each with its analysed and rotated copies). */
const MAX_SPARES = 6;

/** A byte range of one of our buffers: a whole buffer, or a piece split off a larger one. */
interface Piece {
  buffer: SharedArrayBuffer;
  offset: number;
  bytes: number;
}

const spares: Piece[] = [];
/**
 * The pieces lent out, by buffer. Only these are taken back (never a view on someone else's memory), each once: a
 * piece is spare or lent, never both.
 */
const lent = new WeakMap<SharedArrayBuffer, Piece[]>();

/** A Float64Array of exactly `length` values (contents unspecified), reusing a recycled buffer when one fits. */
export function blockBuffer(length: number): Float64Array {
  const bytes = length * 8;
  let best = -1;
  for (let k = 0; k < spares.length; k++) {
    const size = spares[k].bytes;
    // At most twice the size asked for: a small array on a large piece would pin it.
    if (size >= bytes && size <= 2 * bytes && (best < 0 || size < spares[best].bytes)) best = k;
  }
  let piece: Piece;
  if (best >= 0) [piece] = spares.splice(best, 1);
  else {
    // A larger spare is split, when the request is at least a quarter of it: the scan's analysed and rotated
    // blocks (1,024 SNPs, 11.6 MB at n = 1,500) come in pairs from the SNP pass's spare (2,048 SNPs, 24.6 MB),
    // memory already touched, where fresh arrays cost their page faults on this thread (about 30 ms each under
    // load). Smaller requests would only fragment it.
    let split = -1;
    for (let k = 0; k < spares.length; k++) {
      const size = spares[k].bytes;
      if (size > 2 * bytes && size <= 4 * bytes && (split < 0 || size < spares[split].bytes)) split = k;
    }
    if (split >= 0) {
      const spare = spares[split];
      piece = { buffer: spare.buffer, offset: spare.offset, bytes };
      spares[split] = { buffer: spare.buffer, offset: spare.offset + bytes, bytes: spare.bytes - bytes };
    } else piece = { buffer: new SharedArrayBuffer(bytes), offset: 0, bytes };
  }
  const pieces = lent.get(piece.buffer);
  if (pieces) pieces.push(piece);
  else lent.set(piece.buffer, [piece]);
  return new Float64Array(piece.buffer, piece.offset, length);
}

/**
 * Hands back an array from blockBuffer(), or a view within one (a reader's short last block), whose values nobody
 * reads any more (the caller gives up every view on it); anything else is ignored, so a consumer may pass whatever
 * block it was given.
 */
export function recycleBlockBuffer(values: Float64Array): void {
  const pieces = values.buffer instanceof SharedArrayBuffer ? lent.get(values.buffer) : undefined;
  const at = pieces
    ? pieces.findIndex(
        (p) => p.offset <= values.byteOffset && values.byteOffset + values.byteLength <= p.offset + p.bytes,
      )
    : -1;
  if (at < 0) return;
  let [piece] = pieces!.splice(at, 1);
  // Joined to a spare neighbour of the same buffer, so that the pieces of a split buffer serve its size again.
  for (let k = 0; k < spares.length; k++) {
    const spare = spares[k];
    if (spare.buffer !== piece.buffer) continue;
    if (spare.offset + spare.bytes === piece.offset || piece.offset + piece.bytes === spare.offset) {
      spares.splice(k, 1);
      piece = {
        buffer: piece.buffer,
        offset: Math.min(spare.offset, piece.offset),
        bytes: spare.bytes + piece.bytes,
      };
      k = -1;
    }
  }
  if (spares.length >= MAX_SPARES) {
    // Keep the largest: they serve any smaller block.
    let smallest = 0;
    for (let k = 1; k < spares.length; k++) if (spares[k].bytes < spares[smallest].bytes) smallest = k;
    if (spares[smallest].bytes >= piece.bytes) return;
    spares.splice(smallest, 1);
  }
  spares.push(piece);
}
