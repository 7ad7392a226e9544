/**
 * A shard file: the results of one contiguous range of SNP blocks, written atomically: by one
 * `lmmscan scan --plan DIR --shard I/N`, or one block at a time by a local run (shard 1/1, saved block
 * by block so that a kill loses only the block in flight). The one format finished blocks are kept in.
 * Layout (UTF-8 lines, byte-counted payloads):
 *
 *   LMMSCAN-SHARD 1
 *   {"planId":"<sha256 of plan.json>","shard":I,"shards":N,"firstBlock":a,"endBlock":b,"outputs":["assoc",...]}
 *   block <k> <stats bytes> <bytes of output 1> ... <bytes of output j>
 *   <stats JSON><text of output 1>...<text of output j>
 *   ... one record per block a..b-1 ...
 *   end {"blocks":b-a,"rotateMs":..,"testMs":..}
 *   sha256 <hex digest of every byte above this line>
 *
 * A missing or wrong last line means a truncated or altered file.
 */
import type { Hash } from 'node:crypto';
import { createHash } from '../io/lazy-crypto.js';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { AtomicWriter } from '../io/atomic-file.js';
import { InputError } from '../io/input-error.js';
import type { BlockTraitStats } from './block-format.js';

const MAGIC = 'LMMSCAN-SHARD 1';
const NO_ROWS = new Uint8Array(0);

export interface ShardHeader {
  planId: string;
  shard: number;
  shards: number;
  firstBlock: number;
  endBlock: number;
  /** Output ids, in the order of each block's texts. */
  outputs: string[];
}

export interface ShardTrailer {
  blocks: number;
  /** Wall time of the shard process, seconds. */
  seconds: number;
  rotateMs: number;
  testMs: number;
}

/** The file name of shard I of N (1-based), sortable. */
export function shardFileName(shard: number, shards: number): string {
  const w = String(shards).length;
  return `shard-${String(shard).padStart(w, '0')}-of-${shards}.lmmshard`;
}

/** The file name of block k of a shard saved block by block (a local run's), sortable. */
export function blockFileName(k: number): string {
  return `block-${String(k).padStart(7, '0')}.lmmshard`;
}

/** Streams one shard to disk (temporary name until finish()). */
export class ShardWriter {
  private readonly writer: AtomicWriter;
  private readonly hash: Hash = createHash('sha256');
  private next: number;
  /** Bytes written so far: where the next payload starts. */
  private at = 0;
  /** Where each block's payloads lie, for the index finish() returns. */
  private readonly blocks = new Map<number, ShardBlock>();

  constructor(
    private readonly path: string,
    private readonly header: ShardHeader,
  ) {
    this.writer = new AtomicWriter(path);
    this.next = header.firstBlock;
    this.put(`${MAGIC}\n${JSON.stringify(header)}\n`);
  }

  private put(content: string | Uint8Array): void {
    this.writer.write(content);
    this.hash.update(content);
    this.at += typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  }

  /** Appends block k (blocks come in order); `texts` holds each output's bytes of the block. */
  block(k: number, texts: Map<string, Uint8Array>, stats: Record<string, BlockTraitStats>): void {
    if (k !== this.next) throw new Error(`internal: shard got block ${k}, expected ${this.next}`);
    const statsText = JSON.stringify(stats);
    const bodies = this.header.outputs.map((id) => texts.get(id) ?? NO_ROWS);
    const statsBytes = Buffer.byteLength(statsText);
    this.put(`block ${k} ${statsBytes} ${bodies.map((b) => b.byteLength).join(' ')}\n`);
    const entry: ShardBlock = { stats: { offset: this.at, length: statsBytes }, texts: [] };
    this.put(statsText);
    for (const body of bodies) {
      entry.texts.push({ offset: this.at, length: body.byteLength });
      this.put(body);
    }
    this.blocks.set(k, entry);
    this.next++;
  }

