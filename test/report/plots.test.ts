/**
 * The static figures and the page as files: chromosome order, x labels that never overlap, text
 * that really renders (a font is installed), PNG size, a self-contained page, typed columns.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseFlags, toScanConfig } from '../../src/cli/args.js';
import { InputError } from '../../src/io/input-error.js';
import { readAssocTable } from '../../src/report/assoc-table.js';
import { compareChromosomes } from '../../src/report/chromosome-layout.js';
import { rasterise } from '../../src/report/png.js';
import { betaQuantile, qqBand } from '../../src/report/qq.js';
import { incompleteBeta } from '../../src/stats/distributions.js';
import { writeReport } from '../../src/report/write-report.js';
import { scratchDir } from '../helpers/paths.js';
import { writeSyntheticAssoc } from './synthetic-assoc.js';

const out = scratchDir('report-plots');

/** Horizontal extents of the x-axis labels of a Manhattan SVG (DejaVu Sans digits: 0.636 em). */
function xLabelExtents(svg: string): [number, number, string][] {
  const labels = [
    ...svg.matchAll(
      /<text x="([\d.]+)" y="(\d+)" font-size="(\d+)" text-anchor="middle" fill="#222">([^<]*)<\/text>/g,
    ),
  ].filter((m) => Number(m[2]) > 400 && Number(m[2]) < 450);
  return labels.map((m) => {
    const w = m[4].length * Number(m[3]) * 0.636;
    return [Number(m[1]) - w / 2, Number(m[1]) + w / 2, m[4]];
  });
}

function darkPixels(pixels: Uint8Array): number {
  let n = 0;
  for (let k = 0; k < pixels.length; k += 4)
    if (pixels[k] < 128 && pixels[k + 1] < 128 && pixels[k + 2] < 128) n++;
  return n;
}

describe('static figures', () => {
  it('orders chromosomes numerically, then X, Y, XY, MT, then other names', () => {
    const names = ['MT', 'scaffold_b', '10', 'X', 'chr3', '2', 'XY', 'Y', '1', 'scaffold_a', '22'];
    expect([...names].sort(compareChromosomes)).toEqual([
      '1',
      '2',
      'chr3',
      '10',
      '22',
      'X',
      'Y',
      'XY',
      'MT',
      'scaffold_a',
      'scaffold_b',
    ]);
    expect(['contig10', 'contig2', 'contig1'].sort(compareChromosomes)).toEqual([
      'contig1',
      'contig2',
      'contig10',
    ]);
  });

  it('thins chromosome labels that would overlap (22 autosomes, X, Y, MT and 150 small contigs)', async () => {
    const chromosomes = [
      ...Array.from({ length: 22 }, (_, k) => String(22 - k)),
      'MT',
      'Y',
      'X',
      ...Array.from({ length: 150 }, (_, k) => `contig${k}`),
    ];
    const assoc = join(out, 'many.assoc.txt');
    const weights = chromosomes.map((name) =>
      name.startsWith('contig')
        ? 0.002
        : name === 'MT'
          ? 0.001
          : name === 'X'
            ? 1.5
            : name === 'Y'
              ? 0.5
              : 2.5 - 0.09 * Number(name),
    );
    await writeSyntheticAssoc(assoc, { rows: 40_000, chromosomes, weights, hits: 3 });
    await writeReport(assoc, { outDir: out, outPrefix: 'many' });
    const svg = readFileSync(join(out, 'many.manhattan.svg'), 'utf8');
    const extents = xLabelExtents(svg);
    expect(extents.length).toBeGreaterThan(10);
    expect(extents.slice(0, 3).map((e) => e[2])).toEqual(['1', '2', '3']);
    for (let k = 1; k < extents.length; k++)
      expect(extents[k][0], `${extents[k - 1][2]} / ${extents[k][2]}`).toBeGreaterThan(extents[k - 1][1]);
    const labels = extents.map((e) => e[2]);
    expect(labels).toContain('X');
    expect(labels.filter((l) => l.startsWith('contig'))).toEqual([]);
  });

  it('renders text (a font is installed: Debian fonts-dejavu-core) at paper size', async () => {
    const textOnly =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" font-family="DejaVu Sans"><text x="10" y="28" font-size="20">Chromosome 1</text></svg>';
    expect(
      darkPixels(rasterise(textOnly).pixels),
      'no text drawn: is fonts-dejavu-core installed?',
    ).toBeGreaterThan(200);
    const png = readFileSync(join(out, 'many.manhattan.png'));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(2200);
    expect(png.readUInt32BE(20)).toBe(960);
    const qq = readFileSync(join(out, 'many.qq.png'));
    expect(qq.readUInt32BE(16)).toBe(1200);
  });

  it('the QQ band contains the expected -log10 p and widens in the tail', () => {
    const band = qqBand(10_000);
    for (let k = 0; k < band.x.length; k++) {
      expect(band.lower[k]).toBeLessThan(band.x[k] + 1e-9);
      expect(band.upper[k]).toBeGreaterThan(band.x[k] - 1e-9);
    }
    // Rank 1 (the tail, largest expected -log10 p) comes first.
    const last = band.x.length - 1;
    expect(band.x[0]).toBeGreaterThan(band.x[last]);
    expect(band.upper[0] - band.lower[0]).toBeGreaterThan(band.upper[last] - band.lower[last]);
  });
});

