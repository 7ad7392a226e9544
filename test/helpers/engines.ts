/** The engines every parity test runs against (each must give GEMMA's numbers). */
import type { EngineChoice } from '../../src/scan/config.js';

export const PARITY_ENGINES: EngineChoice[] = ['ts'];
