/**
 * The --traits summary report from assoc files: lambda_GC and hit counts per trait (checked against
 * the files themselves), --keep-p files (lambda unknown, counts above P unknown), the hit map's
 * marks (one per hit SNP, red at or below the genome-wide line) and the page.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAssocTable } from '../../src/report/assoc-table.js';
import { genomicControlFromSorted } from '../../src/report/normal-quantile.js';
import { sortedFinite } from '../../src/report/scan-results.js';
import { readTraitColumns } from '../../src/report/trait-file.js';
import { writeTraitsReport } from '../../src/report/traits-report.js';
import { InputError } from '../../src/io/input-error.js';
import { scratchDir } from '../helpers/paths.js';
import { writeSyntheticAssoc } from './synthetic-assoc.js';

const out = scratchDir('traits-report');

describe('traits summary report', () => {
  it('per trait: lambda_GC, hits at each line and loci; the hit map and the page', async () => {
    const rows = 20_000;
    const paths = [1, 2, 3].map((k) => join(out, `t.trait${k}.assoc.txt`));
    const truths = [];
    for (let k = 0; k < 3; k++)
      truths.push(await writeSyntheticAssoc(paths[k], { rows, peaks: 2 * k, peakWidth: 4, seed: 30 + k }));
    const inputs = paths.map((assocPath, k) => ({
      column: k + 1,
      assocPath,
      nAnalysed: 100,
      snpsTested: rows,
    }));
    const outputs = await writeTraitsReport(inputs, { outDir: out, outPrefix: 't' });
    expect(outputs.map((o) => o.slice(out.length + 1))).toEqual([
      't.traits.hits.svg',
      't.traits.hits.png',
      't.traits.summary.json',
      't.traits.report.html',
    ]);
    // A scan's report (no --png): the same files but the PNG, which is not written.
    const svgOnly = await writeTraitsReport(inputs, { outDir: out, outPrefix: 'nopng', png: false });
    expect(svgOnly.map((o) => o.slice(out.length + 1))).toEqual([
      'nopng.traits.hits.svg',
      'nopng.traits.summary.json',
      'nopng.traits.report.html',
    ]);
    expect(existsSync(join(out, 'nopng.traits.hits.png'))).toBe(false);
    expect(readFileSync(join(out, 'nopng.traits.hits.svg'), 'utf8')).toMatch(/^<svg [^>]*>\n/);
    const summary = JSON.parse(readFileSync(join(out, 't.traits.summary.json'), 'utf8'));
    expect(summary.traits).toHaveLength(3);
    for (let k = 0; k < 3; k++) {
      const table = await readAssocTable(paths[k]);
      const p = Array.from(table.p.wald!);
      const t = summary.traits[k];
      expect(t).toMatchObject({
        trait: k + 1,
        snpsTested: rows,
        test: 'wald',
        genomeWideLine: 5e-8,
        suggestiveLine: 1e-5,
      });
      expect(t.lambdaGC).toBeCloseTo(genomicControlFromSorted(sortedFinite(table.p.wald!)), 12);
      expect(t.hitsGenomeWide).toBe(p.filter((v) => v <= 5e-8).length);
      expect(t.hitsSuggestive).toBe(p.filter((v) => v <= 1e-5).length);
      // Each peak is a locus of 9 SNPs; a stray null p below 1e-5 may add one more.
      expect(t.loci - 2 * k).toBeGreaterThanOrEqual(0);
      expect(t.loci - 2 * k).toBeLessThanOrEqual(1);
      if (k > 0) expect(t.best.rs).toBe([...truths[k].peaks].sort((a, b) => a.p - b.p)[0].rs);
    }
    const svg = readFileSync(join(out, 't.traits.hits.svg'), 'utf8');
    const group = (cls: string) =>
      (svg.match(new RegExp(`<g class="${cls}"[^>]*>([\\s\\S]*?)</g>`))![1].match(/<circle/g) ?? []).length;
    const strong = summary.traits.reduce(
      (a: number, t: { hitsGenomeWide: number }) => a + t.hitsGenomeWide,
      0,
    );
    const all = summary.traits.reduce((a: number, t: { hitsSuggestive: number }) => a + t.hitsSuggestive, 0);
    // Marks on the same spot are drawn once, so at most one per hit SNP and at least one per locus.
    expect(group('genome-wide-hits')).toBeGreaterThan(0);
    expect(group('genome-wide-hits')).toBeLessThanOrEqual(strong);
    expect(group('genome-wide-hits') + group('suggestive-hits')).toBeLessThanOrEqual(all);
    expect(group('genome-wide-hits') + group('suggestive-hits')).toBeGreaterThanOrEqual(
      summary.traits.reduce((a: number, t: { loci: number }) => a + t.loci, 0),
    );
    const png = readFileSync(join(out, 't.traits.hits.png'));
    expect(png.readUInt32BE(16)).toBe(2200);
    const html = readFileSync(join(out, 't.traits.report.html'), 'utf8');
    expect(html.match(/<tr><td>/g)).toHaveLength(3);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script[^>]+src=|<link\b|url\(/i);
  });

  it('--keep-p files: lambda_GC and counts above P are n/a, counts below P exact', async () => {
    const full = join(out, 'full.assoc.txt');
    await writeSyntheticAssoc(full, { rows: 10_000, peaks: 2, peakWidth: 3, seed: 8 });
    const [header, ...lines] = readFileSync(full, 'utf8').trimEnd().split('\n');
    const pCol = header.split('\t').indexOf('p_wald');
    const kept = lines.filter((l) => Number(l.split('\t')[pCol]) <= 1e-6);
    const cut = join(out, 'k.trait1.assoc.txt');
    writeFileSync(cut, [header, ...kept].join('\n') + '\n');
    await writeTraitsReport([{ column: 1, assocPath: cut, nAnalysed: 50, snpsTested: 10_000 }], {
      outDir: out,
      outPrefix: 'k',
      keepP: 1e-6,
    });
    const summary = JSON.parse(readFileSync(join(out, 'k.traits.summary.json'), 'utf8'));
    const t = summary.traits[0];
    expect(t.lambdaGC).toBeNull();
    expect(t.hitsGenomeWide).toBe(kept.filter((l) => Number(l.split('\t')[pCol]) <= 5e-8).length);
    expect(t.hitsSuggestive).toBeNull();
    expect(t.loci).toBeNull();
    expect(summary.notes.join(' ')).toMatch(/lambda_GC is n\/a where --keep-p 0.000001/);
    expect(readFileSync(join(out, 'k.traits.report.html'), 'utf8')).toContain('<td>n/a</td>');
  });

  it('the lean trait-file reader agrees with the full assoc reader, also on CRLF lines and nan rows', async () => {
    const path = join(out, 'lean.assoc.txt');
    await writeSyntheticAssoc(path, {
      rows: 3_000,
      peaks: 2,
      nanRows: 5,
      seed: 12,
      chromosomes: ['1', '2', 'X'],
    });
    const full = await readAssocTable(path);
    for (const [file, requested] of [
      [path, undefined],
      [path, 'lrt'],
    ] as const) {
      const lean = readTraitColumns(file, requested);
      expect(lean.test).toBe(requested ?? 'wald');
      expect(lean.rows).toBe(full.rows);
      expect(lean.chromosomes).toEqual(full.chromosomes);
      expect(lean.chrIndex).toEqual(full.chrIndex);
      expect(lean.pos).toEqual(full.pos);
      expect(lean.p).toEqual(full.p[requested ?? 'wald']);
      for (const k of [0, 1, 1234, full.rows - 1]) expect(lean.rs(k)).toBe(full.rs(k));
    }
    const crlf = join(out, 'crlf.assoc.txt');
    writeFileSync(crlf, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
    const fromCrlf = readTraitColumns(crlf);
    expect(fromCrlf.p).toEqual(full.p.wald);
    expect(fromCrlf.rs(7)).toBe(full.rs(7));
    const short = join(out, 'short.assoc.txt');
    writeFileSync(short, 'chr\trs\tps\tp_wald\n1\trs1\t100\t0.5\n1\trs2\n');
    expect(() => readTraitColumns(short)).toThrow(InputError);
    expect(() => readTraitColumns(short)).toThrow(
      /short\.assoc\.txt:3: expected at least 4 tab-separated fields, found 2/,
    );
  });
});
