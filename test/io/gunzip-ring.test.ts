/** GunzipRing (gzip inflated into reused buffers) against zlib's gunzipSync: the same bytes, the same failures. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GunzipRing } from '../../src/io/gunzip-ring.js';
import { scratchDir } from '../helpers/paths.js';
import { rng } from '../helpers/random.js';

const dir = scratchDir('gunzip-ring');

/** Every chunk, checking on each that the one before is still whole (the reader's promise). */
async function inflate(path: string, buffers: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let previous: { view: Buffer; copy: Buffer } | undefined;
  for await (const chunk of new GunzipRing(path, buffers).chunks()) {
    if (previous) expect(previous.view.equals(previous.copy)).toBe(true);
    previous = { view: chunk, copy: Buffer.from(chunk) };
    parts.push(previous.copy);
  }
  return Buffer.concat(parts);
}

/** Text of random lines, `bytes` long or a little more, compressible as genotype files are. */
function text(bytes: number, seed: number): Buffer {
  const next = rng(seed);
  const lines: string[] = [];
  for (let length = 0; length < bytes;) {
    const line = `rs${lines.length} A T ${Array.from({ length: 1 + Math.floor(next() * 60) }, () => Math.floor(next() * 3)).join(' ')}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join(''));
}

describe('GunzipRing', () => {
  it('gives the bytes gunzipSync gives: empty, small, many buffers over, several members, any ring size', async () => {
    const cases: [string, Buffer][] = [
      ['empty', gzipSync(Buffer.alloc(0))],
      ['small', gzipSync(text(1000, 1))],
      // Past several 1 MiB output buffers and 1 MiB input reads (level 0: the input is as large as the output).
      ['large', gzipSync(text(5 << 20, 2), { level: 1 })],
      ['stored', gzipSync(text(3 << 20, 3), { level: 0 })],
      [
        'members',
        Buffer.concat([
          gzipSync(text(1.5 * (1 << 20), 4)),
          gzipSync(text(300, 5)),
          gzipSync(text(2 << 20, 6)),
        ]),
      ],
    ];
    for (const [name, gz] of cases) {
      const path = join(dir, `${name}.gz`);
      writeFileSync(path, gz);
      for (const buffers of [3, 6])
        expect((await inflate(path, buffers)).equals(gunzipSync(gz)), name).toBe(true);
    }
  });

  it('fails where zlib fails: a cut or corrupt file, a missing file', async () => {
    const gz = gzipSync(text(2 << 20, 7));
    const cut = join(dir, 'cut.gz');
    writeFileSync(cut, gz.subarray(0, gz.length >> 1));
    expect(() => gunzipSync(gz.subarray(0, gz.length >> 1))).toThrow(/unexpected end of file/);
    await expect(inflate(cut, 4)).rejects.toThrow(/unexpected end of file/);
    const corrupt = join(dir, 'corrupt.gz');
    writeFileSync(corrupt, Buffer.concat([gz.subarray(0, 40), Buffer.alloc(4000, 0xff), gz.subarray(4040)]));
    await expect(inflate(corrupt, 4)).rejects.toThrow();
    await expect(inflate(join(dir, 'absent.gz'), 4)).rejects.toThrow(/ENOENT/);
  });

  it('stops when the reader leaves early, and can be closed before it is read', async () => {
    const path = join(dir, 'early.gz');
    writeFileSync(path, gzipSync(text(4 << 20, 8)));
    let seen = 0;
    for await (const chunk of new GunzipRing(path, 4).chunks()) {
      seen += chunk.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    const unread = new GunzipRing(path, 4);
    unread.close();
    unread.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
