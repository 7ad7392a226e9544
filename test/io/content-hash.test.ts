/** Input files hashed on a thread of their own (contentHashesAside): contentHash()'s results, errors the same. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash, contentHashesAside, hashedContent } from '../../src/io/content-hash.js';
import { fileIdentity } from '../../src/scan/plan-folder.js';
import { scratchDir } from '../helpers/paths.js';

const dir = scratchDir('content-hash');

describe('contentHashesAside', () => {
  it("gives contentHash()'s size and SHA-1 of each file, several chunks long or empty, and each read error", async () => {
    const big = join(dir, 'big.bin');
    const bytes = Buffer.alloc((9 << 20) + 3);
    for (let i = 0; i < bytes.length; i += 4097) bytes[i] = i & 255;
    writeFileSync(big, bytes);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const missing = join(dir, 'missing.txt');
    const hashes = await contentHashesAside([big, empty, missing, dir], 1);
    expect(hashes).not.toBeNull();
    expect(hashes!.get(big)).toEqual({
      bytes: bytes.length,
      hash: createHash('sha1').update(bytes).digest('hex'),
    });
    expect(hashedContent(big, hashes!)).toEqual(contentHash(big));
    expect(hashedContent(empty, hashes!)).toEqual(contentHash(empty));
    // A directory cannot be read: the same InputError as contentHash() throws, raised when the hash is asked for.
    expect(() => hashedContent(dir, hashes!)).toThrow(/cannot read/);
    expect(() => contentHash(dir)).toThrow(/cannot read/);
    // The plan's identity of a file is the same from either, and a missing file has none.
    expect(fileIdentity(big, hashes!)).toBe(fileIdentity(big));
    expect(fileIdentity(missing, hashes!)).toBeNull();
  });

  it('leaves small inputs to contentHash() when asked (no thread), and hashes a path it lacks there', () => {
    const small = join(dir, 'small.txt');
    writeFileSync(small, 'abc\n');
    expect(contentHashesAside([small])).toBeNull();
    expect(hashedContent(small, new Map())).toEqual(contentHash(small));
  });
});
