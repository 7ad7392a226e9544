/**
 * Screenshots in headless Chromium (Debian chromium via playwright-core), checked: the hit labels
 * of the static Manhattan SVG (their real rendered boxes, getBBox) and of the report page's canvas
 * lie inside the plot, overlap neither each other, the line legends nor a labelled point's ring,
 * and cross no threshold line; the --traits summary page shows its hit map and table. The
 * screenshots stay in the scratch dir (and /tmp/lmmscan-*.png) for a person to look at.
 * With CI=true a missing chromium fails, else the tests skip.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseThreshold } from '../../src/report/thresholds.js';
import { writeReport } from '../../src/report/write-report.js';
import { simulateCohort, writeBimbam } from '../../src/sim/index.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { IN_CI } from '../helpers/comparators.js';
import { SHARED_DATA, scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';
import { writeSyntheticAssoc } from './synthetic-assoc.js';

const available = existsSync(CHROMIUM);
if (!available && IN_CI)
  throw new Error(`CI=true: ${CHROMIUM} not found (Debian packages chromium chromium-driver)`);

const out = scratchDir('labels-browser');
let context: BrowserContext;

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
interface Scene {
  area: Box;
  labels: (Box & { text: string })[];
  legends: Box[];
  lines: number[];
  rings: { x: number; y: number; r: number }[];
}

const overlap = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** The checks every labelled figure must pass. */
function checkScene(s: Scene, what: string): void {
  for (const l of s.labels) {
    const name = `${what}: ${l.text} ${JSON.stringify(l)}`;
    expect(l.x0, name).toBeGreaterThanOrEqual(s.area.x0 - 0.5);
    expect(l.x1, name).toBeLessThanOrEqual(s.area.x1 + 0.5);
    expect(l.y0, name).toBeGreaterThanOrEqual(s.area.y0 - 0.5);
    expect(l.y1, name).toBeLessThanOrEqual(s.area.y1 + 0.5);
    for (const y of s.lines) expect(y <= l.y0 || y >= l.y1, `${name} crosses the line at ${y}`).toBe(true);
    for (const g of s.legends) expect(overlap(l, g), `${name} covers a line legend`).toBe(false);
    for (const r of s.rings) {
      const nx = Math.max(l.x0, Math.min(r.x, l.x1));
      const ny = Math.max(l.y0, Math.min(r.y, l.y1));
      expect(
        Math.hypot(nx - r.x, ny - r.y),
        `${name} covers the point at ${r.x}, ${r.y}`,
      ).toBeGreaterThanOrEqual(r.r - 0.5);
    }
  }
  for (let i = 0; i < s.labels.length; i++) {
    for (let j = i + 1; j < s.labels.length; j++)
      expect(overlap(s.labels[i], s.labels[j]), `${what}: ${s.labels[i].text} / ${s.labels[j].text}`).toBe(
        false,
      );
  }
}

async function newPage(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors };
}

/** Opens a Manhattan SVG at its own size, reads the rendered boxes, saves a screenshot. */
async function svgScene(svgPath: string, shot: string): Promise<Scene> {
  const { page, errors } = await newPage(1100, 480);
  await page.goto(pathToFileURL(svgPath).href);
  const scene = await page.evaluate(() => {
    const box = (e: Element) => {
      const b = (e as SVGGraphicsElement).getBBox();
      return { x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height };
    };
    return {
      area: box(document.querySelector('.plot-area')!),
      labels: [...document.querySelectorAll('.hit-label')].map((t) => ({
        ...box(t),
        text: t.textContent ?? '',
      })),
      legends: [...document.querySelectorAll('.line-legend')].map(box),
      lines: [...document.querySelectorAll('.threshold')].map((l) => Number(l.getAttribute('y1'))),
      rings: [...document.querySelectorAll('.hit-ring')].map((c) => ({
        x: Number(c.getAttribute('cx')),
        y: Number(c.getAttribute('cy')),
        r: Number(c.getAttribute('r')),
      })),
    };
  });
  await page.screenshot({ path: join(out, shot) });
  expect(errors).toEqual([]);
  await page.close();
  return scene;
}

