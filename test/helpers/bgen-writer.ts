/**
 * A small BGEN writer for tests, written from the spec independently of the reader: layouts 1 and 2,
 * any bit depth, phased or not, per-sample ploidy and missingness, no compression or zlib.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/** One sample's stored values: integers in [0, 2^bits - 1] (layout 2) or [0, 32768] (layout 1). */
export interface BgenTestSample {
  ploidy: number;
  missing: boolean;
  values: number[];
}

export interface BgenTestVariant {
  id: string;
  rs: string;
  chr: string;
  pos: number;
  alleles: string[];
  samples: BgenTestSample[];
}

export interface BgenTestFile {
  layout: 1 | 2;
  compressed: boolean;
  bits: number;
  phased: boolean;
  /** Stored in the file when given (flag bit 31). */
  sampleIds?: string[];
  nSamples: number;
  variants: BgenTestVariant[];
  /** Overrides the magic number (bytes 16..19 of the file). */
  magic?: string;
  /** Overrides the layout written in the flags. */
  flagLayout?: number;
  /** Overrides the compression written in the flags (0 none, 1 zlib, 2 zstd, 3 undefined). */
  flagCompression?: number;
}

const u16 = (v: number) => Buffer.from(Uint16Array.of(v).buffer);
const u32 = (v: number) => Buffer.from(Uint32Array.of(v).buffer);
const text16 = (s: string) => Buffer.concat([u16(Buffer.byteLength(s)), Buffer.from(s)]);
const text32 = (s: string) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s)]);

/** Writes the file; returns its bytes too. */
export function writeBgen(path: string, file: BgenTestFile): Buffer {
  const { layout, compressed, nSamples } = file;
  const flags =
    (file.flagCompression ?? (compressed ? 1 : 0)) |
    ((file.flagLayout ?? layout) << 2) |
    (file.sampleIds ? 0x80000000 : 0);
  const header = Buffer.concat([
    u32(20),
    u32(file.variants.length),
    u32(nSamples),
    Buffer.from(file.magic ?? 'bgen'),
    u32(flags >>> 0),
  ]);
  const sampleBlock = file.sampleIds
    ? (() => {
        const ids = Buffer.concat(file.sampleIds.map(text16));
        return Buffer.concat([u32(8 + ids.length), u32(nSamples), ids]);
      })()
    : Buffer.alloc(0);
  const parts: Buffer[] = [u32(header.length + sampleBlock.length), header, sampleBlock];
  for (const v of file.variants) {
    const head = [
      layout === 1 ? u32(nSamples) : Buffer.alloc(0),
      text16(v.id),
      text16(v.rs),
      text16(v.chr),
      u32(v.pos),
    ];
    if (layout === 2) head.push(u16(v.alleles.length));
    head.push(...v.alleles.map(text32));
    parts.push(...head);
    const raw = layout === 1 ? layout1Bytes(v) : layout2Bytes(v, file);
    if (layout === 1)
      parts.push(compressed ? Buffer.concat([u32(deflateSync(raw).length), deflateSync(raw)]) : raw);
    else if (compressed) {
      const packed = deflateSync(raw);
      parts.push(u32(packed.length + 4), u32(raw.length), packed);
    } else parts.push(u32(raw.length), raw);
  }
  const bytes = Buffer.concat(parts);
  writeFileSync(path, bytes);
  return bytes;
}

function layout1Bytes(v: BgenTestVariant): Buffer {
  return Buffer.concat(v.samples.map((s) => Buffer.concat(s.values.map(u16))));
}

function layout2Bytes(v: BgenTestVariant, file: BgenTestFile): Buffer {
  const ploidies = v.samples.map((s) => s.ploidy | (s.missing ? 128 : 0));
  const pmin = Math.min(...v.samples.map((s) => s.ploidy));
  const pmax = Math.max(...v.samples.map((s) => s.ploidy));
  const values = v.samples.flatMap((s) => s.values);
  const packed = new Uint8Array(Math.ceil((values.length * file.bits) / 8));
  let bit = 0;
  for (const value of values) {
    for (let b = 0; b < file.bits; b++, bit++) {
      if (Math.floor(value / 2 ** b) % 2 === 1) packed[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return Buffer.concat([
    u32(v.samples.length),
    u16(v.alleles.length),
    Buffer.from([pmin, pmax, ...ploidies, file.phased ? 1 : 0, file.bits]),
    Buffer.from(packed),
  ]);
}
