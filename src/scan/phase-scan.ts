/**
 * Phase 2 of a scan: streams a contiguous range of SNP blocks from the genotype file through the
 * engine against the prepared units, and hands each finished block (one text per output and the
 * trait statistics) to a sink: the local checkpoint, or a cluster shard file.
 */
import type { Engine } from '../engines/engine.js';
import type { GenotypeSource } from '../io/genotypes.js';
import { formatComputedBlock, type BlockTraitStats } from './block-format.js';
import {
  computeGenotypeBlock,
  EngineClock,
  recycleComputedBlock,
  activeUnit,
  type ActiveUnit,
  type ComputedBlock,
} from './block-scan.js';
import type { ScanSetup } from './phase-prepare.js';
import type { PreparedUnit, ScanUnit } from './units.js';

/**
 * Receives block k's texts (every output id of every unit: the bytes of its rows in its .assoc.txt,
 * empty when none) and statistics, in block order; the next block waits for a returned promise.
 */
export type BlockSink = (
  k: number,
  texts: Map<string, Uint8Array>,
  stats: Record<string, BlockTraitStats>,
) => void | Promise<void>;

const NO_ROWS = new Uint8Array(0);

/** Where prepared units come from: computed here (local) or read from a plan folder (cluster). */
export interface UnitModels {
  get(unit: ScanUnit): Promise<PreparedUnit>;
  /** Frees a unit whose last SNP is behind the scan (LOCO: one chromosome's eigenvectors). */
  release(unit: ScanUnit): void;
}

/** Engine time spent in the range, milliseconds. */
export interface RangeTimes {
  rotateMs: number;
  testMs: number;
}

/** Scans blocks [firstBlock, endBlock) of setup.union, reading the genotypes from `source`. */
export async function scanBlockRange(
  setup: ScanSetup,
  source: GenotypeSource,
  engine: Engine,
  firstBlock: number,
  endBlock: number,
  models: UnitModels,
  sink: BlockSink,
  progress?: { update(done: number): void },
): Promise<RangeTimes> {
  const { blockSize, union, units, kind, mode, config } = setup;
  const times: RangeTimes = { rotateMs: 0, testMs: 0 };
  if (endBlock <= firstBlock) return times;
  let position = firstBlock * blockSize;
  const end = Math.min(union.length, endBlock * blockSize);
  // Two blocks in flight: while the engine's threads test block k, this thread reads block k+1 and
  // formats block k-1. Sinks still see the blocks in order.
  let pending: { k: number; end: number; work: Promise<ComputedBlock> } | undefined;
  const clock = new EngineClock();
  const finish = async (done: { k: number; end: number; work: Promise<ComputedBlock> }) => {
    const computed = await done.work;
    const outcome = await formatComputedBlock(computed, kind, mode, config.keepP);
    for (const unit of units)
      for (const id of unit.outputIds) if (!outcome.texts.has(id)) outcome.texts.set(id, NO_ROWS);
    await sink(done.k, outcome.texts, outcome.stats);
    recycleComputedBlock(computed);
    times.rotateMs += outcome.rotateMs;
    times.testMs += outcome.testMs;
    progress?.update(done.end);
  };
  // Each unit's plan is loaded on the engine when its first block comes and released after its last.
  const loaded = new Map<ScanUnit, ActiveUnit>();
  const activate = async (unit: ScanUnit): Promise<ActiveUnit> => {
    let active = loaded.get(unit);
    if (!active) {
      const prepared = await models.get(unit);
      active = activeUnit(prepared, kind === 'lmm' && prepared.plan ? engine.loadPlan(prepared.plan) : null);
      // A multivariate unit's U stays on the engine between its blocks (rotate's key), until release().
      if (prepared.mvPlan) active.rotationKey = prepared.mvPlan.rotationKey ?? {};
      loaded.set(unit, active);
    }
    return active;
  };
  const release = async (unit: ScanUnit) => {
    const active = loaded.get(unit);
    loaded.delete(unit);
    await active?.loaded?.release();
    if (active?.rotationKey) await engine.releaseRotation?.(active.rotationKey);
  };
  try {
    for await (const block of source.blocks(blockSize, union.subarray(position, end))) {
      const k = position / blockSize;
      const active: ActiveUnit[] = [];
      for (const unit of units) {
        let touches = false;
        for (let j = 0; j < block.count && !touches; j++) touches = unit.rowOfPosition[position + j] >= 0;
        if (touches) active.push(await activate(unit));
      }
      const work = computeGenotypeBlock(block, position, active, engine, kind, mode, clock);
      work.catch(() => undefined); // awaited in finish(); an error elsewhere first must not leave it unhandled
      if (pending) await finish(pending);
      // A LOCO unit whose last SNP is before this block releases its plan and eigenvectors.
      if (config.loco) {
        for (const unit of units) {
          if (unit.lastPosition >= position) continue;
          await release(unit);
          models.release(unit);
        }
      }
      pending = { k, end: position + block.count, work };
      position += block.count;
    }
    if (pending) await finish(pending);
  } finally {
    await pending?.work.catch(() => undefined);
    for (const unit of [...loaded.keys()]) await release(unit);
  }
  return times;
}

/** Blocks [first, end) of shard `shard` (1-based) of `shards`: contiguous, as even as whole blocks allow. */
export function shardBlockRange(
  shard: number,
  shards: number,
  totalBlocks: number,
): { first: number; end: number } {
  return {
    first: Math.floor(((shard - 1) * totalBlocks) / shards),
    end: Math.floor((shard * totalBlocks) / shards),
  };
}
