/**
 * Kinship shards: `lmmscan kinship <scan flags> --plan DIR --shard I/N` sums X X^T over one contiguous range of
 * whole kinship segments (KINSHIP_SEGMENT_BLOCKS x blockSize file SNPs each) into DIR/kinship/part-I-of-N; the
 * prepare step (or a -gk run given --plan DIR) merges the N parts in shard order with double-double addition.
 * Blocks never straddle a segment and each block's partial is computed from zero, so the merged sum rounds to
 * the one-node sum (see src/kinship/double-double.ts for the one exception). Part file layout:
 *
 *   LMMSCAN-KINSHIP-PART 1\n
 *   {"identity":..,"shard":I,"shards":N,"n":n,"start":a,"end":b,"parts":[{"key":chr|"","snps":m,"firstSnp":f}]}\n
 *   for each part: hi (n*n float64, little-endian), lo (n*n float64)
 *   sha256 <hex digest of every byte above this line>\n
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Engine } from '../engines/engine.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { InputError, UsageError } from '../io/input-error.js';
import { addDoubleDouble } from '../linalg/double-double.js';
import { DEFAULT_BLOCK_SIZE, type ScanConfig } from '../model/config.js';
import { openInputs } from '../scan/inputs.js';
import { checkModes } from '../scan/phase-prepare.js';
import { KINSHIP_SEGMENT_BLOCKS, runSnpPass, type KinshipPart, type KinshipSplit } from '../scan/snp-pass.js';
import { sha256, stringifyExact } from '../scan/plan-folder.js';
import { absoluteConfig, inputIdentities, parseShardSpec } from './steps.js';

const MAGIC = 'LMMSCAN-KINSHIP-PART 1';

interface PartHeader {
  identity: string;
  shard: number;
  shards: number;
  n: number;
  start: number;
  end: number;
  parts: { key: string; snps: number; firstSnp: number }[];
}

/** The file name of kinship part I of N (1-based). */
export function kinshipPartName(shard: number, shards: number): string {
  return `part-${String(shard).padStart(String(shards).length, '0')}-of-${shards}`;
}

/** Whether a run needs a computed kinship (-gk, or --loco) and so can take kinship shards. */
export function computesKinship(config: ScanConfig): boolean {
  return Boolean(
    config.loco || (config.kinshipKind && !config.kinship && !config.eigenValuesFile && !config.groups),
  );
}

/** How the SNP pass splits the kinship for these settings (as prepareScan). */
export function kinshipSplitOf(config: ScanConfig): KinshipSplit {
  if (config.loco) return { by: 'chromosome' };
  return config.locoChromosome !== undefined
    ? { by: 'exclude', chromosome: config.locoChromosome }
    : { by: 'none' };
}

/** The engine kinship shards run on: ts when asked, else wasm (webgpu sums in double-single on the device). */
export function kinshipEngineOf(config: ScanConfig): 'ts' | 'wasm' {
  return config.engine === 'ts' ? 'ts' : 'wasm';
}

/** The identity of a kinship: its inputs (path:size:mtime) and every setting that changes it. */
export function kinshipIdentity(given: ScanConfig): string {
  const config = absoluteConfig(given);
  return sha256(
    stringifyExact({
      inputs: inputIdentities(config),
      kind: config.kinshipKind ?? 1,
      split: kinshipSplitOf(config),
      filters: config.filters,
      phenotypeColumns: config.phenotypeColumns,
      traits: config.traits ?? null,
      blockSize: config.blockSize ?? DEFAULT_BLOCK_SIZE,
      segmentBlocks: KINSHIP_SEGMENT_BLOCKS,
      // The ts and wasm engines sum a block's SNPs in different orders: parts of one engine only.
      engine: kinshipEngineOf(config),
    }),
  );
}

/** File SNPs [start, end) of shard I of N: whole segments, split as evenly as the segment count allows. */
export function kinshipShardRange(
  shard: number,
  shards: number,
  snps: number,
  blockSize: number,
): { start: number; end: number } {
  const segment = KINSHIP_SEGMENT_BLOCKS * blockSize;
  const segments = Math.ceil(snps / segment);
  const first = Math.floor(((shard - 1) * segments) / shards),
    last = Math.floor((shard * segments) / shards);
  return { start: Math.min(snps, first * segment), end: Math.min(snps, last * segment) };
}