  /**
   * Writes the trailer and checksum, syncs the file off this thread (the scan goes on meanwhile) and
   * renames it into place; returns its index, so that the writing process need not read it back.
   */
  async finish(times: { rotateMs: number; testMs: number; seconds: number }): Promise<ShardIndex> {
    if (this.next !== this.header.endBlock)
      throw new Error(`internal: shard ended at block ${this.next}, expected ${this.header.endBlock}`);
    const trailer: ShardTrailer = { blocks: this.blocks.size, ...times };
    this.put(`end ${JSON.stringify(trailer)}\n`);
    this.writer.write(`sha256 ${this.hash.digest('hex')}\n`);
    await this.writer.sync();
    this.writer.commit();
    return { path: this.path, header: this.header, trailer, blocks: this.blocks };
  }

  abort(): void {
    this.writer.abort();
  }
}

/** Where one block's payloads lie in its shard file (byte offsets). */
export interface ShardBlock {
  stats: { offset: number; length: number };
  texts: { offset: number; length: number }[];
}

/** A verified shard: header, trailer and the byte ranges of each block. */
export interface ShardIndex {
  path: string;
  header: ShardHeader;
  trailer: ShardTrailer;
  blocks: Map<number, ShardBlock>;
}

/** Reads and verifies a shard file; InputError (naming the file) when it is truncated, altered or malformed. */
export function readShardIndex(path: string): ShardIndex {
  const bytes = readFileSync(path);
  const bad = (reason: string): never => {
    throw new InputError(path, reason);
  };
  if (bytes.byteLength < MAGIC.length || bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC)
    bad('not an lmmscan shard file');
  if (bytes.byteLength === 0 || bytes[bytes.byteLength - 1] !== 0x0a)
    bad('truncated (no checksum line at the end)');
  const lastLine = bytes.lastIndexOf(0x0a, bytes.byteLength - 2) + 1;
  const m = /^sha256 ([0-9a-f]{64})\n$/.exec(bytes.subarray(lastLine).toString('latin1'));
  if (!m) bad('truncated (no checksum line at the end)');
  if (createHash('sha256').update(bytes.subarray(0, lastLine)).digest('hex') !== m![1])
    bad('checksum does not match its contents (truncated or altered)');
  let at = 0;
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, at);
    if (nl < 0 || nl >= lastLine) bad(`malformed at byte ${at}`);
    const text = bytes.subarray(at, nl).toString('utf8');
    at = nl + 1;
    return text;
  };
  line();
  let header: ShardHeader;
  try {
    header = JSON.parse(line()) as ShardHeader;
  } catch {
    return bad('malformed header');
  }
  const blocks = new Map<number, ShardBlock>();
  for (;;) {
    const l = line();
    if (l.startsWith('end ')) {
      const trailer = JSON.parse(l.slice(4)) as ShardTrailer;
      if (at !== lastLine) bad('malformed: data after the end line');
      if (blocks.size !== header.endBlock - header.firstBlock || trailer.blocks !== blocks.size)
        bad(`holds ${blocks.size} blocks, its header says ${header.firstBlock}..${header.endBlock - 1}`);
      return { path, header, trailer, blocks };
    }
    const f = l.split(' ');
    if (f[0] !== 'block' || f.length !== 3 + header.outputs.length)
      bad(`malformed block line "${l.slice(0, 80)}"`);
    const k = Number(f[1]);
    if (k !== header.firstBlock + blocks.size) bad(`block ${k} out of order`);
    const sizes = f.slice(2).map(Number);
    const stats = { offset: at, length: sizes[0] };
    at += sizes[0];
    const texts = sizes.slice(1).map((length) => {
      const r = { offset: at, length };
      at += length;
      return r;
    });
    if (at > lastLine) bad(`block ${k} runs past the end`);
    blocks.set(k, { stats, texts });
  }
}

/** Reads byte ranges of a shard file on demand. */
export class ShardReader {
  private fd: number | undefined;
  constructor(readonly path: string) {}

  /**
   * The bytes of `range`: in `into` (which must be long enough; the bytes are valid until its next use) or a new
   * buffer.
   */
  read(range: { offset: number; length: number }, into?: Buffer): Buffer {
    this.fd ??= openSync(this.path, 'r');
    const out = into ? into.subarray(0, range.length) : Buffer.alloc(range.length);
    let done = 0;
    while (done < range.length) {
      const got = readSync(this.fd, out, done, range.length - done, range.offset + done);
      if (got === 0) throw new InputError(this.path, 'shrank while it was being merged');
      done += got;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
