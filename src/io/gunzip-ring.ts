/**
 * Inflating a gzip file on libuv's thread pool into output buffers that are used again, for
 * streamLineBytes(). node:zlib's stream allocates a fresh 1 MiB buffer for each output chunk, and V8
 * frees them only when it next collects garbage: inflating mouse_hs1940.geno.txt.gz (71 MB of text)
 * touched 71 MB of new pages, about 17,000 page faults, and took 270-320 ms of CPU in a fresh process
 * against 65-70 ms when it writes into a handful of buffers over and over (the same bytes: the same
 * zlib, the same inflate calls). The zlib handle is Node's own (the one node:zlib's streams drive),
 * through process.binding('zlib'), whose write() names the output buffer.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:zlib';
import { BufferRing, RING_BUFFER_BYTES } from './buffer-ring.js';

/** Node's zlib handle, as node:zlib drives it (lib/zlib.js): only what is used here. */
interface ZlibHandle {
  init(
    windowBits: number,
    level: number,
    memLevel: number,
    strategy: number,
    writeState: Uint32Array,
    processCallback: () => void,
    dictionary: undefined,
  ): void;
  write(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

const zlibBinding = () =>
  (process as unknown as { binding(name: 'zlib'): { Zlib: new (mode: number) => ZlibHandle } }).binding(
    'zlib',
  );

/**
 * Whether Node's zlib handle can be reached (process.binding is deprecated, and refused under Node's
 * permission model): if not, the caller inflates with node:zlib's stream instead.
 */
export function gunzipRingAvailable(): boolean {
  // Under --pending-deprecation Node would print DEP0111 for the call: the stream then, and no warning.
  if (pendingDeprecation()) return false;
  try {
    return typeof zlibBinding().Zlib === 'function';
  } catch {
    return false;
  }
}

/** Whether Node warns of pending deprecations (the flag, or its environment variable). */
function pendingDeprecation(): boolean {
  const flag = '--pending-deprecation';
  return (
    process.execArgv.includes(flag) ||
    (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(flag) ||
    process.env.NODE_PENDING_DEPRECATION === '1'
  );
}

const IN_BYTES = 1 << 20;

/**
 * Inflates a gzip file (several members too, as node:zlib does) into at most `buffers` reused 1 MiB
 * buffers, starting at once and staying up to that many buffers ahead of the reader.
 */
export class GunzipRing extends BufferRing {
  private readonly handle: ZlibHandle;
  private readonly state = new Uint32Array(2);
  private file: Promise<FileHandle>;
  private readonly input = Buffer.allocUnsafe(IN_BYTES);
  private inOffset = 0;
  private inLength = 0;
  private inputEnded = false;
  /** The buffer of the inflate in flight. */
  private current: Buffer | undefined;

  constructor(path: string, buffers: number) {
    super(buffers);
    this.handle = new (zlibBinding().Zlib)(constants.GUNZIP);
    this.handle.onerror = (message) => this.fail(new Error(message));
    this.handle.init(
      constants.Z_DEFAULT_WINDOWBITS,
      constants.Z_DEFAULT_COMPRESSION,
      constants.Z_DEFAULT_MEMLEVEL,
      constants.Z_DEFAULT_STRATEGY,
      this.state,
      () => this.inflated(),
      undefined,
    );
    this.file = open(path, 'r');
    this.file.catch((e: Error) => this.fail(e));
    this.pump();
  }

  protected release(): void {
    this.handle.close();
    this.file.then((f) => f.close()).catch(() => undefined);
  }

  /** Starts the next inflate when there is input, an output buffer and none in flight. */
  protected pump(): void {
    if (this.busy || this.ended || this.closed || this.failure) return;
    if (this.inLength === 0 && !this.inputEnded) {
      this.busy = true;
      this.file
        .then((f) => f.read(this.input, 0, IN_BYTES, null))
        .then(({ bytesRead }) => {
          this.busy = false;
          this.inOffset = 0;
          this.inLength = bytesRead;
          if (bytesRead === 0) this.inputEnded = true;
          this.pump();
        })
        .catch((e: Error) => ((this.busy = false), this.fail(e)));
      return;
    }
    const out = this.freeBuffer();
    if (!out) return;
    this.busy = true;
    this.current = out;
    const flush = this.inputEnded ? constants.Z_FINISH : constants.Z_NO_FLUSH;
    this.handle.write(flush, this.input, this.inOffset, this.inLength, out, 0, RING_BUFFER_BYTES);
  }

  /** An inflate finished (the handle's callback): its output is ready, and the next one starts. */
  private inflated(): void {
    this.busy = false;
    const out = this.current!;
    this.current = undefined;
    if (this.closed) return;
    const [outLeft, inLeft] = this.state;
    const produced = RING_BUFFER_BYTES - outLeft;
    this.inOffset += this.inLength - inLeft;
    this.inLength = inLeft;
    // Finished: all input read and consumed, and the last (Z_FINISH) call produced nothing more.
    if (this.inputEnded && produced === 0) this.ended = true;
    this.deliver(out, produced);
  }
}