/**
 * An upper bound on the SNP lines of a BIMBAM file (newlines + 1; a blank line only makes the last shard's range
 * longer than the file, which is harmless), without parsing it.
 */
async function bimbamLineBound(path: string): Promise<number> {
  let lines = 1;
  const raw = createReadStream(path);
  const stream = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let k = chunk.indexOf(10); k >= 0; k = chunk.indexOf(10, k + 1)) lines++;
  }
  return lines;
}

/** `lmmscan kinship <flags> --plan DIR --shard I/N`: writes DIR/kinship/part-I-of-N; returns its path. */
export async function runKinshipShard(
  given: ScanConfig,
  planDir: string,
  spec: string,
  engine: Engine,
): Promise<{ path: string; snps: number }> {
  checkModes(given);
  if (!computesKinship(given))
    throw new UsageError(
      'lmmscan kinship computes a kinship: give -gk 1|2 or --loco (not -k, -d/-u or --groups)',
    );
  const { shard, shards } = parseShardSpec(spec);
  const config = absoluteConfig(given);
  const blockSize = config.blockSize ?? DEFAULT_BLOCK_SIZE;
  const inputs = openInputs(config);
  try {
    const snps = inputs.snpsInFile ?? (await bimbamLineBound(config.geno!));
    const range = kinshipShardRange(shard, shards, snps, blockSize);
    const pass = await runSnpPass(inputs.source, inputs.groups, {
      filters: config.filters,
      blockSize,
      quiet: config.quiet,
      snpRange: range,
      kinship: { kind: config.kinshipKind ?? 1, engine, split: kinshipSplitOf(config) },
    });
    const n = inputs.selection.nTotal;
    const sums = [...(pass.kinshipSums ?? new Map<string, KinshipPart>())];
    const header: PartHeader = {
      identity: kinshipIdentity(config),
      shard,
      shards,
      n,
      start: range.start,
      end: range.end,
      parts: sums.map(([key, part]) => ({ key, snps: part.snps, firstSnp: part.firstSnp })),
    };
    const chunks: Uint8Array[] = [Buffer.from(`${MAGIC}\n${JSON.stringify(header)}\n`)];
    // lo as float64, as before: the fold's float32 values convert without loss, so the format is unchanged.
    for (const [, { sum }] of sums) {
      const lo = sum.lo instanceof Float64Array ? sum.lo : Float64Array.from(sum.lo);
      chunks.push(bytesOf(sum.hi), bytesOf(lo));
    }
    const body = Buffer.concat(chunks);
    const path = join(resolve(planDir), 'kinship', kinshipPartName(shard, shards));
    writeFileAtomic(path, Buffer.concat([body, Buffer.from(`sha256 ${sha256(body)}\n`)]));
    return { path, snps: range.end - range.start };
  } finally {
    inputs.source.close();
  }
}

