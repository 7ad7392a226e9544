/**
 * The atomic writer on a device that is full (/dev/full, and a small tmpfs this test mounts as root,
 * as CI runs): every failure is an OutputError naming the final file and the cause, and nothing is
 * left under the final name or the temporary one. Text past the 1 MiB buffer, multi-byte characters
 * and bytes in between arrive whole.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtomicWriter,
  OutputError,
  writeFileAtomic,
  writeFilesAtomic,
  writeFully,
} from '../../src/io/atomic-file.js';
import { scratchDir } from '../helpers/paths.js';

const dir = scratchDir('atomic');
const small = join(dir, 'small');

beforeAll(() => {
  mkdirSync(small);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount failed (the test runs as root, as CI does): ${r.stderr}`);
});
afterAll(() => {
  spawnSync('umount', [small]);
});

describe('AtomicWriter', () => {
  it('a sync that a write overtook leaves commit() its own fsync; one that nothing overtook spares it', async () => {
    const path = join(dir, 'overtaken.txt');
    const w = new AtomicWriter(path);
    w.write(Buffer.from('first\n'));
    const early = w.sync();
    w.write(Buffer.from('second\n'));
    await early;
    expect(w['synced']).toBe(false);
    await w.sync();
    expect(w['synced']).toBe(true);
    w.commit();
    expect(readFileSync(path, 'utf8')).toBe('first\nsecond\n');
  });

  it('writes text past its buffer, multi-byte characters and bytes whole', () => {
    const path = join(dir, 'whole.txt');
    const w = new AtomicWriter(path);
    const line = 'é→ rs1\t0.5\n';
    const text = line.repeat(120_000); // more than the 1 MiB (in characters) that is buffered
    w.write(text);
    w.write(Buffer.from([0x41, 0x0a]));
    w.write('ü');
    w.commit();
    expect(readFileSync(path).equals(Buffer.concat([Buffer.from(text), Buffer.from('A\nü')]))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a write to a full device is an OutputError naming the file', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      expect(() => writeFully(fd, Buffer.alloc(10), 'out/x.assoc.txt')).toThrow(
        new OutputError('out/x.assoc.txt', 'no space left on device (ENOSPC)'),
      );
      expect(() => writeFully(fd, Buffer.alloc(10), 'out/x.assoc.txt')).toThrow(
        'cannot write out/x.assoc.txt: no space left on device (ENOSPC)',
      );
    } finally {
      closeSync(fd);
    }
  });

  it('on a full file system: the error names the final file; abort leaves nothing', async () => {
    const path = join(small, 'big.assoc.txt');
    const w = new AtomicWriter(path);
    let error: unknown;
    try {
      for (let k = 0; k < 20; k++) w.write(Buffer.alloc(16_384, 0x31));
      await w.sync();
      w.commit();
    } catch (e) {
      error = e;
      w.abort();
    }
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toBe(`cannot write ${path}: no space left on device (ENOSPC)`);
    expect(readdirSync(small)).toEqual([]);
  });

  it('writeFileAtomic on a full file system: text that does not fit leaves nothing', () => {
    const path = join(small, 'log.txt');
    expect(() => writeFileAtomic(path, 'x'.repeat(2_000_000))).toThrow(
      `cannot write ${path}: no space left on device (ENOSPC)`,
    );
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(small)).toEqual([]);
    // What fits is written.
    writeFileAtomic(path, 'fits\n');
    expect(readFileSync(path, 'utf8')).toBe('fits\n');
  });

  it('writeFilesAtomic writes every file, or on a full file system none of them', async () => {
    const files: [string, string | Uint8Array][] = [
      [join(small, 'a.svg'), '<svg/>\n'],
      [join(small, 'b.png'), Buffer.from([1, 2, 3])],
    ];
    await writeFilesAtomic(files);
    expect(readFileSync(files[0][0], 'utf8')).toBe('<svg/>\n');
    expect([...readFileSync(files[1][0])]).toEqual([1, 2, 3]);
    const tooBig: [string, string | Uint8Array][] = [
      [join(small, 'c.svg'), 'fits\n'],
      [join(small, 'd.html'), 'x'.repeat(2_000_000)],
    ];
    await expect(writeFilesAtomic(tooBig)).rejects.toThrow(
      `cannot write ${tooBig[1][0]}: no space left on device (ENOSPC)`,
    );
    expect(
      readdirSync(small)
        .filter((f) => /^[a-d]\./.test(f) || f.includes('.tmp-'))
        .sort(),
    ).toEqual(['a.svg', 'b.png']);
    await writeFilesAtomic([]);
  });

  it('a folder that cannot be created names the output', () => {
    const path = join(dir, 'whole.txt', 'sub', 'x.txt');
    expect(() => new AtomicWriter(path)).toThrow(
      `cannot write ${path}: a path component is a file, not a folder (ENOTDIR)`,
    );
  });
});