/** Opens a report page, reads the canvas labels (data-labels and friends), saves a full-page screenshot. */
async function pageScene(page: Page): Promise<Scene> {
  const canvas = page.locator('#manhattan');
  const json = async (name: string) => JSON.parse((await canvas.getAttribute(name)) ?? 'null');
  const labels: (Box & { rs: string; x: number; y: number })[] = await json('data-labels');
  return {
    area: await json('data-plot-area'),
    labels: labels.map((l) => ({ ...l, text: l.rs })),
    legends: await json('data-legends'),
    lines: await json('data-lines'),
    rings: labels.map((l) => ({ x: l.x, y: l.y, r: 6 })),
  };
}

async function openReport(htmlPath: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await newPage(1280, 900);
  await opened.page.goto(pathToFileURL(htmlPath).href);
  await opened.page.waitForFunction(
    () => (window as unknown as { lmmscanReport?: { ready: boolean } }).lmmscanReport?.ready === true,
  );
  return opened;
}

describe.skipIf(!available)('hit labels and the traits report in headless Chromium', () => {
  beforeAll(async () => {
    context = await launchChromium(out);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('20 synthetic peaks: static SVG and page labels inside the plot, no overlaps, off the lines', async () => {
    const assoc = join(out, 'peaks.assoc.txt');
    await writeSyntheticAssoc(assoc, { rows: 150_000, peaks: 20, seed: 9 });
    await writeReport(assoc, { outDir: out, outPrefix: 'peaks' });
    const svg = await svgScene(join(out, 'peaks.manhattan.svg'), 'peaks-svg.png');
    expect(svg.labels.length).toBeGreaterThanOrEqual(10);
    expect(svg.legends).toHaveLength(2);
    checkScene(svg, 'peaks.manhattan.svg');
    const { page, errors } = await openReport(join(out, 'peaks.report.html'));
    const scene = await pageScene(page);
    expect(scene.labels.length).toBeGreaterThanOrEqual(10);
    checkScene(scene, 'peaks.report.html');
    await page.screenshot({ path: join(out, 'peaks-report.png'), fullPage: true });
    copyFileSync(join(out, 'peaks-report.png'), '/tmp/lmmscan-peaks-report.png');
    // Zoomed into chromosome 1, the labels are placed again for the new scale.
    await page.locator('#chromosome-select').selectOption({ index: 1 });
    const zoomed = await pageScene(page);
    checkScene(zoomed, 'peaks.report.html, chromosome 1');
    // Its own loci are labelled there, also those below the genome's top MAX_LABELS.
    const summary = JSON.parse(readFileSync(join(out, 'peaks.summary.json'), 'utf8'));
    const chr1 = summary.loci.filter((l: { chr: string }) => l.chr === '1').map((l: { rs: string }) => l.rs);
    expect(chr1.length).toBeGreaterThan(0);
    expect(zoomed.labels.map((l) => l.text)).toEqual(chr1);
    await page.screenshot({ path: join(out, 'peaks-chr1.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('BXD with a Bonferroni line and a 1e-3 suggestive line: tied markers make one label', async () => {
    const assoc = join(SHARED_DATA, 'bxd', 'output', 'BXD_lmm4.assoc.txt');
    await writeReport(assoc, {
      outDir: out,
      outPrefix: 'bxd',
      lines: {
        gwas: parseThreshold('gwas-line', 'bonferroni'),
        suggestive: parseThreshold('suggestive-line', '1e-3'),
      },
    });
    const svg = await svgScene(join(out, 'bxd.manhattan.svg'), 'bxd-svg.png');
    copyFileSync(join(out, 'bxd-svg.png'), '/tmp/lmmscan-bxd-manhattan.png');
    checkScene(svg, 'bxd.manhattan.svg');
    // Six X markers share p = 4.576587e-4 (one haplotype block): one locus, one label.
    const summary = JSON.parse(readFileSync(join(out, 'bxd.summary.json'), 'utf8'));
    expect(summary.loci[0]).toMatchObject({ chr: 'X', snps: 6 });
    expect(svg.labels.filter((l) => l.text.includes('4.58'))).toHaveLength(1);
    const { page, errors } = await openReport(join(out, 'bxd.report.html'));
    checkScene(await pageScene(page), 'bxd.report.html');
    // The table has both alleles and all three tests.
    const headers = await page.locator('#hits th').allInnerTexts();
    expect(headers.map((h) => h.replace(/[\s\u25b2\u25bc]+$/, ''))).toEqual([
      '#',
      'SNP',
      'chr',
      'position',
      'allele1',
      'allele0',
      'af',
      'beta',
      'se',
      'p (Wald test)',
      'p (likelihood-ratio test)',
      'p (score test)',
    ]);
    const first = await page.locator('#hits tbody tr:first-child td').allInnerTexts();
    expect(first.slice(1, 6)).toEqual(['rs29106243', 'X', '115523745', 'X', 'Y']);
    expect(first.slice(9)).toEqual(['4.58e-4', '2.87e-4', '0.00101']);
    // The QQ plot spans the section.
    const qq = await page.locator('section.qq svg').boundingBox();
    const section = await page.locator('section.qq').boundingBox();
    expect(qq!.width).toBeGreaterThan(0.9 * section!.width);
    await page.screenshot({ path: join(out, 'bxd-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a --traits scan writes the traits report: hit map marks inside the plot, one row per trait', async () => {
    const cohort = simulateCohort({
      nIndividuals: 240,
      nSnps: 3000,
      nChromosomes: 4,
      nTraits: 10,
      nCausal: 2,
      heritability: [0.5, 0.9],
      seed: 11,
    });
    const files = await writeBimbam(join(out, 'sim'), cohort);
    const bb = ['-g', files.geno, '-p', files.pheno, '-a', files.anno, '-outdir', out];
    await lmmscan([...bb, '-gk', '1', '-o', 'sim'], 'wasm');
    await lmmscan(
      [...bb, '-k', join(out, 'sim.cXX.txt'), '--traits', 'all', '-lmm', '4', '-o', 'tr'],
      'wasm',
    );
    const tsv = readFileSync(join(out, 'tr.traits.tsv'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    const summary = JSON.parse(readFileSync(join(out, 'tr.traits.summary.json'), 'utf8'));
    expect(summary.traits).toHaveLength(10);
    // The report's counts (from the files) equal the scan's own (from the blocks).
    const col = (name: string) => tsv[0].indexOf(name);
    summary.traits.forEach(
      (t: { trait: number; hitsGenomeWide: number; hitsSuggestive: number; lambdaGC: number }, k: number) => {
        expect(t.trait).toBe(Number(tsv[k + 1][col('trait')]));
        expect(t.hitsGenomeWide).toBe(Number(tsv[k + 1][col('n_p_below_5e-8')]));
        expect(t.hitsSuggestive).toBe(Number(tsv[k + 1][col('n_p_below_1e-5')]));
        expect(t.lambdaGC).toBeGreaterThan(0.7);
        expect(t.lambdaGC).toBeLessThan(1.4);
      },
    );
    const { page, errors } = await newPage(1280, 900);
    await page.goto(pathToFileURL(join(out, 'tr.traits.report.html')).href);
    expect(await page.locator('#trait-table tbody tr').count()).toBe(10);
    const marks = await page.evaluate(() => {
      const area = (document.querySelector('#hit-map .plot-area') as SVGGraphicsElement).getBBox();
      const circles = [
        ...document.querySelectorAll('#hit-map .genome-wide-hits circle, #hit-map .suggestive-hits circle'),
      ];
      const outside = circles.filter((c) => {
        const x = Number(c.getAttribute('cx'));
        const y = Number(c.getAttribute('cy'));
        return x < area.x || x > area.x + area.width || y < area.y || y > area.y + area.height;
      });
      return { n: circles.length, outside: outside.length };
    });
    expect(marks.n).toBeGreaterThanOrEqual(
      summary.traits.filter((t: { hitsSuggestive: number }) => t.hitsSuggestive > 0).length,
    );
    expect(marks.outside).toBe(0);
    await page.screenshot({ path: join(out, 'traits-report.png'), fullPage: true });
    copyFileSync(join(out, 'traits-report.png'), '/tmp/lmmscan-traits-report.png');
    expect(errors).toEqual([]);
    await page.close();
  });
});