/** betaQuantile as it was: every one of the 64 bisection steps evaluated. */
function bisectedQuantile(q: number, a: number, b: number): number {
  let lo = -745;
  let hi = 0;
  for (let k = 0; k < 64; k++) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(Math.exp(mid), a, b) < q) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

describe('betaQuantile', () => {
  it('gives the bits of the full bisection (the steps it skips compare as it knows they do)', () => {
    for (const n of [1, 2, 3, 7, 50, 999, 7_317, 120_000, 4_000_000])
      for (const i of new Set([1, 2, 3, Math.ceil(n / 3), Math.ceil(n / 2), n - 1, n]))
        if (i >= 1 && i <= n)
          for (const q of [0.025, 0.5, 0.975])
            expect(betaQuantile(q, i, n - i + 1), `q ${q}, Beta(${i}, ${n - i + 1})`).toBe(
              bisectedQuantile(q, i, n - i + 1),
            );
  });
});

describe('report page and summary', () => {
  it('is self-contained: no external scripts, styles, fonts or images', () => {
    const html = readFileSync(join(out, 'many.report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(
      html.match(/https?:\/\/[^\s"')]+/g)?.filter((u) => u !== 'http://www.w3.org/2000/svg') ?? [],
    ).toEqual([]);
  });

  it('summary.json has the counts, lambda per test and the 10 smallest p-values in order', () => {
    const s = JSON.parse(readFileSync(join(out, 'many.summary.json'), 'utf8'));
    expect(s.snpsTested).toBe(40_000);
    expect(Object.keys(s.lambdaGC).sort()).toEqual(['lrt', 'score', 'wald']);
    expect(s.topHits).toHaveLength(10);
    for (let k = 1; k < 10; k++) expect(s.topHits[k].p).toBeGreaterThanOrEqual(s.topHits[k - 1].p);
    expect(s.topHits[0]).toMatchObject({
      rank: 1,
      chr: expect.any(String),
      ps: expect.any(Number),
      beta: expect.any(Number),
      se: 0.05,
    });
    expect(s.timings.length).toBeGreaterThan(0);
  });
});

describe('assoc reader', () => {
  it('reads gzipped files into typed columns', async () => {
    const text =
      'chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta\tse\tp_wald\n1\trs1\t100\t0\tA\tG\t0.100\t1.0e-01\t2.0e-02\t3.0e-07\n2\trs2\t50\t0\tA\tG\t0.200\tnan\tnan\tnan\n';
    writeFileSync(join(out, 'tiny.assoc.txt.gz'), gzipSync(text));
    const t = await readAssocTable(join(out, 'tiny.assoc.txt.gz'));
    expect(t.rows).toBe(2);
    expect(t.p.wald).toBeInstanceOf(Float64Array);
    expect(t.p.wald![1]).toBeNaN();
    expect(t.chrIndex).toBeInstanceOf(Uint16Array);
    expect([t.rs(0), t.rs(1)]).toEqual(['rs1', 'rs2']);
  });

  it('reports a malformed row with file and line', async () => {
    writeFileSync(join(out, 'bad.assoc.txt'), 'chr\trs\tps\tp_wald\n1\trs1\t100\t0.5\n1\trs2\t200\n');
    await expect(readAssocTable(join(out, 'bad.assoc.txt'))).rejects.toThrow(InputError);
    await expect(readAssocTable(join(out, 'bad.assoc.txt'))).rejects.toThrow(/bad\.assoc\.txt:3: expected 4/);
    writeFileSync(join(out, 'nop.assoc.txt'), 'chr\trs\tps\tbeta\n');
    await expect(readAssocTable(join(out, 'nop.assoc.txt'))).rejects.toThrow(/no p_wald, p_lrt or p_score/);
  });
});

describe('flags', () => {
  it('--no-plots and --plot-test reach the ScanConfig', () => {
    const config = toScanConfig(
      parseFlags(['-bfile', 'x', '-lmm', '2', '--no-plots', '--plot-test', 'lrt']),
      'lmmscan',
    );
    expect(config.plots).toBe(false);
    expect(config.plotTest).toBe('lrt');
    expect(toScanConfig(parseFlags(['-bfile', 'x', '-lmm', '1']), 'lmmscan').plots).toBe(true);
    expect(() => toScanConfig(parseFlags(['-bfile', 'x', '--plot-test', 'f']), 'lmmscan')).toThrow(
      /expected wald, lrt or score/,
    );
  });
});
