/** Chooses the engine once, at the top of a run. */
import type { EngineChoice } from '../scan/config.js';
import type { Engine } from './engine.js';
import { TsEngine } from './ts/ts-engine.js';

export interface EngineSelection {
  engine: Engine;
  /** Why this engine was chosen (goes to the log). */
  reason: string;
}

/** Creates the requested engine; `auto` takes the fastest one available on this machine. */
export async function createEngine(choice: EngineChoice, _options: { threads?: number } = {}): Promise<EngineSelection> {
  switch (choice) {
    case 'ts':
      return { engine: new TsEngine(), reason: 'requested' };
    case 'auto':
      return { engine: new TsEngine(), reason: 'auto: only the TypeScript engine is built in this version' };
    default:
      throw new Error(`engine "${choice}" is not available in this build`);
  }
}
