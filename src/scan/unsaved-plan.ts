/**
 * The blocks of a scan that writes no checkpoint folder, kept in memory until the merge: the stand-in
 * for LocalPlan (local-plan.ts) when the scan is a single block without --loco, or a short -lm or mvLMM
 * scan. A killed run of one block has saved no block, so a resume would rescan it all anyway, a short -lm
 * scan tests its SNPs in less time than its checkpoint takes to write, and a short mvLMM scan in a few
 * seconds, which a killed run loses at most; without the folder the run skips
 * hashing its inputs for plan.json, writing and syncing plan.json and the block's shard file, and
 * removing them again. The outputs are the same bytes, assembled the same way and written as
 * atomically (synced, then renamed).
 */
import { dirname } from 'node:path';
import { syncFolder, writeTogether } from '../io/atomic-file.js';
import type { AnalysisKind } from '../io/assoc-format.js';
import type { BlockTraitStats } from './block-format.js';
import type { BlockResults, OutputTarget, SavedNullModel } from './phase-merge.js';
import { manifestRecords, parseExact, stringifyExact, type PlanManifest } from './plan-folder.js';
import type { ScanUnit } from './units.js';

const NO_ROWS = new Uint8Array(0);

/**
 * Genotypes (SNPs x analysed individuals) of the largest -lm scan that keeps its blocks in memory: its tests take
 * well under a second (BXD's 0.5 M, about 40 ms), while writing, syncing and removing a checkpoint folder of a
 * few blocks took a tenth of a BXD -lm run.
 */
export const SHORT_LM_GENOTYPES = 1 << 24;
/** SNPs of the largest -lm scan that keeps its blocks in memory: their rows take about 15 MB at most. */
export const SHORT_LM_SNPS = 1 << 17;

/**
 * SNPs x analysed individuals x traits^2 of the largest mvLMM scan that keeps its blocks in memory: at n = 1,461,
 * 5,000 SNPs of 2 traits (29 M) test in about 2 s of CPU (1.7 s on two cores), 3 traits (66 M) in about 4 s, while
 * the checkpoint folder (hashing 55 MB of inputs on a thread of its own, plan.json, a synced shard per block) cost
 * such a run 0.1-0.2 s of CPU. A larger n adds rotation work per SNP (n^2), but then the eigendecomposition that
 * every resume repeats (n^3) outweighs a scan of this size.
 */
export const SHORT_MV_WORK = 1 << 26;

/** What decides whether a scan keeps its blocks in memory instead of a checkpoint folder. */
interface ScanSize {
  totalBlocks: number;
  loco: boolean;
  kind: AnalysisKind;
  snps: number;
  nAnalysed: number;
  /** Traits a unit fits together (an mvLMM's d; 1 otherwise). */
  traits: number;
}

/**
 * Whether a scan keeps its blocks in memory instead of a checkpoint folder. Never more likely for a larger
 * scan: given upper bounds of its SNPs and blocks, true means that the scan itself will keep no folder.
 */
export function scansWithoutCheckpoint({
  totalBlocks,
  loco,
  kind,
  snps,
  nAnalysed,
  traits,
}: ScanSize): boolean {
  // --loco saves each chromosome's null model as it is fitted: a resume skips those fits even within one block.
  if (loco) return false;
  const shortLm = kind === 'lm' && snps * nAnalysed <= SHORT_LM_GENOTYPES && snps <= SHORT_LM_SNPS;
  const shortMv = kind === 'mvlmm' && snps * nAnalysed * traits * traits <= SHORT_MV_WORK;
  return totalBlocks === 1 || shortLm || shortMv;
}

export class UnsavedPlan {
  private manifest: PlanManifest | undefined;
  private readonly texts: Map<string, Uint8Array>[] = [];
  /** Each block's trait statistics as the JSON a shard file holds (read back the same way). */
  private readonly stats: string[] = [];
  private readonly fitted = new Map<string, SavedNullModel>();

  constructor(private readonly totalBlocks: number) {}

  /** Every block: none is kept from an earlier run. */
  missing(): number[] {
    return Array.from({ length: this.totalBlocks }, (_, k) => k);
  }

  /** Keeps the manifest, whose null models the merge reads (records()). */
  start(manifest: () => PlanManifest): void {
    this.manifest ??= manifest();
  }

  /** Keeps block k (its texts are not reused by the scan once handed over). */
  writeBlock(
    k: number,
    texts: Map<string, Uint8Array>,
    stats: Record<string, BlockTraitStats>,
  ): Promise<void> {
    this.texts[k] = texts;
    this.stats[k] = JSON.stringify(stats);
    return Promise.resolve();
  }

  /** Keeps null models fitted during the scan, as LocalPlan saves them. */
  writeRecords(records: Array<[key: string, record: SavedNullModel]>): Promise<void> {
    // Through the JSON a record file holds, so that they read back as LocalPlan's do.
    for (const [key, record] of records)
      this.fitted.set(key, parseExact<SavedNullModel>(stringifyExact(record)));
    return Promise.resolve();
  }

  /** The null models: the manifest's, and those kept by writeRecords(). */
  records(units: readonly ScanUnit[]): Map<string, SavedNullModel> {
    const out = this.manifest ? manifestRecords(this.manifest, units) : new Map<string, SavedNullModel>();
    for (const [key, record] of [...this.fitted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      out.set(key, record);
    return out;
  }

  /** Every block, for the merge, and each output's bytes (content()) for a report that reads it. */
  results(): BlockResults & { close(): void } {
    return {
      stats: <T>(k: number): T | undefined =>
        this.stats[k] === undefined ? undefined : (JSON.parse(this.stats[k]) as T),
      assemble: async (targets: OutputTarget[], total: number): Promise<void> => {
        // Synced together off this thread, then renamed, as the checkpoint's merge does.
        await writeTogether(
          targets.map((t) => t.path),
          (writers) =>
            writers.forEach((w, j) => {
              const t = targets[j]!;
              w.write(t.header);
              for (let k = 0; k < total; k++) {
                const block = this.texts[k];
                if (!block) throw new Error(`internal: block ${k} was not scanned`);
                w.write(block.get(t.id) ?? NO_ROWS);
              }
            }),
        );
        for (const folder of new Set(targets.map((t) => dirname(t.path)))) syncFolder(folder);
      },
      content: (target: OutputTarget, total: number): Uint8Array =>
        Buffer.concat([
          Buffer.from(target.header),
          ...Array.from({ length: total }, (_, k) => this.texts[k]?.get(target.id) ?? NO_ROWS),
        ]),
      close: () => undefined,
    };
  }

  /** Drops the blocks. */
  discard(): void {
    this.texts.length = 0;
    this.stats.length = 0;
  }
}
