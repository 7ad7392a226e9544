/**
 * Hit labels: distance clumping into loci (on hand-made rows and on synthetic assoc files with known
 * peaks), label placement on random scenes (inside the plot, off the lines, off the labelled points,
 * never overlapping), the static plot labelling one lead per locus, and the threshold flags.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlags, toPlotConfig, toScanConfig } from '../../src/cli/args.js';
import { UsageError } from '../../src/io/input-error.js';
import { readAssocTable } from '../../src/report/assoc-table.js';
import {
  legendBox,
  placeLabels,
  type LabelBox,
  type LabelRequest,
} from '../../src/report/label-placement.js';
import { clumpLoci, LOCUS_WINDOW_BP } from '../../src/report/loci.js';
import { MAX_LABELS } from '../../src/report/manhattan-svg.js';
import { analyseScan } from '../../src/report/scan-results.js';
import { parseThreshold, resolveThresholds } from '../../src/report/thresholds.js';
import { writeReport } from '../../src/report/write-report.js';
import { Random } from '../../src/sim/index.js';
import { scratchDir } from '../helpers/paths.js';
import { writeSyntheticAssoc } from './synthetic-assoc.js';

/** True when two boxes overlap (touching edges do not count). */
function boxesOverlap(a: LabelBox, b: LabelBox): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

const out = scratchDir('report-labels');

describe('clumping into loci', () => {
  it('joins hits within the window of a locus, splits beyond it and across chromosomes', () => {
    // rows (ascending p): chr0 at 1.0 Mb (lead), 1.3 Mb (joins), 1.75 Mb (joins: within 500 kb of
    // the locus span 1.0-1.3 Mb), 2.4 Mb (new locus), chr1 at 1.0 Mb (new locus: other chromosome).
    const chr = [0, 0, 0, 0, 1];
    const pos = [1.0e6, 1.3e6, 1.75e6, 2.4e6, 1.0e6];
    const p = [1e-12, 1e-9, 1e-7, 1e-6, 2e-6];
    const loci = clumpLoci([0, 1, 2, 3, 4], chr, pos, p);
    expect(loci.map((l) => [l.lead, l.snps, l.start, l.end])).toEqual([
      [0, 3, 1.0e6, 1.75e6],
      [3, 1, 2.4e6, 2.4e6],
      [4, 1, 1.0e6, 1.0e6],
    ]);
    expect(LOCUS_WINDOW_BP).toBe(500_000);
    expect(clumpLoci([0, 1, 2, 3, 4], chr, pos, p, 100_000).length).toBe(5);
  });

  it('joins markers with the same p on one chromosome (an inbred haplotype block) however far apart', () => {
    const chr = [0, 0, 0, 1];
    const pos = [10e6, 25e6, 40e6, 10e6];
    const p = [4.5e-4, 4.5e-4, 6e-4, 4.5e-4];
    expect(clumpLoci([0, 1, 2, 3], chr, pos, p).map((l) => [l.lead, l.snps])).toEqual([
      [0, 2],
      [2, 1],
      [3, 1],
    ]);
  });

  it('finds one locus per synthetic peak, led by the peak centre', async () => {
    for (const seed of [3, 17]) {
      const assoc = join(out, `peaks${seed}.assoc.txt`);
      const truth = await writeSyntheticAssoc(assoc, { rows: 60_000, peaks: 9, peakWidth: 10, seed });
      const results = analyseScan(await readAssocTable(assoc));
      // Besides the peaks (21 SNPs each), a uniform null p below 1e-5 is a locus of its own
      // (60,000 x 1e-5 = 0.6 expected).
      const peakLoci = results.loci.filter((l) => l.snps > 1);
      const strays = results.loci.filter((l) => l.snps === 1);
      expect(peakLoci).toHaveLength(9);
      expect(strays.length).toBeLessThanOrEqual(3);
      expect(peakLoci.map((l) => results.table.rs(l.lead)).sort()).toEqual(
        truth.peaks.map((pk) => pk.rs).sort(),
      );
      for (const l of peakLoci) expect(l.snps).toBe(21);
      for (const l of strays) expect(results.p[l.lead]).toBeGreaterThan(1e-7);
      for (let j = 1; j < results.loci.length; j++)
        expect(results.p[results.loci[j].lead]).toBeGreaterThanOrEqual(results.p[results.loci[j - 1].lead]);
    }
  });
});

