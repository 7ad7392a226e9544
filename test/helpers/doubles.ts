/** Bit-level neighbours of doubles, for tests at decimal rounding ties. */
const bits = new DataView(new ArrayBuffer(8));

/** The double next to x away from zero (up) or towards it (down); x finite and nonzero. */
export function neighbour(x: number, up: boolean): number {
  bits.setFloat64(0, x);
  bits.setBigUint64(0, bits.getBigUint64(0) + (up ? 1n : -1n));
  return bits.getFloat64(0);
}

/** The double whose bits are two 32-bit words drawn from next() (subnormals, nan and infinities included). */
export function randomBitPattern(next: () => number): number {
  bits.setUint32(0, Math.floor(next() * 2 ** 32));
  bits.setUint32(4, Math.floor(next() * 2 ** 32));
  return bits.getFloat64(0);
}