function bytesOf(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Reads and verifies one part file; InputError names the file and the problem. */
function readPart(path: string, identity: string, n: number): { header: PartHeader; data: Buffer } {
  const bytes = readFileSync(path);
  const tail = bytes.lastIndexOf('sha256 ', bytes.length - 1);
  const body = tail >= 0 ? bytes.subarray(0, tail) : bytes;
  const digest =
    tail >= 0
      ? bytes
          .subarray(tail + 7)
          .toString('latin1')
          .trim()
      : '';
  if (!body.subarray(0, MAGIC.length + 1).equals(Buffer.from(`${MAGIC}\n`)))
    throw new InputError(path, `not a kinship part file (expected "${MAGIC}" on the first line)`);
  if (digest !== sha256(body))
    throw new InputError(
      path,
      'checksum mismatch: the file is truncated or corrupted (run its kinship shard again)',
    );
  const lineEnd = body.indexOf(10, MAGIC.length + 1);
  const header = JSON.parse(body.subarray(MAGIC.length + 1, lineEnd).toString('utf8')) as PartHeader;
  if (header.identity !== identity)
    throw new InputError(
      path,
      'comes from other inputs or settings than this run (a foreign kinship part): remove it or run its shard again',
    );
  if (header.n !== n)
    throw new InputError(path, `holds a kinship of ${header.n} individuals, this run has ${n}`);
  const data = body.subarray(lineEnd + 1);
  if (data.length !== header.parts.length * 16 * n * n)
    throw new InputError(
      path,
      `payload has ${data.length} bytes, expected ${header.parts.length * 16 * n * n}`,
    );
  return { header, data };
}

/** Whether DIR/kinship holds any part file. */
export function hasKinshipParts(planDir: string): boolean {
  const dir = join(resolve(planDir), 'kinship');
  return existsSync(dir) && readdirSync(dir).some((f) => /^part-\d+-of-\d+$/.test(f));
}

/**
 * The kinship sums of DIR/kinship's N parts, merged in shard order (double-double) and keyed in order of each
 * part's first kept SNP (the one-node pass's order). Refuses a missing, duplicated, foreign or corrupted part.
 */
export function mergeKinshipParts(planDir: string, config: ScanConfig, n: number): Map<string, KinshipPart> {
  const dir = join(resolve(planDir), 'kinship');
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => /^part-\d+-of-\d+$/.test(f)) : [];
  if (names.length === 0)
    throw new InputError(
      dir,
      'holds no kinship part (run lmmscan kinship --plan DIR --shard I/N for I = 1..N)',
    );
  const counts = new Set(names.map((f) => Number(/-of-(\d+)$/.exec(f)![1])));
  if (counts.size > 1)
    throw new InputError(
      dir,
      `holds parts of different shard counts (${[...counts].join(', ')} shards): keep one set`,
    );
  const shards = [...counts][0]!;
  const byShard = new Map<number, string>();
  for (const name of names) {
    const shard = Number(/^part-(\d+)-/.exec(name)![1]);
    if (byShard.has(shard))
      throw new InputError(
        join(dir, name),
        `duplicates kinship shard ${shard} of ${shards} (${byShard.get(shard)})`,
      );
    byShard.set(shard, name);
  }
  const identity = kinshipIdentity(config);
  const merged = new Map<string, KinshipPart>();
  for (let shard = 1; shard <= shards; shard++) {
    const expected = join(dir, kinshipPartName(shard, shards));
    if (!byShard.has(shard))
      throw new InputError(expected, `missing: kinship shard ${shard} of ${shards} has not been computed`);
    const path = join(dir, byShard.get(shard)!);
    const { header, data } = readPart(path, identity, n);
    if (header.shard !== shard || header.shards !== shards)
      throw new InputError(
        path,
        `holds shard ${header.shard} of ${header.shards}, not ${shard} of ${shards} (renamed?)`,
      );
    header.parts.forEach((p, k) => {
      const at = data.byteOffset + k * 16 * n * n;
      const sum = {
        hi: new Float64Array(data.buffer.slice(at, at + 8 * n * n)),
        lo: new Float64Array(data.buffer.slice(at + 8 * n * n, at + 16 * n * n)),
      };
      const have = merged.get(p.key);
      if (!have) merged.set(p.key, { sum, snps: p.snps, firstSnp: p.firstSnp });
      else {
        addDoubleDouble(have.sum, sum);
        have.snps += p.snps;
      }
    });
  }
  const ordered = [...merged].sort((a, b) => a[1].firstSnp - b[1].firstSnp);
  return new Map(ordered);
}

/** A runJob() source of kinship sums from DIR's kinship parts (merged once the genotype file's n is known). */
export function kinshipShardsOf(
  planDir: string,
  config: ScanConfig,
): (n: number) => Map<string, KinshipPart> {
  if (!computesKinship(config))
    throw new UsageError('--plan DIR without --executor slurm takes kinship shards: give -gk 1|2 or --loco');
  return (n) => mergeKinshipParts(planDir, config, n);
}