/** Random label scenes in a 1000 x 400 plot: points, label sizes, two lines, a legend box. */
function randomScene(
  rng: Random,
  n: number,
): { requests: LabelRequest[]; area: LabelBox; lines: number[]; obstacles: LabelBox[] } {
  const area = { x0: 70, y0: 40, x1: 1070, y1: 440 };
  const lines = [40 + 80 + rng.uniform() * 100, 300 + rng.uniform() * 100];
  const requests: LabelRequest[] = [];
  for (let k = 0; k < n; k++) {
    // Points cluster near the lines and the edges, where labels are hardest to place.
    const x =
      rng.uniform() < 0.3
        ? rng.uniform() < 0.5
          ? area.x0 + rng.uniform() * 20
          : area.x1 - rng.uniform() * 20
        : area.x0 + rng.uniform() * 1000;
    const y =
      rng.uniform() < 0.4
        ? lines[Math.floor(rng.uniform() * 2)] + (rng.uniform() - 0.5) * 12
        : area.y0 + rng.uniform() * 400;
    requests.push({ x, y, w: 90 + rng.uniform() * 110, h: 15 });
  }
  return {
    requests,
    area,
    lines,
    obstacles: [{ x0: area.x1 - 70, y0: lines[0] - 17, x1: area.x1 - 4, y1: lines[0] - 2 }],
  };
}

describe('label placement', () => {
  it('keeps every label inside the plot, off the lines, the points, the legend and each other', () => {
    const rng = new Random(42);
    let placed = 0;
    let asked = 0;
    for (let scene = 0; scene < 300; scene++) {
      const { requests, area, lines, obstacles } = randomScene(rng, 1 + Math.floor(rng.uniform() * 14));
      const boxes = placeLabels(requests, area, lines, obstacles, 6);
      expect(boxes).toHaveLength(requests.length);
      const shown = boxes.filter((b): b is NonNullable<typeof b> => b !== null);
      asked += requests.length;
      placed += shown.length;
      for (const b of shown) {
        expect(b.x0).toBeGreaterThanOrEqual(area.x0);
        expect(b.x1).toBeLessThanOrEqual(area.x1);
        expect(b.y0).toBeGreaterThanOrEqual(area.y0);
        expect(b.y1).toBeLessThanOrEqual(area.y1);
        for (const y of lines)
          expect(y <= b.y0 || y >= b.y1, `line ${y} crosses ${JSON.stringify(b)}`).toBe(true);
        for (const o of obstacles) expect(boxesOverlap(b, o)).toBe(false);
        for (const r of requests) {
          const nx = Math.max(b.x0, Math.min(r.x, b.x1));
          const ny = Math.max(b.y0, Math.min(r.y, b.y1));
          expect(Math.hypot(nx - r.x, ny - r.y), 'label covers a labelled point').toBeGreaterThanOrEqual(6);
        }
      }
      for (let i = 0; i < shown.length; i++)
        for (let j = i + 1; j < shown.length; j++) expect(boxesOverlap(shown[i], shown[j])).toBe(false);
    }
    // Dropping is the exception: crowded scenes of up to 14 labels still place most.
    expect(placed / asked).toBeGreaterThan(0.9);
  });

  it('puts the label beside its point when there is room, and the most significant first', () => {
    const area = { x0: 0, y0: 0, x1: 1000, y1: 400 };
    const [a, b] = placeLabels(
      [
        { x: 500, y: 200, w: 120, h: 15 },
        { x: 505, y: 200, w: 120, h: 15 },
      ],
      area,
      [],
      [],
      6,
    );
    expect(a).toMatchObject({ x0: 509, leader: false });
    expect(a!.y1).toBeLessThanOrEqual(200);
    expect(b).not.toBeNull();
    expect(boxesOverlap(a!, b!)).toBe(false);
    // A point just above a line: the label must not cross the line.
    const [c] = placeLabels([{ x: 500, y: 195, w: 120, h: 15 }], area, [200, 180], [], 6);
    expect(c!.y1 <= 180 || c!.y0 >= 200).toBe(true);
  });

  it('moves a line legend to the left end, then along the line, rather than cover a labelled point', () => {
    const area = { x0: 70, y0: 40, x1: 1070, y1: 440 };
    expect(legendBox(60, 200, area, [], [], 6)).toMatchObject({ x0: 1006, x1: 1066 });
    expect(legendBox(60, 200, area, [{ x: 1040, y: 190 }], [], 6)).toMatchObject({ x0: 78 });
    const between = legendBox(
      60,
      200,
      area,
      [
        { x: 1040, y: 190 },
        { x: 100, y: 192 },
      ],
      [],
      6,
    )!;
    expect(between.x0).toBeGreaterThan(140);
    expect(between.x1).toBeLessThan(1030);
    const everywhere = Array.from({ length: 30 }, (_, k) => ({ x: 80 + k * 34, y: 192 }));
    expect(legendBox(60, 200, area, everywhere, [], 6)).toBeNull();
  });
});

