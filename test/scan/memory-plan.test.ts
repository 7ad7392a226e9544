/**
 * A cohort too large for the machine stops before any work with
 * one line: the n, the bytes needed and what the machine has. Sizes are chosen relative to this
 * machine's memory, so the tests hold on any machine.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryError, memoryLimit } from '../../src/io/memory-fit.js';
import { jobMemoryBytes, requireJobMemory } from '../../src/scan/memory-plan.js';
import { CLI, scratchDir } from '../helpers/paths.js';

const thrown = (f: () => void): Error | undefined => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  return undefined;
};

describe('requireJobMemory', () => {
  it('counts the n x n matrices each stage holds', () => {
    const n = 1000;
    const m = 8 * n * n;
    expect(
      jobMemoryBytes({ engine: 'wasm', nTotal: n, nAnalysed: 0, computesKinship: true, readsKinship: false })
        .bytes,
    ).toBe(5 * m);
    // The double-double sum (hi, lo as float32) and the block partial on the ts engine.
    expect(
      jobMemoryBytes({ engine: 'ts', nTotal: n, nAnalysed: 0, computesKinship: true, readsKinship: false })
        .bytes,
    ).toBe(2.5 * m);
    // Banded (above 2 GiB of sum): hi and lo as float32, held once.
    const banded = 12000;
    expect(
      jobMemoryBytes({
        engine: 'wasm',
        nTotal: banded,
        nAnalysed: 0,
        computesKinship: true,
        readsKinship: false,
      }).bytes,
    ).toBe(12 * banded * banded);
    // -k then eigen on the wasm engine: K centred in place (it receives U), three regions of shared memory.
    expect(
      jobMemoryBytes({ engine: 'wasm', nTotal: n, nAnalysed: n, computesKinship: false, readsKinship: true })
        .bytes,
    ).toBe(4 * m);
    // The kinship computed: kept beside its centred copy.
    expect(
      jobMemoryBytes({ engine: 'wasm', nTotal: n, nAnalysed: n, computesKinship: true, readsKinship: false })
        .bytes,
    ).toBe(5 * m);
    // Above n = 12,500 (three regions past 3.5 GiB), two regions.
    const big = 14000;
    expect(
      jobMemoryBytes({
        engine: 'wasm',
        nTotal: big,
        nAnalysed: big,
        computesKinship: false,
        readsKinship: true,
      }).bytes,
    ).toBe(3 * 8 * big * big);
    // Above about n = 16,200 (two regions past the wasm32 memory), the tiled solver: its basis and half an n x n.
    const huge = 20000;
    expect(
      jobMemoryBytes({
        engine: 'wasm',
        nTotal: huge,
        nAnalysed: huge,
        computesKinship: false,
        readsKinship: true,
      }).bytes,
    ).toBe(2.5 * 8 * huge * huge);
    // The ts engine: K centred in place, the solver's work and the eigenvectors.
    expect(
      jobMemoryBytes({ engine: 'ts', nTotal: n, nAnalysed: n, computesKinship: false, readsKinship: true })
        .bytes,
    ).toBe(4 * m);
    // Someone left out: the file's K and its subset at once, before the eigensolver (here the larger stage).
    expect(
      jobMemoryBytes({
        engine: 'wasm',
        nTotal: 4 * n,
        nAnalysed: n,
        computesKinship: false,
        readsKinship: true,
      }).bytes,
    ).toBe(17 * m);
  });

  it('names the n, the need and what there is when the machine is too small', () => {
    // One n x n float64 more than the machine holds (a sum this large is held once, banded: hi, and lo as float32).
    const n = Math.ceil(Math.sqrt(memoryLimit() / 8)) + 1000;
    const e = thrown(() =>
      requireJobMemory('-gk 1', {
        engine: 'wasm',
        nTotal: n,
        nAnalysed: 0,
        computesKinship: true,
        readsKinship: false,
      }),
    );
    expect(e).toBeInstanceOf(MemoryError);
    expect(e!.message).toMatch(
      new RegExp(
        `^-gk 1 at n = ${n} needs [\\d.]+ GB \\(the double-double kinship sum and its copies, 1.5 n x n float64\\); this machine has [\\d.]+ GB \\([\\d.]+ GB free\\)`,
      ),
    );
    expect(e!.message).not.toContain('\n');
  });

  it("passes an eigendecomposition past one wasm memory's packed triangle where the machine holds it", () => {
    // The packed triangle (4 n^2 bytes) past 4 GiB: the tiled solver spreads it over several memories, so only the
    // machine's memory decides (20 n^2 bytes with -k), and a machine too small gets the one line.
    const n = Math.ceil(Math.sqrt(2 ** 32 / 4)) + 10;
    const sizes = { nTotal: n, nAnalysed: n, computesKinship: false, readsKinship: true };
    const { bytes } = jobMemoryBytes({ engine: 'wasm', ...sizes });
    expect(bytes).toBe(2.5 * 8 * n * n);
    const e = thrown(() => requireJobMemory('-lmm 4', { engine: 'wasm', ...sizes }));
    if (bytes <= memoryLimit()) expect(e).toBeUndefined();
    else
      expect(e!.message).toMatch(
        new RegExp(`^-lmm 4 at n = ${n} needs [\\d.]+ GB \\(.*\\); this machine has [\\d.]+ GB`),
      );
    // Past what the machine holds, on either engine: one line before any work.
    const over = Math.ceil(Math.sqrt(memoryLimit() / 20)) + 100;
    for (const engine of ['wasm', 'ts'] as const) {
      const big = thrown(() =>
        requireJobMemory('-lmm 4', {
          engine,
          nTotal: over,
          nAnalysed: over,
          computesKinship: false,
          readsKinship: true,
        }),
      );
      expect(big).toBeInstanceOf(MemoryError);
      expect(big!.message).toMatch(
        new RegExp(`^-lmm 4 at n = ${over} needs [\\d.]+ GB .*; this machine has`),
      );
      expect(big!.message).not.toContain('\n');
    }
    // Eigenvectors given (-d/-u): no eigensolver, and the rotation goes through the window in strips.
    expect(jobMemoryBytes({ engine: 'wasm', ...sizes, readsKinship: false, givenEigen: true }).bytes).toBe(
      8 * n * n,
    );
    if (8 * n * n <= memoryLimit())
      expect(
        thrown(() =>
          requireJobMemory('-lmm 4', { engine: 'wasm', ...sizes, readsKinship: false, givenEigen: true }),
        ),
      ).toBeUndefined();
    // n = 14,000 (three regions, 4.7 GB) and n = 20,000 (tiled): whatever the machine, no line about the wasm memory.
    for (const fitting of [14_000, 20_000])
      expect(
        thrown(() =>
          requireJobMemory('-lmm 4', {
            engine: 'wasm',
            nTotal: fitting,
            nAnalysed: fitting,
            computesKinship: false,
            readsKinship: false,
          }),
        )?.message ?? '',
      ).not.toMatch(/wasm/);
    const small = 2000;
    expect(
      thrown(() =>
        requireJobMemory('-lmm 4', {
          engine: 'wasm',
          nTotal: small,
          nAnalysed: small,
          computesKinship: false,
          readsKinship: true,
        }),
      ),
    ).toBeUndefined();
  });

  it('stops lmmscan -gk before reading a genotype, with one line and no output', () => {
    // 400,000 individuals: 1.3 TB for the kinship, beyond any machine this runs on.
    const dir = scratchDir('memory-plan');
    const n = 400_000;
    const prefix = join(dir, 'huge');
    writeFileSync(
      `${prefix}.fam`,
      Array.from({ length: n }, (_, i) => `f${i} i${i} 0 0 1 ${i % 7}`).join('\n') + '\n',
    );
    writeFileSync(`${prefix}.bim`, '1\trs1\t0\t100\tA\tG\n');
    writeFileSync(
      `${prefix}.bed`,
      Buffer.concat([Buffer.from([0x6c, 0x1b, 0x01]), Buffer.alloc(n / 4, 0xff)]),
    );
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, [CLI, '-bfile', prefix, '-gk', '1', '-outdir', out, '-o', 'x'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^lmmscan: error: -gk 1 at n = 400000 needs 1920\.0 GB \(.*\); this machine has [\d.]+ GB \([\d.]+ GB free\)/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // Nothing written: not even the output folder.
    expect(readdirSync(dir).filter((f) => !f.startsWith('huge'))).toEqual([]);
  });
});
