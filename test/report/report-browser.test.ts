/**
 * The report page in headless Chromium (playwright-core): no console errors, no network requests,
 * loads in under 2 s with 1,000,000 SNPs, hovering the top hit shows its rs id, clicking zooms to a
 * chromosome, the table sorts. Screenshots go to the scratch dir and /tmp/lmmscan-report.png.
 * Needs /usr/bin/chromium (Debian chromium): with CI=true a missing one fails, else the tests skip.
 */
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/write-report.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { IN_CI } from '../helpers/comparators.js';
import { SHARED_DATA, scratchDir } from '../helpers/paths.js';
import { lmmscan } from '../helpers/run-job.js';
import { writeSyntheticAssoc } from './synthetic-assoc.js';

const available = existsSync(CHROMIUM);
if (!available) {
  const message = `${CHROMIUM} not found: install Debian packages chromium chromium-driver (npm test's pretest does this as root)`;
  if (IN_CI) throw new Error(`CI=true: ${message}`);
  console.warn(`skipping the report browser tests: ${message}`);
}

const out = scratchDir('report-browser');
let context: BrowserContext;

interface PageProblems {
  errors: string[];
  requests: string[];
}

async function openReport(htmlPath: string): Promise<{ page: Page; problems: PageProblems; loadMs: number }> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  const problems: PageProblems = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') problems.errors.push(m.text());
  });
  page.on('pageerror', (e) => problems.errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.requests.push(r.url());
  });
  const t0 = performance.now();
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
  await page.waitForFunction(
    () => (window as unknown as { lmmscanReport?: { ready: boolean } }).lmmscanReport?.ready === true,
  );
  return { page, problems, loadMs: performance.now() - t0 };
}

async function hoverTopHit(page: Page): Promise<string> {
  const canvas = page.locator('#manhattan');
  const box = (await canvas.boundingBox())!;
  const x = Number(await canvas.getAttribute('data-top-x'));
  const y = Number(await canvas.getAttribute('data-top-y'));
  await page.mouse.move(box.x + x, box.y + y);
  await page.locator('#tooltip').waitFor({ state: 'visible' });
  return page.locator('#tooltip').innerText();
}

describe.skipIf(!available)('report.html in headless Chromium', () => {
  beforeAll(async () => {
    context = await launchChromium(out);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('hs1008 scan: no console errors, hover shows the top hit, table sorts', async () => {
    const hs = join(SHARED_DATA, 'hs1008');
    await lmmscan([
      '-bfile',
      join(hs, 'hs1008'),
      '-k',
      join(hs, 'output', 'hs1008.cXX.txt.gz'),
      '-lmm',
      '4',
      '-o',
      'hs1008_lmm4',
      '-outdir',
      out,
    ]);
    const summary = JSON.parse(readFileSync(join(out, 'hs1008_lmm4.summary.json'), 'utf8'));
    const { page, problems } = await openReport(join(out, 'hs1008_lmm4.report.html'));
    const tip = await hoverTopHit(page);
    expect(tip).toContain(summary.topHits[0].rs);
    expect(tip).toContain(`${summary.topHits[0].chr}:${summary.topHits[0].ps}`);
    expect(tip).toMatch(/beta = .*se = /);
    // Sort the table by SNP id, descending after two clicks.
    const firstCell = () => page.locator('#hits tbody tr:first-child td:nth-child(2)').innerText();
    expect(await firstCell()).toBe(summary.topHits[0].rs);
    const rsHeader = page.locator('#hits th:nth-child(2)');
    await rsHeader.click();
    await rsHeader.click();
    expect(await rsHeader.getAttribute('aria-sort')).toBe('descending');
    await page.screenshot({ path: join(out, 'hs1008-report.png'), fullPage: true });
    expect(problems.errors).toEqual([]);
    expect(problems.requests).toEqual([]);
    await page.close();
  });

  it('1,000,000 SNPs: loads in under 2 s, hover and chromosome zoom work', async () => {
    const assoc = join(out, 'million.assoc.txt');
    const top = await writeSyntheticAssoc(assoc, { rows: 1_000_000, hits: 40, nanRows: 20, seed: 5 });
    await writeReport(assoc, { outDir: out, outPrefix: 'million' });
    const html = join(out, 'million.report.html');
    const size = statSync(html).size;
    expect(size).toBeLessThan(5 * 1024 * 1024);
    // First load warms the browser; the timed one is the second, in a fresh tab.
    const warm = await openReport(html);
    await warm.page.close();
    const { page, problems, loadMs } = await openReport(html);
    const renderMs = await page.evaluate(
      () => (window as unknown as { lmmscanReport: { renderMs: number } }).lmmscanReport.renderMs,
    );
    console.log(
      `1e6-SNP report: ${(size / 1024).toFixed(0)} KiB, load ${loadMs.toFixed(0)} ms (script ${renderMs.toFixed(0)} ms)`,
    );
    expect(loadMs).toBeLessThan(2000);
    expect(await hoverTopHit(page)).toContain(top.topRs);
    await page.screenshot({ path: join(out, 'million-report.png'), fullPage: true });
    copyFileSync(join(out, 'million-report.png'), '/tmp/lmmscan-report.png');
    // Click chromosome 1 (leftmost band of the plot) to zoom in, then Escape to zoom out.
    const box = (await page.locator('#manhattan').boundingBox())!;
    await page.mouse.move(box.x + 70, box.y + box.height - 60);
    await page.mouse.click(box.x + 70, box.y + box.height - 60);
    await expect.poll(() => page.locator('#view-label').innerText()).toBe('Chromosome 1');
    await page.screenshot({ path: join(out, 'million-chr1.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#view-label').innerText()).toBe('All chromosomes');
    expect(problems.errors).toEqual([]);
    expect(problems.requests).toEqual([]);
    await page.close();
  });
});