/** Label texts and their anchor points of a Manhattan SVG. */
function svgLabels(svg: string): string[] {
  return [...svg.matchAll(/<text class="hit-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].split(' ')[0]);
}

describe('labels in the static plot', () => {
  it('labels the lead of each locus (up to MAX_LABELS), nothing above the suggestive line', async () => {
    const assoc = join(out, 'many-peaks.assoc.txt');
    const truth = await writeSyntheticAssoc(assoc, { rows: 120_000, peaks: 20, seed: 9 });
    await writeReport(assoc, { outDir: out, outPrefix: 'many-peaks' });
    const svg = readFileSync(join(out, 'many-peaks.manhattan.svg'), 'utf8');
    const labelled = svgLabels(svg);
    const strongest = [...truth.peaks]
      .sort((a, b) => a.p - b.p)
      .slice(0, MAX_LABELS)
      .map((pk) => pk.rs);
    // Placement may drop a label that fits nowhere, never label anything else.
    expect(labelled.length).toBeGreaterThanOrEqual(MAX_LABELS - 2);
    for (const rs of labelled) expect(strongest).toContain(rs);
    expect(strongest[0]).toBe(labelled[0]);
    const summary = JSON.parse(readFileSync(join(out, 'many-peaks.summary.json'), 'utf8'));
    expect(summary.loci).toHaveLength(20);
    expect(summary.thresholds.suggestive).toMatchObject({ p: 1e-5, rule: 'p = 1e-5' });
    // The top hits carry both alleles and every test's p.
    expect(summary.topHits[0]).toMatchObject({ rs: strongest[0], allele1: 'A', allele0: 'G' });
    expect(Object.keys(summary.topHits[0].pValues)).toEqual(['wald', 'lrt', 'score']);
  });

  it('labels nothing when no SNP reaches the suggestive line (no label on a p = 4.6e-4 SNP)', async () => {
    const assoc = join(out, 'null.assoc.txt');
    await writeSyntheticAssoc(assoc, { rows: 5_000, seed: 4 });
    await writeReport(assoc, { outDir: out, outPrefix: 'null' });
    const svg = readFileSync(join(out, 'null.manhattan.svg'), 'utf8');
    expect(svgLabels(svg)).toEqual([]);
    expect(svg).toContain('class="threshold" data-line="genome-wide"');
  });

  it('--gwas-line bonferroni and --suggestive-line move the lines and the counts', async () => {
    const assoc = join(out, 'peaks3.assoc.txt');
    await writeReport(assoc, {
      outDir: out,
      outPrefix: 'bonf',
      lines: {
        gwas: parseThreshold('gwas-line', 'bonferroni'),
        suggestive: parseThreshold('suggestive-line', '1e-4'),
      },
    });
    const s = JSON.parse(readFileSync(join(out, 'bonf.summary.json'), 'utf8'));
    expect(s.thresholds.genomeWide.p).toBeCloseTo(0.05 / 60_000, 15);
    expect(s.thresholds.genomeWide.rule).toBe('Bonferroni 0.05 / 60,000 SNPs');
    expect(s.thresholds.suggestive.p).toBe(1e-4);
    const table = await readAssocTable(assoc);
    const below = (x: number) => Array.from(table.p.wald!).filter((v) => v <= x).length;
    expect(s.thresholds.genomeWide.snps).toBe(below(0.05 / 60_000));
    expect(s.thresholds.suggestive.snps).toBe(below(1e-4));
    const svg = readFileSync(join(out, 'bonf.manhattan.svg'), 'utf8');
    expect(svg).toContain('p = 8.33\u00d710\u207b\u2077');
  });
});

describe('threshold flags', () => {
  it('parse a p or bonferroni, reach the ScanConfig and lmmscan plot, and reject nonsense', () => {
    const config = toScanConfig(
      parseFlags(['-bfile', 'x', '-lmm', '1', '--gwas-line', 'bonferroni', '--suggestive-line', '1e-4']),
      'lmmscan',
    );
    expect(config.gwasLine).toEqual({ kind: 'bonferroni', alpha: 0.05 });
    expect(config.suggestiveLine).toEqual({ kind: 'p', p: 1e-4 });
    const plot = toPlotConfig(parseFlags(['--assoc', 'a.assoc.txt', '--gwas-line', '1e-6']));
    expect(plot.gwasLine).toEqual({ kind: 'p', p: 1e-6 });
    for (const bad of ['0', '1', '2', 'x', 'bonf'])
      expect(() => parseThreshold('gwas-line', bad)).toThrow(UsageError);
    expect(() => toScanConfig(parseFlags(['-bfile', 'x', '--suggestive-line', '1.5']), 'lmmscan')).toThrow(
      /--suggestive-line 1.5: expected a p-value in \(0, 1\) or "bonferroni"/,
    );
    expect(resolveThresholds(7_000)).toMatchObject({ genomeWide: 5e-8, suggestive: 1e-5 });
  });
});
