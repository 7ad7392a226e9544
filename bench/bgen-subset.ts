/**
 * What a --keep subset costs a BGEN 1.2 reader per variant (issue 17): zlib inflation of the block,
 * then either decoding every sample and gathering the kept ones (the old path) or decoding only the
 * kept ones (unphased diploids at 8 bits, UK Biobank's and plink2's files). The three timings are
 * interleaved per repetition so a busy host slows each alike; medians in microseconds a variant.
 *
 *   node dist/bench/bgen-subset.js [--n 50000] [--m 200] [--reps 7] [--keep 0.5]
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { decodeLayout2 } from '../src/io/bgen-probabilities.js';
import { median, option } from './measure.js';

const n = Number(option('n', '50000'));
const m = Number(option('m', '200'));
const reps = Number(option('reps', '7'));
const keep = Number(option('keep', '0.5'));

/** A layout-2 8-bit block of n unphased diploids with hard calls and a few missing samples. */
function block(seed: number): Buffer {
  const data = Buffer.alloc(10 + n + 2 * n);
  data.writeUInt32LE(n, 0);
  data.writeUInt16LE(2, 4);
  data[6] = 2;
  data[7] = 2;
  data[9 + n] = 8;
  for (let i = 0; i < n; i++) {
    const r = (i * 2654435761 + seed * 40503) >>> 0;
    data[8 + i] = r % 97 === 0 ? 130 : 2;
    const g = r % 3;
    data[10 + n + 2 * i] = g === 0 ? 255 : 0;
    data[11 + n + 2 * i] = g === 1 ? 255 : 0;
  }
  return deflateSync(data);
}

const packed = Array.from({ length: m }, (_, v) => block(v));
const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => ((i * 7919) % 1000) / 1000 < keep);
const all = new Float64Array(n);
const out = new Float64Array(rows.length);

/** Microseconds a variant for `work` over every block. */
function perVariant(work: (data: Uint8Array) => void): number {
  const start = performance.now();
  for (const p of packed) work(inflateSync(p));
  return ((performance.now() - start) * 1000) / m;
}

const inflateOnly: number[] = [];
const gathered: number[] = [];
const byRow: number[] = [];
for (let r = 0; r < reps; r++) {
  inflateOnly.push(perVariant(() => undefined));
  gathered.push(
    perVariant((data) => {
      decodeLayout2(data, n, all, null, null);
      for (let k = 0; k < rows.length; k++) out[k] = all[rows[k]];
    }),
  );
  byRow.push(perVariant((data) => decodeLayout2(data, n, out, rows, all)));
}
const [inflate, whole, kept] = [median(inflateOnly), median(gathered), median(byRow)];
console.log(
  JSON.stringify({
    n,
    kept: rows.length,
    m,
    reps,
    inflateUs: +inflate.toFixed(1),
    decodeAllThenGatherUs: +(whole - inflate).toFixed(1),
    decodeKeptUs: +(kept - inflate).toFixed(1),
    totalOld: +whole.toFixed(1),
    totalNew: +kept.toFixed(1),
  }),
);
